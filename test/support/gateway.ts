import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { loadContractSchema } from '../../src/schema-parts';
import { CSP_SDL } from './sibling-subgraphs';

/** A sibling subgraph stand-in on a real port. */
export interface Stub {
  url: string;
  server: ApolloServer;
}

export async function startStub(typeDefs: string, resolvers: Record<string, any>): Promise<Stub> {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: gql(typeDefs), resolvers }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' } });
  return { url, server };
}

export interface GatewayContext {
  authorization?: string;
  /** The other headers the gateway was told to pass on, as the caller sent them. */
  forwarded?: Record<string, string>;
}

/** The default data source, plus forwarding of the incoming Authorization header (and any others asked for). */
class AuthForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    for (const [name, value] of Object.entries(context.forwarded ?? {})) request.http?.headers.set(name, String(value));
  }
}

/**
 * A real @apollo/gateway on a real port, composed from the subgraphs given, forwarding the caller's token (and the
 * headers named in `forwardHeaders`, as a router configured to propagate them would).
 */
export async function startGateway(
  subgraphs: Array<{ name: string; url: string; sdl: string }>,
  options: { forwardHeaders?: string[] } = {},
): Promise<{ url: string; server: ApolloServer<GatewayContext> }> {
  const composed = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: gql(s.sdl) })));
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ url }) => new AuthForwardingDataSource({ url }),
  });
  const server = new ApolloServer<GatewayContext>({ gateway });
  const started = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({
      authorization: req.headers.authorization,
      forwarded: Object.fromEntries((options.forwardHeaders ?? []).flatMap((name) => (typeof req.headers[name] === 'string' ? [[name, req.headers[name] as string]] : []))),
    }),
  });
  return { url: started.url, server };
}

/**
 * The CSP's page as the frontend loads it: a stub CSP subgraph serving `cases` (and their references) and a real
 * gateway composed of it and this subgraph (at `warrantyUrl`).
 */
export async function startCspPage(warrantyUrl: string, cases: ReadonlyArray<{ id: string }>): Promise<{ url: string; stop(): Promise<void> }> {
  const csp = await startStub(CSP_SDL, {
    Query: { cases: () => cases },
    Case: { __resolveReference: (ref: { id: string }) => cases.find((c) => c.id === ref.id) ?? null },
  });
  const gateway = await startGateway([
    { name: 'warranty', url: warrantyUrl, sdl: loadContractSchema() },
    { name: 'csp', url: csp.url, sdl: CSP_SDL },
  ]);
  return {
    url: gateway.url,
    async stop() {
      await gateway.server.stop();
      await csp.server.stop();
    },
  };
}
