/**
 * Apollo Server's plugins, each with what a planned read (planned-reads.ts) does in its place.
 *
 * A planned read answers outside Apollo's request pipeline, so a plugin would silently miss it. To make that
 * impossible rather than remembered, every plugin the server installs is declared here, and the declaration must
 * say one of two things:
 * - `planned: { same: '…' }`: the planned path does the same work itself, and where (the request log line, the
 *   authentication, the cost estimate, …);
 * - `planned: { handsOver, why }`: a predicate over the request's headers; when it holds, the request goes through
 *   Apollo whatever its plan (the federated trace a gateway asks for by header).
 * `test/api/server-plugins.test.ts` checks that the server runs exactly the declared plugins, those Apollo Server
 * adds by itself included: a plugin added any other way fails it.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled, ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import { recordSelectionPlugin } from '../records/record-selection';
import { READ_PRIMARY_HEADER, readFromReplica } from '../db/read-routing';
import type { RequestLimits } from '../config';
import type { RequestContext } from '../context';
import { authenticationPlugin } from './authentication';
import { graphqlErrorsPlugin } from './graphql-errors';
import type { HeavySlots } from './heavy-slots';
import { costPlugin, oneStopErrorPlugin } from './limits';
import { requestLogPlugin } from './request-log';

/** A request header, by lower-case name, as one string. */
export type HeaderOf = (name: string) => string | undefined;

export type PlannedEquivalent = { same: string } | { handsOver: (header: HeaderOf) => boolean; why: string };

export interface DeclaredPlugin {
  name: string;
  plugin: ApolloServerPlugin<RequestContext>;
  planned: PlannedEquivalent;
}

/** The header with which a gateway asks a subgraph for its federated trace (`ftv1`) of a request. */
export const TRACE_HEADER = 'apollo-federation-include-trace';

/** The plugins, in the order Apollo Server runs them (the order matters: see each). */
export function serverPlugins(limits: RequestLimits, heavySlots: HeavySlots, shapePlugins: readonly ApolloServerPlugin[]): DeclaredPlugin[] {
  const declared: DeclaredPlugin[] = [
    // First: the log line and the status see the one stop error, not one per field.
    { name: 'one stop error', plugin: oneStopErrorPlugin, planned: { same: 'a plan that meets a stop error hands over before answering' } },
    // Before the log, so that the log line shows the status this plugin sets (503).
    { name: 'typed GraphQL errors', plugin: graphqlErrorsPlugin, planned: { same: 'a plan answers only error-free results; any error hands over' } },
    { name: 'request log', plugin: requestLogPlugin, planned: { same: 'logRequest (request-log.ts) writes the same line, with planned: true' } },
    { name: 'authentication', plugin: authenticationPlugin, planned: { same: 'the request context of graphql-route.ts; no caller hands over' } },
    { name: 'read routing', plugin: readRoutingPlugin, planned: { same: 'graphql-route.ts routes a planned read (always a query) before answering it' } },
    { name: 'record selection', plugin: recordSelectionPlugin, planned: { same: 'planRead works out the columns with recordSelectionFor' } },
    { name: 'cost and heavy slots', plugin: costPlugin(limits, heavySlots), planned: { same: 'answerPlannedRead runs the same estimate and slots' } },
    ...shapePlugins.map((plugin, index) => ({
      name: `shape limit ${index + 1} (graphql-armor)`,
      plugin,
      planned: { same: 'the shape gate runs the same validation rules before a plan is made' },
    })),
    {
      // Federated traces (ftv1) for a gateway that asks for them by header; nothing for any other request. Error
      // messages are masked in the trace, as they are to clients for internal errors.
      name: 'federated traces (ftv1)',
      plugin: ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
      planned: { handsOver: (header) => header(TRACE_HEADER) !== undefined, why: 'a trace needs the executor’s field events' },
    },
    // No field sets cache hints; the plugin only cost CPU on every field.
    { name: 'cache control (off)', plugin: ApolloServerPluginCacheControlDisabled(), planned: { same: 'nothing to do' } },
    // The playground is served by the route, where the caller's address is known (the token is for loopback only).
    { name: 'landing page (off)', plugin: ApolloServerPluginLandingPageDisabled(), planned: { same: 'nothing to do' } },
    // A subgraph's usage reaches Apollo through the gateway's traces (ftv1, above); an APOLLO_KEY in the environment
    // must not install reporting plugins the planned reads would not honour.
    { name: 'usage reporting (off)', plugin: ApolloServerPluginUsageReportingDisabled(), planned: { same: 'nothing to do' } },
    { name: 'schema reporting (off)', plugin: ApolloServerPluginSchemaReportingDisabled(), planned: { same: 'nothing to do' } },
  ];
  return declared;
}

/**
 * A query reads from a healthy replica (unless the client sends x-sofar-read-primary); a mutation, and everything
 * before the operation is known, from the primary (db/read-routing.ts). Decided once the operation is resolved,
 * before any resolver runs.
 */
const readRoutingPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request, contextValue }) {
        if (operation?.operation === 'query') readFromReplica(contextValue.services.dataSource, request.http?.headers.get(READ_PRIMARY_HEADER));
      },
    };
  },
};

/** Whether some plugin needs this request to go through Apollo Server whatever its plan. */
export function needsGeneralPath(plugins: readonly DeclaredPlugin[], header: HeaderOf): boolean {
  for (const { planned } of plugins) if ('handsOver' in planned && planned.handsOver(header)) return true;
  return false;
}

/**
 * Refuses to serve with a plugin that was not declared: one Apollo Server installed by itself (its defaults, or
 * one switched on by the environment) would miss every planned read. Run once, after `apollo.start()`.
 */
export function assertOnlyDeclaredPlugins(apollo: object, plugins: readonly DeclaredPlugin[]): void {
  const installed = (apollo as { internals?: { plugins?: unknown } }).internals?.plugins;
  if (!Array.isArray(installed)) throw new Error('cannot read Apollo Server\'s installed plugins to check them against server-plugins.ts (did @apollo/server change?)');
  const declared = new Set<unknown>(plugins.map((p) => p.plugin));
  const extra = installed.filter((plugin) => !declared.has(plugin));
  if (extra.length > 0) {
    const names = extra.map((plugin) => (plugin as { __internal_plugin_id__?: string }).__internal_plugin_id__ ?? 'a plugin without a name');
    throw new Error(`Apollo Server runs plugins not declared in server-plugins.ts (planned reads would miss them): ${names.join(', ')}`);
  }
}
