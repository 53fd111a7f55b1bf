/** A claim's moves along the state machine (claim-states.ts), the REPLACE completion, and what every move writes. */
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { eventsStep, type AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors';
import { isUuid } from '../common/ids';
import { writeTogether, type WriteStep } from '../db/one-statement';
import { selectList, transactionEntities } from '../db/row-reader';
import type { CoverageCheckService } from '../coverage/coverage-check.service';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { messagesStep } from '../outbox/outbox-writes';
import type { Clock } from '../common/clock';
import { registerReplacement } from '../records/record-replacement';
import type { ClaimApprovedHook, ClaimClosedHook, CoveredPartLine } from './claim-hooks';
import { decideTransition, FINAL_STATUSES, type ClaimAction, type ClaimStatus } from './claim-states';
import { WarrantyClaim } from './warranty-claim.entity';

/** The longest description or reason a claim takes. */
export const MAX_DESCRIPTION = 4_000;

/** What the claims functions work with: the composition root builds it once (ClaimsService). */
export interface ClaimsDeps {
  dataSource: DataSource;
  audit: AuditService;
  coverageCheck: CoverageCheckService;
  clock: Clock;
  /** How far a sender's clock may run ahead of ours (CLOCK_SKEW_SECONDS): a case opened later than now plus this is in the future. */
  clockSkewMs: number;
  /**
   * What other modules do when a claim becomes APPROVED, in the approval's transaction (returns/ authorises the
   * parts to return): given at composition (services.ts), so claims calls them without importing those modules.
   */
  onApproved: ClaimApprovedHook[];
  /** What other modules do when a claim is CLOSED, in the close's transaction; given at composition likewise. */
  onClosed: ClaimClosedHook[];
}

/**
 * Moves a claim along the state machine (claim-states.ts): the claim row is locked, so of two concurrent
 * transitions exactly one happens and the other is judged on the status it left. Who decided and why are kept
 * on the claim and in the event; the SLA clocks stop at the first answer (response) and at the start of the
 * repair (on site); CSP gets the new status through the outbox, in the same transaction.
 */
export async function transitionClaim(deps: ClaimsDeps, actor: Actor, input: { id: string; action: ClaimAction; reason: string }): Promise<WarrantyClaim> {
  const reason = checkedReason(input.reason);
  return deps.dataSource.transaction(async (manager) => {
    const claim = await lockClaim(manager, actor, input.id);
    const to = nextStatus(claim, input.action, actor, ['input', 'id']);
    const detail = input.action === 'COMPLETE' && claim.kind === 'REPLACE' ? await replaceUnit(deps, manager, actor, claim) : {};
    return applyTransition(deps, manager, actor, claim, to, input.action, reason, detail);
  });
}

/**
 * Completing a REPLACE claim (rule 10): records registers the replacement unit (record-replacement.ts: its record
 * carrying the rest of the old unit's warranty, the two linked both ways, the old one marked replaced, or a refusal
 * writing nothing), in this transaction; the claim names the replacement and both histories get an event.
 */
async function replaceUnit(deps: ClaimsDeps, manager: EntityManager, actor: Actor, claim: WarrantyClaim): Promise<Record<string, unknown>> {
  const serialNumber = claim.replacementSerialNumber!;
  const { old, replacement, coverages } = await registerReplacement(manager, {
    orgId: claim.orgId,
    recordId: claim.warrantyRecordId,
    serialNumber,
    registeredById: actor.id,
    clock: deps.clock,
    field: ['input', 'id'],
  });
  claim.replacementRecordId = replacement.id;
  await manager.update(WarrantyClaim, { id: claim.id, orgId: claim.orgId }, { replacementRecordId: replacement.id });
  await deps.audit.append(manager, [
    { orgId: old.orgId, warrantyRecordId: old.id, actorId: actor.id, event: 'WARRANTY_REPLACED', toValue: serialNumber, claimId: claim.id, detail: { replacementId: replacement.id } },
    {
      orgId: old.orgId,
      warrantyRecordId: replacement.id,
      actorId: actor.id,
      event: 'WARRANTY_REGISTERED',
      toValue: serialNumber,
      claimId: claim.id,
      detail: { replaces: old.id, replacesSerialNumber: old.serialNumber, coverages, expiresAt: replacement.expiresAt },
    },
  ]);
  return { replacementId: replacement.id, replacementSerialNumber: serialNumber };
}

/** Writes a decided transition: the claim, its clocks, the event and the CSP message. */
export async function applyTransition(deps: ClaimsDeps, manager: EntityManager, actor: Actor, claim: WarrantyClaim, to: ClaimStatus, action: ClaimAction, reason: string, detail: Record<string, unknown> = {}): Promise<WarrantyClaim> {
  const now = deps.clock();
  const from = claim.status;
  claim.status = to;
  claim.decidedById = actor.id;
  claim.decisionReason = reason;
  if (from === 'SUBMITTED' && !claim.respondedAt) claim.respondedAt = now;
  if (to === 'IN_REPAIR' && !claim.onsiteAt) claim.onsiteAt = now;
  if (FINAL_STATUSES.has(to)) claim.closedAt = now;
  const approval = APPROVALS.has(action) && to !== 'REJECTED';
  if (approval) claim.approvedCoveredTotal = claim.coveredTotal;
  claim.rowVersion += 1;
  claim.updatedAt = now;
  // The claim's own update goes in the statement of its event and message, but for a close: the close hooks read
  // the closed claim in the transaction before that statement (claim-hooks.ts), so it is written first.
  const update = claimUpdateStep(claim);
  if (to === 'CLOSED') await writeTogether(manager, [update]);
  // The event, CSP's message and what other modules do on an approval (rule 18's returns): one statement.
  await writeTogether(manager, [
    ...(to === 'CLOSED' ? [] : [update]),
    eventsStep([
      {
        orgId: claim.orgId,
        warrantyRecordId: claim.warrantyRecordId,
        actorId: actor.id,
        event: 'CLAIM_STATUS_CHANGED',
        fromValue: from,
        toValue: to,
        claimId: claim.id,
        detail: { action, reason, ...detail },
      },
    ]),
    messagesStep([statusMessage(claim, from)]),
    ...(approval ? approvedSteps(deps, claim, actor.id) : []),
    ...(to === 'CLOSED' ? await closedSteps(deps, manager, claim, actor.id) : []),
  ]);
  return claim;
}

/** The actions that approve a claim: an agent's (first or again after an amendment) and OA's exception. */
const APPROVALS: ReadonlySet<ClaimAction> = new Set(['APPROVE', 'APPROVE_EXCEPTION']);

/**
 * What every approval does besides its status change, whoever approves: an agent (first or again after an
 * amendment) or OA (applyTransition), or the system at intake (rule 16, claim-intake.ts), as steps of the statement
 * that writes the approval's event and status message, in its transaction. The hooks are other modules' (rule 18:
 * returns authorises the return-required parts), given at composition (services.ts), so claims imports none of them.
 */
export function approvedSteps(deps: ClaimsDeps, claim: WarrantyClaim, actorId: string, known?: { coveredParts: readonly CoveredPartLine[] }): WriteStep[] {
  return deps.onApproved.map((hook) => hook(claim, actorId, known)).filter((step): step is WriteStep => step !== null);
}

/** A decided transition's columns of the claim row, as a step of a statement (db/one-statement.ts). */
function claimUpdateStep(claim: WarrantyClaim): WriteStep {
  return {
    ctes: [['claim_update', `UPDATE warranty_claim SET status = $3, decided_by_id = $4, decision_reason = $5, responded_at = $6, onsite_at = $7,
      closed_at = $8, approved_covered_total = $9, row_version = $10, updated_at = $11 WHERE id = $1 AND org_id = $2 RETURNING 1`]],
    params: [
      claim.id, claim.orgId, claim.status, claim.decidedById, claim.decisionReason, claim.respondedAt, claim.onsiteAt,
      claim.closedAt, claim.approvedCoveredTotal, claim.rowVersion, claim.updatedAt,
    ],
  };
}

/** What the close hooks write (claim-hooks.ts), read after the claim row is CLOSED; run one after another on the transaction's connection. */
async function closedSteps(deps: ClaimsDeps, manager: EntityManager, claim: WarrantyClaim, actorId: string): Promise<WriteStep[]> {
  const steps: WriteStep[] = [];
  for (const hook of deps.onClosed) {
    const step = await hook(manager, { id: claim.id, orgId: claim.orgId, warrantyRecordId: claim.warrantyRecordId, kind: claim.kind, closedAt: claim.closedAt ?? deps.clock(), campaignId: claim.campaignId }, actorId);
    if (step) steps.push(step);
  }
  return steps;
}

/** The message CSP gets for every status a claim takes (its first included), written in the change's transaction. */
export async function writeStatusMessage(manager: EntityManager, claim: WarrantyClaim, from: string | null): Promise<void> {
  await manager.insert(OutboxMessage, statusMessage(claim, from));
}

/** The outbox row of a status message (several go in one insert: the case request and the status at intake, rule 14;
 * submitted and approved at intake, rule 16). */
export function statusMessage(claim: WarrantyClaim, from: string | null, extra: Record<string, unknown> = {}): Partial<OutboxMessage> {
  const payload: Record<string, any> = {
    claimId: claim.id,
    warrantyId: claim.warrantyRecordId,
    cspCaseId: claim.cspCaseId,
    kind: claim.kind,
    from,
    status: claim.status,
    cover: claim.cover,
    coveredTotal: { amount: claim.coveredTotal, currency: claim.currency },
    selfPaidTotal: { amount: claim.selfPaidTotal, currency: claim.currency },
    version: claim.rowVersion,
    ...extra,
  };
  return { orgId: claim.orgId, destination: 'CSP', topic: 'claim.status_changed', aggregateId: claim.id, payload };
}

/** Where `action` takes the claim (claim-states.ts), or its refusal (FORBIDDEN, INVALID_TRANSITION) at `field`. */
export function nextStatus(claim: WarrantyClaim, action: ClaimAction, actor: Actor, field: string[]): ClaimStatus {
  const decision = decideTransition({ status: claim.status, kind: claim.kind, cover: claim.cover, action, roles: actor.roles, repairStarted: claim.onsiteAt !== null });
  if (!decision.ok) throw new DomainError(decision.code, decision.reason, field);
  return decision.to;
}

export function checkedReason(given: string): string {
  const reason = given.trim();
  if (!reason) throw new DomainError('BAD_USER_INPUT', 'say why (reason must not be empty)', ['input', 'reason']);
  if (reason.length > MAX_DESCRIPTION) throw new DomainError('BAD_USER_INPUT', `reason: at most ${MAX_DESCRIPTION} characters`, ['input', 'reason']);
  return reason;
}

/** The claim, locked for the rest of the transaction; another organisation's claim is not found. */
export async function lockClaim(manager: EntityManager, actor: Actor, id: string, field: string[] = ['input', 'id']): Promise<WarrantyClaim> {
  // A named statement (planned once per connection), hydrated as findOne would: every transition starts here.
  const claim = isUuid(id)
    ? (await transactionEntities(manager, WarrantyClaim, `SELECT ${selectList(manager.connection, WarrantyClaim, 'c')} FROM warranty_claim c WHERE c.id = $1 AND c.org_id = $2 FOR UPDATE OF c`, [id, actor.orgId]))[0] ?? null
    : null;
  if (!claim) throw new DomainError('NOT_FOUND', `no claim with id ${id}`, field);
  return claim;
}
