import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { JSONResolver } from 'graphql-scalars';
import { campaignResolvers } from './campaigns/campaigns.resolvers';
import { claimResolvers } from './claims/claims.resolvers';
import { guardArguments } from './common/argument-guard';
import type { InputBounds } from './common/input-guards';
import { DateScalar, DateTimeScalar, DecimalScalar, ObservedAtScalar } from './common/scalars';
import type { RequestContext } from './context';
import { coverageCheckResolvers } from './coverage/coverage-check.resolvers';
import { coverageResolvers } from './coverage/coverage.resolvers';
import { federationResolvers } from './federation/federation.resolvers';
import { guardEntityRepresentations } from './federation/representations';
import type { Resolvers } from './generated/graphql';
import { labourResolvers } from './labour/labour.resolvers';
import { calendarResolvers } from './calendars/calendars.resolvers';
import { policyResolvers } from './policies/policies.resolvers';
import { productResolvers } from './products/products.resolvers';
import { extensionResolvers } from './extensions/extensions.resolvers';
import { readingResolvers } from './readings/readings.resolvers';
import { telemetryResolvers } from './telemetry/telemetry.resolvers';
import { outboxResolvers } from './outbox/outbox.resolvers';
import { returnsResolvers } from './returns/returns.resolvers';
import { recoveryResolvers } from './recovery/recovery.resolvers';
import { serviceItemResolvers } from './service-items/service-items.resolvers';
import { describeRecordFields } from './records/record-fields';
import { recordResolvers } from './records/records.resolvers';
import { loadContractSchema } from './schema-parts';

/** Merges the modules' resolver maps type by type (every module may add to Query, Mutation, ...). */
function mergeResolvers(...maps: Resolvers[]): Resolvers {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) merged[type] = { ...merged[type], ...(fields as object) };
  }
  return merged as Resolvers;
}

export function buildWarrantySchema(): GraphQLSchema {
  const resolvers = mergeResolvers(recordResolvers, policyResolvers, productResolvers, coverageResolvers, coverageCheckResolvers, claimResolvers, labourResolvers, calendarResolvers, readingResolvers, extensionResolvers, telemetryResolvers, serviceItemResolvers, returnsResolvers, campaignResolvers, recoveryResolvers, outboxResolvers, federationResolvers);
  const schema = buildSubgraphSchema({
    typeDefs: gql(loadContractSchema()),
    resolvers: { ...resolvers, Date: DateScalar, DateTime: DateTimeScalar, ObservedAt: ObservedAtScalar, Decimal: DecimalScalar, JSON: JSONResolver } as unknown as GraphQLResolverMap<unknown>,
  });
  // What each WarrantyRecord field reads, from the modules' recordField declarations, before the guards below
  // wrap the resolvers (records/record-fields.ts).
  describeRecordFields(schema);
  // Client values are checked once, here, for every field: strings in arguments, and `_entities`
  // representations one by one (input-guards.ts explains what is refused and why).
  guardEntityRepresentations(schema);
  // An ObservedAt is held to the request's now (the services' clock) plus the clock skew: one bound per request.
  const boundsByRequest = new WeakMap<object, InputBounds>();
  // Without the services (a schema executed on its own), the wall clock and the default skew.
  const wallClock: InputBounds = { observedNotAfter: () => new Date(Date.now() + 300_000) };
  guardArguments(schema, new Set(['Query._entities']), (context) => {
    if (typeof context !== 'object' || context === null || !('services' in context)) return wallClock;
    let bounds = boundsByRequest.get(context);
    if (!bounds) {
      const { services } = context as RequestContext;
      boundsByRequest.set(context, (bounds = { observedNotAfter: () => new Date(services.now().getTime() + services.clockSkewMs) }));
    }
    return bounds;
  });
  return schema;
}
