import type { Role } from '../auth/actor';

/**
 * The claim state machine (rule 10): which action takes a claim from which status to which, who may take it,
 * and what the claim must be for it. Pure: the service locks the claim row, asks here, and writes the change, its
 * event and its outbox message in one transaction, or nothing.
 *
 *   SUBMITTED            → APPROVED (APPROVE) | REJECTED (REJECT) | EXCEPTION_REQUESTED (REQUEST_EXCEPTION)
 *                          | CANCELLED (CANCEL)
 *   EXCEPTION_REQUESTED  → APPROVED (APPROVE_EXCEPTION) | REJECTED (REJECT_EXCEPTION) | CANCELLED (CANCEL)
 *   APPROVED             → IN_REPAIR (START_REPAIR: a repair or a replacement) | CLOSED (COMPLETE: a refund, which
 *                          has nothing to repair) | CANCELLED (CANCEL, before any work)
 *   IN_REPAIR            → CLOSED (COMPLETE)
 *   APPROVED, IN_REPAIR  → REAPPROVAL_REQUIRED (REQUIRE_REAPPROVAL: amended lines raised the covered total past the
 *                          policy's tolerance, rule 15; taken by the amendment, never asked for alone)
 *   REAPPROVAL_REQUIRED  → APPROVED, or IN_REPAIR when the repair had started (APPROVE) | REJECTED (REJECT)
 *   REJECTED, CLOSED, CANCELLED are final.
 *
 * A CAMPAIGN claim (rule 19) moves like a REPAIR: the technician goes on site (START_REPAIR) and the close (COMPLETE
 * from IN_REPAIR) completes the unit in its campaign. Its lines are the campaign's remedy and are never amended, so
 * it never needs approval again (the amendment is refused; the machine itself treats it as a REPAIR).
 *
 * An agent approves only what the check covers (COVERED or PARTLY_COVERED: the covered lines are paid, the rest
 * stays self-paid); an uncovered claim is approved only through an approved exception, which adds the goodwill
 * coverage that pays it. An exception is asked for only when something is not covered.
 */
