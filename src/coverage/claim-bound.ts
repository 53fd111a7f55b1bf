/**
 * Rule 11: a goodwill coverage pays the one claim it was granted for, and nothing else (no other claim on the same
 * unit and day, no check of the unit). Pure, used by the active check (active-check.ts).
 */

/** What a coverage says about its claim: its kind and the claim it was granted for, if any. */
export interface ClaimBinding {
  kind: string;
  claimId?: string | null;
}

export interface ClaimCheckResult {
  check: 'CLAIM';
  outcome: 'PASS' | 'FAIL';
  limit: string | null;
  reading: string | null;
  reason: string;
}

/**
 * Whether a coverage pays one claim only (rule 11): a GOODWILL coverage is granted for the claim an exception
 * approved, and so is any coverage that names a claim. One without a claim (a goodwill row whose claim is not known)
 * is bound too, to no claim: it pays nothing.
 */
export function isClaimBound(coverage: ClaimBinding): boolean {
  return coverage.kind === 'GOODWILL' || (coverage.claimId ?? null) !== null;
}

/** Whether a coverage may pay for the request at all: an ordinary one always, a claim-bound one for its own claim only. */
export function paysForRequest(coverage: ClaimBinding, request: { claimId?: string | null }): boolean {
  if (!isClaimBound(coverage)) return true;
  const own = coverage.claimId ?? null;
  return own !== null && own === (request.claimId ?? null);
}

/** The CLAIM check of a claim-bound coverage (`name` as every reason names it). */
export function claimCheck(coverage: ClaimBinding, request: { claimId?: string | null }, name: string): ClaimCheckResult {
  const own = coverage.claimId ?? null;
  if (paysForRequest(coverage, request)) {
    return { check: 'CLAIM', outcome: 'PASS', limit: own, reading: request.claimId ?? null, reason: `${name} was granted for claim ${own}, the claim decided here` };
  }
  const why = own === null ? 'was granted for no known claim, so it pays nothing' : `was granted for claim ${own} only`;
  const asked = request.claimId ? `claim ${request.claimId}` : 'a warranty check';
  return { check: 'CLAIM', outcome: 'FAIL', limit: own, reading: request.claimId ?? null, reason: `${name} ${why}: it does not pay ${asked}` };
}
