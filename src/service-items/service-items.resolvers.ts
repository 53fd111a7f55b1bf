import { mutationPayload, queryResult } from '../common/errors';
import { moneyOf } from '../common/money';
import { isoDate } from '../common/validation';
import { calendarDateOf } from '../common/calendar';
import { authenticated } from '../auth/authenticated';
import type { Resolvers, ServiceItems as ServiceItemsType, RequestContext } from '../generated/graphql';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import type { ServiceItemClaim } from './service-item-claim.entity';
import { planKey } from './service-item-loaders';
import { lookupServiceItems } from './service-lookup';
import type { ServicePlanItem } from './service-plan.entity';
import { readsWholeRecords, recordField, START_FACTS } from '../records/record-fields';

/** A unit's free service on `asOf` (default today at the site): three loaders, batched across every unit of the request. */
async function serviceItemsOf(record: WarrantyRecord, ignoreBrokerStock: boolean, asOf: Date | string | null | undefined, context: RequestContext) {
  const { loaders } = authenticated(context);
  const [plan, claims, odometerKm] = await Promise.all([
    loaders.serviceItems.planByUnit.load(planKey(record.productFamily, record.sku)),
    loaders.serviceItems.liveClaimsByRecordId.load(record.id),
    loaders.serviceItems.odometerByRecordId.load(record.id),
  ]);
  const on = isoDate(asOf) ?? calendarDateOf(context.services.now(), record.siteTimeZone ?? 'UTC');
  const { start, items } = lookupServiceItems<ServicePlanItem, ServiceItemClaim>(record, plan?.items ?? [], claims, odometerKm, { ignoreBrokerStock }, on);
  return {
    warranty: record,
    ignoreBrokerStock,
    asOf: on,
    freeServiceStartDate: start.date,
    source: start.source,
    reason: start.reason,
    deFactoServiceStartDate: start.deFactoServiceStartDate,
    brokerStock: start.brokerStock,
    plan,
    items: items.map(({ item, state, claim }) => ({
      code: item.code,
      name: item.name,
      value: moneyOf(item.valueAmount, item.valueCurrency),
      dueDate: state.dueDate,
      windowStart: state.windowStart,
      windowEnd: state.windowEnd,
      dueKm: state.dueKm,
      windowStartKm: state.windowStartKm,
      windowEndKm: state.windowEndKm,
      status: state.status,
      reason: state.reason,
      claim,
    })),
  } satisfies Omit<ServiceItemsType, 'warranty' | 'plan' | 'items'> & Record<string, unknown>;
}

export const serviceItemResolvers: Resolvers = {
  Query: {
    serviceItems: readsWholeRecords((_, { serialNumber, ignoreBrokerStock, asOf }, context) =>
      queryResult(async () => {
        const record = await authenticated(context).loaders.recordBySerialNumber.load(serialNumber);
        return record ? serviceItemsOf(record, ignoreBrokerStock ?? true, asOf, context) : null;
      })),
    servicePlans: async (_, { productFamily }, context) => {
      const { actor, loaders } = authenticated(context);
      // Through the loader by exact key: a SKU's plan, or the family's ('' key).
      const keys = await context.services.serviceItems.planKeys(actor, productFamily);
      const plans = await Promise.all(keys.map((key) => loaders.serviceItems.planByUnit.load(planKey(key.productFamily, key.sku))));
      return plans.filter((plan) => plan !== null);
    },
  },
  WarrantyRecord: {
    serviceItems: recordField([...START_FACTS, 'freeServiceDateShift', 'productFamily', 'sku'], (record, { ignoreBrokerStock, asOf }, context) => queryResult(() => serviceItemsOf(record, ignoreBrokerStock ?? true, asOf, context))),
  },
  ServicePlan: {
    sku: (plan) => plan.sku || null,
  },
  ServicePlanItem: {
    value: (item) => moneyOf(item.valueAmount, item.valueCurrency),
  },
  Mutation: {
    publishServicePlan: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('plan', () => context.services.serviceItems.publishPlan(actor, input));
    },
    claimServiceItem: async (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      let claimed: ServiceItemClaim | null = null;
      const payload = await mutationPayload('warranty', async () => {
        const { record, claim } = await context.services.serviceItems.claimItem(actor, { ...input, claimDate: isoDate(input.claimDate)! });
        loaders.forget(record);
        claimed = claim;
        return record;
      });
      return { ...payload, claim: claimed };
    },
    deleteServiceItemClaim: async (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      let deleted: ServiceItemClaim | null = null;
      const payload = await mutationPayload('warranty', async () => {
        const { record, claim } = await context.services.serviceItems.deleteClaim(actor, input);
        loaders.forget(record);
        deleted = claim;
        return record;
      });
      return { ...payload, claim: deleted };
    },
    shiftFreeServiceDate: (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      return mutationPayload('warranty', async () => {
        const record = await context.services.serviceItems.shiftFreeServiceDate(actor, { id: input.id, date: isoDate(input.date), reason: input.reason });
        loaders.forget(record);
        return record;
      });
    },
  },
};
