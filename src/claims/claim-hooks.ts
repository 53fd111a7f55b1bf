/**
 * What other modules do on a claim's changes, given at composition (services.ts) so that claims imports none of
 * them: each hook answers with a step of the statement that writes the change's event and messages
 * (db/one-statement.ts), in the change's transaction, after the claim row is written.
 */
import type { EntityManager } from 'typeorm';
import type { WriteStep } from '../db/one-statement';

/** The claim as a hook sees it. */
export interface HookedClaim {
  id: string;
  orgId: string;
  warrantyRecordId: string;
}

/** A covered PART line of a claim approved at intake, written in the same statement as the hook's step. */
export interface CoveredPartLine {
  lineId: string;
  partNumber: string;
  position: number;
}

/**
 * On an approval (rule 18: returns authorises the parts to return). `coveredParts`, when the approval is the
 * intake's (the claim and its lines are written in the very statement the step joins, so the step cannot read
 * them), lists its covered PART lines: a hook reads those instead, and adds nothing for a claim without any.
 * Without it (an agent's approval) the lines are in the database already.
 */
export type ClaimApprovedHook = (claim: HookedClaim, actorId: string, known?: { coveredParts: readonly CoveredPartLine[] }) => WriteStep | null;

/**
 * On a claim's close (CLOSED: a repair or replacement completed, a refund paid, a campaign's remedy done: a
 * CAMPAIGN claim names its campaign, rule 19). The hook may read in the
 * transaction (`manager`: the claim is already CLOSED there, its lines final) and answers with its writes as a step.
 */
export type ClaimClosedHook = (manager: EntityManager, claim: HookedClaim & { kind: string; closedAt: Date; campaignId: string | null }, actorId: string) => Promise<WriteStep | null>;
