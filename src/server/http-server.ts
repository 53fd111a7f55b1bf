import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLFormattedError } from 'graphql';
import type { Actor } from '../auth/actor';
import { InvalidTokenError, type TokenVerifier } from '../auth/tokens';
import { logger, requestScope } from '../common/logger';
import { createRequestContext, type RequestContext } from '../context';
import { buildWarrantySchema } from '../schema';
import type { Services } from '../services';
import { playgroundPlugin } from './playground';

export interface HttpServerOptions {
  services: Services;
  verifyToken: TokenVerifier;
  port: number;
  host?: string;
  /** Serve the offline GraphiQL at the URL; `playgroundToken` pre-fills its Authorization header. */
  playground: boolean;
  playgroundToken?: string;
}

export interface RunningServer {
  url: string;
  server: Server;
  apollo: ApolloServer<RequestContext>;
  stop(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Errors we did not raise on purpose reach clients as a bare INTERNAL_SERVER_ERROR: no stack, no SQL. */
function formatError(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (code === undefined || code === 'INTERNAL_SERVER_ERROR') {
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}

/** One log line per GraphQL request: operation, duration, SQL round trips, error codes. */
const requestLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart({ request }) {
    const started = process.hrtime.bigint();
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          const code = error.extensions?.code;
          if (code === undefined || code === 'INTERNAL_SERVER_ERROR') {
            const original = error.originalError ?? error;
            logger.error('unexpected error', { message: original.message, stack: original.stack, path: error.path });
          }
        }
      },
      async willSendResponse({ response, errors }) {
        const scope = requestScope.getStore();
        logger.info('graphql', {
          operation: request.operationName ?? null,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          sqlQueries: scope?.sqlQueries ?? 0,
          errors: errors?.map((e) => e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
          http: response.http.status ?? 200,
        });
      },
    };
  },
};

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const { services, verifyToken } = options;
  const apollo = new ApolloServer<RequestContext>({
    schema: buildWarrantySchema(),
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    // main.ts owns the signals and stops everything in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    plugins: [
      requestLogPlugin,
      ApolloServerPluginInlineTraceDisabled(),
      options.playground ? playgroundPlugin(options.playgroundToken) : ApolloServerPluginLandingPageDisabled(),
    ] as ApolloServerPlugin<BaseContext>[],
  });
  await apollo.start();

  async function identify(authorization: string | undefined): Promise<{ actor: Actor | null; authError: string | null }> {
    if (!authorization) return { actor: null, authError: null };
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    if (!match) return { actor: null, authError: 'the Authorization header must be "Bearer <token>"' };
    try {
      return { actor: await verifyToken(match[1]), authError: null };
    } catch (error) {
      if (error instanceof InvalidTokenError) return { actor: null, authError: error.message };
      throw error;
    }
  }

  async function handle(request: IncomingMessage, response: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(response, 200, { status: 'ok' });
    if (url.pathname === '/ready') {
      try {
        await services.dataSource.query('SELECT 1');
        return sendJson(response, 200, { status: 'ready' });
      } catch (error) {
        logger.warn('not ready', { error: (error as Error).message });
        return sendJson(response, 503, { status: 'unavailable', reason: 'database unreachable' });
      }
    }

    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (request.method === 'POST') {
      const raw = await readBody(request);
      if (headers.get('content-type')?.includes('json') && raw.length > 0) {
        try {
          body = JSON.parse(raw);
        } catch {
          return sendJson(response, 400, { errors: [{ message: 'the body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        }
      } else {
        body = raw;
      }
    }
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method?.toUpperCase() ?? 'GET', headers, search: url.search, body },
      context: async () => {
        const { actor, authError } = await identify(headers.get('authorization'));
        return createRequestContext(services, requestId, actor, authError);
      },
    });
    const responseHeaders: Record<string, string> = { 'x-request-id': requestId };
    for (const [key, value] of result.headers) responseHeaders[key] = value;
    response.writeHead(result.status ?? 200, responseHeaders);
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  }

  const server = createServer((request, response) => {
    // The caller's request id (a gateway forwards its own) or a new one: logged on every line, echoed back.
    const requestId = (request.headers['x-request-id'] as string | undefined) || randomUUID();
    requestScope.run({ requestId, sqlQueries: 0 }, () => {
      handle(request, response, requestId).catch((error: Error & { status?: number }) => {
        logger.error('http handler failed', { message: error.message, stack: error.stack });
        if (!response.headersSent) {
          sendJson(response, error.status ?? 500, { errors: [{ message: error.status ? error.message : 'Internal server error' }] });
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
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
