/**
 * The GraphQL route (`/`): the playground or the explanation for a GET without a query, then the body (read under
 * the request's deadline and size bound), the shape gate, a planned read's fast path, and Apollo Server for the
 * rest. http-server.ts routes to it with the raw request and response (the reply is hijacked), so that the body's
 * 408/413 answers, the compression and the planned reads stay exactly as they were on bare node:http.
 */
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import Negotiator from 'negotiator';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenVerifier } from '../auth/tokens';
import type { RequestLimits } from '../config';
import { createRequestContext, type RequestContext } from '../context';
import { READ_PRIMARY_HEADER, readFromReplica } from '../db/read-routing';
import type { RepresentationCheck } from '../federation/representations';
import type { Services } from '../services';
import { identify } from './authentication';
import { formatError } from './graphql-errors';
import type { HeavySlots } from './heavy-slots';
import { readBodyBytes, sendJson } from './http-body';
import { COMPRESS_THRESHOLD_BYTES, compressAnswer } from './http-compression';
import { answerPlannedRead } from './planned-answers';
import type { PlannedRead } from './planned-reads';
import { aboutText, isLoopback, type PlaygroundPages } from './playground';
import { logRequest } from './request-log';
import { needsGeneralPath, type DeclaredPlugin, type HeaderOf } from './server-plugins';
import type { createShapeGate } from './shape-gate';

/** An operation over a shape limit, refused before Apollo Server: the answer and the log line Apollo would give. */
function refuseShape(response: ServerResponse, requestId: string, errors: readonly GraphQLError[], started: bigint): void {
  const code = 'GRAPHQL_VALIDATION_FAILED';
  const formatted = errors.map((error) => {
    const json = error.toJSON();
    return formatError({ ...json, extensions: { ...json.extensions, code } }, error);
  });
  logRequest({ operation: null, started, status: 400, errors: { [code]: errors.length } });
  sendJson(response, 400, { errors: formatted }, { 'x-request-id': requestId });
}

/** What Apollo Server answers a single result with, for the `accept` headers a planned read takes. */
const PLANNED_CONTENT_TYPE = 'application/json; charset=utf-8';
/** `accept` values for which Apollo Server's negotiation gives PLANNED_CONTENT_TYPE, spelled plainly. */
const PLAIN_ACCEPT = new Set(['*/*', 'application/json']);

/**
 * A request a plan may answer: a POST of a JSON object that Apollo Server would take as it is (no persisted-query
 * extensions, an operationName that names the plan's operation if given) and whose `accept` gets the plain JSON
 * answer. Anything else goes through Apollo, which knows every other case.
 */
function plannedRequest(plan: PlannedRead, plugins: readonly DeclaredPlugin[], method: string | undefined, header: HeaderOf, body: unknown) {
  if (method !== 'POST' || !header('content-type')?.startsWith('application/json')) return null;
  // A plugin that must see this request (the federated trace a gateway asks for) takes it through Apollo.
  if (needsGeneralPath(plugins, header)) return null;
  const accept = header('accept');
  if (accept !== undefined && !accept.split(',').every((range) => PLAIN_ACCEPT.has(range.trim()))) return null;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const { operationName, variables, extensions } = body as Record<string, unknown>;
  if (extensions !== undefined && extensions !== null) return null;
  if (operationName !== undefined && operationName !== null && operationName !== plan.operationName) return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  return {
    plan,
    variables: (variables ?? undefined) as Record<string, unknown> | undefined,
    // The request log names the operation the client named, as Apollo's does.
    operationName: typeof operationName === 'string' ? operationName : null,
  };
}

/** A browser's navigation: its Accept names text/html (curl's `*\/*` does not). */
function wantsHtml(request: IncomingMessage): boolean {
  return new Negotiator(request).mediaTypes().includes('text/html');
}

export interface GraphqlRouteOptions {
  services: Services;
  verifyToken: TokenVerifier;
  limits: RequestLimits;
  apollo: ApolloServer<RequestContext>;
  /** Apollo's plugins as declared (server-plugins.ts): a planned read hands over a request one of them needs. */
  plugins: readonly DeclaredPlugin[];
  gate: ReturnType<typeof createShapeGate<PlannedRead>>;
  checkRepresentation: RepresentationCheck | null;
  heavySlots: HeavySlots;
  playground: PlaygroundPages | null;
  /** True once the server drains: answers say `connection: close`. */
  draining: () => boolean;
}

export type RawRoute = (request: IncomingMessage, response: ServerResponse, url: Readonly<URL>, requestId: string, signal: AbortSignal) => Promise<void>;

