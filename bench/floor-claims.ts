/**
 * The floor's claims (issue 21): `submitClaim` and `approveClaim` in bare `pg`, in as few statements as PostgreSQL
 * allows for the same work on the same database, so that the subgraph's claim figures can be read against them.
 *
 * Intake, five statements: BEGIN; the unit locked (`SELECT … FOR UPDATE`, one row); everything the engine and the
 * SLA need, read after the lock in one statement (record, coverages, policy versions, readings history, the service
 * calendar in force with its closing days); the claim, its lines, its readings, its events, CSP's messages and, when
 * approved at intake, the part returns with their RMA numbers, events and message, in one statement; COMMIT. The
 * lock is apart from the read for the reason the subgraph's is (docs/PERFORMANCE.md): a `SELECT … FOR UPDATE` that
 * waits re-reads the locked row but not its sub-selects, so coverages changed by the lock's holder would be judged
 * as they were. Between the read and the write run the subgraph's own pure functions: the coverage engine
 * (coverage-check.service.ts `judge`: check-inputs.ts, active-check.ts), the warranty start, the readings rules, the
 * line pricing (line-coverage.ts), rule 16's approval (approval-rules.ts), the SLA arithmetic (sla-calendar.ts,
 * sla-calendars.ts) and the stored check (intake-rules.ts). The rows are the ones the API writes, same tables and
 * columns; the returns' numbering is returns-sql.ts's, reading the lines from the insert's own RETURNING.
 *
 * Approval, four statements: BEGIN; the claim locked and read (one row: the decision reads only it); its update,
 * event, CSP's message and the part returns in one statement; COMMIT. The transition is decided by the subgraph's
 * own state machine (claim-states.ts `decideTransition`).
 *
 * What it supports is what the bench sends: a claim by serial number with PART and LABOUR lines (no flat-rate
 * operation, case id, replacement or campaign, each of which costs the subgraph a statement too), an idempotency
 * key (a retry answers the first claim, as the subgraph does), readings.
 */
import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import { autoApproval } from '../src/claims/approval-rules';
import { decideTransition, FINAL_STATUSES, type ClaimKind, type ClaimStatus } from '../src/claims/claim-states';
import { coverOf, hashRequest, snapshot } from '../src/claims/intake-rules';
import { lineColumns, lineProblems, priceClaim, pricedColumns, type ComponentCover, type LineInput } from '../src/claims/line-coverage';
import { addServiceHours } from '../src/claims/sla-calendar';
import { calendarOf } from '../src/claims/sla-calendars';
import { calendarDateOf } from '../src/common/calendar';
import { moneyOf } from '../src/common/money';
import { CoverageCheckService } from '../src/coverage/coverage-check.service';
import { deriveWarrantyStart } from '../src/records/warranty-start';
import {
  counterSpans, definedReadings, hasReadings, historyOfRows, latestReadings, pickReadings, READING_KINDS, readingRangeProblems, readingRegressions,
  type ReadingRow, type ReadingValues,
} from '../src/readings/readings-history';
import { CLAIM_LOCK, CLAIM_READ, INTAKE_WRITE, TRANSITION_WRITE, UNIT_LOCK } from './floor-claims-sql';

export class FloorError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const engine = new CoverageCheckService();
const SYSTEM = 'SYSTEM';
const instant = (value: string | null): Date | null => (value === null ? null : new Date(value));

/** The statements a request ran (floor-server.ts sends the count back to the bench). */
export interface Stats {
  sql: number;
}
type Query = (config: QueryConfig | string) => Promise<QueryResult<any>>;

