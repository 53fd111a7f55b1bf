import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { registry } from './metrics';
import {
  ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLError } from 'graphql';
import type { TokenVerifier } from '../auth/tokens';
import { logger, requestScope } from '../common/logger';
import type { RequestLimits, WebhookConfig } from '../config';
import { createRequestContext, type RequestContext } from '../context';
import { recordSelectionPlugin } from '../records/record-selection';
import { representationCheck } from '../federation/representations';
import { buildWarrantySchema } from '../schema';
import type { Services } from '../services';
import { authenticationPlugin, identify } from './authentication';
import { formatError, graphqlErrorsPlugin } from './graphql-errors';
import { costPlugin, limitRepresentations, oneStopErrorPlugin, operationLimits, stopWhenAborted } from './limits';
import { HeavySlots } from './heavy-slots';
import Negotiator from 'negotiator';
import { aboutText, DEMO_BATTERY_SERIAL, isLoopback, PLAYGROUND_ORG, PlaygroundPages } from './playground';
import { compressAnswer } from './http-compression';
import { logRequest, requestLogPlugin } from './request-log';
import { answerPlannedRead, planRead, type PlannedRead } from './planned-reads';
import { createShapeGate } from './shape-gate';
import { CLIENT_CLOSED_STATUS, HttpError, readBodyBytes, sendJson } from './http-body';
import { handleWebhook, webhookRoute } from './webhooks';
import { FLEET_EXPORT_PATH, handleFleetExport } from './exports';

export interface HttpServerOptions {
  services: Services;
  verifyToken: TokenVerifier;
  port: number;
  host?: string;
  /** Serve the offline GraphiQL at the URL. */
  playground: boolean;
  /** Mints the development token the playground pre-fills, for callers on this machine only. */
  mintPlaygroundToken?: () => Promise<string>;
  limits: RequestLimits;
  /** Answer `__schema` introspection (the gateway's `_service { sdl }` works either way). */
  introspection: boolean;
  /** Hide "did you mean" field suggestions (production). */
  hideFieldSuggestions: boolean;
  /** After stop() is called: how long in-flight requests may run before their connections are cut. */
  drainTimeoutMs: number;
  /** Answer the planned read documents from their plans (planned-reads.ts). */
  plannedReads?: boolean;
  /** The inbound webhooks' secrets and bounds (webhooks.ts). */
  webhooks: WebhookConfig;
  /** The deadline of one fleet export (exports.ts). */
  exportTimeoutMs: number;
}

export interface RunningServer {
  url: string;
  server: Server;
  apollo: ApolloServer<RequestContext>;
  /** Drains: /ready answers 503, no new requests are taken, in-flight ones finish (up to the drain timeout). */
  stop(): Promise<void>;
}

