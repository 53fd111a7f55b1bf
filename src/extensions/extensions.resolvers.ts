import { mutationPayload, queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import { moneyOf } from '../common/money';
import { calendarDateOf } from '../common/calendar';
import { authenticated } from '../auth/authenticated';
import type { Resolvers } from '../generated/graphql';
import type { ExtensionPurchase } from './extension-purchase.entity';
import { extensionOffer } from './extensions.service';
import { recordField, START_FACTS } from '../records/record-fields';


export const extensionResolvers: Resolvers = {
  WarrantyRecord: {
    extensionOffer: recordField([...START_FACTS, 'startStatus', 'startDate', 'expiresAt', 'voidedAt', 'tier'], (record, { asOf }, context) =>
      queryResult(async () => {
        const { loaders } = authenticated(context);
        const [policy, coverages] = await Promise.all([loaders.policyById.load(record.policyId), loaders.coveragesByRecordId.load(record.id)]);
        if (!policy) throw new Error(`policy ${record.policyId} of record ${record.id} is missing`);
        const on = isoDate(asOf) ?? calendarDateOf(context.services.now(), record.siteTimeZone ?? 'UTC');
        return extensionOffer(record, coverages, policy, on).map(({ verdict, price }) => ({
          tier: verdict.tier,
          price: price ? moneyOf(price.amount, price.currency) : null,
          purchasable: verdict.purchasable,
          openUntil: verdict.openUntil,
          code: verdict.purchasable ? null : verdict.code,
          reason: verdict.reason,
        }));
      })),
  },
  Mutation: {
    purchaseExtension: async (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      let purchase: ExtensionPurchase | null = null;
      const payload = await mutationPayload('warranty', async () => {
        const result = await context.services.extensions.purchase(actor, { ...input, purchaseDate: isoDate(input.purchaseDate)! });
        loaders.forget(result.record);
        purchase = result.purchase;
        return result.record;
      });
      const sold = purchase as ExtensionPurchase | null;
      return {
        ...payload,
        purchase: sold
          ? { id: sold.id, tier: sold.tier as 'EXTENDED_5Y', orderReference: sold.orderReference, purchaseDate: sold.purchaseDate, price: moneyOf(sold.priceAmount, sold.priceCurrency) }
          : null,
      };
    },
  },
};