/** One transaction on one client: BEGIN, `work`, COMMIT (ROLLBACK on a throw), every statement counted. */
async function transaction<T>(pool: Pool, stats: Stats, work: (query: Query) => Promise<T>): Promise<T> {
  const client: PoolClient = await pool.connect();
  const query: Query = (config) => {
    stats.sql += 1;
    return client.query(config as QueryConfig);
  };
  try {
    await query('BEGIN');
    const result = await work(query);
    await query('COMMIT');
    return result;
  } catch (error) {
    await query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const userError = (code: string, message: string) => ({ claim: null, userErrors: [{ code, message }] });

function statusMessage(claim: any, from: string | null, extra: Record<string, unknown> = {}) {
  return {
    org_id: claim.org_id, destination: 'CSP', topic: 'claim.status_changed', aggregate_id: claim.id,
    payload: {
      claimId: claim.id, warrantyId: claim.warranty_record_id, cspCaseId: claim.csp_case_id, kind: claim.kind, from, status: claim.status,
      cover: claim.cover, coveredTotal: { amount: claim.covered_total, currency: claim.currency },
      selfPaidTotal: { amount: claim.self_paid_total, currency: claim.currency }, version: claim.row_version, ...extra,
    },
  };
}

/** The claim as the bench's document selects it. */
function claimAnswer(claim: { id: string; status: string; cover: string; total: string; currency: string; response_due_at: Date | null; responded_at: Date | null }, now: Date) {
  const due = claim.response_due_at;
  const met = claim.responded_at;
  const state = !due ? null : met ? (met <= due ? 'MET' : 'BREACHED') : FINAL_STATUSES.has(claim.status as ClaimStatus) ? 'STOPPED' : now > due ? 'BREACHED' : 'RUNNING';
  return {
    id: claim.id, status: claim.status, cover: claim.cover, total: moneyOf(claim.total, claim.currency),
    sla: { response: due ? { dueAt: due.toISOString(), state } : null },
  };
}

function lineInputs(lines: any[]): LineInput[] {
  if (!Array.isArray(lines)) throw new FloorError(400, 'input.lines must be a list', 'BAD_USER_INPUT');
  return lines.map((line) => {
    if (line?.kind === 'PART') return { kind: 'PART', partNumber: String(line.partNumber ?? ''), component: line.component, quantity: String(line.quantity ?? '0'), unitPrice: String(line.unitPrice ?? '0') };
    if (line?.kind === 'LABOUR' && !line.operationCode) return { kind: 'LABOUR', hours: String(line.hours ?? '0'), rate: String(line.rate ?? '0') };
    throw new FloorError(400, 'the floor takes PART lines and LABOUR lines without an operation', 'BAD_USER_INPUT');
  });
}

/** `submitClaim` (rule 10, 14, 16, 18): see the file's comment. */
export async function submitClaim(pool: Pool, stats: Stats, org: string, actorId: string, variables: any): Promise<unknown> {
  const input = variables?.input ?? {};
  for (const unsupported of ['warrantyId', 'cspCaseId', 'caseOpenedAt', 'replacementSerialNumber', 'campaignCode']) {
    if (input[unsupported] !== undefined && input[unsupported] !== null) throw new FloorError(400, `the floor does not take ${unsupported}`, 'BAD_USER_INPUT');
  }
  const kind = input.kind as ClaimKind;
  if (kind !== 'REPAIR' && kind !== 'REFUND') throw new FloorError(400, 'the floor takes REPAIR and REFUND claims', 'BAD_USER_INPUT');
  if (typeof input.serialNumber !== 'string' || typeof input.repairDate !== 'string' || typeof input.currency !== 'string') {
    throw new FloorError(400, 'serialNumber, repairDate and currency are required', 'BAD_USER_INPUT');
  }
  const command = {
    serialNumber: input.serialNumber, kind, repairDate: input.repairDate, component: input.component, capacityClaim: input.capacityClaim,
    description: input.description, readings: input.readings ?? null, currency: input.currency, lines: lineInputs(input.lines ?? []),
    idempotencyKey: input.idempotencyKey,
  };
  const problems = [...lineProblems(command.currency, command.lines, { maxLines: 200 }), ...readingRangeProblems(command.readings ?? {})];
  if (problems.length > 0) return { submitClaim: userError('BAD_USER_INPUT', problems.map((p) => p.message).join('; ')) };
  const requestHash = hashRequest(command);
  const serial = command.serialNumber.trim().toUpperCase();
  try {
    return { submitClaim: await transaction(pool, stats, (query) => intake(query, org, actorId, serial, command, requestHash)) };
  } catch (error) {
    // A retry: the first claim with this key answers (the subgraph's rule), or the key's other request is refused.
    if ((error as { constraint?: string }).constraint === 'ux_claim_idempotency') {
      stats.sql += 1;
      const { rows } = await pool.query(
        'SELECT id, status, cover, total, currency, response_due_at, responded_at, request_hash FROM warranty_claim WHERE org_id = $1 AND idempotency_key = $2',
        [org, command.idempotencyKey],
      );
      if (rows[0]?.request_hash !== requestHash) return { submitClaim: userError('IDEMPOTENCY_CONFLICT', 'the key was used for another claim request') };
      return { submitClaim: { claim: claimAnswer(rows[0], new Date()), userErrors: [] } };
    }
    throw error;
  }
}

async function intake(query: Query, org: string, actorId: string, serial: string, command: any, requestHash: string) {
  const { rows: locked } = await query({ ...UNIT_LOCK, values: [org, serial] });
  if (!locked[0]) return userError('NOT_FOUND', `no warranty for serial number ${serial}`);
  const now = new Date();
  const { rows: [data] } = await query({ ...CLAIM_READ, values: [org, locked[0].id, now] });
  const record = { ...data.record, voidedAt: instant(data.record.voidedAt), replacedAt: instant(data.record.replacedAt) };
  const coverages = data.coverages.map((c: any) => ({ ...c, voidedAt: instant(c.voidedAt) }));
  const bundle = { record, coverages, policies: data.policies, ...historyOfRows(data.readings as ReadingRow[]) };
  const timeZone = record.siteTimeZone ?? 'UTC';
  const today = calendarDateOf(now, timeZone);
  if (command.repairDate > today) return userError('BAD_USER_INPUT', `repairDate ${command.repairDate} is in the future`);
  const policy = data.policies.find((p: any) => p.id === record.policyId);
  const start = deriveWarrantyStart(record, { lateStartCapMonths: policy.lateStartCapMonths });
  if (start.status === 'STARTED' && start.date && command.repairDate < start.date) return userError('BAD_USER_INPUT', 'repairDate is before the warranty start');

  const recorded = bundle.recorded;
  const given = pickReadings(command.readings ?? {});
  const regressions = readingRegressions(recorded, command.repairDate, given);
  if (regressions.length > 0) return userError('BAD_USER_INPUT', regressions[0].message);
  const latest = latestReadings(recorded);
  const readings: ReadingValues = hasReadings(given) ? given : Object.fromEntries(READING_KINDS.map((k) => [k, latest[k]?.value ?? null]));
  const request = { repairDate: command.repairDate, readings: definedReadings(readings), capacityClaim: command.capacityClaim ?? false, history: counterSpans(recorded) };
  const check = engine.judge(bundle as any, { ...request, component: command.component ?? null });
  const covers = new Map<string | null, ComponentCover>([[check.component, coverOf(check)]]);
  const coverFor = (component: string | null): ComponentCover => {
    let cover = covers.get(component);
    if (!cover) covers.set(component, (cover = coverOf(engine.judge(bundle as any, { ...request, component, capacityClaim: false }))));
    return cover;
  };
  const priced = priceClaim(command.currency, command.lines, check.component, coverFor);

  const calendar = calendarOf({ countryCode: record.siteCountry, timeZone }, data.calendar, Number(calendarDateOf(now, timeZone).slice(0, 4)));
  const responseDueAt = policy.slaResponseHours !== null ? addServiceHours(calendar, now, policy.slaResponseHours) : null;
  const onsiteDueAt = command.kind !== 'REFUND' && policy.slaOnsiteHours !== null ? addServiceHours(calendar, now, policy.slaOnsiteHours) : null;
  const policyName = `${policy.productFamily} ${policy.region} v${policy.version}`;
  const approval = autoApproval(priced, policy, policyName);
  const approved = approval.approve;

  const claim = {
    id: randomUUID(), org_id: org, warranty_record_id: record.id, csp_case_id: null, case_opened_at: null, kind: command.kind, campaign_id: null,
    status: approved ? 'APPROVED' : 'SUBMITTED', submitted_by_id: actorId, decided_by_id: approved ? SYSTEM : null,
    decision_reason: approved ? approval.reason : null, repair_date: command.repairDate, component: check.component,
    description: command.description ?? '', odometer_km: given.odometerKm ?? null, engine_hours: given.engineHours ?? null,
    throughput_mwh: given.throughputMwh ?? null, soh_pct: given.sohPct ?? null,
    validation: snapshot(check, readings, hasReadings(given) ? 'REQUEST' : recorded.length > 0 ? 'HISTORY' : 'NONE', covers),
    currency: priced.currency, cover: priced.cover, covered_total: priced.coveredTotal, self_paid_total: priced.selfPaidTotal, total: priced.total,
    estimate_covered_total: priced.coveredTotal, estimate_self_paid_total: priced.selfPaidTotal, estimate_total: priced.total,
    approved_covered_total: approved ? priced.coveredTotal : null, idempotency_key: command.idempotencyKey ?? null, request_hash: requestHash,
    replacement_serial_number: null, replacement_record_id: null, service_calendar_id: data.calendar?.id ?? null,
    response_due_at: responseDueAt, responded_at: approved ? now : null, onsite_due_at: onsiteDueAt, onsite_at: null, closed_at: null,
    row_version: approved ? 2 : 1, created_at: now, updated_at: now,
  };
  const lines = priced.lines.map((line) => {
    const own = lineColumns(command.lines[line.index]);
    const paid = pricedColumns(line);
    return {
      id: randomUUID(), org_id: org, claim_id: claim.id, position: line.index, kind: line.kind, part_number: own.partNumber, quantity: own.quantity,
      unit_price: own.unitPrice, hours: own.hours, rate: own.rate, start_at: own.startAt, end_at: own.endAt, component: paid.component,
      amount: paid.amount, covered: paid.covered, covered_amount: paid.coveredAmount, operation_id: paid.operationId, reason: paid.reason,
    };
  });
  const readingRows = hasReadings(given)
    ? [{ read_on: command.repairDate, odometer_km: null, engine_hours: null, throughput_mwh: null, soh_pct: null, ...snake(definedReadings(given)) }]
    : [];
  const rule = { rule: 16, limit: approval.limit === null ? null : { amount: approval.limit, currency: claim.currency }, reason: approval.reason };
  const event = (actor: string, name: string, from: string | null, to: string, detail: object) => ({
    org_id: org, warranty_record_id: record.id, actor_id: actor, event: name, from_value: from, to_value: to, claim_id: claim.id, detail,
  });
  const events = [
    event(actorId, 'CLAIM_SUBMITTED', null, 'SUBMITTED', {
      kind: claim.kind, cover: claim.cover, decision: check.decision, coveredTotal: claim.covered_total, selfPaidTotal: claim.self_paid_total,
      currency: claim.currency, cspCaseId: null, autoApproval: { approved, ...rule }, caseRequested: true,
    }),
    ...(approved ? [event(SYSTEM, 'CLAIM_STATUS_CHANGED', 'SUBMITTED', 'APPROVED', { action: 'APPROVE', ...rule })] : []),
  ];
  const caseRequest = {
    org_id: org, destination: 'CSP', topic: 'claim.case_requested', aggregate_id: claim.id,
    payload: {
      claimId: claim.id, kind: claim.kind, status: claim.status, component: claim.component, description: claim.description,
      repairDate: claim.repair_date, submittedAt: now.toISOString(), submittedBy: actorId,
      unit: { warrantyId: record.id, serialNumber: record.serialNumber, sku: record.sku, productId: record.productId, productFamily: record.productFamily },
      customer: { customerId: record.customerId, installerId: record.installerId },
      site: { countryCode: record.siteCountry, timeZone, region: record.region },
      coveredTotal: { amount: claim.covered_total, currency: claim.currency }, selfPaidTotal: { amount: claim.self_paid_total, currency: claim.currency },
      responseDueAt: claim.response_due_at?.toISOString() ?? null,
    },
  };
  const messages = approved
    ? [caseRequest, statusMessage({ ...claim, status: 'SUBMITTED', row_version: 1 }, null, { autoApproval: { approved: true, ...rule } }),
        statusMessage(claim, 'SUBMITTED', { decidedBy: SYSTEM, decision: rule })]
    : [caseRequest, statusMessage(claim, null, { autoApproval: { approved: false, ...rule } })];
  await query({
    ...INTAKE_WRITE,
    values: [org, claim.id, record.id, JSON.stringify(claim), JSON.stringify(lines), JSON.stringify(readingRows), actorId, JSON.stringify(events), JSON.stringify(messages), approved, now.getUTCFullYear(), now],
  });
  return { claim: claimAnswer(claim, now), userErrors: [] };
}

const snake = (values: Record<string, number>) =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

/** `approveClaim`: the claim locked and read, decided by the state machine, written with its tail in one statement. */
export async function approveClaim(pool: Pool, stats: Stats, org: string, actorId: string, roles: string[], variables: any): Promise<unknown> {
  const id = variables?.input?.id;
  const reason = typeof variables?.input?.reason === 'string' ? variables.input.reason.trim() : '';
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id) || !reason) throw new FloorError(400, 'input.id and input.reason are required', 'BAD_USER_INPUT');
  const payload = await transaction(pool, stats, async (query) => {
    const { rows: [claim] } = await query({ ...CLAIM_LOCK, values: [id, org] });
    if (!claim) return userError('NOT_FOUND', `no claim with id ${id}`);
    const decision = decideTransition({ status: claim.status, kind: claim.kind, cover: claim.cover, action: 'APPROVE', roles: roles as any, repairStarted: claim.onsite_at !== null });
    if (!decision.ok) return userError(decision.code, decision.reason);
    const now = new Date();
    const from = claim.status;
    claim.status = decision.to;
    claim.responded_at ??= from === 'SUBMITTED' ? now : null;
    if (decision.to !== 'REJECTED') claim.approved_covered_total = claim.covered_total;
    claim.row_version += 1;
    const events = [{ org_id: org, warranty_record_id: claim.warranty_record_id, actor_id: actorId, event: 'CLAIM_STATUS_CHANGED', from_value: from, to_value: claim.status, claim_id: claim.id, detail: { action: 'APPROVE', reason } }];
    await query({
      ...TRANSITION_WRITE,
      values: [org, claim.id, claim.warranty_record_id, claim.status, actorId, reason, claim.responded_at, claim.approved_covered_total, claim.row_version, now,
        JSON.stringify(events), JSON.stringify([statusMessage(claim, from)]), now.getUTCFullYear()],
    });
    return { claim: claimAnswer(claim, now), userErrors: [] };
  });
  return { approveClaim: payload };
}