export const CLAIM_STATUSES = ['SUBMITTED', 'EXCEPTION_REQUESTED', 'APPROVED', 'REJECTED', 'IN_REPAIR', 'CLOSED', 'CANCELLED', 'REAPPROVAL_REQUIRED'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

export const CLAIM_KINDS = ['REPAIR', 'REPLACE', 'REFUND', 'CAMPAIGN'] as const;
export type ClaimKind = (typeof CLAIM_KINDS)[number];

export const CLAIM_ACTIONS = [
  'APPROVE', 'REJECT', 'REQUEST_EXCEPTION', 'APPROVE_EXCEPTION', 'REJECT_EXCEPTION', 'START_REPAIR', 'COMPLETE', 'CANCEL', 'REQUIRE_REAPPROVAL',
] as const;
export type ClaimAction = (typeof CLAIM_ACTIONS)[number];

/** What the claim's check and lines came to: every line paid, some, or none. */
export type ClaimCover = 'COVERED' | 'PARTLY_COVERED' | 'NOT_COVERED';

export const FINAL_STATUSES: ReadonlySet<ClaimStatus> = new Set(['REJECTED', 'CLOSED', 'CANCELLED']);

interface Rule {
  from: readonly ClaimStatus[];
  to: ClaimStatus;
  roles: readonly Role[];
  kinds?: readonly ClaimKind[];
  /** Why the claim's cover does not allow the action, or null when it does. */
  cover?: (cover: ClaimCover) => string | null;
}

const DESK: readonly Role[] = ['AGENT', 'WARRANTY_ADMIN'];
/** Who may amend a claim's lines (rule 15), and so take it back for approval: the repairer and the desk. */
export const AMENDERS: readonly Role[] = ['INSTALLER', 'AGENT', 'WARRANTY_ADMIN', 'SERVICE'];
/** Exception decisions come back from Landray OA (a SERVICE token) or are keyed in by an administrator. */
const EXCEPTION_DECIDERS: readonly Role[] = ['SERVICE', 'WARRANTY_ADMIN'];

/** An action's rules; COMPLETE has two (a repair is completed in IN_REPAIR, a refund straight from APPROVED). */
const RULES: Record<ClaimAction, readonly Rule[]> = {
  APPROVE: [
    {
      from: ['SUBMITTED', 'REAPPROVAL_REQUIRED'],
      to: 'APPROVED',
      roles: DESK,
      cover: (cover) => (cover === 'NOT_COVERED' ? 'nothing on it is covered: request an exception (goodwill) instead' : null),
    },
  ],
  REJECT: [{ from: ['SUBMITTED', 'REAPPROVAL_REQUIRED'], to: 'REJECTED', roles: DESK }],
  REQUEST_EXCEPTION: [
    {
      from: ['SUBMITTED'],
      to: 'EXCEPTION_REQUESTED',
      roles: DESK,
      cover: (cover) => (cover === 'COVERED' ? 'every line is covered: approve it instead' : null),
    },
  ],
  APPROVE_EXCEPTION: [{ from: ['EXCEPTION_REQUESTED'], to: 'APPROVED', roles: EXCEPTION_DECIDERS }],
  REJECT_EXCEPTION: [{ from: ['EXCEPTION_REQUESTED'], to: 'REJECTED', roles: EXCEPTION_DECIDERS }],
  START_REPAIR: [{ from: ['APPROVED'], to: 'IN_REPAIR', roles: DESK, kinds: ['REPAIR', 'REPLACE', 'CAMPAIGN'] }],
  COMPLETE: [
    { from: ['IN_REPAIR'], to: 'CLOSED', roles: DESK, kinds: ['REPAIR', 'REPLACE', 'CAMPAIGN'] },
    { from: ['APPROVED'], to: 'CLOSED', roles: DESK, kinds: ['REFUND'] },
  ],
  CANCEL: [{ from: ['SUBMITTED', 'EXCEPTION_REQUESTED', 'APPROVED'], to: 'CANCELLED', roles: DESK }],
  REQUIRE_REAPPROVAL: [
    { from: ['APPROVED'], to: 'REAPPROVAL_REQUIRED', roles: AMENDERS },
    { from: ['IN_REPAIR'], to: 'REAPPROVAL_REQUIRED', roles: AMENDERS, kinds: ['REPAIR', 'REPLACE', 'CAMPAIGN'] },
  ],
};

export interface TransitionRequest {
  status: ClaimStatus;
  kind: ClaimKind;
  cover: ClaimCover;
  action: ClaimAction;
  roles: readonly Role[];
  /** Whether the technician has been on site (IN_REPAIR was entered): an approval again resumes the repair. */
  repairStarted?: boolean;
}

export type TransitionDecision =
  | { ok: true; from: ClaimStatus; to: ClaimStatus }
  | { ok: false; code: 'FORBIDDEN' | 'INVALID_TRANSITION'; reason: string };

/** Whether `action` may be taken on the claim, and where it leads. */
export function decideTransition(request: TransitionRequest): TransitionDecision {
  const rules = RULES[request.action];
  const roles = rules[0].roles;
  if (!request.roles.some((role) => roles.includes(role))) {
    return { ok: false, code: 'FORBIDDEN', reason: `your role may not ${verb(request.action)} a claim (needs one of ${roles.join(', ')})` };
  }
  const rule = rules.find((r) => r.from.includes(request.status) && (!r.kinds || r.kinds.includes(request.kind)));
  if (!rule) {
    // REQUIRE_REAPPROVAL is taken by an amendment, never asked for: not offered as a way on.
    const allowed = actionsFrom(request.status, request.kind).filter((a) => a !== 'REQUIRE_REAPPROVAL');
    return {
      ok: false,
      code: 'INVALID_TRANSITION',
      reason:
        `a ${request.kind} claim that is ${request.status} cannot be ${pastTense(request.action)}` +
        (allowed.length ? ` (possible now: ${allowed.join(', ')})` : FINAL_STATUSES.has(request.status) ? ' (it is final)' : ''),
    };
  }
  const refusal = rule.cover?.(request.cover);
  if (refusal) return { ok: false, code: 'INVALID_TRANSITION', reason: `the claim cannot be ${pastTense(request.action)}: ${refusal}` };
  // Approved again after an amendment (rule 15): the repair goes on where it was.
  const to = request.status === 'REAPPROVAL_REQUIRED' && rule.to === 'APPROVED' && request.repairStarted ? 'IN_REPAIR' : rule.to;
  return { ok: true, from: request.status, to };
}

/** The actions a claim in `status` can take, whoever asks and whatever its cover. */
export function actionsFrom(status: ClaimStatus, kind: ClaimKind): ClaimAction[] {
  return CLAIM_ACTIONS.filter((action) => RULES[action].some((r) => r.from.includes(status) && (!r.kinds || r.kinds.includes(kind))));
}

function verb(action: ClaimAction): string {
  return action.toLowerCase().replace(/_/g, ' ');
}

function pastTense(action: ClaimAction): string {
  const words: Record<ClaimAction, string> = {
    APPROVE: 'approved',
    REJECT: 'rejected',
    REQUEST_EXCEPTION: 'sent for an exception',
    APPROVE_EXCEPTION: 'approved by exception',
    REJECT_EXCEPTION: 'rejected by exception',
    START_REPAIR: 'put in repair',
    COMPLETE: 'completed',
    CANCEL: 'cancelled',
    REQUIRE_REAPPROVAL: 'sent back for approval',
  };
  return words[action];
}
