/** Corporate exceptions (rule 11): the request to Landray OA and OA's decision. */
import type { EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError } from '../common/errors';
import { isExternalKey } from '../common/ids';
import { inTransaction } from '../db/transactions';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { grantGoodwill } from '../records/record-goodwill';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { ClaimLine } from './claim-line.entity';
import type { ClaimAction } from './claim-states';
import { WarrantyClaim } from './warranty-claim.entity';
import { applyTransition, checkedReason, lockClaim, nextStatus, type ClaimsDeps } from './claim-transitions';

/**
 * Sends an uncovered or partly covered claim to Landray OA for a corporate exception (rule 11): the claim moves
 * to EXCEPTION_REQUESTED and OA's request leaves through the outbox, in the same transaction.
 */
export async function requestException(deps: ClaimsDeps, actor: Actor, input: { id: string; reason: string }): Promise<WarrantyClaim> {
  const reason = checkedReason(input.reason);
  return deps.dataSource.transaction(async (manager) => {
    const claim = await lockClaim(manager, actor, input.id);
    const to = nextStatus(claim, 'REQUEST_EXCEPTION', actor, ['input', 'id']);
    const record = await manager.findOneOrFail(WarrantyRecord, { where: { id: claim.warrantyRecordId, orgId: claim.orgId } });
    await applyTransition(deps, manager, actor, claim, to, 'REQUEST_EXCEPTION', reason);
    const payload: Record<string, any> = {
      claimId: claim.id,
      warrantyId: record.id,
      serialNumber: record.serialNumber,
      kind: claim.kind,
      component: claim.component,
      repairDate: claim.repairDate,
      reason,
      checkReason: claim.validation?.reason ?? null,
      coveredTotal: { amount: claim.coveredTotal, currency: claim.currency },
      selfPaidTotal: { amount: claim.selfPaidTotal, currency: claim.currency },
      requestedBy: actor.id,
    };
    await manager.insert(OutboxMessage, { orgId: claim.orgId, destination: 'OA', topic: 'claim.exception_requested', aggregateId: claim.id, payload });
    return claim;
  });
}

/**
 * OA's decision on an exception (rule 11), from its webhook (SERVICE) or keyed in (WARRANTY_ADMIN). Approval adds
 * a GOODWILL coverage tied to the claim, scoped to the claim's component (the cells included where the policy
 * carves them out, since the coverage is scoped to exactly that component), prices every line as paid by it and
 * approves the claim. The same decision again under the same reference changes nothing; a different one is
 * refused.
 */
export async function recordExceptionDecision(
  deps: ClaimsDeps,
  actor: Actor,
  input: { claimId: string; outcome: 'APPROVED' | 'REJECTED'; approver: string; reference: string; reason?: string | null },
  within?: EntityManager,
): Promise<WarrantyClaim> {
  assertRole(actor, ['SERVICE', 'WARRANTY_ADMIN'], 'record an exception decision');
  if (!isExternalKey(input.reference)) throw new DomainError('BAD_USER_INPUT', 'an OA reference is 1 to 200 letters, digits and ._:/-', ['input', 'reference']);
  const approver = input.approver.trim();
  if (!approver || approver.length > 200) throw new DomainError('BAD_USER_INPUT', 'name the approver (1 to 200 characters)', ['input', 'approver']);
  return decideException(deps, actor, input, approver, within).catch((error: unknown) => {
    // Two claims decided under one reference at once: the second meets the first in the unique index.
    if (isUniqueViolation(error, 'ux_claim_exception_reference')) throw referenceTaken(input.reference, null);
    throw error;
  });
}

function decideException(
  deps: ClaimsDeps,
  actor: Actor,
  input: { claimId: string; outcome: 'APPROVED' | 'REJECTED'; approver: string; reference: string; reason?: string | null },
  approver: string,
  within?: EntityManager,
): Promise<WarrantyClaim> {
  return inTransaction(deps.dataSource, within, async (manager) => {
    const claim = await lockClaim(manager, actor, input.claimId, ['input', 'claimId']);
    if (claim.exceptionReference !== null) {
      if (claim.exceptionReference === input.reference && claim.exceptionOutcome === input.outcome) return claim;
      const decided = `claim ${claim.id} was already decided ${claim.exceptionOutcome} under OA reference ${claim.exceptionReference}`;
      if (claim.exceptionReference === input.reference) throw new DomainError('IDEMPOTENCY_CONFLICT', decided, ['input', 'outcome']);
      throw new DomainError('INVALID_TRANSITION', decided, ['input', 'reference']);
    }
    const action: ClaimAction = input.outcome === 'APPROVED' ? 'APPROVE_EXCEPTION' : 'REJECT_EXCEPTION';
    const to = nextStatus(claim, action, actor, ['input', 'claimId']);
    // An OA reference decides one claim of the organisation (ux_claim_exception_reference).
    const other = await manager.findOne(WarrantyClaim, { select: { id: true }, where: { orgId: claim.orgId, exceptionReference: input.reference } });
    if (other) throw referenceTaken(input.reference, other.id);
    const now = deps.clock();
    claim.exceptionReference = input.reference;
    claim.exceptionOutcome = input.outcome;
    claim.exceptionApprover = approver;
    claim.exceptionDecidedAt = now;
    const reason = input.reason?.trim() || `exception ${input.outcome.toLowerCase()} in Landray OA by ${approver} (${input.reference})`;
    if (input.outcome === 'APPROVED') {
      // Records writes the coverage and its event (record-goodwill.ts); the claim's lines are paid by it.
      await grantGoodwill(manager, deps.audit, {
        orgId: claim.orgId,
        recordId: claim.warrantyRecordId,
        claimId: claim.id,
        component: claim.component,
        repairDate: claim.repairDate,
        reference: input.reference,
        approver,
        amount: { amount: claim.total, currency: claim.currency },
        actorId: actor.id,
      });
      const paidBy = `paid as goodwill: exception ${input.reference} approved by ${approver}`;
      await manager.update(ClaimLine, { claimId: claim.id, orgId: claim.orgId }, { covered: true, coveredAmount: null, reason: paidBy });
      claim.cover = 'COVERED';
      claim.coveredTotal = claim.total;
      claim.selfPaidTotal = '0';
    }
    await manager.update(
      WarrantyClaim,
      { id: claim.id, orgId: claim.orgId },
      {
        exceptionReference: claim.exceptionReference,
        exceptionOutcome: claim.exceptionOutcome,
        exceptionApprover: claim.exceptionApprover,
        exceptionDecidedAt: now,
        cover: claim.cover,
        coveredTotal: claim.coveredTotal,
        selfPaidTotal: claim.selfPaidTotal,
      },
    );
    return applyTransition(deps, manager, actor, claim, to, action, reason, { reference: input.reference, approver });
  });
}

/** An OA reference decides one claim of an organisation: another claim's decision under it is refused. */
function referenceTaken(reference: string, claimId: string | null): DomainError {
  const which = claimId ? `claim ${claimId}` : 'another claim';
  return new DomainError('IDEMPOTENCY_CONFLICT', `OA reference ${reference} already decided ${which}; each exception decision has its own reference`, ['input', 'reference']);
}
