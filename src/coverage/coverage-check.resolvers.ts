import { queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import { authenticated } from '../auth/authenticated';
import type { Resolvers } from '../generated/graphql';

export const coverageCheckResolvers: Resolvers = {
  Query: {
    checkWarranty: (_, { input }, context) => {
      const { loaders } = authenticated(context);
      return queryResult(() =>
        context.services.coverageCheck.check(loaders, {
          serialNumber: input.serialNumber,
          repairDate: isoDate(input.repairDate)!,
          readings: input.readings ?? {},
          component: input.component,
          costType: input.costType,
          capacityClaim: input.capacityClaim ?? false,
        }),
      );
    },
  },
};
