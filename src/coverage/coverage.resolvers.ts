import { authenticated } from '../context';
import type { Resolvers } from '../generated/graphql';
import type { Coverage } from './coverage.entity';

export const coverageResolvers: Resolvers = {
  Coverage: {
    limits: (coverage) => coverage,
    policy: (coverage, _, context) =>
      coverage.policyId ? authenticated(context).loaders.policyById.load(coverage.policyId) : null,
  },
  UsageLimits: {
    odometerKm: (coverage: Coverage) => coverage.mileageLimitKm,
    engineHours: (coverage: Coverage) => coverage.engineHoursLimit,
    throughputMwh: (coverage: Coverage) => coverage.throughputLimitMwh,
    sohGuaranteePct: (coverage: Coverage) => coverage.sohGuaranteePct,
  },
};
