import { DomainError, queryResult, userErrorsOf, type UserError } from '../common/errors';
import { authenticated } from '../auth/authenticated';
import type { Resolvers } from '../generated/graphql';
import type { ReturnStatus } from './part-return.entities';
import type { ReturnView } from './returns.service';
import type { ReturnStep } from './return-rules';
import type { RequestContext } from '../generated/graphql';

/** A step's payload: the return as it is now, whether the call changed it, or its refusal (nothing written). */
async function step(context: RequestContext, rmaNumber: string, what: ReturnStep): Promise<{ partReturn: ReturnView | null; changed: boolean; userErrors: UserError[] }> {
  const { actor, loaders } = authenticated(context);
  try {
    const { partReturn, changed } = await context.services.returns.recordStep(actor, rmaNumber, what);
    loaders.claimById.clear(partReturn.claimId);
    loaders.claimLines.clear(partReturn.claimId);
    return { partReturn, changed, userErrors: [] };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { partReturn: null, changed: false, userErrors: userErrorsOf(error) };
  }
}

export const returnsResolvers: Resolvers = {
  Query: {
    partReturnRules: (_, { partNumber, first, after }, context) =>
      queryResult(() => context.services.returns.rules(authenticated(context).actor, partNumber, { first, after })),
    partReturn: (_, { rmaNumber }, context) => queryResult(() => context.services.returns.byRma(authenticated(context).actor, rmaNumber)),
    expectedReturns: (_, { status, dueWithinDays, first, after }, context) =>
      queryResult(() =>
        context.services.returns.expected(authenticated(context).actor, { status: status as ReturnStatus | null, dueWithinDays }, { first, after }),
      ),
  },
  Mutation: {
    setPartReturnRule: async (_, { input }, context) => {
      try {
        return { rule: await context.services.returns.setRule(authenticated(context).actor, input), userErrors: [] };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { rule: null, userErrors: userErrorsOf(error) };
      }
    },
    recordPartShipment: (_, { input }, context) =>
      step(context, input.rmaNumber, { kind: 'SHIPMENT', carrier: input.carrier ?? null, trackingNumber: input.trackingNumber ?? null }),
    recordPartReceipt: (_, { input }, context) => step(context, input.rmaNumber, { kind: 'RECEIPT' }),
    recordPartInspection: (_, { input }, context) => step(context, input.rmaNumber, { kind: 'INSPECTION', outcome: input.outcome, note: input.note ?? null }),
  },
  PartReturn: {
    lineId: (r) => r.claimLineId,
    claim: async (r, _, context) => {
      const claim = await authenticated(context).loaders.claimById.load(r.claimId);
      if (!claim) throw new Error(`claim ${r.claimId} of return ${r.rmaNumber} is missing`);
      return claim;
    },
    overdue: (r, _, context) => r.receivedAt === null && r.dueAt !== null && context.services.now().getTime() > new Date(r.dueAt).getTime(),
  },
  ClaimLine: {
    partReturn: (line, _, context) => authenticated(context).loaders.partReturns.load(line.id),
  },
};
