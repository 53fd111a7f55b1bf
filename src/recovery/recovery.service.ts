import type { DataSource, EntityManager } from 'typeorm';
import { assertRole, type Actor, type Role } from '../auth/actor';
import { eventsStep } from '../audit/audit.service';
import type { Clock } from '../common/clock';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { isUuid, newId } from '../common/ids';
import { moneyOf } from '../common/money';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { writeTogether } from '../db/one-statement';
import { messagesStep } from '../outbox/outbox-writes';
import { CONTRACT_JSON } from './recovery-close';
import { FINANCE_SQL, financeRows, supplierTotals, type FinanceRow } from './recovery-finance';
import { normaliseContract, normaliseSupplier, planContracts, type ContractInput, type NormalisedContract, type StoredContract, type SupplierInput } from './recovery-input';
import { afterWithdrawal, decideRecoveryAnswer, type RecoveryAction, type RecoveryStatus } from './recovery-rules';
import { RecoveryClaim, RecoveryLine, Supplier, SupplierContract } from './recovery.entities';

const ADMIN: readonly Role[] = ['WARRANTY_ADMIN'];
/** Who records a supplier's answers: the supplier portal's integration (SERVICE, also through the signed webhook) or an administrator. */
export const RECOVERY_ANSWERERS: readonly Role[] = ['SERVICE', 'WARRANTY_ADMIN'];
/** Who reads suppliers, contracts, recovery claims and the finance figures. */
export const RECOVERY_READERS: readonly Role[] = ['WARRANTY_ADMIN', 'SERVICE', 'AGENT'];
const TEXT = /^[^\u0000-\u001f\u007f]{1,200}$/;

/** A claim line charged back (rule 18), as returns tells recovery of it (returns' whenChargedBack hook). */
export interface ChargedBackLine {
  orgId: string;
  claimId: string;
  lineId: string;
  reason: string;
}

export interface AnswerInput {
  id: string;
  action: RecoveryAction;
  amount?: string | null;
  reference?: string | null;
  reason?: string | null;
  /** From the webhook: the supplier that answers; another supplier's recovery claim is not found. */
  supplierCode?: string | null;
}

function optionalText(value: string | null | undefined, field: string): string | null {
  const trimmed = value?.trim() ?? '';
  if (!trimmed) return null;
  if (!TEXT.test(trimmed)) throw new DomainError('BAD_USER_INPUT', `${field}: 1 to 200 characters, no control characters`, ['input', field]);
  return trimmed;
}

/**
 * Supplier recovery (rule 20): suppliers and their contract versions (admin data), the recovery claims the close of
 * a covered claim opens (recovery-close.ts, in the close's transaction), the suppliers' answers, and the withdrawal
 * of a line whose part is charged back (rule 18).
 */
