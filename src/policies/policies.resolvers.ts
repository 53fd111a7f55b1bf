import { authenticated } from '../context';
import { queryResult } from '../common/errors';
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
  Policy: {
    __resolveReference: (reference, context) => authenticated(context).loaders.policyById.load(reference.id),
    labourMonths: (policy) => policy.labourMonths ?? policy.termMonths,
  },
};
