import { ApolloServer } from '@apollo/server';
import { registry } from './metrics';
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TokenVerifier } from '../auth/tokens';
import { logger, requestScope } from '../common/logger';
import { RequestSignal } from '../common/request-signal';
import type { RequestLimits, WebhookConfig } from '../config';
import type { RequestContext } from '../context';
import { representationCheck } from '../federation/representations';
import { buildWarrantySchema } from '../schema';
import type { Services } from '../services';
import { formatError } from './graphql-errors';
import { limitRepresentations, operationLimits, stopWhenAborted } from './limits';
import { HeavySlots } from './heavy-slots';
import { DEMO_BATTERY_SERIAL, PLAYGROUND_ORG, PlaygroundPages } from './playground';
import { compressAnswer } from './http-compression';
import { assertOnlyDeclaredPlugins, serverPlugins } from './server-plugins';
import { planRead, type PlannedRead } from './planned-reads';
import { graphqlRoute, type RawRoute } from './graphql-route';
import { createShapeGate } from './shape-gate';
import { CLIENT_CLOSED_STATUS, HttpError, sendJson } from './http-body';
import { handleWebhook } from './webhooks';
import { WEBHOOK_ROUTES } from '../webhooks/webhook-rules';
import { CAMPAIGN_UNITS_EXPORT_PATH, FLEET_EXPORT_PATH, handleCampaignUnitsExport, handleFleetExport } from './exports';
import { CAMPAIGN_UNITS_PATH, handleCampaignUnits } from './campaign-units';

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
  fastify: FastifyInstance<Server, IncomingMessage, ServerResponse, FastifyBaseLogger>;
  apollo: ApolloServer<RequestContext>;
  /** Drains: /ready answers 503, no new requests are taken, in-flight ones finish (up to the drain timeout). */
  stop(): Promise<void>;
}

/** A caller's x-request-id is logged on every line and echoed back: accepted only when short and plain. */
const PLAIN_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Node's own bounds on receiving a request, behind the per-request deadlines (which cut a body at the request's
 * own deadline, with a 408): headers must arrive within the ordinary request budget (at most 60 s), and no request
 * may take longer to arrive than the longest deadline of any route, plus a margin.
 */
