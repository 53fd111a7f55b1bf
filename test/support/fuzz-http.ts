import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { weirdString } from './fuzz-values';

/** Who sends a request: a token of the test organisation, none, or one that is not a token. */
export type TokenKind = 'admin' | 'installer' | 'customer' | 'none' | 'garbage';

/** One request of the fuzz, as sent over HTTP. */
export interface FuzzRequest {
  /** The operation (`Mutation.submitClaim`) or the HTTP-level case (`http:bad-json`). */
  operation: string;
  method: string;
  /** `?query=…` for a GET, else ''. */
  search: string;
  headers: Record<string, string>;
  body?: string;
  token: TokenKind;
}

export const token: fc.Arbitrary<TokenKind> = fc.oneof(
  { weight: 30, arbitrary: fc.constant('admin' as const) },
  { weight: 4, arbitrary: fc.constant('installer' as const) },
  { weight: 5, arbitrary: fc.constant('customer' as const) },
  { weight: 1, arbitrary: fc.constant('none' as const) },
  { weight: 1, arbitrary: fc.constant('garbage' as const) },
);

const JSON_TYPE = { 'content-type': 'application/json' };
const LOOKUP = 'query($s: String!) { warranty(serialNumber: $s) { id status } }';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const post = (operation: string, body: unknown, headers: Record<string, string> = JSON_TYPE) =>
  ({ operation, method: 'POST', search: '', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

/**
 * Requests that are malformed at the HTTP level: the body, the content type, the method, the operation type and
 * the protocol extensions (automatic persisted queries) a client may get wrong. Each one needs a typed 4xx.
 */
export function httpCases(serial: string): fc.Arbitrary<Omit<FuzzRequest, 'token'>> {
  const good = { query: LOOKUP, variables: { s: serial } };
  const getWith = (operation: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
    ({ operation, method: 'GET', search: `?${new URLSearchParams(params)}`, headers });
  return fc.oneof(
    // The body.
    fc.oneof(weirdString, fc.constantFrom('{', '{"query": ', '[', 'null', '""', '1', 'true', '{"query": null}', '{"query": 1}', '{"query": ["x"]}', '\u0000', '{"query":"{ __typename }"}}'))
      .map((body) => post('http:bad-json', body)),
    fc.constantFrom({}, [], [good], [good, good], { query: LOOKUP, variables: 'x' }, { query: LOOKUP, variables: [serial] }, { query: LOOKUP, operationName: 1 },
      { query: LOOKUP, operationName: 'Nope' }, { query: '{ __typename }', extensions: 'x' }, { query: '{ __typename }', extensions: { x: { y: 1 } } })
      .map((body) => post('http:bad-body', body)),
    // The content type.
    fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', 'application/json; charset=latin1', '', 'application/jsonx')
      .map((type) => post('http:content-type', good, type ? { 'content-type': type } : {})),
    // Subscriptions are not served.
    fc.constantFrom('subscription { __typename }', 'subscription S { warranty(serialNumber: "x") { id } }', 'subscription { nope }')
      .map((query) => post('http:subscription', { query })),
    // Automatic persisted queries: a hash that is not the query's, version 2, an unknown hash alone, junk.
    fc.constantFrom(
      { query: LOOKUP, variables: { s: serial }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('another query') } } },
      { query: LOOKUP, variables: { s: serial }, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(LOOKUP) } } },
      { variables: { s: serial }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256('never sent') } } },
      { variables: { s: serial }, extensions: { persistedQuery: { version: 2, sha256Hash: sha256(LOOKUP) } } },
      { query: LOOKUP, variables: { s: serial }, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LOOKUP) } } },
      { query: LOOKUP, extensions: { persistedQuery: { version: 1, sha256Hash: 'x' } } },
      { query: LOOKUP, extensions: { persistedQuery: { version: '1', sha256Hash: 1 } } },
      { query: LOOKUP, extensions: { persistedQuery: null } },
      { query: LOOKUP, extensions: { persistedQuery: 'x' } },
      { extensions: { persistedQuery: {} } },
    ).map((body) => post('http:persisted-query', body)),
    // GET: a query, a mutation (refused on GET), bad variables, no preflight header.
    fc.constantFrom(
      getWith('http:get', { query: LOOKUP, variables: JSON.stringify({ s: serial }) }, { 'apollo-require-preflight': 'true' }),
      getWith('http:get', { query: LOOKUP, variables: JSON.stringify({ s: serial }) }),
      getWith('http:get', { query: '{ __typename }' }, { 'content-type': 'application/json' }),
      getWith('http:get', { query: 'mutation { evaluateTelemetry(input: { dryRun: true }) { voided } }' }, { 'apollo-require-preflight': 'true' }),
      getWith('http:get', { query: LOOKUP, variables: '{' }, { 'apollo-require-preflight': 'true' }),
      getWith('http:get', { query: LOOKUP, extensions: '{"persistedQuery":{"version":2}}' }, { 'apollo-require-preflight': 'true' }),
      getWith('http:get', { query: 'subscription { __typename }' }, { 'apollo-require-preflight': 'true' }),
      { operation: 'http:get', method: 'GET', search: '?query=%', headers: { 'apollo-require-preflight': 'true' } },
      { operation: 'http:get', method: 'GET', search: '', headers: { accept: '*/*' } },
    ),
    // Other methods.
    fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS').map((method) => ({ ...post('http:method', good), method })),
  );
}
