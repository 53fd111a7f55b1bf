import { mutationPayload } from '../common/errors';
import { isoDate } from '../common/validation';
import { authenticated } from '../auth/authenticated';
import type { Resolvers } from '../generated/graphql';

export const readingResolvers: Resolvers = {
  Mutation: {
    recordReadings: (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      return mutationPayload('warranty', async () => {
        const record = await context.services.readings.record(actor, { ...input, readOn: isoDate(input.readOn)!, readings: input.readings });
        loaders.latestReadings.clear(record.id);
        loaders.forget(record);
        return record;
      });
    },
  },
};
