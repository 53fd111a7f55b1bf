/**
 * The gateway scenario's front: a stub CSP subgraph and a real @apollo/gateway, each on a free loopback port, in a
 * child process of their own (their CPU is neither the subgraph's nor the load generator's).
 *
 * The CSP stub's `cases` answers BATCH cases opened on CASE_OPENED_AT, for started inverters of the caller's
 * organisation (read from the forwarded token's `org` claim; the stub does not verify it, the subgraph does),
 * chosen pseudo-randomly from a fixed seed per organisation. The gateway forwards the caller's Authorization and
 * x-request-id headers, so every subgraph request a gateway request causes logs under that request's id.
 *
 * Environment: SUBGRAPH_URL, BENCH_DATA (the units file run.ts writes). Prints `{"msg":"gateway ready","url":...}`.
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolveInfo } from 'graphql';
import gql from 'graphql-tag';
import { loadContractSchema } from '../src/schema-parts';
import { CSP_SDL } from '../test/support/sibling-subgraphs';
import { BATCH, CASE_OPENED_AT, CLAIMED_PER_ORG, claimCaseId, OPERATION_NAMES, pickDistinct, readBenchData, rng } from './scenarios';

interface GatewayContext {
  authorization?: string;
  requestId?: string;
}

/** The default data source, plus forwarding of the caller's Authorization and x-request-id headers. */
class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }
}

/** The `org` claim of a bearer token, unverified (the stub only needs to know whose cases to make up). */
function orgOf(authorization: string | undefined): string | undefined {
  const token = authorization?.replace(/^Bearer\s+/i, '');
  try {
    return JSON.parse(Buffer.from(token?.split('.')[1] ?? '', 'base64url').toString('utf8')).org;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const subgraphUrl = process.env.SUBGRAPH_URL;
  const dataFile = process.env.BENCH_DATA;
  if (!subgraphUrl || !dataFile) throw new Error('set SUBGRAPH_URL and BENCH_DATA');
  const data = readBenchData(dataFile);
  const pickers = new Map(
    data.orgs.map((org, index) => {
      const next = rng(0xca5e + index);
      let sequence = 0;
      const make = () => {
        const n = sequence++;
        return pickDistinct(next, org.checkable, BATCH).map((i, k) => ({
          id: `case-${org.org}-${n}-${k}`,
          serialNumber: org.serials[i],
          title: `Inverter fault ${k}`,
          openedAt: CASE_OPENED_AT,
        }));
      };
      // Cases that have claims: the first CLAIMED_PER_ORG started inverters got one each (run.ts).
      const makeClaimed = () =>
        pickDistinct(next, org.checkable.slice(0, CLAIMED_PER_ORG), BATCH).map((i, k) => ({
          id: claimCaseId(org.serials[i]),
          serialNumber: org.serials[i],
          title: `Claimed fault ${k}`,
          openedAt: CASE_OPENED_AT,
        }));
      return [org.org, { make, makeClaimed }] as const;
    }),
  );

  const csp = new ApolloServer<GatewayContext>({
    schema: buildSubgraphSchema({
      typeDefs: gql(CSP_SDL),
      resolvers: {
        Query: {
          cases: (_: unknown, __: unknown, context: unknown, info: GraphQLResolveInfo) => {
            const picker = pickers.get(orgOf((context as GatewayContext).authorization) ?? '');
            if (!picker) return [];
            // The gateway names its fetch after the client's operation.
            return info.operation.name?.value.startsWith(OPERATION_NAMES.gatewayClaims) ? picker.makeClaimed() : picker.make();
          },
        },
        Case: { __resolveReference: () => null },
      },
    }),
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    stopOnTerminationSignals: false,
  });
  const { url: cspUrl } = await startStandaloneServer(csp, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ authorization: req.headers.authorization }),
  });

  const composed = composeServices([
    { name: 'warranty', url: subgraphUrl, typeDefs: gql(loadContractSchema()) },
    { name: 'csp', url: cspUrl, typeDefs: gql(CSP_SDL) },
  ]);
  if (composed.errors) throw new Error(`composition failed:\n${composed.errors.map((e) => e.message).join('\n')}`);
  const gateway = new ApolloServer<GatewayContext>({
    gateway: new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ url }) => new ForwardingDataSource({ url }),
    }),
    stopOnTerminationSignals: false,
  });
  const { url } = await startStandaloneServer(gateway, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({
      authorization: req.headers.authorization,
      requestId: req.headers['x-request-id'] as string | undefined,
    }),
  });
  process.stdout.write(`${JSON.stringify({ msg: 'gateway ready', url })}\n`);

  process.on('SIGTERM', () => {
    Promise.allSettled([gateway.stop(), csp.stop()]).then(() => process.exit(0));
  });
}

main().catch((error) => {
  process.stderr.write(`gateway: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
