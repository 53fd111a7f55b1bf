import { authenticated } from '../auth/authenticated';
import { mutationPayload, type UserError } from '../common/errors';
import { isoDate } from '../common/validation';
import type { RequestContext, Resolvers } from '../generated/graphql';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import type { Coverage } from './coverage.entity';

/** A part contract changed: the payload shows the record and coverage as written. */
async function partPayload(
  context: RequestContext,
  change: () => Promise<{ record: WarrantyRecord; coverage: Coverage }>,
): Promise<{ warranty: WarrantyRecord | null; coverage: Coverage | null; userErrors: UserError[] }> {
  const payload = await mutationPayload('result', async () => {
    const result = await change();
    authenticated(context).loaders.forget(result.record);
    return result;
  });
  return { warranty: payload.result?.record ?? null, coverage: payload.result?.coverage ?? null, userErrors: payload.userErrors };
}

export const coverageResolvers: Resolvers = {
  Mutation: {
    addPartCoverage: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return partPayload(context, () =>
        context.services.partCoverages.add(actor, { ...input, startDate: isoDate(input.startDate)! }),
      );
    },
    removePartCoverage: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return partPayload(context, () => context.services.partCoverages.remove(actor, input));
    },
  },
  Coverage: {
    limits: (coverage) => coverage,
    policy: (coverage, _, context) =>
      coverage.policyId ? authenticated(context).loaders.policyById.load(coverage.policyId) : null,
    // The claim loader shows only claims the caller may see; another's claim is null, as an unknown one is.
    claim: (coverage, _, context) => (coverage.claimId ? authenticated(context).loaders.claimById.load(coverage.claimId) : null),
  },
  UsageLimits: {
    odometerKm: (coverage: Coverage) => coverage.mileageLimitKm,
    engineHours: (coverage: Coverage) => coverage.engineHoursLimit,
    throughputMwh: (coverage: Coverage) => coverage.throughputLimitMwh,
    sohGuaranteePct: (coverage: Coverage) => coverage.sohGuaranteePct,
  },
};
