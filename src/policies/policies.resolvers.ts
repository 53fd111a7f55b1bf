import { moneyOf } from '../common/money';
import { authenticated } from '../auth/authenticated';
import { mutationPayload, queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import type { Resolvers } from '../generated/graphql';

export const policyResolvers: Resolvers = {
  Query: {
    warrantyPolicies: (_, { productFamily, region, asOf, first, after }, context) => {
      const { actor } = authenticated(context);
      return queryResult(() =>
        context.services.policies.list(actor.orgId, { productFamily, region, asOf: isoDate(asOf) }, { first, after }),
      );
    },
  },
  Mutation: {
    publishWarrantyPolicy: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('policy', () =>
        context.services.policies.publish(actor, {
          ...input,
          effectiveFrom: isoDate(input.effectiveFrom)!,
          componentScopes: input.componentScopes?.map((scope) => scope.toUpperCase()) ?? [],
          extensionTiers: input.extensionTiers ?? [],
          extensionPrices: input.extensionPrices ?? [],
          autoApprovalLimits: input.autoApprovalLimits ?? [],
          amendmentToleranceAmounts: input.amendmentToleranceAmounts ?? [],
        }),
      );
    },
  },
  Policy: {
    publishedAt: (policy) => policy.createdAt,
    __resolveReference: (reference, context) => authenticated(context).loaders.policyById.load(reference.id),
    labourMonths: (policy) => policy.labourMonths ?? policy.termMonths,
    autoApprovalLimits: (policy) => Object.entries(policy.autoApprovalLimits ?? {}).map(([currency, amount]) => moneyOf(amount, currency)),
    amendmentToleranceAmounts: (policy) => Object.entries(policy.amendmentToleranceAmounts ?? {}).map(([currency, amount]) => moneyOf(amount, currency)),
    extensionPrices: (policy) =>
      Object.entries(policy.extensionPrices ?? {}).map(([tier, price]) => ({
        tier: tier as 'EXTENDED_5Y',
        price: moneyOf(price.amount, price.currency),
      })),
  },
};
