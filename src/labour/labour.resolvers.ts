import { authenticated } from '../auth/authenticated';
import { mutationPayload, queryResult } from '../common/errors';
import { moneyOf } from '../common/money';
import { isoDate } from '../common/validation';
import type { Resolvers } from '../generated/graphql';

export const labourResolvers: Resolvers = {
  Query: {
    labourOperations: (_, { code, productFamily, sku, asOf, first, after }, context) => {
      const { actor } = authenticated(context);
      return queryResult(() => context.services.labour.listOperations(actor.orgId, { code, productFamily, sku, asOf: isoDate(asOf) }, { first, after }));
    },
    labourRates: (_, { region, currency, asOf, first, after }, context) => {
      const { actor } = authenticated(context);
      return queryResult(() => context.services.labour.listRates(actor.orgId, { region, currency, asOf: isoDate(asOf) }, { first, after }));
    },
  },
  Mutation: {
    publishLabourOperations: async (_, { input }, context) => {
      const { actor } = authenticated(context);
      const { result, userErrors } = await mutationPayload('result', () =>
        context.services.labour.publishOperations(
          actor,
          input.operations.map((op) => ({ ...op, validFrom: isoDate(op.validFrom)! })),
        ),
      );
      return { operations: result?.operations ?? null, created: result?.created ?? 0, unchanged: result?.unchanged ?? 0, userErrors };
    },
    retireLabourOperation: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('operation', () => context.services.labour.retireOperation(actor, { code: input.code, validFrom: isoDate(input.validFrom)! }));
    },
    publishLabourRate: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('rate', () => context.services.labour.publishRate(actor, { ...input, validFrom: isoDate(input.validFrom)! }));
    },
  },
  // The argument guard answers a refused argument with `{ userErrors }` alone; the counts are then zero.
  PublishLabourOperationsPayload: {
    created: (payload) => payload.created ?? 0,
    unchanged: (payload) => payload.unchanged ?? 0,
    operations: (payload) => payload.operations ?? null,
  },
  LabourOperation: {
    publishedAt: (op) => op.createdAt,
    standardHours: (op) => (op.standardHours === null ? null : String(Number(op.standardHours))),
  },
  LabourRate: {
    publishedAt: (rate) => rate.createdAt,
    hourlyRate: (rate) => moneyOf(rate.hourlyRate, rate.currency),
  },
};
