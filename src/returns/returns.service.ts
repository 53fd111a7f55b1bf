import type { DataSource, EntityManager } from 'typeorm';
import { assertRole, type Actor, type Role } from '../auth/actor';
import type { AuditService } from '../audit/audit.service';
import { chargeBackLines, type ClaimApprovedHook, type LineChargeBack } from '../claims/claims.service';
import type { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { newId } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import type { ChargeBackReason, InspectionOutcome, ReturnStatus } from './part-return.entities';
import { chargeBackOfInspection, chargeBackText, decideStep, DAY_MS, MAX_WINDOW_DAYS, type ReturnStep } from './return-rules';
import { AUTHORISE_RETURNS, DUE_AT, MARK_OVERDUE, RETURN_COLUMNS } from './returns-sql';

/** A return as the API shows it: the row, its claim's status and its due instant. */
export interface ReturnView {
  id: string;
  orgId: string;
  claimId: string;
  claimLineId: string;
  warrantyId: string;
  rmaNumber: string;
  partNumber: string;
  windowDays: number;
  status: ReturnStatus;
  authorisedAt: Date;
  shippedAt: Date | null;
  carrier: string | null;
  trackingNumber: string | null;
  receivedAt: Date | null;
  inspectedAt: Date | null;
  inspectionOutcome: InspectionOutcome | null;
  inspectionNote: string | null;
  chargedBackAt: Date | null;
  chargeBackReason: ChargeBackReason | null;
  version: number;
  claimStatus: string;
  dueAt: Date | null;
}

export interface PartReturnRuleView {
  id: string;
  partNumber: string;
  productFamily: string | null;
  sku: string | null;
  windowDays: number;
  updatedAt: Date;
}

/**
 * What another module does when lines are charged back (rule 20: supplier recovery withdraws their recovery), in the
 * charge-back's transaction; given at composition (services.ts), so returns imports none of them.
 */
export type LinesChargedBackHook = (manager: EntityManager, lines: ReadonlyArray<{ orgId: string; claimId: string; lineId: string; reason: string }>, actorId: string) => Promise<void>;

/** Who records a return's steps: the warehouse, a sending system (SERVICE), or an administrator keying one in. */
export const RETURN_RECORDERS: readonly Role[] = ['WAREHOUSE', 'SERVICE', 'WARRANTY_ADMIN'];
/** Who reads the returns expected. */
const RETURN_READERS: readonly Role[] = ['WAREHOUSE', 'AGENT', 'WARRANTY_ADMIN', 'SERVICE'];
const STEP_EVENTS = { SHIPMENT: 'PART_RETURN_SHIPPED', RECEIPT: 'PART_RETURN_RECEIVED', INSPECTION: 'PART_RETURN_INSPECTED' } as const;
const TEXT = /^[^\u0000-\u001f\u007f]{1,200}$/;
/** Overdue returns charged back per transaction of the evaluation. */
export const EVALUATION_CHUNK = 500;

function text(value: string | null | undefined, field: string, required: boolean): string | null {
  const trimmed = value?.trim() ?? '';
  if (!trimmed) {
    if (required) throw new DomainError('BAD_USER_INPUT', `${field} must not be empty`, ['input', field]);
    return null;
  }
  if (!TEXT.test(trimmed)) throw new DomainError('BAD_USER_INPUT', `${field}: 1 to 200 characters, no control characters`, ['input', field]);
  return trimmed;
}

/**
 * Parts returns (rule 18): which parts must come back (rules, data), their authorisation when a claim is approved
 * (the claims' onApproved hook, in the approval's transaction), the steps of each return, the charge-back of a line
 * whose part is not received in time or is inspected without a fault of the product (claims re-prices it, in the
 * same transaction), and the warehouse's list of returns expected.
 */
export class ReturnsService {
  private readonly chargedBackHooks: LinesChargedBackHook[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** Adds a hook every charge-back runs in its transaction (set at composition). */
  whenChargedBack(hook: LinesChargedBackHook): void {
    this.chargedBackHooks.push(hook);
  }

  /** Claims' charge-back, then the hooks on the lines it charged back now. */
  private async chargeBack(manager: EntityManager, items: LineChargeBack[], actorId: string, now: Date): Promise<void> {
    const charged = new Set(await chargeBackLines(manager, this.audit, items, actorId, now));
    const lines = items.filter((i) => charged.has(i.lineId)).map((i) => ({ orgId: i.orgId, claimId: i.claimId, lineId: i.lineId, reason: i.reason }));
    if (lines.length === 0) return;
    for (const hook of this.chargedBackHooks) await hook(manager, lines, actorId);
  }

  /** The claims' onApproved hook: a step of the approval's own statement (returns-sql.ts, AUTHORISE_RETURNS). */
  readonly authoriseReturns: ClaimApprovedHook = (claim, actorId, known) => {
    // Only covered PART lines can need a return: a claim known to have none adds nothing to the statement.
    if (known && known.coveredParts.length === 0) return null;
    const now = this.clock();
    // At intake the lines are written in the step's own statement: they come with it (known), not from claim_line.
    const given = known ? JSON.stringify(known.coveredParts) : null;
    return { ctes: AUTHORISE_RETURNS, params: [claim.orgId, claim.id, claim.warrantyRecordId, now.getUTCFullYear(), now, actorId, given] };
  };

  /** Sets (or, with required false, removes) the return rule of a part for a family or a SKU. WARRANTY_ADMIN. */
  async setRule(actor: Actor, input: { partNumber: string; productFamily?: string | null; sku?: string | null; windowDays?: number | null; required?: boolean | null }): Promise<PartReturnRuleView | null> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'set which parts must be returned');
    const partNumber = text(input.partNumber, 'partNumber', true)!;
    const family = text(input.productFamily, 'productFamily', false);
    const sku = text(input.sku, 'sku', false);
    if ((family === null) === (sku === null)) throw new DomainError('BAD_USER_INPUT', 'name either a productFamily or a sku (one of them)', ['input', family ? 'sku' : 'productFamily']);
    const scope = sku ? 'SKU' : 'FAMILY';
    const scopeValue = (sku ?? family)!;
    const required = input.required ?? true;
    if (!required) {
      await this.dataSource.query(`DELETE FROM part_return_rule WHERE org_id = $1 AND part_number = $2 AND scope = $3 AND scope_value = $4`, [actor.orgId, partNumber, scope, scopeValue]);
      return null;
    }
    const windowDays = input.windowDays;
    if (windowDays === null || windowDays === undefined || !Number.isInteger(windowDays) || windowDays < 1 || windowDays > MAX_WINDOW_DAYS) {
      throw new DomainError('BAD_USER_INPUT', `windowDays must be a whole number of days from 1 to ${MAX_WINDOW_DAYS}`, ['input', 'windowDays']);
    }
    const [row] = await this.dataSource.query(
      `INSERT INTO part_return_rule (id, org_id, part_number, scope, scope_value, window_days, updated_by_id, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (org_id, part_number, scope, scope_value) DO UPDATE SET window_days = excluded.window_days, updated_by_id = excluded.updated_by_id, updated_at = excluded.updated_at
       RETURNING id, part_number, scope, scope_value, window_days, updated_at`,
      [newId(), actor.orgId, partNumber, scope, scopeValue, windowDays, actor.id, this.clock()],
    );
    return ruleView(row);
  }

  /** The organisation's return rules, by part number, one statement a page. */
  async rules(actor: Actor, partNumber: string | null | undefined, page: { first?: number | null; after?: string | null }): Promise<Connection<PartReturnRuleView>> {
    const size = pageSize(page.first, 50);
    const after = decodeCursor(page.after, ['key', 'key']);
    const rows = await this.dataSource.query(
      `WITH matching AS (SELECT * FROM part_return_rule WHERE org_id = $1 AND ($2::text IS NULL OR part_number = $2))
       SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM matching) t
       LEFT JOIN LATERAL (SELECT id, part_number, scope, scope_value, window_days, updated_at, part_number || '|' || scope || '|' || scope_value AS position FROM matching
         WHERE $3::text IS NULL OR (part_number, scope || '|' || scope_value) > ($3::text, $4::text)
         ORDER BY part_number, scope || '|' || scope_value LIMIT $5) p ON true`,
      [actor.orgId, partNumber?.trim() || null, after?.[0] ?? null, after?.[1] ?? null, size + 1],
    );
    const total = rows[0]?.total ?? 0;
    const found = rows.filter((r: any) => r.id !== null).map((r: any) => ruleView(r));
    return toConnection(found, size, total, (r) => [r.partNumber, `${r.sku ? 'SKU' : 'FAMILY'}|${r.sku ?? r.productFamily}`], after !== null);
  }

  /** A return by its RMA number; another organisation's is not found. */
  async byRma(actor: Actor, rmaNumber: string): Promise<ReturnView | null> {
    assertRole(actor, RETURN_READERS, 'read part returns');
    const [row] = await this.dataSource.query(`SELECT ${RETURN_COLUMNS} FROM part_return pr JOIN warranty_claim c ON c.id = pr.claim_id AND c.org_id = pr.org_id WHERE pr.org_id = $1 AND pr.rma_number = $2`, [actor.orgId, rmaNumber.trim()]);
    return row ?? null;
  }

  /**
   * The returns the warehouse expects, soonest due first (those whose claim is not completed yet, and so not due,
   * last): not yet received unless `status` says otherwise; with `dueWithinDays`, only those overdue or due by then.
   * One statement a page, whatever its size.
   */
  async expected(actor: Actor, filter: { status?: ReturnStatus | null; dueWithinDays?: number | null }, page: { first?: number | null; after?: string | null }): Promise<Connection<ReturnView>> {
    assertRole(actor, RETURN_READERS, 'read part returns');
    const size = pageSize(page.first, 50);
    const after = decodeCursor(page.after, ['key', 'uuid']);
    if (after && after[0] !== 'infinity' && Number.isNaN(Date.parse(after[0] as string))) throw new DomainError('BAD_USER_INPUT', 'after is not a cursor this list returned', ['after']);
    const days = filter.dueWithinDays;
    if (days !== null && days !== undefined && (!Number.isInteger(days) || days < 0 || days > MAX_WINDOW_DAYS)) {
      throw new DomainError('BAD_USER_INPUT', `dueWithinDays must be from 0 to ${MAX_WINDOW_DAYS}`, ['dueWithinDays']);
    }
    const dueBy = days === null || days === undefined ? null : new Date(this.clock().getTime() + days * DAY_MS);
    const rows = await this.dataSource.query(
      `WITH matching AS (
         SELECT ${RETURN_COLUMNS}, coalesce(${DUE_AT}, 'infinity'::timestamptz) AS sort_due
         FROM part_return pr JOIN warranty_claim c ON c.id = pr.claim_id AND c.org_id = pr.org_id
         WHERE pr.org_id = $1 AND c.status NOT IN ('CANCELLED', 'REJECTED')
           AND (CASE WHEN $2::text IS NULL THEN pr.status IN ('AUTHORISED', 'SHIPPED') ELSE pr.status = $2 END)
           AND ($3::timestamptz IS NULL OR ${DUE_AT} <= $3))
       SELECT t.total, p.* FROM (SELECT count(*)::int AS total FROM matching) t
       LEFT JOIN LATERAL (SELECT * FROM matching
         WHERE $4::timestamptz IS NULL OR (sort_due, id) > ($4::timestamptz, $5::uuid)
         ORDER BY sort_due, id LIMIT $6) p ON true`,
      [actor.orgId, filter.status ?? null, dueBy, after?.[0] ?? null, after?.[1] ?? null, size + 1],
    );
    const total = rows[0]?.total ?? 0;
    const found: ReturnView[] = rows.filter((r: any) => r.id !== null).map(({ total: _t, sort_due: _s, ...view }: any) => view);
    return toConnection(found, size, total, (r) => [r.dueAt ? new Date(r.dueAt).toISOString() : 'infinity', r.id], after !== null);
  }

  /** Records a step of a return (return-rules.ts, decideStep): the change and its event, and a charge-back if the inspection says so. */
  recordStep(actor: Actor, rmaNumber: string, given: ReturnStep, within?: EntityManager): Promise<{ partReturn: ReturnView; changed: boolean }> {
    assertRole(actor, RETURN_RECORDERS, 'record part returns');
    const rma = text(rmaNumber, 'rmaNumber', true)!;
    const step = cleanStep(given);
    const run = async (manager: EntityManager) => {
      const [current]: ReturnView[] = await manager.query(
        `SELECT ${RETURN_COLUMNS} FROM part_return pr JOIN warranty_claim c ON c.id = pr.claim_id AND c.org_id = pr.org_id
         WHERE pr.org_id = $1 AND pr.rma_number = $2 FOR UPDATE OF pr`,
        [actor.orgId, rma],
      );
      if (!current) throw new DomainError('RETURN_NOT_AUTHORISED', `no part return was authorised under ${rma}`, ['input', 'rmaNumber']);
      if (current.claimStatus === 'CANCELLED') throw new DomainError('INVALID_TRANSITION', `the claim of ${rma} was cancelled: its return is void`, ['input', 'rmaNumber']);
      const decision = decideStep(current, step);
      if (!decision.ok) throw new DomainError(decision.code, decision.message, ['input', decision.field]);
      if (decision.replay) return { partReturn: current, changed: false };
      const now = this.clock();
      const change: Record<string, unknown> = { status: decision.to };
      if (step.kind === 'SHIPMENT') Object.assign(change, { shipped_at: now, carrier: step.carrier, tracking_number: step.trackingNumber });
      if (step.kind === 'RECEIPT') change.received_at = now;
      const chargeBack = step.kind === 'INSPECTION' ? chargeBackOfInspection(step.outcome) : null;
      if (step.kind === 'INSPECTION') Object.assign(change, { inspected_at: now, inspection_outcome: step.outcome, inspection_note: step.note });
      if (chargeBack && !current.chargedBackAt) Object.assign(change, { charged_back_at: now, charge_back_reason: chargeBack });
      const columns = Object.keys(change);
      const [updated]: ReturnView[] = await manager.query(
        `WITH changed AS (UPDATE part_return pr SET ${columns.map((column, i) => `${column} = $${i + 2}`).join(', ')}, row_version = pr.row_version + 1
           WHERE pr.org_id = $${columns.length + 2} AND pr.id = $1 RETURNING pr.*)
         SELECT ${RETURN_COLUMNS} FROM changed pr JOIN warranty_claim c ON c.id = pr.claim_id AND c.org_id = pr.org_id`,
        [current.id, ...columns.map((column) => change[column]), current.orgId],
      );
      await this.audit.append(manager, [
        {
          orgId: current.orgId,
          warrantyRecordId: current.warrantyId,
          actorId: actor.id,
          event: STEP_EVENTS[step.kind],
          fromValue: current.status,
          toValue: decision.to,
          claimId: current.claimId,
          detail: { rmaNumber: rma, returnId: current.id, lineId: current.claimLineId, ...stepDetail(step) },
        },
      ]);
      if (chargeBack && !current.chargedBackAt) {
        await this.chargeBack(manager, [lineChargeBack(current, chargeBack)], actor.id, now);
      }
      return { partReturn: updated, changed: true };
    };
    return within ? run(within) : this.dataSource.transaction(run);
  }

  /**
   * The overdue evaluation: every return overdue at `now` (of one organisation, or all) is charged back, a chunk per
   * transaction, set-based (returns-sql.ts, MARK_OVERDUE, and claims' chargeBackLines). A return charged back is
   * never picked again, so a second run at once or later charges nothing twice.
   */
  async evaluateOverdue(options: { now?: Date; orgId?: string | null; actorId?: string } = {}): Promise<{ chargedBack: number; returns: Array<{ orgId: string; rmaNumber: string; claimId: string }> }> {
    const now = options.now ?? this.clock();
    const actorId = options.actorId ?? 'system:returns-evaluation';
    const charged: Array<{ orgId: string; rmaNumber: string; claimId: string }> = [];
    for (;;) {
      const rows: any[] = await this.dataSource.transaction(async (manager) => {
        const marked: any[] = await manager.query(MARK_OVERDUE, [now, options.orgId ?? null, EVALUATION_CHUNK]);
        const items = marked.map((r) =>
          lineChargeBack({ orgId: r.org_id, claimId: r.claim_id, claimLineId: r.claim_line_id, rmaNumber: r.rma_number, partNumber: r.part_number, windowDays: r.window_days, id: r.id }, 'NOT_RECEIVED'),
        );
        await this.chargeBack(manager, items, actorId, now);
        return marked;
      });
      charged.push(...rows.map((r) => ({ orgId: r.org_id as string, rmaNumber: r.rma_number as string, claimId: r.claim_id as string })));
      if (rows.length < EVALUATION_CHUNK) break;
    }
    return { chargedBack: charged.length, returns: charged };
  }
}