export class RecoveryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** Sets up or changes a supplier (by code). WARRANTY_ADMIN. */
  async upsertSupplier(actor: Actor, input: SupplierInput): Promise<Supplier> {
    assertRole(actor, ADMIN, 'set up suppliers');
    const s = normaliseSupplier(input, ['input']);
    const [row] = await this.dataSource.query(
      `INSERT INTO supplier (id, org_id, code, name, endpoint_url, secret_ref, updated_by_id, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (org_id, code) DO UPDATE SET name = excluded.name, endpoint_url = excluded.endpoint_url, secret_ref = excluded.secret_ref,
         updated_by_id = excluded.updated_by_id, updated_at = excluded.updated_at
       RETURNING id`,
      [newId(), actor.orgId, s.code, s.name, s.endpointUrl, s.secretRef, actor.id, this.clock()],
    );
    return this.dataSource.getRepository(Supplier).findOneByOrFail({ orgId: actor.orgId, id: row.id });
  }

  async suppliers(actor: Actor, page: { first?: number | null; after?: string | null }): Promise<Connection<Supplier>> {
    assertRole(actor, RECOVERY_READERS, 'read suppliers');
    const size = pageSize(page.first, 50);
    const after = decodeCursor(page.after, ['key']);
    const query = this.dataSource.getRepository(Supplier).createQueryBuilder('s').where('s.org_id = :org', { org: actor.orgId });
    const total = await query.clone().getCount();
    if (after) query.andWhere('s.code > :after', { after: String(after[0]) });
    const rows = await query.orderBy('s.code', 'ASC').limit(size + 1).getMany();
    return toConnection(rows, size, total, (r) => [r.code], after !== null);
  }

  /** Publishes contract versions, all or nothing (recovery-input.ts plans them). WARRANTY_ADMIN. */
  async publishContracts(actor: Actor, inputs: ContractInput[]): Promise<{ contracts: SupplierContract[]; created: number; unchanged: number }> {
    assertRole(actor, ADMIN, 'publish supplier contracts');
    if (inputs.length === 0 || inputs.length > 1000) throw new DomainError('BAD_USER_INPUT', 'send 1 to 1,000 contract versions per call', ['input', 'contracts']);
    const problems: DomainError[] = [];
    const path = (i: number) => ['input', 'contracts', String(i)];
    const rows = inputs.map((input, i) => normaliseContract(input, path(i), problems));
    if (problems.length) throw new DomainErrors(problems);
    const sent = rows as NormalisedContract[];
    try {
      return await this.dataSource.transaction(async (manager) => {
        // One writer of an organisation's contracts at a time: an overlap is judged against every version.
        await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`${actor.orgId}/supplier-contracts`]);
        const suppliers: Array<{ id: string; code: string }> = await manager.query(`SELECT id, code FROM supplier WHERE org_id = $1 AND code = ANY($2::text[])`, [actor.orgId, [...new Set(sent.map((r) => r.supplierCode))]]);
        const supplierOf = new Map(suppliers.map((s) => [s.code, s.id]));
        sent.forEach((r, i) => {
          if (!supplierOf.has(r.supplierCode)) problems.push(new DomainError('UNKNOWN_SUPPLIER', `no supplier ${r.supplierCode} is set up (upsertSupplier first)`, [...path(i), 'supplierCode']));
        });
        if (problems.length) throw new DomainErrors(problems);
        const stored: StoredContract[] = (await manager.query(`SELECT ${CONTRACT_JSON} AS c FROM supplier_contract k JOIN supplier s ON s.org_id = k.org_id AND s.id = k.supplier_id WHERE k.org_id = $1`, [actor.orgId])).map((r: any) => r.c);
        const plan = planContracts(stored, sent, path);
        if (plan.problems.length) throw new DomainErrors(plan.problems);
        if (plan.create.length) {
          await manager.insert(
            SupplierContract,
            plan.create.map((i) => {
              const r = sent[i];
              return {
                id: newId(), orgId: actor.orgId, code: r.code, version: r.version, supplierId: supplierOf.get(r.supplierCode)!, partNumbers: r.partNumbers,
                component: r.component, productFamily: r.productFamily, recoverySharePct: r.recoverySharePct, windowMonths: r.windowMonths,
                labourSharePct: r.labourSharePct, capAmount: r.cap?.amount ?? null, capCurrency: r.cap?.currency ?? null, validFrom: r.validFrom, validTo: r.validTo,
                publishedById: actor.id,
              };
            }),
          );
        }
        const after = await manager.getRepository(SupplierContract).createQueryBuilder('k').where('k.org_id = :org', { org: actor.orgId }).andWhere('k.code IN (:...codes)', { codes: [...new Set(sent.map((r) => r.code))] }).getMany();
        const byKey = new Map(after.map((k) => [`${k.code}@${k.version}`, k]));
        return { contracts: sent.map((r) => byKey.get(`${r.code}@${r.version}`)!), created: plan.create.length, unchanged: plan.unchanged.length };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'uq_supplier_contract_version')) throw new DomainError('BAD_USER_INPUT', 'another version was published at the same time; try again', ['input', 'contracts']);
      throw error;
    }
  }

  async contracts(actor: Actor, filter: { supplierCode?: string | null; code?: string | null }, page: { first?: number | null; after?: string | null }): Promise<Connection<SupplierContract>> {
    assertRole(actor, RECOVERY_READERS, 'read supplier contracts');
    const size = pageSize(page.first, 50);
    const after = decodeCursor(page.after, ['key', 'positiveInteger']);
    const query = this.dataSource.getRepository(SupplierContract).createQueryBuilder('k').where('k.org_id = :org', { org: actor.orgId });
    if (filter.code) query.andWhere('k.code = :code', { code: filter.code.trim().toUpperCase() });
    if (filter.supplierCode) query.andWhere('k.supplier_id IN (SELECT id FROM supplier WHERE org_id = :org AND code = :supplier)', { supplier: filter.supplierCode.trim().toUpperCase() });
    const total = await query.clone().getCount();
    if (after) query.andWhere('(k.code, k.version) > (:c, :v)', { c: String(after[0]), v: Number(after[1]) });
    const rows = await query.orderBy('k.code', 'ASC').addOrderBy('k.version', 'ASC').limit(size + 1).getMany();
    return toConnection(rows, size, total, (r) => [r.code, r.version], after !== null);
  }

  async recoveryClaim(actor: Actor, id: string): Promise<RecoveryClaim | null> {
    assertRole(actor, RECOVERY_READERS, 'read recovery claims');
    if (!isUuid(id)) return null;
    return this.dataSource.getRepository(RecoveryClaim).findOneBy({ id, orgId: actor.orgId });
  }

  async recoveryClaims(actor: Actor, filter: { status?: RecoveryStatus | null; supplierCode?: string | null; claimId?: string | null }, page: { first?: number | null; after?: string | null }): Promise<Connection<RecoveryClaim>> {
    assertRole(actor, RECOVERY_READERS, 'read recovery claims');
    const size = pageSize(page.first, 50);
    const after = decodeCursor(page.after, ['key', 'uuid']);
    const query = this.dataSource.getRepository(RecoveryClaim).createQueryBuilder('r').where('r.org_id = :org', { org: actor.orgId });
    if (filter.status) query.andWhere('r.status = :status', { status: filter.status });
    if (filter.claimId) {
      if (!isUuid(filter.claimId)) throw new DomainError('BAD_USER_INPUT', 'claimId must be a claim id (a UUID)', ['filter', 'claimId']);
      query.andWhere('r.claim_id = :claim', { claim: filter.claimId });
    }
    if (filter.supplierCode) query.andWhere('r.supplier_id IN (SELECT id FROM supplier WHERE org_id = :org AND code = :supplier)', { supplier: filter.supplierCode.trim().toUpperCase() });
    const total = await query.clone().getCount();
    if (after) query.andWhere('(r.created_at, r.id) < (:at, :id)', { at: new Date(String(after[0])), id: String(after[1]) });
    const rows = await query.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').limit(size + 1).getMany();
    return toConnection(rows, size, total, (r) => [r.createdAt.toISOString(), r.id], after !== null);
  }

  /** Finance per supplier and month, and per supplier over the months asked (recovery-finance.ts): one statement. */
  async finance(actor: Actor, filter: { from?: string | null; to?: string | null; supplierCode?: string | null }): Promise<{ months: FinanceRow[]; suppliers: FinanceRow[] }> {
    assertRole(actor, ['WARRANTY_ADMIN', 'SERVICE'], 'read supplier recovery figures');
    if (filter.from && filter.to && filter.to < filter.from) throw new DomainError('BAD_USER_INPUT', `to ${filter.to} is before from ${filter.from}`, ['to']);
    const months = financeRows(await this.dataSource.query(FINANCE_SQL, [[actor.orgId], filter.from ?? null, filter.to ?? null, filter.supplierCode?.trim().toUpperCase() || null]));
    return { months, suppliers: supplierTotals(months) };
  }

  /** The lines of recovery claims, by claim (one statement for a page of them). */
  async linesOf(orgId: string, ids: readonly string[]): Promise<RecoveryLine[][]> {
    const rows = await this.dataSource.getRepository(RecoveryLine).createQueryBuilder('l').where('l.org_id = :org AND l.recovery_claim_id IN (:...ids)', { org: orgId, ids }).orderBy('l.part_number').getMany();
    return ids.map((id) => rows.filter((r) => r.recoveryClaimId === id));
  }

  /**
   * A supplier's answer (recovery-rules.ts decideRecoveryAnswer): the recovery claim locked, the move and its event in
   * one transaction; the same answer again changes nothing (changed: false). Another organisation's recovery claim,
   * or another supplier's (the webhook names its supplier), is NOT_FOUND.
   */
  answer(actor: Actor, input: AnswerInput, within?: EntityManager): Promise<{ recoveryClaim: RecoveryClaim; changed: boolean }> {
    assertRole(actor, RECOVERY_ANSWERERS, "record a supplier's answer");
    const reference = optionalText(input.reference, 'reference');
    const reason = input.reason?.trim() || null;
    if (reason && reason.length > 4000) throw new DomainError('BAD_USER_INPUT', 'reason: at most 4000 characters', ['input', 'reason']);
    const amount = input.amount?.trim() || null;
    if (amount !== null && !/^\d{1,15}(\.\d{1,4})?$/.test(amount)) throw new DomainError('BAD_USER_INPUT', 'amount is a decimal such as "120.50"', ['input', 'amount']);
    const run = async (manager: EntityManager) => {
      const claim = isUuid(input.id) ? await manager.findOne(RecoveryClaim, { where: { id: input.id, orgId: actor.orgId }, lock: { mode: 'pessimistic_write' } }) : null;
      const supplier = claim ? await manager.findOneBy(Supplier, { orgId: claim.orgId, id: claim.supplierId }) : null;
      if (!claim || !supplier || (input.supplierCode && input.supplierCode.trim().toUpperCase() !== supplier.code)) {
        throw new DomainError('NOT_FOUND', `no recovery claim ${input.id.slice(0, 60)}`, ['input', 'id']);
      }
      const decision = decideRecoveryAnswer({ status: claim.status as RecoveryStatus, claimed: claim.claimedAmount, accepted: claim.acceptedAmount, paid: claim.paidAmount, currency: claim.currency }, input.action, amount);
      if (!decision.ok) throw new DomainError(decision.code, decision.message, ['input', decision.field]);
      if (decision.replay) return { recoveryClaim: claim, changed: false };
      const from = claim.status;
      const now = this.clock();
      Object.assign(claim, { status: decision.to, acceptedAmount: decision.accepted, paidAmount: decision.paid, supplierReference: reference ?? claim.supplierReference, lastReason: reason, rowVersion: claim.rowVersion + 1, updatedAt: now });
      await manager.update(RecoveryClaim, { orgId: claim.orgId, id: claim.id }, { status: claim.status, acceptedAmount: claim.acceptedAmount, paidAmount: claim.paidAmount, supplierReference: claim.supplierReference, lastReason: reason, rowVersion: claim.rowVersion, updatedAt: now });
      await writeTogether(manager, [
        eventsStep([{
          orgId: claim.orgId, warrantyRecordId: claim.warrantyRecordId, actorId: actor.id, event: 'RECOVERY_CLAIM_STATUS_CHANGED', fromValue: from, toValue: claim.status, claimId: claim.claimId,
          detail: { recoveryClaimId: claim.id, supplierCode: supplier.code, action: input.action, reference, reason, claimed: moneyOf(claim.claimedAmount, claim.currency),
            accepted: claim.acceptedAmount === null ? null : moneyOf(claim.acceptedAmount, claim.currency), paid: claim.paidAmount === null ? null : moneyOf(claim.paidAmount, claim.currency) },
        }]),
      ]);
      return { recoveryClaim: claim, changed: true };
    };
    return within ? run(within) : this.dataSource.transaction(run);
  }

  /**
   * Returns' charge-back hook (rule 18): a line charged back costs warranty nothing any more, so its recovery is
   * withdrawn: the line keeps its amounts with when and why, its recovery claim's claimed amount goes down (WITHDRAWN
   * when nothing is left and the supplier has not answered yet), an event, and a message telling the supplier. In the
   * charge-back's transaction; nothing when no line of the charge-back was the supplier's.
   */
  readonly withdrawCharged = async (manager: EntityManager, lines: readonly ChargedBackLine[], actorId: string): Promise<void> => {
    if (lines.length === 0) return;
    const now = this.clock();
    const input = JSON.stringify(lines.map((l) => ({ org_id: l.orgId, line_id: l.lineId, reason: l.reason })));
    // The recovery claims first, in id order, as every answer locks them (no deadlock with a supplier's answer).
    await manager.query(
      `SELECT r.id FROM recovery_claim r WHERE (r.org_id, r.id) IN (SELECT l.org_id, l.recovery_claim_id FROM recovery_line l
         JOIN jsonb_to_recordset($1::jsonb) AS x(org_id text, line_id uuid, reason text) ON x.line_id = l.claim_line_id AND x.org_id = l.org_id) ORDER BY r.id FOR UPDATE`,
      [input],
    );
    const withdrawn: Array<{ id: string; org_id: string; recovery_claim_id: string | null; claim_line_id: string; part_number: string; amount: string; reason: string }> = await manager.query(
      `WITH changed AS (
         UPDATE recovery_line l SET withdrawn_at = $2, withdrawn_reason = x.reason FROM jsonb_to_recordset($1::jsonb) AS x(org_id text, line_id uuid, reason text)
         WHERE l.claim_line_id = x.line_id AND l.org_id = x.org_id AND l.withdrawn_at IS NULL
         RETURNING l.id, l.org_id, l.recovery_claim_id, l.claim_line_id, l.part_number, l.amount::text AS amount, x.reason)
       SELECT * FROM changed`,
      [input, now],
    );
    const claimed = withdrawn.filter((w) => w.recovery_claim_id !== null);
    if (claimed.length === 0) return;
    const keys = [...new Map(claimed.map((w) => [`${w.org_id}/${w.recovery_claim_id}`, [w.org_id, w.recovery_claim_id!]])).values()];
    const claims = await manager.createQueryBuilder(RecoveryClaim, 'r')
      .where('(r.org_id, r.id) IN (SELECT * FROM unnest(:orgs::text[], :ids::uuid[]))', { orgs: keys.map(([org]) => org), ids: keys.map(([, id]) => id) })
      .getMany();
    const supplierKeys = [...new Map(claims.map((c) => [`${c.orgId}/${c.supplierId}`, [c.orgId, c.supplierId]])).values()];
    const suppliers = await manager.createQueryBuilder(Supplier, 's')
      .where('(s.org_id, s.id) IN (SELECT * FROM unnest(:orgs::text[], :ids::uuid[]))', { orgs: supplierKeys.map(([org]) => org), ids: supplierKeys.map(([, id]) => id) })
      .getMany();
    const updates: Record<string, unknown>[] = [];
    const events: Parameters<typeof eventsStep>[0][number][] = [];
    const messages: Parameters<typeof messagesStep>[0][number][] = [];
    for (const claim of claims) {
      const mine = claimed.filter((w) => w.recovery_claim_id === claim.id);
      const after = afterWithdrawal({ claimed: claim.claimedAmount, accepted: claim.acceptedAmount, currency: claim.currency }, mine.map((w) => w.amount));
      const emptied = Number(after.claimed) === 0 && (claim.status === 'OPEN' || claim.status === 'SUBMITTED');
      const status = emptied ? 'WITHDRAWN' : claim.status;
      const version = claim.rowVersion + 1;
      const supplier = suppliers.find((s) => s.id === claim.supplierId)!;
      updates.push({ id: claim.id, claimed: after.claimed, accepted: after.accepted, status, version });
      const shown = mine.map((w) => ({ claimLineId: w.claim_line_id, partNumber: w.part_number, amount: moneyOf(w.amount, claim.currency), reason: w.reason }));
      events.push({
        orgId: claim.orgId, warrantyRecordId: claim.warrantyRecordId, actorId, event: 'RECOVERY_LINES_WITHDRAWN', fromValue: claim.status, toValue: status, claimId: claim.claimId,
        detail: { recoveryClaimId: claim.id, supplierCode: supplier.code, lines: shown, claimed: moneyOf(after.claimed, claim.currency) },
      });
      messages.push({
        orgId: claim.orgId, destination: 'SUPPLIER', recipient: claim.supplierId, topic: 'recovery.lines_withdrawn', aggregateId: claim.id,
        payload: { recoveryClaimId: claim.id, status, supplier: { code: supplier.code, name: supplier.name }, claimId: claim.claimId, lines: shown, claimed: moneyOf(after.claimed, claim.currency),
          accepted: after.accepted === null ? null : moneyOf(after.accepted, claim.currency), version },
      });
    }
    await writeTogether(manager, [
      { ctes: [['recovery_withdrawn', `UPDATE recovery_claim r SET claimed_amount = x.claimed, accepted_amount = x.accepted, status = x.status, row_version = x.version, updated_at = $2
          FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, claimed numeric, accepted numeric, status text, version int) WHERE r.id = x.id RETURNING r.id`]], params: [JSON.stringify(updates), now] },
      eventsStep(events, 'recovery_withdrawn_events'),
      messagesStep(messages, 'recovery_withdrawn_messages'),
    ]);
  };
}
