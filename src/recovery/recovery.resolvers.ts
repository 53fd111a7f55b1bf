import { authenticated } from '../auth/authenticated';
import { DomainError, mutationPayload, queryResult, userErrorsOf } from '../common/errors';
import { moneyOf } from '../common/money';
import { isoDate } from '../common/validation';
import type { Resolvers } from '../generated/graphql';
import type { RecoveryStatus } from './recovery-rules';

const money = (amount: string | null, currency: string) => (amount === null ? null : moneyOf(amount, currency));

export const recoveryResolvers: Resolvers = {
  Query: {
    suppliers: (_, { first, after }, context) => queryResult(() => context.services.recovery.suppliers(authenticated(context).actor, { first, after })),
    supplierContracts: (_, { supplierCode, code, first, after }, context) =>
      queryResult(() => context.services.recovery.contracts(authenticated(context).actor, { supplierCode, code }, { first, after })),
    recoveryClaim: (_, { id }, context) => queryResult(() => context.services.recovery.recoveryClaim(authenticated(context).actor, id)),
    recoveryClaims: (_, { filter, first, after }, context) =>
      queryResult(() =>
        context.services.recovery.recoveryClaims(
          authenticated(context).actor,
          { status: (filter?.status ?? null) as RecoveryStatus | null, supplierCode: filter?.supplierCode, claimId: filter?.claimId },
          { first, after },
        ),
      ),
    supplierRecoveryFinance: (_, { from, to, supplierCode }, context) =>
      queryResult(() => context.services.recovery.finance(authenticated(context).actor, { from: isoDate(from), to: isoDate(to), supplierCode })),
  },
  Mutation: {
    upsertSupplier: (_, { input }, context) => mutationPayload('supplier', () => context.services.recovery.upsertSupplier(authenticated(context).actor, input)),
    publishSupplierContracts: async (_, { input }, context) => {
      const { actor } = authenticated(context);
      const { result, userErrors } = await mutationPayload('result', () =>
        context.services.recovery.publishContracts(
          actor,
          input.contracts.map((c) => ({ ...c, validFrom: isoDate(c.validFrom)!, validTo: isoDate(c.validTo) })),
        ),
      );
      return { contracts: result?.contracts ?? null, created: result?.created ?? 0, unchanged: result?.unchanged ?? 0, userErrors };
    },
    recordRecoveryAnswer: async (_, { input }, context) => {
      try {
        const { recoveryClaim, changed } = await context.services.recovery.answer(authenticated(context).actor, input);
        return { recoveryClaim, changed, userErrors: [] };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        return { recoveryClaim: null, changed: false, userErrors: userErrorsOf(error) };
      }
    },
  },
  PublishSupplierContractsPayload: {
    created: (payload) => payload.created ?? 0,
    unchanged: (payload) => payload.unchanged ?? 0,
    contracts: (payload) => payload.contracts ?? null,
  },
  RecoveryAnswerPayload: {
    changed: (payload) => payload.changed ?? false,
  },
  Supplier: {
    updatedAt: (s) => s.updatedAt,
  },
  SupplierContract: {
    supplier: async (k, _, context) => (await authenticated(context).loaders.recovery.supplierById.load(k.supplierId))!,
    recoverySharePct: (k) => String(Number(k.recoverySharePct)),
    labourSharePct: (k) => (k.labourSharePct === null ? null : String(Number(k.labourSharePct))),
    capPerClaim: (k) => (k.capAmount === null || k.capCurrency === null ? null : moneyOf(k.capAmount, k.capCurrency)),
    publishedAt: (k) => k.createdAt,
  },
  RecoveryClaim: {
    supplier: async (r, _, context) => (await authenticated(context).loaders.recovery.supplierById.load(r.supplierId))!,
    warrantyId: (r) => r.warrantyRecordId,
    status: (r) => r.status as RecoveryStatus,
    claimed: (r) => moneyOf(r.claimedAmount, r.currency),
    accepted: (r) => money(r.acceptedAmount, r.currency),
    paid: (r) => money(r.paidAmount, r.currency),
    lines: (r, _, context) => authenticated(context).loaders.recovery.linesByRecoveryClaim.load(r.id),
    version: (r) => r.rowVersion,
  },
  RecoveryLine: {
    partBase: (l) => moneyOf(l.partBase, l.currency),
    labourBase: (l) => moneyOf(l.labourBase, l.currency),
    partAmount: (l) => moneyOf(l.partAmount, l.currency),
    labourAmount: (l) => moneyOf(l.labourAmount, l.currency),
    amount: (l) => moneyOf(l.amount, l.currency),
  },
  SupplierRecoveryFigures: {
    warrantyPaid: (f) => moneyOf(f.warrantyPaid, f.currency),
    claimed: (f) => moneyOf(f.claimed, f.currency),
    accepted: (f) => moneyOf(f.accepted, f.currency),
    paid: (f) => moneyOf(f.paid, f.currency),
  },
};
