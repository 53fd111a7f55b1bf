/** A claim's moves along the state machine (claim-states.ts), the REPLACE completion, and what every move writes. */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors';
import { isUuid } from '../common/ids';
import type { CoverageCheckService } from '../coverage/coverage-check.service';
import { Coverage } from '../coverage/coverage.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import type { Clock } from '../common/clock';
import { deriveWarrantyStart } from '../records/warranty-start';
import { WarrantyRecord } from '../records/warranty-record.entity';
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
 * Completing a REPLACE claim (rule 10): the replacement unit gets a record of its own carrying the rest of the
 * old unit's warranty (the same policy version, start, tier and end dates: each coverage not voided is copied
 * with its dates, terms and limits), the two records are linked both ways, the old one is marked replaced (its
 * status REPLACED, its checks refused from that day), and both histories get an event. A replacement serial
 * that is already registered refuses the completion (DUPLICATE_SERIAL), writing nothing.
 */
async function replaceUnit(deps: ClaimsDeps, manager: EntityManager, actor: Actor, claim: WarrantyClaim): Promise<Record<string, unknown>> {
  const old = await manager.findOne(WarrantyRecord, { where: { id: claim.warrantyRecordId, orgId: claim.orgId }, lock: { mode: 'pessimistic_write' } });
  if (!old) throw new Error(`record ${claim.warrantyRecordId} of claim ${claim.id} is missing`);
  if (old.replacedAt) throw new DomainError('INVALID_TRANSITION', `unit ${old.serialNumber} was already replaced by ${old.replacedBySerialNumber}`, ['input', 'id']);
  const serialNumber = claim.replacementSerialNumber!;
  if (await manager.exists(WarrantyRecord, { where: { orgId: claim.orgId, serialNumber } })) {
    throw new DomainError('DUPLICATE_SERIAL', `the replacement ${serialNumber} is already registered`, ['input', 'id']);
  }
  const now = deps.clock();
  const policy = await manager.findOneOrFail(WarrantyPolicy, { where: { id: old.policyId, orgId: old.orgId } });
  const start = deriveWarrantyStart(old, { lateStartCapMonths: policy.lateStartCapMonths });
  const replacement = manager.create(WarrantyRecord, {
    ...old,
    id: randomUUID(),
    serialNumber,
    registeredById: actor.id,
    registeredAt: now,
    // The replacement's warranty starts when the old one did: the operator date shift (which wins over every other
    // start fact) holds the old start, so the same rule gives the same dates.
    warrantyDateShift: start.date,
    replacedAt: null,
    replacedByRecordId: null,
    replacedBySerialNumber: null,
    replacesRecordId: old.id,
    rowVersion: 1,
    createdAt: now,
    updatedAt: now,
  });
  await manager.insert(WarrantyRecord, replacement);
  const coverages = await manager.find(Coverage, { where: { orgId: old.orgId, warrantyRecordId: old.id }, order: { createdAt: 'ASC', scope: 'ASC' } });
  const moved = coverages.filter((c) => !c.voidedAt).map((c) => ({ ...c, id: randomUUID(), warrantyRecordId: replacement.id, createdAt: now }));
  if (moved.length > 0) await manager.insert(Coverage, moved);
  await manager.update(
    WarrantyRecord,
    { id: old.id, orgId: old.orgId },
    // TypeORM's update adds the record's version and update time (its @VersionColumn and @UpdateDateColumn).
    { replacedAt: now, replacedByRecordId: replacement.id, replacedBySerialNumber: serialNumber },
  );
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
      detail: { replaces: old.id, replacesSerialNumber: old.serialNumber, coverages: moved.length, expiresAt: replacement.expiresAt },
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
  claim.rowVersion += 1;
  claim.updatedAt = now;
  await manager.update(
    WarrantyClaim,
    { id: claim.id, orgId: claim.orgId },
    {
      status: claim.status,
      decidedById: claim.decidedById,
      decisionReason: claim.decisionReason,
      respondedAt: claim.respondedAt,
      onsiteAt: claim.onsiteAt,
      closedAt: claim.closedAt,
      rowVersion: claim.rowVersion,
      updatedAt: now,
    },
  );
  await deps.audit.append(manager, [
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
  ]);
  await writeStatusMessage(manager, claim, from);
  return claim;
}

/** The message CSP gets for every status a claim takes (its first included), written in the change's transaction. */
export async function writeStatusMessage(manager: EntityManager, claim: WarrantyClaim, from: string | null): Promise<void> {
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
  };
  await manager.insert(OutboxMessage, { orgId: claim.orgId, destination: 'CSP', topic: 'claim.status_changed', aggregateId: claim.id, payload });
}

/** Where `action` takes the claim (claim-states.ts), or its refusal (FORBIDDEN, INVALID_TRANSITION) at `field`. */
export function nextStatus(claim: WarrantyClaim, action: ClaimAction, actor: Actor, field: string[]): ClaimStatus {
  const decision = decideTransition({ status: claim.status, kind: claim.kind, cover: claim.cover, action, roles: actor.roles });
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
  const claim = isUuid(id)
    ? await manager.findOne(WarrantyClaim, { where: { id, orgId: actor.orgId }, lock: { mode: 'pessimistic_write' } })
    : null;
  if (!claim) throw new DomainError('NOT_FOUND', `no claim with id ${id}`, field);
  return claim;
}
