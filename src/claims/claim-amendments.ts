/** Estimate and actuals (rule 15): a claim's lines amended until completion, re-priced on the check frozen at intake. */
import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { calendarDateOf } from '../common/calendar';
import { isForeignKeyViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { isUuid } from '../common/ids';
import { minorUnits, moneyOf } from '../common/money';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { toleranceJudgement } from './approval-rules';
import { ClaimLine } from './claim-line.entity';
import { AMENDERS, type ClaimStatus } from './claim-states';
import { applyTransition, checkedReason, lockClaim, nextStatus, type ClaimsDeps } from './claim-transitions';
import { MAX_LINES } from './claim-intake';
import { flatRateTermsOfLines } from './flat-rate-lines';
import { operationCodesIn } from '../labour/labour-terms';
import { transactionRows } from '../db/row-reader';
import { lineColumns, lineProblems, priceClaim, pricedColumns, type ComponentCover, type LineInput, type PricedLine } from './line-coverage';
import { addServiceHours, type Interval } from './sla-calendar';
import { keptCalendar } from './sla-calendars';
import { WarrantyClaim } from './warranty-claim.entity';

export interface AmendClaimLinesCommand {
  claimId: string;
  /** Every amount of the changes is in this currency, which must be the claim's. */
  currency: string;
  add: LineInput[];
  change: Array<{ lineId: string; line: LineInput }>;
  remove: string[];
  reason: string;
}

/**
 * Statuses in which the lines may change: before the decision, once approved, in repair, and while waiting for
 * approval again. Not while OA judges an exception on these very lines (EXCEPTION_REQUESTED), and never after the
 * claim ended (CLOSED, REJECTED, CANCELLED): completion took the final lines.
 */
const AMENDABLE: ReadonlySet<ClaimStatus> = new Set(['SUBMITTED', 'APPROVED', 'IN_REPAIR', 'REAPPROVAL_REQUIRED']);
/** Statuses an amendment past the tolerance takes back for approval. */
const APPROVED_STATUSES: ReadonlySet<ClaimStatus> = new Set(['APPROVED', 'IN_REPAIR']);

interface Slot {
  id: string;
  position: number;
  input: LineInput;
  /** The line as it was (null: added now). */
  before: ClaimLine | null;
  /** Where the line's input came from, for a refusal's field. */
  field: string[] | null;
}

/**
 * Adds, changes and removes lines of a claim (rule 15). The claim row is locked for the whole change, so
 * concurrent amendments queue and none is lost; every line is re-priced against the check frozen at intake and
 * the totals are written from the lines in the same transaction, so they always equal their sum. The change is an
 * event (who, why, each line before and after) and a CSP message. A covered total that rises past the policy's
 * tolerance above the approved covered total takes an approved claim back for approval (REAPPROVAL_REQUIRED): it
 * cannot be completed before. Travel logged now pauses the on-site clock as if logged at intake.
 */
export async function amendClaimLines(deps: ClaimsDeps, actor: Actor, command: AmendClaimLinesCommand): Promise<WarrantyClaim> {
  assertRole(actor, AMENDERS, "amend a claim's lines");
  const reason = checkedReason(command.reason);
  checkCommand(command);
  return deps.dataSource.transaction(async (manager) => {
    const claim = await lockClaim(manager, actor, command.claimId, ['input', 'claimId']);
    if (!AMENDABLE.has(claim.status)) {
      const why = claim.status === 'EXCEPTION_REQUESTED' ? 'Landray OA is deciding an exception on its lines; amend them after the decision' : 'its lines were final when it ended';
      throw new DomainError('INVALID_TRANSITION', `a claim that is ${claim.status} cannot be amended: ${why}`, ['input', 'claimId']);
    }
    if (claim.kind === 'CAMPAIGN') {
      throw new DomainError('INVALID_TRANSITION', 'a CAMPAIGN claim is priced by its campaign\'s remedy (rule 19); its lines are not amended', ['input', 'claimId']);
    }
    if (command.currency !== claim.currency) {
      throw new DomainError('BAD_USER_INPUT', `the claim is in ${claim.currency}; every amount of an amendment is in the claim's currency (got ${command.currency})`, ['input', 'currency']);
    }
    const lines = await manager.find(ClaimLine, { where: { orgId: claim.orgId, claimId: claim.id }, order: { position: 'ASC' } });
    const slots = finalLines(command, lines, await operationCodesIn(transactionRows(manager), claim.orgId, [...new Set(lines.flatMap((l) => (l.operationId ? [l.operationId] : [])))]));
    const coverFor = frozenCovers(claim, slots);
    const record = await manager.findOneOrFail(WarrantyRecord, { where: { id: claim.warrantyRecordId, orgId: claim.orgId } });
    // Flat-rate labour (rule 17) as at intake: the operation versions in force on the claim's repair date.
    const flatRates = await flatRateTermsOfLines(manager, record, { lines: slots.map((s) => s.input), currency: claim.currency, repairDate: claim.repairDate }, (index: number) => [...(slots[index].field ?? ['input']), 'operationCode']);
    const priced = priceClaim(claim.currency, slots.map((s) => s.input), claim.component, coverFor, flatRates);
    const digits = minorUnits(claim.currency) ?? 2;

    await writeLines(manager, claim, command, slots, priced.lines);
    const before = { coveredTotal: claim.coveredTotal, selfPaidTotal: claim.selfPaidTotal, total: claim.total, cover: claim.cover };
    const policy = await manager.findOneOrFail(WarrantyPolicy, { where: { id: record.policyId, orgId: claim.orgId } });
    const onsiteDueBefore = claim.onsiteDueAt;
    if (claim.onsiteDueAt && policy.slaOnsiteHours !== null && travelChanged(lines, slots)) {
      // As at intake: the on-site target counts from submission on the calendar the claim keeps, paused by every
      // trip now logged.
      const timeZone = record.siteTimeZone ?? 'UTC';
      const calendar = await keptCalendar(manager, claim, { countryCode: record.siteCountry, timeZone }, Number(calendarDateOf(claim.createdAt, timeZone).slice(0, 4)));
      claim.onsiteDueAt = addServiceHours(calendar, claim.createdAt, policy.slaOnsiteHours, travelOf(slots));
    }
    const now = deps.clock();
    claim.cover = priced.cover;
    claim.coveredTotal = priced.coveredTotal;
    claim.selfPaidTotal = priced.selfPaidTotal;
    claim.total = priced.total;
    claim.rowVersion += 1;
    claim.updatedAt = now;
    await manager.update(
      WarrantyClaim,
      { id: claim.id, orgId: claim.orgId },
      { cover: claim.cover, coveredTotal: claim.coveredTotal, selfPaidTotal: claim.selfPaidTotal, total: claim.total, onsiteDueAt: claim.onsiteDueAt, rowVersion: claim.rowVersion, updatedAt: now },
    );
    const tolerance = toleranceJudgement(claim.approvedCoveredTotal, claim.coveredTotal, claim.currency, policy, digits);
    const changes = {
      added: slots.filter((s) => !s.before).map((s) => s.id),
      changed: command.change.map((c) => c.lineId),
      removed: command.remove,
    };
    const after = { coveredTotal: claim.coveredTotal, selfPaidTotal: claim.selfPaidTotal, total: claim.total, cover: claim.cover };
    await deps.audit.append(manager, [
      {
        orgId: claim.orgId,
        warrantyRecordId: claim.warrantyRecordId,
        actorId: actor.id,
        event: 'CLAIM_LINES_AMENDED',
        fromValue: moneyOf(before.total, claim.currency).amount,
        toValue: moneyOf(after.total, claim.currency).amount,
        claimId: claim.id,
        detail: {
          reason,
          ...changes,
          lines: { before: lines.map(lineSummary), after: slots.map((s, i) => ({ id: s.id, ...summaryOf(s.input), amount: priced.lines[i].amount, covered: priced.lines[i].covered })) },
          before,
          after,
          currency: claim.currency,
          approvedCoveredTotal: claim.approvedCoveredTotal,
          tolerance,
          ...(onsiteDueBefore?.getTime() !== claim.onsiteDueAt?.getTime() ? { onsiteDueAt: { before: onsiteDueBefore, after: claim.onsiteDueAt } } : {}),
        },
      },
    ]);
    const money = (amount: string) => moneyOf(amount, claim.currency);
    const payload: Record<string, any> = {
      claimId: claim.id,
      warrantyId: claim.warrantyRecordId,
      cspCaseId: claim.cspCaseId,
      status: claim.status,
      reason,
      amendedBy: actor.id,
      ...changes,
      lines: slots.map((s, i) => ({ id: s.id, kind: s.input.kind, amount: money(priced.lines[i].amount), covered: priced.lines[i].covered, reason: priced.lines[i].reason })),
      estimate: { coveredTotal: money(claim.estimateCoveredTotal), selfPaidTotal: money(claim.estimateSelfPaidTotal), total: money(claim.estimateTotal) },
      actual: { coveredTotal: money(claim.coveredTotal), selfPaidTotal: money(claim.selfPaidTotal), total: money(claim.total) },
      approvedCoveredTotal: claim.approvedCoveredTotal === null ? null : money(claim.approvedCoveredTotal),
      onsiteDueAt: claim.onsiteDueAt,
      version: claim.rowVersion,
    };
    await manager.insert(OutboxMessage, { orgId: claim.orgId, destination: 'CSP', topic: 'claim.lines_amended', aggregateId: claim.id, payload });
    if (tolerance.exceeded && APPROVED_STATUSES.has(claim.status)) {
      const to = nextStatus(claim, 'REQUIRE_REAPPROVAL', actor, ['input', 'claimId']);
      return applyTransition(deps, manager, actor, claim, to, 'REQUIRE_REAPPROVAL', tolerance.reason, { rule: 15, tolerance });
    }
    return claim;
  });
}

/** What can be refused without reading the database, each problem at its input field. */
function checkCommand(command: AmendClaimLinesCommand): void {
  const problems: DomainError[] = [];
  const refuse = (code: 'BAD_USER_INPUT' | 'NOT_FOUND', field: Array<string | number>, message: string) => problems.push(new DomainError(code, message, ['input', ...field.map(String)]));
  if (command.add.length + command.change.length + command.remove.length === 0) refuse('BAD_USER_INPUT', ['add'], 'nothing to amend: add, change or remove a line');
  if (minorUnits(command.currency) === null) refuse('BAD_USER_INPUT', ['currency'], `${JSON.stringify(command.currency)} is not an ISO 4217 currency code`);
  else {
    for (const p of lineProblems(command.currency, command.add, { maxLines: MAX_LINES })) refuse('BAD_USER_INPUT', ['add', ...p.field.slice(1)], p.message);
    command.change.forEach((c, i) => {
      for (const p of lineProblems(command.currency, [c.line], { maxLines: 1 })) refuse('BAD_USER_INPUT', ['change', i, 'line', ...p.field.slice(2)], p.message);
    });
  }
  const seen = new Set<string>();
  const id = (value: string, field: Array<string | number>) => {
    if (!isUuid(value)) refuse('NOT_FOUND', field, `the claim has no line ${value}`);
    else if (seen.has(value)) refuse('BAD_USER_INPUT', field, `line ${value} is named twice: change or remove it once`);
    seen.add(value);
  };
  command.change.forEach((c, i) => id(c.lineId, ['change', i, 'lineId']));
  command.remove.forEach((r, i) => id(r, ['remove', i]));
  if (problems.length > 0) throw new DomainErrors(problems);
}

/** The lines after the amendment, in order: kept and changed lines where they were, added lines after them. */
function finalLines(command: AmendClaimLinesCommand, lines: ClaimLine[], operationCodes: ReadonlyMap<string, string>): Slot[] {
  const byId = new Map(lines.map((l) => [l.id, l]));
  const missing: DomainError[] = [];
  command.change.forEach((c, i) => byId.has(c.lineId) || missing.push(new DomainError('NOT_FOUND', `the claim has no line ${c.lineId}`, ['input', 'change', String(i), 'lineId'])));
  command.remove.forEach((r, i) => byId.has(r) || missing.push(new DomainError('NOT_FOUND', `the claim has no line ${r}`, ['input', 'remove', String(i)])));
  if (missing.length > 0) throw new DomainErrors(missing);
  const changed = new Map(command.change.map((c, i) => [c.lineId, { line: c.line, field: ['input', 'change', String(i), 'line'] }]));
  const removed = new Set(command.remove);
  let position = lines.reduce((max, l) => Math.max(max, l.position), -1) + 1;
  const slots: Slot[] = [
    ...lines.filter((l) => !removed.has(l.id)).map((l) => ({ id: l.id, position: l.position, input: changed.get(l.id)?.line ?? inputOf(l, operationCodes), before: l, field: changed.get(l.id)?.field ?? null })),
    ...command.add.map((input, i) => ({ id: randomUUID(), position: position++, input, before: null, field: ['input', 'add', String(i)] })),
  ];
  // The whole claim must still fit: its number of lines and its total (each line was checked on its own before).
  const problems = lineProblems(command.currency, slots.map((s) => s.input), { maxLines: MAX_LINES }).filter((p) => p.field.length <= 2);
  if (problems.length > 0) throw new DomainErrors(problems.map((p) => new DomainError('BAD_USER_INPUT', p.message, p.field[0] === 'lines' && p.field.length === 2 ? slots[Number(p.field[1])].field ?? ['input'] : ['input', 'add'])));
  return slots;
}

/**
 * The check frozen at intake, per component. A claim paid by an approved exception pays its amended lines as
 * goodwill too (the tolerance then guards what it adds). A component the intake check never judged has no frozen
 * decision: its line is refused (it is another claim).
 */
function frozenCovers(claim: WarrantyClaim, slots: Slot[]): (component: string | null) => ComponentCover {
  if (claim.exceptionOutcome === 'APPROVED') {
    const goodwill = { paysParts: true, paysLabour: true, reason: `paid as goodwill: exception ${claim.exceptionReference} approved by ${claim.exceptionApprover}` };
    return () => goodwill;
  }
  const stored = (claim.validation?.componentCovers ?? {}) as Record<string, ComponentCover>;
  const covers = new Map<string | null, ComponentCover>(Object.entries(stored).map(([k, v]) => [k === '' ? null : k, v]));
  if (!covers.has(claim.component)) {
    covers.set(claim.component, { paysParts: Boolean(claim.validation?.paysParts), paysLabour: Boolean(claim.validation?.paysLabour), reason: String(claim.validation?.reason ?? '') });
  }
  const unknown = slots.flatMap((s) => {
    if (s.input.kind !== 'PART' || !s.field) return [];
    const component = s.input.component?.trim() || claim.component;
    return covers.has(component) ? [] : [new DomainError('BAD_USER_INPUT', `the check at intake did not judge component ${component}; a part of another component is another claim`, [...s.field, 'component'])];
  });
  if (unknown.length > 0) throw new DomainErrors(unknown);
  return (component) => covers.get(component) ?? covers.get(claim.component)!;
}

/** Removes, changes and adds the line rows; a kept line is rewritten only when its price or payer changed. */
async function writeLines(manager: EntityManager, claim: WarrantyClaim, command: AmendClaimLinesCommand, slots: Slot[], priced: PricedLine[]): Promise<void> {
  if (command.remove.length > 0) {
    await manager.delete(ClaimLine, { orgId: claim.orgId, claimId: claim.id, id: In(command.remove) }).catch((error: unknown) => {
      // A line whose part must come back (rule 18) keeps its return: removing it is refused, and nothing is written.
      if (isForeignKeyViolation(error, 'fk_part_return_line')) {
        throw new DomainError('INVALID_TRANSITION', 'a line with an authorised part return (an RMA number) cannot be removed: change it instead, or let the return run its course', ['input', 'remove']);
      }
      throw error;
    });
  }
  const changed = new Set(command.change.map((c) => c.lineId));
  const inserts: Array<Partial<ClaimLine>> = [];
  for (const [i, slot] of slots.entries()) {
    const row = { ...lineColumns(slot.input), ...pricedColumns(priced[i]) };
    if (!slot.before) inserts.push({ id: slot.id, orgId: claim.orgId, claimId: claim.id, position: slot.position, kind: slot.input.kind, ...row });
    else if (
      changed.has(slot.id) || slot.before.covered !== row.covered || slot.before.reason !== row.reason || Number(slot.before.amount) !== Number(row.amount) ||
      slot.before.coveredAmount !== row.coveredAmount || slot.before.operationId !== row.operationId
    ) {
      await manager.update(ClaimLine, { id: slot.id, orgId: claim.orgId }, { kind: slot.input.kind, ...row });
    }
  }
  if (inserts.length > 0) await manager.insert(ClaimLine, inserts);
}

/** A stored line as the pricing reads it. */
function inputOf(line: ClaimLine, operationCodes: ReadonlyMap<string, string>): LineInput {
  if (line.kind === 'PART') return { kind: 'PART', partNumber: line.partNumber ?? '', component: line.component, quantity: line.quantity ?? '0', unitPrice: line.unitPrice ?? '0' };
  if (line.kind === 'LABOUR') {
    const operationCode = line.operationId ? (operationCodes.get(line.operationId) ?? null) : null;
    return { kind: 'LABOUR', hours: line.hours ?? '0', rate: line.rate ?? '0', operationCode };
  }
  return { kind: 'TRAVEL', startAt: line.startAt ?? new Date(0), endAt: line.endAt ?? new Date(0), rate: line.rate };
}

function summaryOf(input: LineInput): Record<string, unknown> {
  const { partNumber, quantity, unitPrice, hours, rate, startAt, endAt } = lineColumns(input);
  const operationCode = input.kind === 'LABOUR' ? (input.operationCode ?? null) : null;
  return Object.fromEntries(Object.entries({ kind: input.kind, partNumber, quantity, unitPrice, hours, rate, operationCode, startAt, endAt }).filter(([, v]) => v !== null));
}

function lineSummary(line: ClaimLine): Record<string, unknown> {
  return { id: line.id, ...summaryOf(inputOf(line, new Map())), ...(line.operationId ? { operationId: line.operationId } : {}), amount: line.amount, covered: line.covered };
}

function travelOf(slots: Slot[]): Interval[] {
  return slots.flatMap((s) => (s.input.kind === 'TRAVEL' ? [{ start: s.input.startAt, end: s.input.endAt }] : []));
}

/** Whether the trips logged differ from those before (an added, changed or removed TRAVEL line). */
function travelChanged(before: ClaimLine[], slots: Slot[]): boolean {
  const key = (intervals: Interval[]) => intervals.map((i) => `${i.start.getTime()}-${i.end.getTime()}`).sort().join(',');
  const old = before.filter((l) => l.kind === 'TRAVEL').map((l) => ({ start: l.startAt!, end: l.endAt! }));
  return key(old) !== key(travelOf(slots));
}