function receiveTimeouts(limits: RequestLimits, webhooks: WebhookConfig, bulkTimeoutMs: number) {
  const headersTimeout = Math.min(limits.requestTimeoutMs, 60_000);
  return {
    headersTimeout,
    // A campaign's serial list (rule 19) arrives within the bulk transfers' deadline.
    requestTimeout: Math.max(headersTimeout, limits.requestTimeoutMs, webhooks.streamTimeoutMs, bulkTimeoutMs) + 5_000,
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

const notFound = (response: ServerResponse, url: Readonly<URL>) =>
  sendJson(response, 404, { errors: [{ message: `no such path: ${url.pathname}`, extensions: { code: 'NOT_FOUND' } }] });

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { services, verifyToken, limits } = options;
  const shape = operationLimits(limits, { hideFieldSuggestions: options.hideFieldSuggestions });
  const schema = stopWhenAborted(limitRepresentations(buildWarrantySchema(), limits.maxRepresentations));
  const checkRepresentation = representationCheck(schema);
  const heavySlots = new HeavySlots(limits.maxHeavyRequests, { loopShare: limits.heavyLoopShare });
  const gate = createShapeGate<PlannedRead>(schema, shape.validationRules, limits.maxTokens, {
    plan: options.plannedReads && checkRepresentation ? (document) => planRead(schema, document) : undefined,
  });
  const plugins = serverPlugins(limits, heavySlots, shape.plugins);
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
    // Every plugin with what a planned read does in its place (server-plugins.ts).
    plugins: plugins.map((declared) => declared.plugin),
  });
  await apollo.start();
  assertOnlyDeclaredPlugins(apollo, plugins);

  const playground = options.playground
    ? new PlaygroundPages(options.mintPlaygroundToken, async () => {
        const [demo] = await services.dataSource.query(`SELECT id FROM warranty_record WHERE org_id = $1 AND serial_number = $2`, [PLAYGROUND_ORG, DEMO_BATTERY_SERIAL]);
        return (demo?.id as string | undefined) ?? null;
      })
    : null;

  let draining = false;
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | null = null;

  const handleGraphql = graphqlRoute({ services, verifyToken, limits, apollo, plugins, gate, checkRepresentation, heavySlots, playground, draining: () => draining });

  /**
   * One request on a route, on its raw request and response (the reply is hijacked: the handlers stream, and answer
   * 408/413 bodies of their own): the draining answer, the deadline (`timeoutMs`) that aborts the request's signal,
   * the request scope every log line and SQL statement sees, and the one answer to a failure.
   */
  function serve(route: RawRoute, timeoutMs: number, maxSqlQueries: number | undefined) {
    return (request: FastifyRequest, reply: FastifyReply): void => {
      reply.hijack();
      const { raw, id: requestId } = request;
      const response = reply.raw;
      const url = requestUrl(raw);
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
      // Work for this request stops at the deadline, or as soon as the client has gone.
      const abort = new RequestSignal();
      const deadline = setTimeout(() => abort.abort('REQUEST_TIMEOUT'), timeoutMs);
      response.on('close', () => {
        clearTimeout(deadline);
        if (!response.writableFinished) abort.abort('CLIENT_CLOSED_REQUEST');
        inFlight.delete(response);
        if (inFlight.size === 0) drained?.();
      });
      const signal = abort.asAbortSignal;
      requestScope.run({ requestId, sqlQueries: 0, signal, maxSqlQueries }, () => {
        route(raw, response, url, requestId, signal).catch((error: Error) => answerFailure(raw, response, url, requestId, error));
      });
    };
  }

  const fastify = Fastify({
    // Node's server, with its bounds on receiving a request; Fastify routes its requests.
    serverFactory: (handler) => createServer(receiveTimeouts(limits, options.webhooks, options.exportTimeoutMs), handler),
    loggerInstance: logger.framework as FastifyBaseLogger,
    // One line per request is ours (request-log.ts), with the operation, the SQL count and the status.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request: the request id is on every line already (the request scope, logger.ts).
    childLoggerFactory: (log) => log,
    genReqId: requestIdOf,
    // A route answers the methods it lists; HEAD is `/`'s alone (GET / HEAD explain the endpoint).
    exposeHeadRoutes: false,
    // stop() drains first, then closes every connection left.
    forceCloseConnections: true,
    return503OnClosing: false,
    // A target the router cannot decode is answered like any path it does not know.
    frameworkErrors: (_error, request, reply) => serve(async (_raw, response, url) => notFound(response, url), limits.requestTimeoutMs, limits.maxSqlStatements)(request, reply),
  });
  // Bodies are read by the routes themselves, as streams, under each request's deadline and size bound.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));

  const ordinary = (route: RawRoute) => serve(route, limits.requestTimeoutMs, limits.maxSqlStatements);
  fastify.all('/health', ordinary(async (_request, response) => sendJson(response, 200, { status: 'ok' })));
  fastify.all(
    '/ready',
    ordinary(async (_request, response) => {
      try {
        await services.dataSource.query('SELECT 1');
        return sendJson(response, 200, { status: 'ready' });
      } catch (error) {
        logger.warn('not ready', { error: (error as Error).message });
        return sendJson(response, 503, { status: 'unavailable', reason: 'database unreachable' });
      }
    }),
  );
  fastify.get(
    '/metrics',
    ordinary(async (request, response) => {
      compressAnswer(request, response);
      const body = await registry.metrics();
      response.writeHead(200, { 'content-type': registry.contentType, 'content-length': String(Buffer.byteLength(body)) });
      response.end(body);
    }),
  );
  fastify.all(
    FLEET_EXPORT_PATH,
    serve(
      (request, response, url, requestId, signal) => handleFleetExport(request, response, url, { services, verifyToken, signal, requestId, timeoutMs: options.exportTimeoutMs }),
      options.exportTimeoutMs,
      limits.maxSqlStatements,
    ),
  );
  fastify.all(
    CAMPAIGN_UNITS_EXPORT_PATH,
    serve((request, response, _url, requestId, signal) => handleCampaignUnitsExport(request, response, { services, verifyToken, signal, requestId, deadline: Date.now() + options.exportTimeoutMs }), options.exportTimeoutMs, limits.maxSqlStatements),
  );
  // A campaign's serial list (rule 19): streamed, its own deadline (the bulk transfers', EXPORT_TIMEOUT_MS), its
  // statements bounded by its body.
  fastify.all(
    CAMPAIGN_UNITS_PATH,
    serve(
      (request, response, url, requestId, signal) => handleCampaignUnits(request, response, url, { services, verifyToken, signal, requestId, timeoutMs: options.exportTimeoutMs }),
      options.exportTimeoutMs,
      undefined,
    ),
  );
  // A streamed webhook delivery has a budget of its own; a webhook's statements are bounded by its body, not by the
  // per-request count.
  for (const [path, webhook] of Object.entries(WEBHOOK_ROUTES)) {
    fastify.all(
      path,
      serve(
        (request, response, _url, requestId, signal) => handleWebhook(webhook, request, response, requestId, { services, verifyToken, config: options.webhooks, signal }),
        webhook.body === 'ndjson' ? options.webhooks.streamTimeoutMs : limits.requestTimeoutMs,
        undefined,
      ),
    );
  }
  fastify.all('/', ordinary(handleGraphql));
  fastify.setNotFoundHandler(ordinary(async (_request, response, url) => notFound(response, url)));

  await fastify.listen({ port: options.port, host: options.host ?? '0.0.0.0', listenTextResolver: () => '' });
  const { port } = fastify.server.address() as AddressInfo;
  const host = !options.host || options.host === '0.0.0.0' ? 'localhost' : options.host;
  return {
    url: `http://${host}:${port}/`,
    server: fastify.server,
    fastify,
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
      // Closes the listener and every connection left (forceCloseConnections).
      await fastify.close();
      await apollo.stop();
    },
  };
}

/** A request that failed: one log line, and the answer if one can still be given. */
function answerFailure(request: IncomingMessage, response: ServerResponse, url: Readonly<URL>, requestId: string, error: Error): void {
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
}