/** A caller's x-request-id is logged on every line and echoed back: accepted only when short and plain. */
const PLAIN_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

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
function plannedRequest(plan: PlannedRead, method: string | undefined, header: (name: string) => string | undefined, body: unknown) {
  if (method !== 'POST' || !header('content-type')?.startsWith('application/json')) return null;
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

/**
 * Node's own bounds on receiving a request, behind the per-request deadlines (which cut a body at the request's
 * own deadline, with a 408): headers must arrive within the ordinary request budget (at most 60 s), and no request
 * may take longer to arrive than the longest deadline of any route, plus a margin.
 */
function receiveTimeouts(limits: RequestLimits, webhooks: WebhookConfig) {
  const headersTimeout = Math.min(limits.requestTimeoutMs, 60_000);
  return {
    headersTimeout,
    requestTimeout: Math.max(headersTimeout, limits.requestTimeoutMs, webhooks.streamTimeoutMs) + 5_000,
    connectionsCheckingInterval: 1_000,
  };
}

/** Read only: most requests are POSTs to `/`, which need no parsing. */
const ROOT_URL: Readonly<URL> = new URL('/', 'http://localhost');

/** The request's target as a URL, parsed once; null for one that is not a path (`//`, `/\`), which Node's URL rejects. */
function requestUrl(request: IncomingMessage): Readonly<URL> | null {
  if (request.url === '/' || request.url === undefined) return ROOT_URL;
  try {
    return new URL(request.url, 'http://localhost');
  } catch {
    return null;
  }
}

function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && PLAIN_REQUEST_ID.test(given) ? given : randomUUID();
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { services, verifyToken, limits } = options;
  const shape = operationLimits(limits, { hideFieldSuggestions: options.hideFieldSuggestions });
  const schema = stopWhenAborted(limitRepresentations(buildWarrantySchema(), limits.maxRepresentations));
  const checkRepresentation = representationCheck(schema);
  const heavySlots = new HeavySlots(limits.maxHeavyRequests, { loopShare: limits.heavyLoopShare });
  const gate = createShapeGate<PlannedRead>(schema, shape.validationRules, limits.maxTokens, {
    plan: options.plannedReads && checkRepresentation ? (document) => planRead(schema, document) : undefined,
  });
  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: options.introspection,
    allowBatchedHttpRequests: false,
    validationRules: shape.validationRules,
    // graphql-js stops parsing past this many tokens, before a huge document costs CPU and memory.
    parseOptions: { maxTokens: limits.maxTokens },
    // main.ts owns the signals and stops everything in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    plugins: [
      // First: the log line and the status see the one stop error, not one per field.
      oneStopErrorPlugin,
      // Before the log, so that the log line shows the status this plugin sets (503).
      graphqlErrorsPlugin,
      requestLogPlugin,
      authenticationPlugin,
      recordSelectionPlugin,
      costPlugin(limits, heavySlots),
      ...shape.plugins,
      ApolloServerPluginInlineTraceDisabled(),
      // No field sets cache hints; the plugin only cost CPU on every field.
      ApolloServerPluginCacheControlDisabled(),
      // The playground is served below, where the caller's address is known (the token is for loopback only).
      ApolloServerPluginLandingPageDisabled(),
    ] as ApolloServerPlugin<BaseContext>[],
  });
  await apollo.start();

  const playground = new PlaygroundPages(options.mintPlaygroundToken, async () => {
    const [demo] = await services.dataSource.query(`SELECT id FROM warranty_record WHERE org_id = $1 AND serial_number = $2`, [PLAYGROUND_ORG, DEMO_BATTERY_SERIAL]);
    return (demo?.id as string | undefined) ?? null;
  });

  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | null = null;

  async function handle(request: IncomingMessage, response: ServerResponse, url: Readonly<URL>, requestId: string, signal: AbortSignal): Promise<void> {
    const started = process.hrtime.bigint();
    if (url.pathname === '/health') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/metrics' && request.method === 'GET') {
      compressAnswer(request, response);
      const body = await registry.metrics();
      response.writeHead(200, { 'content-type': registry.contentType, 'content-length': String(Buffer.byteLength(body)) });
      response.end(body);
      return;
    }
    if (url.pathname === '/ready') {
      try {
        await services.dataSource.query('SELECT 1');
        return sendJson(response, 200, { status: 'ready' });
      } catch (error) {
        logger.warn('not ready', { error: (error as Error).message });
        return sendJson(response, 503, { status: 'unavailable', reason: 'database unreachable' });
      }
    }
    if (url.pathname === FLEET_EXPORT_PATH) return handleFleetExport(request, response, url, { services, verifyToken, signal, requestId, timeoutMs: options.exportTimeoutMs });
    const webhook = webhookRoute(url.pathname);
    if (webhook) return handleWebhook(webhook, request, response, requestId, { services, verifyToken, config: options.webhooks, signal });
    if (url.pathname !== '/') {
      return sendJson(response, 404, { errors: [{ message: `no such path: ${url.pathname}`, extensions: { code: 'NOT_FOUND' } }] });
    }
    const reading = request.method === 'GET' || request.method === 'HEAD';
    if (reading && options.playground && wantsHtml(request)) {
      const page = await playground.page(isLoopback(request.socket.remoteAddress));
      return page.send(request, response, { 'x-request-id': requestId });
    }
    if (reading && !url.searchParams.has('query')) {
      // Not a browser, and no query: say what this is rather than answer with Apollo's CSRF refusal.
      const text = aboutText(`http://${request.headers.host ?? 'localhost'}/`, options.playground);
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'x-request-id': requestId });
      response.end(request.method === 'HEAD' ? undefined : text);
      return;
    }
    // GraphQL answers over the threshold are compressed when the client accepts it.
    compressAnswer(request, response);

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
          return sendJson(response, 400, { errors: [{ message: 'the body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        }
      } else {
        body = raw;
      }
    }
    const query = request.method === 'POST' ? (body as { query?: unknown } | undefined)?.query : url.searchParams.get('query');
    const verdict = typeof query === 'string' ? gate.inspect(query) : null;
    if (verdict?.refusal) return refuseShape(response, requestId, verdict.refusal, started);

    // One context per request, created on first use: a planned read that hands over passes it on to Apollo, so
    // the rows it loaded are not read again.
    let context: Promise<RequestContext> | undefined;
    const contextOf = () =>
      (context ??= identify(header('authorization'), verifyToken).then(({ actor, authError }) =>
        createRequestContext(services, requestId, actor, authError, signal),
      ));
    const planned = verdict?.plan ? plannedRequest(verdict.plan, request.method, header, body) : null;
    if (planned) {
      const data = await answerPlannedRead(planned.plan, planned.variables, await contextOf(), {
        checkRepresentation: checkRepresentation!,
        maxRepresentations: limits.maxRepresentations,
        maxCost: limits.maxCost,
        heavyCost: limits.heavyCost,
        slots: heavySlots,
      });
      if (data) {
        if (response.destroyed) return;
        const text = `${JSON.stringify({ data })}\n`;
        response.writeHead(200, {
          'content-type': PLANNED_CONTENT_TYPE,
          'content-length': String(Buffer.byteLength(text)),
          'x-request-id': requestId,
          ...(draining ? { connection: 'close' } : {}),
        });
        response.end(text);
        logRequest({ operation: planned.operationName, started, status: 200, planned: true });
        return;
      }
    }
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
    if (draining) responseHeaders.connection = 'close';
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
  }

  const server = createServer(receiveTimeouts(limits, options.webhooks), (request, response) => {
    const requestId = requestIdOf(request);
    const url = requestUrl(request);
    if (!url) {
      return sendJson(response, 400, { errors: [{ message: 'the request target is not a valid path', extensions: { code: 'BAD_REQUEST' } }] }, { connection: 'close', 'x-request-id': requestId });
    }
    if (draining) {
      // While in-flight requests finish, the listener stays open so that a load balancer sees /ready turn 503
      // and a client is told to retry elsewhere, rather than meeting a refused or reset connection.
      const headers = { connection: 'close', 'retry-after': '1', 'x-request-id': requestId };
      if (url.pathname === '/health') return sendJson(response, 200, { status: 'ok' }, headers);
      if (url.pathname === '/ready') return sendJson(response, 503, { status: 'draining', reason: 'shutting down' }, headers);
      return sendJson(
        response,
        503,
        { errors: [{ message: 'the server is shutting down; retry', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }] },
        headers,
      );
    }
    inFlight.add(response);
    // Work for this request stops at the deadline, or as soon as the client has gone. A streamed webhook delivery
    // has a budget of its own; a webhook's statements are bounded by its body, not by the per-request count.
    const webhook = webhookRoute(url.pathname);
    const exporting = url.pathname === FLEET_EXPORT_PATH;
    const abort = new AbortController();
    const timeoutMs = exporting ? options.exportTimeoutMs : webhook?.body === 'ndjson' ? options.webhooks.streamTimeoutMs : limits.requestTimeoutMs;
    const deadline = setTimeout(() => abort.abort('REQUEST_TIMEOUT'), timeoutMs);
    response.on('close', () => {
      clearTimeout(deadline);
      if (!response.writableFinished) abort.abort('CLIENT_CLOSED_REQUEST');
      inFlight.delete(response);
      if (inFlight.size === 0) drained?.();
    });
    requestScope.run({ requestId, sqlQueries: 0, signal: abort.signal, maxSqlQueries: webhook ? undefined : limits.maxSqlStatements }, () => {
      handle(request, response, url, requestId, abort.signal).catch((error: Error) => {
        if (error instanceof HttpError && error.status === CLIENT_CLOSED_STATUS) {
          // Expected on any network: one line, no stack, nothing to answer.
          logger.info('http request abandoned by the client', { method: request.method, path: url.pathname, code: error.code });
          response.destroy();
          return;
        }
        if (error instanceof HttpError) {
          logger.warn('http request refused', { status: error.status, code: error.code, message: error.message });
          // A refused body is left unread: the connection cannot carry another request, so close it.
          if (!response.headersSent) {
            sendJson(response, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] }, { connection: 'close', 'x-request-id': requestId });
          } else response.end();
          return;
        }
        logger.error('http handler failed', { message: error.message, stack: error.stack });
        if (!response.headersSent) {
          sendJson(response, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }, { 'x-request-id': requestId });
        } else {
          response.end();
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  const host = !options.host || options.host === '0.0.0.0' ? 'localhost' : options.host;
  return {
    url: `http://${host}:${port}/`,
    server,
    apollo,
    async stop() {
      draining = true;
      if (inFlight.size > 0) {
        logger.info('draining', { inFlight: inFlight.size, timeoutMs: options.drainTimeoutMs });
        const allAnswered = new Promise<void>((resolve) => (drained = resolve));
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), options.drainTimeoutMs)));
        const outcome = await Promise.race([allAnswered, timeout]);
        clearTimeout(timer);
        if (outcome === 'timeout') logger.warn('drain timed out; closing the remaining connections', { inFlight: inFlight.size });
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      await apollo.stop();
    },
  };
}
