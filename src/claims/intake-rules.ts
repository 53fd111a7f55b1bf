/**
 * Intake's pure parts (rule 10), shared by the claims transaction (claim-intake.ts) and the bench's bare floor
 * (bench/floor-claims.ts), which runs the very same code on the same rows: a check's cover for the lines, the check
 * as stored with the claim, and the request's hash for its idempotency key.
 */
import { createHash } from 'node:crypto';
import type { WarrantyCheckView } from '../coverage/coverage-check.service';
import { definedReadings, type ReadingValues } from '../readings/readings-history';
import type { ComponentCover } from './line-coverage';

export function coverOf(check: WarrantyCheckView): ComponentCover {
  return { paysParts: check.paysParts, paysLabour: check.paysLabour, reason: check.reason };
}

/** The check as stored with the claim: the decision, every coverage's checks and the policy versions behind them. */
export function snapshot(check: WarrantyCheckView, readings: ReadingValues, readingsFrom: 'REQUEST' | 'HISTORY' | 'NONE', covers: Map<string | null, ComponentCover>) {
  return {
    decision: check.decision,
    paysParts: check.paysParts,
    paysLabour: check.paysLabour,
    reason: check.reason,
    component: check.component,
    repairDate: check.repairDate,
    readings: definedReadings(readings),
    readingsFrom,
    coverages: check.coverages.map((c) => ({
      coverageId: c.coverage.id,
      kind: c.coverage.kind,
      scope: c.coverage.scope,
      policyId: c.coverage.policyId,
      startDate: c.coverage.startDate,
      endDate: c.coverage.endDate,
      active: c.active,
      paysParts: c.paysParts,
      paysLabour: c.paysLabour,
      checks: c.checks,
    })),
    componentCovers: Object.fromEntries([...covers].map(([component, cover]) => [component ?? '', cover])),
  };
}

/** SHA-256 of the request with its keys sorted, so that a retry serialised differently is still the same request. */
export function hashRequest(command: object): string {
  const canonical = (value: unknown): unknown => {
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined && v !== null)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(command))).digest('hex');
}