export function graphqlRoute(options: GraphqlRouteOptions): RawRoute {
  const { services, verifyToken, limits, apollo, gate, heavySlots, playground } = options;
  return async function handleGraphql(request, response, url, requestId, signal) {
    const started = process.hrtime.bigint();
    const reading = request.method === 'GET' || request.method === 'HEAD';
    if (reading && playground && wantsHtml(request)) {
      const page = await playground.page(isLoopback(request.socket.remoteAddress));
      return page.send(request, response, { 'x-request-id': requestId });
    }
    if (reading && !url.searchParams.has('query')) {
      // Not a browser, and no query: say what this is rather than answer with Apollo's CSRF refusal.
      const text = aboutText(`http://${request.headers.host ?? 'localhost'}/`, playground !== null);
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'x-request-id': requestId });
      response.end(request.method === 'HEAD' ? undefined : text);
      return;
    }
    // GraphQL answers over the threshold are compressed when the client accepts it: Apollo's and the refusals
    // through the compression library, which sees each answer's length; a planned answer, whose length is known
    // before anything is written, only when it is over the threshold (the library's wrapping costs a small answer
    // more than the rest of its writing).
    let compressing = false;
    const compress = () => {
      if (!compressing) compressAnswer(request, response);
      compressing = true;
    };

    const header = (name: string): string | undefined => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    let body: unknown = undefined;
    if (request.method === 'POST') {
      const raw = (await readBodyBytes(request, signal)).toString('utf8');
      if (header('content-type')?.includes('json') && raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          compress();
          return sendJson(response, 400, { errors: [{ message: 'the body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        }
      } else {
        body = raw;
      }
    }
    const query = request.method === 'POST' ? (body as { query?: unknown } | undefined)?.query : url.searchParams.get('query');
    const verdict = typeof query === 'string' ? gate.inspect(query) : null;
    if (verdict?.refusal) {
      compress();
      return refuseShape(response, requestId, verdict.refusal, started);
    }

    // One context per request, created on first use: a planned read that hands over passes it on to Apollo, so
    // the rows it loaded are not read again.
    let context: Promise<RequestContext> | undefined;
    const contextOf = () =>
      (context ??= identify(header('authorization'), verifyToken).then(({ actor, authError }) =>
        createRequestContext(services, requestId, actor, authError, signal),
      ));
    const planned = verdict?.plan ? plannedRequest(verdict.plan, options.plugins, request.method, header, body) : null;
    if (planned) {
      // Every plan is a query: it reads from a replica when there is a healthy one (db/read-routing.ts).
      readFromReplica(services.dataSource, header(READ_PRIMARY_HEADER));
      const data = await answerPlannedRead(planned.plan, planned.variables, await contextOf(), {
        checkRepresentation: options.checkRepresentation!,
        maxRepresentations: limits.maxRepresentations,
        maxCost: limits.maxCost,
        heavyCost: limits.heavyCost,
        slots: heavySlots,
      });
      if (data) {
        if (response.destroyed) return;
        const text = `${JSON.stringify({ data })}\n`;
        const length = Buffer.byteLength(text);
        if (length >= COMPRESS_THRESHOLD_BYTES) compress();
        response.writeHead(200, {
          'content-type': PLANNED_CONTENT_TYPE,
          'content-length': String(length),
          'x-request-id': requestId,
          // What the compression library says of every answer it could compress, small ones included.
          ...(compressing ? {} : { vary: 'Accept-Encoding' }),
          ...(options.draining() ? { connection: 'close' } : {}),
        });
        response.end(text);
        logRequest({ operation: planned.operationName, started, status: 200, planned: true });
        return;
      }
    }
    compress();
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method?.toUpperCase() ?? 'GET', headers, search: url.search, body },
      context: contextOf,
    });
    if (response.destroyed) return; // the client went away; nothing to answer
    const responseHeaders: Record<string, string> = { 'x-request-id': requestId };
    for (const [key, value] of result.headers) responseHeaders[key] = value;
    if (result.status === 401) responseHeaders['www-authenticate'] = 'Bearer';
    if (options.draining()) responseHeaders.connection = 'close';
    if (result.body.kind === 'complete') {
      // With its length, so that the compression can tell a small answer (left as it is) from a large one.
      responseHeaders['content-length'] = String(Buffer.byteLength(result.body.string));
      response.writeHead(result.status ?? 200, responseHeaders);
      response.end(result.body.string);
    } else {
      response.writeHead(result.status ?? 200, responseHeaders);
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  };
}
