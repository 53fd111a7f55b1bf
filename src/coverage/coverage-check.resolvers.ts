import { queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import { authenticated } from '../auth/authenticated';
import type { Resolvers } from '../generated/graphql';
import { runsActiveCheck } from '../records/record-fields';
import { CHECK_RECORD_PROPERTIES } from './check-inputs';

export const coverageCheckResolvers: Resolvers = {
  Query: {
    checkWarranty: runsActiveCheck(CHECK_RECORD_PROPERTIES, (_, { input }, context) => {
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
    }),
  },
};
