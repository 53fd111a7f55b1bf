import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { AuditService } from '../audit/audit.service';
import type { Clock } from '../common/clock';
import type { Connection } from '../common/pagination';
import type { CoverageCheckService } from '../coverage/coverage-check.service';
import type { ClaimAction } from './claim-states';
import { linkClaimCase, type LinkCaseInput } from './claim-cases';
import { recordExceptionDecision, requestException } from './claim-exceptions';
import { submitClaim, type SubmitClaimCommand } from './claim-intake';
import { claimsAtRisk, claimsAwaitingDecision, listClaims, type ClaimListFilter } from './claim-queries';
import { amendClaimLines, type AmendClaimLinesCommand } from './claim-amendments';
import { transitionClaim, type ClaimsDeps } from './claim-transitions';
import type { WarrantyClaim } from './warranty-claim.entity';
import type { ClaimApprovedHook, ClaimClosedHook } from './claim-hooks';

// The claims' public types and helpers, where they were before the split.
export type { SubmitClaimCommand } from './claim-intake';
export { hashRequest } from './claim-intake';
export type { ClaimListFilter } from './claim-queries';
export { writeStatusMessage } from './claim-transitions';
export { chargeBackLines, type LineChargeBack } from './claim-charge-back';
export type { ClaimApprovedHook, ClaimClosedHook, HookedClaim } from './claim-hooks';

/**
 * The claims desk: intake (claim-intake.ts), transitions and replacements (claim-transitions.ts), exceptions
 * (claim-exceptions.ts), CSP cases (claim-cases.ts) and queries (claim-queries.ts), on the same transaction shape. Every change writes the
 * claim, its event on the record's history and its outbox message for CSP in one transaction, or nothing.
 */
export class ClaimsService {
  private readonly deps: ClaimsDeps;

  constructor(dataSource: DataSource, audit: AuditService, coverageCheck: CoverageCheckService, clock: Clock = () => new Date(), clockSkewMs = 300_000) {
    this.deps = { dataSource, audit, coverageCheck, clock, clockSkewMs, onApproved: [], onClosed: [] };
  }

  /** Adds a hook every approval runs in its transaction (claim-hooks.ts, claim-transitions.ts); set at composition. */
  whenApproved(hook: ClaimApprovedHook): void {
    this.deps.onApproved.push(hook);
  }

  /** Adds a hook every close runs in its transaction (claim-hooks.ts, claim-transitions.ts); set at composition. */
  whenClosed(hook: ClaimClosedHook): void {
    this.deps.onClosed.push(hook);
  }

  /** submitClaim in claim-intake.ts. */
  submit(actor: Actor, command: SubmitClaimCommand): Promise<WarrantyClaim> {
    return submitClaim(this.deps, actor, command);
  }

  /** transitionClaim in claim-transitions.ts. */
  transition(actor: Actor, input: { id: string; action: ClaimAction; reason: string }): Promise<WarrantyClaim> {
    return transitionClaim(this.deps, actor, input);
  }

  /** requestException in claim-exceptions.ts. */
  requestException(actor: Actor, input: { id: string; reason: string }): Promise<WarrantyClaim> {
    return requestException(this.deps, actor, input);
  }

  /** recordExceptionDecision in claim-exceptions.ts. */
  recordExceptionDecision(
    actor: Actor,
    input: { claimId: string; outcome: 'APPROVED' | 'REJECTED'; approver: string; reference: string; reason?: string | null },
    within?: EntityManager,
  ): Promise<WarrantyClaim> {
    return recordExceptionDecision(this.deps, actor, input, within);
  }

  /** linkClaimCase in claim-cases.ts. */
  linkCase(actor: Actor, input: LinkCaseInput, within?: EntityManager): Promise<WarrantyClaim> {
    return linkClaimCase(this.deps, actor, input, within);
  }

  /** listClaims in claim-queries.ts. */
  list(actor: Actor, filter: ClaimListFilter, page: { first?: number | null; after?: string | null }): Promise<Connection<WarrantyClaim>> {
    return listClaims(this.deps, actor, filter, page);
  }

  /** claimsAwaitingDecision in claim-queries.ts. */
  awaitingDecision(actor: Actor, page: { first?: number | null; after?: string | null }): Promise<Connection<WarrantyClaim>> {
    return claimsAwaitingDecision(this.deps, actor, page);
  }

  /** amendClaimLines in claim-amendments.ts. */
  amendLines(actor: Actor, command: AmendClaimLinesCommand): Promise<WarrantyClaim> {
    return amendClaimLines(this.deps, actor, command);
  }

  /** claimsAtRisk in claim-queries.ts. */
  atRisk(actor: Actor, hours: number, first: number | null | undefined): Promise<Array<{ claim: WarrantyClaim; target: 'RESPONSE' | 'ONSITE'; dueAt: Date; serviceHoursLeft: number }>> {
    return claimsAtRisk(this.deps, actor, hours, first);
  }
}
