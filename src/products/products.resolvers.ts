import { authenticated } from '../auth/authenticated';
import { mutationPayload, queryResult } from '../common/errors';
import type { Resolvers } from '../generated/graphql';

export const productResolvers: Resolvers = {
  Query: {
    productReferences: (_, { first, after, skuPrefix }, context) => {
      const { actor } = authenticated(context);
      return queryResult(() => context.services.products.list(actor.orgId, { skuPrefix }, { first, after }));
    },
  },
  Mutation: {
    upsertProductReferences: async (_, { input }, context) => {
      const { actor } = authenticated(context);
      const { result, userErrors } = await mutationPayload('result', () =>
        context.services.products.upsertReferences(actor, input.references),
      );
      return {
        productReferences: result?.productReferences ?? null,
        created: result?.created ?? 0,
        updated: result?.updated ?? 0,
        unchanged: result?.unchanged ?? 0,
        userErrors,
      };
    },
  },
  // The argument guard answers a refused argument with `{ userErrors }` alone; the counts are then zero.
  UpsertProductReferencesPayload: {
    created: (payload) => payload.created ?? 0,
    updated: (payload) => payload.updated ?? 0,
    unchanged: (payload) => payload.unchanged ?? 0,
    productReferences: (payload) => payload.productReferences ?? null,
  },
};
