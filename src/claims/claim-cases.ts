/**
 * A claim opens its CSP case (rule 14): the request CSP gets when a claim comes without a case, the case id CSP
 * answers with, who a case id belongs to, and when a case was opened.
 */
import type { EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { isExternalKey } from '../common/ids';
import { inTransaction } from '../db/transactions';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import { lockClaim, type ClaimsDeps } from './claim-transitions';
import { WarrantyClaim } from './warranty-claim.entity';

/** The topic of the message that asks CSP to open a case for a claim. */
export const CASE_REQUESTED = 'claim.case_requested';

/**
 * Why an instant given as a case's opening cannot be taken, or null: later than now plus the clock skew is in the
 * future. An instant within the skew of now is a sender's clock running a little ahead: the caller takes it as now.
 */
export function caseOpenedProblem(openedAt: Date, now: Date, clockSkewMs: number): string | null {
  if (Number.isNaN(openedAt.getTime())) return 'not an instant';
  if (openedAt.getTime() > now.getTime() + clockSkewMs) {
    return `the case cannot have been opened in the future: ${openedAt.toISOString()} is later than now (${now.toISOString()}) plus the allowed clock skew of ${clockSkewMs / 1000} s`;
  }
  return null;
}

/**
 * Where a claim's response clock starts: at the opening of the case it was taken from, else at submission. An
 * opening within the clock skew after submission counts as the submission (it cannot have been later).
 */
export function responseClockStart(submittedAt: Date, caseOpenedAt: Date | null | undefined): Date {
  if (!caseOpenedAt || caseOpenedAt.getTime() > submittedAt.getTime()) return submittedAt;
  return caseOpenedAt;
}

/**
 * The case id for the organisation: the first organisation to use a case id keeps it (claim_case, keyed by the
 * case id alone); another organisation's is refused (CASE_TAKEN at `field`). One statement: the row is taken or
 * the owner read back; only when another transaction took it meanwhile (after this statement's snapshot) is it
 * read again.
 */
export async function takeCase(manager: EntityManager, orgId: string, caseId: string, field: string[]): Promise<void> {
  const rows: Array<{ org_id: string }> = await manager.query(
    `WITH taken AS (INSERT INTO claim_case (case_id, org_id) VALUES ($1, $2) ON CONFLICT (case_id) DO NOTHING RETURNING org_id)
     SELECT org_id FROM taken UNION ALL SELECT org_id FROM claim_case WHERE case_id = $1`,
    [caseId, orgId],
  );
  let owner = rows[0]?.org_id;
  if (owner === undefined) owner = (await manager.query(`SELECT org_id FROM claim_case WHERE case_id = $1`, [caseId]))[0]?.org_id;
  if (owner !== orgId) throw new DomainError('CASE_TAKEN', `CSP case ${caseId} belongs to another organisation`, field);
}

/** What CSP needs to open a case for a claim submitted without one: the claim, the unit, its customer and site. */
export function caseRequestPayload(claim: WarrantyClaim, record: WarrantyRecord): Record<string, unknown> {
  return {
    claimId: claim.id,
    kind: claim.kind,
    status: claim.status,
    component: claim.component,
    description: claim.description,
    repairDate: claim.repairDate,
    submittedAt: claim.createdAt.toISOString(),
    submittedBy: claim.submittedById,
    unit: { warrantyId: record.id, serialNumber: record.serialNumber, sku: record.sku, productId: record.productId, productFamily: record.productFamily },
    customer: { customerId: record.customerId, installerId: record.installerId },
    site: { countryCode: record.siteCountry, timeZone: record.siteTimeZone ?? 'UTC', region: record.region },
    coveredTotal: { amount: claim.coveredTotal, currency: claim.currency },
    selfPaidTotal: { amount: claim.selfPaidTotal, currency: claim.currency },
    responseDueAt: claim.responseDueAt?.toISOString() ?? null,
  };
}

export interface LinkCaseInput {
  claimId: string;
  caseId: string;
  /** When CSP opened the case, if it says. */
  openedAt?: Date | null;
}

/**
 * CSP's answer to a case request (rule 14), from its webhook (SERVICE) or keyed in (WARRANTY_ADMIN): the claim
 * gets the case id, the case id becomes the organisation's, and the link is an event, in one transaction. The
 * same answer again changes nothing; another case id for a linked claim is refused (CASE_ALREADY_LINKED), and so
 * is a case id of another organisation (CASE_TAKEN). The response clock stays where it started: the claim asked
 * for this case, so it was submitted first.
 */
export async function linkClaimCase(deps: ClaimsDeps, actor: Actor, input: LinkCaseInput, within?: EntityManager): Promise<WarrantyClaim> {
  assertRole(actor, ['SERVICE', 'WARRANTY_ADMIN'], "link a claim to its CSP case");
  if (!isExternalKey(input.caseId)) throw new DomainError('BAD_USER_INPUT', 'a CSP case id is 1 to 200 letters, digits and ._:/- (starting with a letter or digit)', ['input', 'caseId']);
  const now = deps.clock();
  const openedAt = input.openedAt ?? null;
  const problem = openedAt ? caseOpenedProblem(openedAt, now, deps.clockSkewMs) : null;
  if (problem) throw new DomainError('BAD_USER_INPUT', problem, ['input', 'openedAt']);
  return inTransaction(deps.dataSource, within, async (manager) => {
    const claim = await lockClaim(manager, actor, input.claimId, ['input', 'claimId']);
    if (claim.cspCaseId === input.caseId) return claim;
    if (claim.cspCaseId !== null) {
      throw new DomainError('CASE_ALREADY_LINKED', `claim ${claim.id} is linked to CSP case ${claim.cspCaseId} already; a claim has one case`, ['input', 'caseId']);
    }
    await takeCase(manager, claim.orgId, input.caseId, ['input', 'caseId']);
    claim.cspCaseId = input.caseId;
    claim.caseOpenedAt = openedAt && openedAt.getTime() > now.getTime() ? now : openedAt;
    claim.rowVersion += 1;
    claim.updatedAt = now;
    await manager.update(
      WarrantyClaim,
      { id: claim.id, orgId: claim.orgId },
      { cspCaseId: claim.cspCaseId, caseOpenedAt: claim.caseOpenedAt, rowVersion: claim.rowVersion, updatedAt: now },
    );
    await deps.audit.append(manager, [
      {
        orgId: claim.orgId,
        warrantyRecordId: claim.warrantyRecordId,
        actorId: actor.id,
        event: 'CLAIM_CASE_LINKED',
        toValue: input.caseId,
        claimId: claim.id,
        detail: { caseId: input.caseId, openedAt: claim.caseOpenedAt?.toISOString() ?? null },
      },
    ]);
    return claim;
  });
}