function lineChargeBack(r: { orgId: string; claimId: string; claimLineId: string; rmaNumber: string; partNumber: string; windowDays: number; id: string }, reason: ChargeBackReason): LineChargeBack {
  return {
    orgId: r.orgId,
    claimId: r.claimId,
    lineId: r.claimLineId,
    reason: chargeBackText(reason, r.partNumber, r.rmaNumber, r.windowDays),
    detail: { rmaNumber: r.rmaNumber, returnId: r.id, chargeBack: reason },
  };
}

/** The step's texts trimmed and checked (BAD_USER_INPUT at their field). */
function cleanStep(step: ReturnStep): ReturnStep {
  if (step.kind === 'SHIPMENT') return { kind: 'SHIPMENT', carrier: text(step.carrier, 'carrier', false), trackingNumber: text(step.trackingNumber, 'trackingNumber', false) };
  if (step.kind === 'INSPECTION') {
    const note = step.note?.trim() || null;
    if (note && note.length > 4000) throw new DomainError('BAD_USER_INPUT', 'note: at most 4000 characters', ['input', 'note']);
    if (!['CONFIRMED', 'NO_FAULT_FOUND', 'CUSTOMER_DAMAGE'].includes(step.outcome)) throw new DomainError('BAD_USER_INPUT', 'outcome must be CONFIRMED, NO_FAULT_FOUND or CUSTOMER_DAMAGE', ['input', 'outcome']);
    return { ...step, note };
  }
  return step;
}

function stepDetail(step: ReturnStep): Record<string, unknown> {
  if (step.kind === 'SHIPMENT') return { carrier: step.carrier, trackingNumber: step.trackingNumber };
  if (step.kind === 'INSPECTION') return { outcome: step.outcome, note: step.note };
  return {};
}

function ruleView(row: any): PartReturnRuleView {
  return {
    id: row.id,
    partNumber: row.part_number,
    productFamily: row.scope === 'FAMILY' ? row.scope_value : null,
    sku: row.scope === 'SKU' ? row.scope_value : null,
    windowDays: row.window_days,
    updatedAt: row.updated_at,
  };
}

