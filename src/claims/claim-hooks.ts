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

/**
 * On an approval (rule 18: returns authorises the parts to return). `coveredPartNumbers`, when the caller has the
 * lines in hand (intake), lists the part numbers of its covered PART lines, so that a hook with nothing to do for a
 * claim without any adds nothing.
 */
export type ClaimApprovedHook = (claim: HookedClaim, actorId: string, known?: { coveredPartNumbers: readonly string[] }) => WriteStep | null;

/**
 * On a claim's close (CLOSED: a repair or replacement completed, a refund paid, a campaign's remedy done: a
 * CAMPAIGN claim names its campaign, rule 19). The hook may read in the
 * transaction (`manager`: the claim is already CLOSED there, its lines final) and answers with its writes as a step.
 */
export type ClaimClosedHook = (manager: EntityManager, claim: HookedClaim & { kind: string; closedAt: Date; campaignId: string | null }, actorId: string) => Promise<WriteStep | null>;
