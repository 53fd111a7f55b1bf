/** A goodwill coverage (rule 11): records writes it and its event, in the caller's transaction. */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { Coverage, WHOLE_UNIT } from '../coverage/coverage.entity';

export interface GoodwillGrant {
  orgId: string;
  recordId: string;
  /** The claim the exception was approved for: the coverage pays that claim and no other (coverage/claim-bound.ts). */
  claimId: string;
  /** The claim's component; null for the whole unit. */
  component: string | null;
  /** The claim's repair date: the coverage runs that one day. */
  repairDate: string;
  /** OA's reference and approver, and the amount granted, kept in the event. */
  reference: string;
  approver: string;
  amount: { amount: string; currency: string };
  actorId: string;
}

/**
 * Adds the GOODWILL coverage an approved exception grants (rule 11), scoped to the claim's component and its repair
 * day and tied to the claim, with its COVERAGE_ADDED event, inside the caller's transaction (the exception decision,
 * whose claim update and outbox message go in the same one).
 */
export async function grantGoodwill(manager: EntityManager, audit: Pick<AuditService, 'append'>, grant: GoodwillGrant): Promise<Coverage> {
  const goodwill = manager.create(Coverage, {
    id: randomUUID(),
    orgId: grant.orgId,
    warrantyRecordId: grant.recordId,
    kind: 'GOODWILL',
    scope: grant.component ?? WHOLE_UNIT,
    startDate: grant.repairDate,
    endDate: grant.repairDate,
    labourEndDate: grant.repairDate,
    termMonths: 0,
    labourMonths: 0,
    paysParts: true,
    paysLabour: true,
    policyId: null,
    claimId: grant.claimId,
    voidedAt: null,
    voidReason: null,
  });
  await manager.insert(Coverage, goodwill);
  await audit.append(manager, [
    {
      orgId: grant.orgId,
      warrantyRecordId: grant.recordId,
      actorId: grant.actorId,
      event: 'COVERAGE_ADDED',
      coverageId: goodwill.id,
      claimId: grant.claimId,
      toValue: `GOODWILL ${goodwill.scope}`,
      detail: { kind: 'GOODWILL', scope: goodwill.scope, reference: grant.reference, approver: grant.approver, amount: grant.amount },
    },
  ]);
  return goodwill;
}
