/**
 * The rules of a part's return (rule 18), pure: the RMA number's form, when a return falls due, whether it is
 * overdue, what each step of the return does to it, and when its line is charged back. The service
 * (returns.service.ts) locks the return, asks here, and writes the change and its event in one transaction.
 */
import type { ChargeBackReason, InspectionOutcome, ReturnStatus } from './part-return.entities';

export const DAY_MS = 86_400_000;
/** The longest return window a rule may set, in days (ten years). */
export const MAX_WINDOW_DAYS = 3650;

/** RMA-2026-000123: the year of the approval and the organisation's running number within it. */
export function rmaNumber(year: number, sequence: number): string {
  return `RMA-${year}-${String(sequence).padStart(6, '0')}`;
}

/** A return falls due `windowDays` after its claim was completed; before completion it is not due yet (null). */
export function returnDueAt(completedAt: Date | null, windowDays: number): Date | null {
  return completedAt ? new Date(completedAt.getTime() + windowDays * DAY_MS) : null;
}

export interface ReturnFacts {
  status: ReturnStatus;
  windowDays: number;
  receivedAt: Date | null;
  chargedBackAt: Date | null;
  /** When the claim was completed (CLOSED), or null while it is not. */
  completedAt: Date | null;
}

/**
 * Overdue: the claim is completed, the part has not been received, and the window after completion has passed
 * (a part due at 12:00 is on time at 12:00). A return already charged back is not overdue again.
 */
export function isOverdue(facts: ReturnFacts, now: Date): boolean {
  if (facts.receivedAt || facts.chargedBackAt) return false;
  const due = returnDueAt(facts.completedAt, facts.windowDays);
  return due !== null && now.getTime() > due.getTime();
}

/** Due within `days` of now: overdue, or due by now + days. A return whose claim is not completed is not due. */
export function isDueWithin(facts: ReturnFacts, now: Date, days: number): boolean {
  if (facts.receivedAt) return false;
  const due = returnDueAt(facts.completedAt, facts.windowDays);
  return due !== null && due.getTime() <= now.getTime() + days * DAY_MS;
}

/** The inspection outcomes that charge the line back: the part was not faulty, or the customer broke it. */
export function chargeBackOfInspection(outcome: InspectionOutcome): ChargeBackReason | null {
  return outcome === 'CONFIRMED' ? null : outcome;
}

/** Why a charged-back line is self-paid, in words, for the line's reason, the event and CSP. */
export function chargeBackText(reason: ChargeBackReason, partNumber: string, rma: string, windowDays: number): string {
  if (reason === 'NOT_RECEIVED') return `charged back: part ${partNumber} (${rma}) was not received within ${windowDays} days of completion`;
  const what = reason === 'NO_FAULT_FOUND' ? 'no fault was found in it' : 'it was damaged by the customer';
  return `charged back: part ${partNumber} (${rma}) was inspected ${reason}: ${what}`;
}

/** One step of a return, as the warehouse (or the sending system) reports it. */
export type ReturnStep =
  | { kind: 'SHIPMENT'; carrier: string | null; trackingNumber: string | null }
  | { kind: 'RECEIPT' }
  | { kind: 'INSPECTION'; outcome: InspectionOutcome; note: string | null };

export interface ReturnProgress {
  status: ReturnStatus;
  shippedAt: Date | null;
  carrier: string | null;
  trackingNumber: string | null;
  receivedAt: Date | null;
  inspectionOutcome: InspectionOutcome | null;
}

export type StepDecision =
  | { ok: true; replay: false; to: ReturnStatus }
  /** The same step again (a retry): nothing changes. */
  | { ok: true; replay: true }
  | { ok: false; code: 'RETURN_NOT_RECEIVED' | 'RETURN_STEP_CONFLICT' | 'INVALID_TRANSITION'; field: string; message: string };

/**
 * What a step does. The order is shipped (optional: a part may be handed over without a shipment being recorded),
 * received, inspected; a step already taken again with the same facts is a replay and changes nothing; with other
 * facts (another tracking number, another outcome) it is a conflict; a shipment after the receipt and an
 * inspection before it are refused.
 */
export function decideStep(current: ReturnProgress, step: ReturnStep): StepDecision {
  if (step.kind === 'SHIPMENT') {
    if (current.shippedAt) {
      const same = (step.trackingNumber ?? current.trackingNumber) === current.trackingNumber && (step.carrier ?? current.carrier) === current.carrier;
      return same
        ? { ok: true, replay: true }
        : { ok: false, code: 'RETURN_STEP_CONFLICT', field: 'trackingNumber', message: `the part was already shipped with ${current.carrier ?? 'no carrier'} ${current.trackingNumber ?? 'without a tracking number'}` };
    }
    if (current.receivedAt) return { ok: false, code: 'INVALID_TRANSITION', field: 'rmaNumber', message: 'the part was already received: a shipment can no longer be recorded' };
    return { ok: true, replay: false, to: 'SHIPPED' };
  }
  if (step.kind === 'RECEIPT') {
    if (current.receivedAt) return { ok: true, replay: true };
    return { ok: true, replay: false, to: 'RECEIVED' };
  }
  if (!current.receivedAt) return { ok: false, code: 'RETURN_NOT_RECEIVED', field: 'rmaNumber', message: 'the part has not been received: record its receipt before its inspection' };
  if (current.inspectionOutcome) {
    return current.inspectionOutcome === step.outcome
      ? { ok: true, replay: true }
      : { ok: false, code: 'RETURN_STEP_CONFLICT', field: 'outcome', message: `the part was already inspected ${current.inspectionOutcome}` };
  }
  return { ok: true, replay: false, to: 'INSPECTED' };
}

/** The rule that applies to a line's part on a unit: the SKU's row wins over the family's. */
export function pickRule<R extends { scope: 'FAMILY' | 'SKU'; scopeValue: string }>(rules: readonly R[], unit: { sku: string; productFamily: string }): R | null {
  return rules.find((r) => r.scope === 'SKU' && r.scopeValue === unit.sku) ?? rules.find((r) => r.scope === 'FAMILY' && r.scopeValue === unit.productFamily) ?? null;
}
