import type { ApolloServerPlugin } from '@apollo/server';
import {
  coerceInputValue, GraphQLError, isInputType, isNonNullType, print, typeFromAST, type GraphQLFormattedError,
} from 'graphql';
import { DATABASE_TIMEOUT, databaseFailureCode, SERVICE_UNAVAILABLE } from '../common/db-errors';
import { requestStopped } from '../common/request-stopped';

export { DATABASE_TIMEOUT, SERVICE_UNAVAILABLE };

/**
 * What the client is told for a code that a cause (not our code) gave an error, and the HTTP status a response
 * carrying it has as a whole. One such error stands for all of its kind in a response (see graphqlErrorsPlugin).
 */
const RETRYABLE: Record<string, { message: string; status: number; retryAfter?: string }> = {
  [SERVICE_UNAVAILABLE]: { message: 'the database is unavailable; retry later', status: 503, retryAfter: '5' },
  [DATABASE_TIMEOUT]: { message: 'the database did not answer in time; nothing was changed, retry', status: 504 },
};

/**
 * Errors Apollo Server raises without a code for a client's mistake (its requestPipeline), by their message:
 * a persisted-query extension whose hash is not the query's, or whose version is not 1.
 */
const APOLLO_UNTYPED: ReadonlyMap<string, string> = new Map([
  ['provided sha does not match query', 'BAD_REQUEST'],
  ['Unsupported persisted query version', 'PERSISTED_QUERY_NOT_SUPPORTED'],
]);

/**
 * The code an error reaches the client with: the one we (or Apollo) gave it; for a database failure
 * SERVICE_UNAVAILABLE or DATABASE_TIMEOUT, or the request's stop code if it had been stopped already
 * (`databaseFailureCode`); a typed code for Apollo's untyped client errors; else INTERNAL_SERVER_ERROR (a bug of
 * ours). The request log uses it too.
 */
export function errorCode(error: unknown): string {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const code = graphqlError?.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return code;
  const database = databaseFailureCode(graphqlError ? (graphqlError.originalError ?? graphqlError) : error);
  if (database) return database;
  const apollo = graphqlError && !graphqlError.originalError ? APOLLO_UNTYPED.get(graphqlError.message) : undefined;
  return apollo ?? 'INTERNAL_SERVER_ERROR';
}

/** Errors we did not raise on purpose reach clients as a bare INTERNAL_SERVER_ERROR: no stack, no SQL. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const given = formatted.extensions?.code;
  const derived = given === 'INTERNAL_SERVER_ERROR' || given === undefined;
  const code = derived ? errorCode(error) : (given as string);
  if (code === 'INTERNAL_SERVER_ERROR') {
    return { message: 'Internal server error', path: formatted.path, extensions: { code } };
  }
  const retryable = RETRYABLE[code];
  if (retryable) return { message: retryable.message, path: formatted.path, extensions: { code, retryable: true } };
  if (derived && (code === 'REQUEST_TIMEOUT' || code === 'CLIENT_CLOSED_REQUEST')) {
    const stopped = requestStopped(code);
    return { message: stopped.message, path: formatted.path, extensions: { ...stopped.extensions } };
  }
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions: { ...extensions, code } };
}

/**
 * The causes that hit a request as a whole rather than one field: the database timed out or went away, the
 * request's deadline passed (limits.ts, statement-budget.ts), its client went away.
 */
const REQUEST_WIDE = new Set([SERVICE_UNAVAILABLE, DATABASE_TIMEOUT, 'REQUEST_TIMEOUT', 'CLIENT_CLOSED_REQUEST']);

/**
 * One error per request-wide cause: when one hits many fields at once (500 `_entities`, a page of records),
 * the response carries the first such error with `count` = how many fields failed alike, instead of one error
 * per field (a deadline gave 119,225). Other errors are kept as they are, in order.
 */
function collapseRequestWide(errors: readonly GraphQLFormattedError[]): GraphQLFormattedError[] | null {
  const first = new Map<string, number>();
  const counts = new Map<string, number>();
  const kept: GraphQLFormattedError[] = [];
  for (const error of errors) {
    const code = error.extensions?.code;
    if (typeof code !== 'string' || !REQUEST_WIDE.has(code)) {
      kept.push(error);
      continue;
    }
    counts.set(code, (counts.get(code) ?? 0) + 1);
    if (!first.has(code)) {
      first.set(code, kept.length);
      kept.push(error);
    }
  }
  if (kept.length === errors.length) return null;
  for (const [code, index] of first) {
    const count = counts.get(code)!;
    if (count > 1) kept[index] = { ...kept[index], extensions: { ...kept[index].extensions, count } };
  }
  return kept;
}

/**
 * What graphql-js and Apollo leave to us around the errors:
 * - Variables are coerced here, before execution, so that a bad value (a Date out of range, an Int too large,
 *   a missing field) is refused as BAD_USER_INPUT with `field` = the variable path (["input", "sale",
 *   "invoiceDate"]); graphql-js would say the same in words only. The first problem is reported, HTTP 400.
 * - A subscription is refused as BAD_REQUEST, HTTP 400.
 * - A response carrying SERVICE_UNAVAILABLE is an HTTP 503 as a whole, with Retry-After; one carrying
 *   DATABASE_TIMEOUT (and no outage) an HTTP 504. Each of the two appears once, with its `count`.
 */
export const graphqlErrorsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, operation, schema }) {
        // graphql-js 16 validates a subscription against a schema that has none and fails it while executing
        // (an internal error, HTTP 200): this subgraph has no subscriptions, and HTTP could not carry them.
        if (operation?.operation === 'subscription') {
          throw new GraphQLError('subscriptions are not supported: this subgraph serves queries and mutations over HTTP', {
            nodes: operation,
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
        const given = request.variables ?? {};
        for (const definition of operation?.variableDefinitions ?? []) {
          const name = definition.variable.name.value;
          const type = typeFromAST(schema, definition.type);
          if (!type || !isInputType(type)) continue; // validation has refused the document already
          const refuse = (path: readonly (string | number)[], message: string) => {
            const field = [name, ...path.map(String)];
            throw new GraphQLError(`$${name}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${message}`, {
              nodes: definition,
              extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
            });
          };
          if (!Object.hasOwn(given, name)) {
            if (isNonNullType(type) && !definition.defaultValue) refuse([], `a value of type ${print(definition.type)} is required`);
            continue;
          }
          coerceInputValue(given[name], type, (path, _invalid, error) => refuse(path, error.message));
        }
      },
      async willSendResponse({ response }) {
        const result = response.body.kind === 'single' ? response.body.singleResult : response.body.initialResult;
        if (!result.errors) return;
        const collapsed = collapseRequestWide(result.errors);
        if (collapsed) result.errors = collapsed;
        // An outage (503) wins over a timeout (504): the first says when to come back.
        const worst = [SERVICE_UNAVAILABLE, DATABASE_TIMEOUT].find((code) => result.errors!.some((e) => e.extensions?.code === code));
        if (!worst) return;
        const { status, retryAfter } = RETRYABLE[worst];
        response.http.status = status;
        if (retryAfter) response.http.headers.set('retry-after', retryAfter);
      },
    };
  },
};
