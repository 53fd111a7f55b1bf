/**
 * Straight-through approval (rule 16) and the amendment tolerance (rule 15), as plain functions of the policy's
 * data and the claim's totals. Money is exact decimal: amounts come and go as decimal strings.
 */
import Decimal from 'decimal.js';
import type { ClaimCover } from './claim-states';

/** The policy's rule-16 and rule-15 data, as stored on the policy version (warranty-policy.entity.ts). */
export interface ApprovalTerms {
  /** Per currency: the covered total up to which a fully covered claim is approved at intake. */
  autoApprovalLimits: Readonly<Record<string, string>>;
  /** Percent of the approved covered total a later covered total may exceed it by; null: no percentage. */
  amendmentTolerancePct: number | null;
  /** Per currency: the amount a later covered total may exceed the approved one by. */
  amendmentToleranceAmounts: Readonly<Record<string, string>>;
}

export type AutoApproval =
  | { approve: true; limit: string; reason: string }
  | { approve: false; limit: string | null; reason: string };

/**
 * Rule 16: a claim is approved at intake by the system when every line is covered (COVERED) and its covered total
 * is at most the policy's limit for the claim's currency. A partly covered or uncovered claim, a currency without
 * a limit, or a total above it waits for an agent (pre-authorization).
 */
export function autoApproval(claim: { cover: ClaimCover; coveredTotal: string; currency: string }, terms: Pick<ApprovalTerms, 'autoApprovalLimits'>, policyName: string): AutoApproval {
  const limit = terms.autoApprovalLimits[claim.currency] ?? null;
  const total = `${claim.coveredTotal} ${claim.currency}`;
  if (claim.cover !== 'COVERED') {
    return { approve: false, limit, reason: `rule 16: a ${claim.cover === 'PARTLY_COVERED' ? 'partly covered' : 'not covered'} claim is never approved automatically` };
  }
  if (limit === null) return { approve: false, limit, reason: `rule 16: ${policyName} sets no auto-approval limit in ${claim.currency}; an agent decides` };
  if (new Decimal(claim.coveredTotal).greaterThan(limit)) {
    return { approve: false, limit, reason: `rule 16: the covered total ${total} is above the auto-approval limit ${limit} ${claim.currency} of ${policyName}; pre-authorization by an agent` };
  }
  return { approve: true, limit, reason: `rule 16: approved at intake by the system: fully covered, covered total ${total} within the auto-approval limit ${limit} ${claim.currency} of ${policyName}` };
}

export interface ToleranceJudgement {
  /** Whether the claim needs approval again. */
  exceeded: boolean;
  /** How much the covered total may rise above the approved one (null: the claim was never approved, no limit). */
  allowance: string | null;
  /** How much it rose (negative when it fell). */
  rise: string;
  reason: string;
}

/**
 * Rule 15: amended lines may raise the covered total above the approved covered total by the policy's tolerance:
 * the percentage of the approved covered total, the amount for the currency, the smaller of the two when both are
 * set, nothing when neither is. A claim not approved yet has nothing to exceed (its approval will see the lines).
 */
export function toleranceJudgement(approvedCoveredTotal: string | null, coveredTotal: string, currency: string, terms: Omit<ApprovalTerms, 'autoApprovalLimits'>, digits: number): ToleranceJudgement {
  if (approvedCoveredTotal === null) {
    return { exceeded: false, allowance: null, rise: '0', reason: 'not approved yet: the approval will judge the amended lines' };
  }
  const approved = new Decimal(approvedCoveredTotal);
  const rise = new Decimal(coveredTotal).minus(approved);
  const byPct = terms.amendmentTolerancePct === null ? null : approved.times(terms.amendmentTolerancePct).dividedBy(100).toDecimalPlaces(digits, Decimal.ROUND_DOWN);
  const amount = terms.amendmentToleranceAmounts[currency];
  const byAmount = amount === undefined ? null : new Decimal(amount);
  const allowance = byPct && byAmount ? Decimal.min(byPct, byAmount) : (byPct ?? byAmount ?? new Decimal(0));
  const exceeded = rise.greaterThan(allowance);
  const shown = (d: Decimal) => `${d.toFixed(digits)} ${currency}`;
  const terms_ = [byPct ? `${terms.amendmentTolerancePct} %` : null, byAmount ? shown(byAmount) : null].filter(Boolean).join(', at most ') || 'none';
  return {
    exceeded,
    allowance: allowance.toFixed(digits),
    rise: rise.toFixed(digits),
    reason: exceeded
      ? `rule 15: the covered total ${shown(new Decimal(coveredTotal))} is ${shown(rise)} above the approved ${shown(approved)}, more than the tolerance ${shown(allowance)} (${terms_}); the claim needs approval again`
      : `rule 15: the covered total ${shown(new Decimal(coveredTotal))} is within the tolerance ${shown(allowance)} (${terms_}) of the approved ${shown(approved)}`,
  };
}
