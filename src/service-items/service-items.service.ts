import { randomUUID } from 'node:crypto';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import type { AuditService } from '../audit/audit.service';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { isUuid } from '../common/ids';
import { priceProblem } from '../common/money';
import { requiredReason } from '../common/validation';
import { calendarDateOf, type IsoDate } from '../common/calendar';
import { readingRegressions, recordedHistory } from '../readings/readings-history';
import { UnitReading } from '../readings/unit-reading.entity';
import { assertOneUnitKey, lockVisibleRecord, lockVisibleUnit } from '../records/record-access';
import type { Clock } from '../common/clock';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import { ServiceItemClaim } from './service-item-claim.entity';
import { ServicePlan, ServicePlanItem } from './service-plan.entity';

export const MAX_PLAN_ITEMS = 50;
const CODE = /^[A-Z][A-Z0-9_]{1,39}$/;
const FAMILY = /^[A-Z][A-Z0-9_]{1,31}$/;
/** Who claims free service items: the dealer's desk, installers, admins and the integrations. */
const CLAIMERS = ['AGENT', 'INSTALLER', 'WARRANTY_ADMIN', 'SERVICE'] as const;

export interface ServicePlanItemInput {
  code: string;
  name: string;
  dueMonths?: number | null;
  dueKm?: number | null;
  windowBeforeDays?: number | null;
  windowAfterDays?: number | null;
  windowBeforeKm?: number | null;
  windowAfterKm?: number | null;
  value: { amount: string; currency: string };
}

/** A plan with its items in their order. */
export type PlanWithItems = ServicePlan & { items: ServicePlanItem[] };

/**
 * Free service (rule 12): plans published as data, the units' item claims (soft-deleted, one live claim per item),
 * and the operator's free-service date shift. Every change of a unit writes its event in the same transaction.
 */
export class ServiceItemsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** A new version of the family's (or the SKU's) plan; the lookups use the latest from then on. */
  async publishPlan(actor: Actor, input: { productFamily: string; sku?: string | null; items: ServicePlanItemInput[] }): Promise<PlanWithItems> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'publish a service plan');
    const family = input.productFamily.trim().toUpperCase();
    const sku = input.sku?.trim() ?? '';
    const problems = planProblems(family, sku, input.items);
    if (problems.length) throw new DomainErrors(problems);
    return this.dataSource.transaction(async (manager) => {
      // Versions of one plan are numbered in turn: the advisory lock keeps two publishers from taking the same one.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`service_plan:${actor.orgId}:${family}:${sku}`]);
      const [{ latest }] = await manager.query(
        `SELECT coalesce(max(version), 0)::int AS latest FROM service_plan WHERE org_id = $1 AND product_family = $2 AND sku = $3`,
        [actor.orgId, family, sku],
      );
      const plan = manager.create(ServicePlan, { id: randomUUID(), orgId: actor.orgId, productFamily: family, sku, version: latest + 1, publishedAt: this.clock(), publishedById: actor.id });
      await manager.insert(ServicePlan, plan);
      const items = input.items.map((item, index) =>
        manager.create(ServicePlanItem, {
          id: randomUUID(),
          planId: plan.id,
          orgId: actor.orgId,
          code: item.code,
          name: item.name.trim(),
          position: index + 1,
          dueMonths: item.dueMonths ?? null,
          dueKm: item.dueKm ?? null,
          windowBeforeDays: item.windowBeforeDays ?? 0,
          windowAfterDays: item.windowAfterDays ?? 0,
          windowBeforeKm: item.windowBeforeKm ?? 0,
          windowAfterKm: item.windowAfterKm ?? 0,
          valueAmount: item.value.amount,
          valueCurrency: item.value.currency,
        }),
      );
      await manager.insert(ServicePlanItem, items);
      return Object.assign(plan, { items });
    });
  }

  /** The (family, SKU) of every plan of the caller's organisation, optionally of one family; '' is a family's own plan. */
  async planKeys(actor: Actor, productFamily?: string | null): Promise<Array<{ productFamily: string; sku: string }>> {
    const rows: Array<{ product_family: string; sku: string }> = await this.dataSource.query(
      `SELECT DISTINCT product_family, sku FROM service_plan WHERE org_id = $1 AND ($2::text IS NULL OR product_family = $2) ORDER BY product_family, sku`,
      [actor.orgId, productFamily?.trim().toUpperCase() ?? null],
    );
    return rows.map((row) => ({ productFamily: row.product_family, sku: row.sku }));
  }

  /**
   * A unit's claim of one of its plan's items. Refused: an item its plan does not have, a date in the future (at the
   * site), an odometer lower than one already recorded for the unit, and a second claim of an item whose first is
   * not deleted (ALREADY_CLAIMED). The odometer is recorded in the unit's readings; the claim and its event are
   * written in one transaction.
   */
  async claimItem(
    actor: Actor,
    input: { warrantyId?: string | null; serialNumber?: string | null; itemCode: string; claimDate: IsoDate; odometerKm?: number | null },
  ): Promise<{ record: WarrantyRecord; claim: ServiceItemClaim }> {
    assertRole(actor, CLAIMERS, 'claim a service item');
    assertOneUnitKey(input);
    const odometerKm = input.odometerKm ?? null;
    if (odometerKm !== null && (!Number.isInteger(odometerKm) || odometerKm < 0 || odometerKm > 10_000_000)) {
      throw new DomainError('BAD_USER_INPUT', 'odometerKm is a whole number of km from 0 to 10,000,000', ['input', 'odometerKm']);
    }
    try {
      return await this.dataSource.transaction(async (manager) => {
        const record = await lockVisibleUnit(manager, actor, input);
        const today = calendarDateOf(this.clock(), record.siteTimeZone ?? 'UTC');
        if (input.claimDate > today) throw new DomainError('BAD_USER_INPUT', `claimDate ${input.claimDate} is in the future (today is ${today} at the site)`, ['input', 'claimDate']);
        const plan = await planForUnit(manager, record);
        if (!plan) throw new DomainError('BAD_USER_INPUT', `no service plan is published for ${record.productFamily} units (SKU ${record.sku})`, ['input', 'itemCode']);
        if (!plan.items.some((item) => item.code === input.itemCode)) {
          throw new DomainError('BAD_USER_INPUT', `the unit's service plan (${record.productFamily} version ${plan.version}) has no item ${JSON.stringify(input.itemCode.slice(0, 60))}; it has ${plan.items.map((i) => i.code).join(', ')}`, ['input', 'itemCode']);
        }
        const live = await manager.findOne(ServiceItemClaim, { where: { orgId: record.orgId, warrantyRecordId: record.id, itemCode: input.itemCode, deletedAt: IsNull() } });
        if (live) throw alreadyClaimed(input.itemCode, live.claimDate);
        if (odometerKm !== null) {
          const history = await manager.find(UnitReading, { where: { orgId: record.orgId, warrantyRecordId: record.id }, order: { id: 'ASC' } });
          const regressions = readingRegressions(
            recordedHistory(history),
            input.claimDate,
            { odometerKm },
          );
          if (regressions.length) throw new DomainError('BAD_USER_INPUT', regressions[0].message, ['input', 'odometerKm']);
        }
        const claim = manager.create(ServiceItemClaim, {
          id: randomUUID(),
          orgId: record.orgId,
          warrantyRecordId: record.id,
          itemCode: input.itemCode,
          planId: plan.id,
          claimDate: input.claimDate,
          odometerKm,
          claimedById: actor.id,
          deletedAt: null,
          deletedById: null,
          deleteReason: null,
        });
        await manager.insert(ServiceItemClaim, claim);
        if (odometerKm !== null) {
          await manager.insert(UnitReading, { orgId: record.orgId, warrantyRecordId: record.id, readOn: input.claimDate, odometerKm, source: 'SERVICE_ITEM', claimId: null, recordedById: actor.id });
        }
        await this.audit.append(manager, [
          { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id, event: 'SERVICE_ITEM_CLAIMED', toValue: input.itemCode, detail: { claimId: claim.id, claimDate: input.claimDate, odometerKm, planVersion: plan.version } },
        ]);
        return { record, claim };
      });
    } catch (error) {
      // Two claims of one item at once: the partial unique index lets one through.
      if (isUniqueViolation(error, 'ux_service_item_claim_live')) throw alreadyClaimed(input.itemCode, null);
      throw error;
    }
  }

  /** Deletes (softly) an item claim: it stays on file, and no longer counts for the item or the de facto date. */
  async deleteClaim(actor: Actor, input: { id: string; reason: string }): Promise<{ record: WarrantyRecord; claim: ServiceItemClaim }> {
    assertRole(actor, ['WARRANTY_ADMIN', 'AGENT'], 'delete a service item claim');
    const reason = requiredReason(input.reason);
    return this.dataSource.transaction(async (manager) => {
      const claim = isUuid(input.id) ? await manager.findOne(ServiceItemClaim, { where: { id: input.id, orgId: actor.orgId }, lock: { mode: 'pessimistic_write' } }) : null;
      if (!claim) throw new DomainError('NOT_FOUND', `no service item claim with id ${input.id}`, ['input', 'id']);
      const record = await lockVisibleRecord(manager, actor, claim.warrantyRecordId, ['input', 'id']);
      if (claim.deletedAt) throw new DomainError('INVALID_TRANSITION', `the claim was already deleted on ${claim.deletedAt.toISOString()}`, ['input', 'id']);
      claim.deletedAt = this.clock();
      claim.deletedById = actor.id;
      claim.deleteReason = reason;
      await manager.update(ServiceItemClaim, { orgId: claim.orgId, id: claim.id }, { deletedAt: claim.deletedAt, deletedById: actor.id, deleteReason: reason });
      await this.audit.append(manager, [
        { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id, event: 'SERVICE_ITEM_CLAIM_DELETED', fromValue: claim.itemCode, detail: { claimId: claim.id, claimDate: claim.claimDate, reason } },
      ]);
      return { record, claim };
    });
  }

  /** An operator's free-service date shift (null clears it): the anchor of every item, over every other source. */
  async shiftFreeServiceDate(actor: Actor, input: { id: string; date: IsoDate | null; reason: string }): Promise<WarrantyRecord> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'shift the free-service date');
    const reason = requiredReason(input.reason);
    return this.dataSource.transaction(async (manager) => {
      const record = await lockVisibleRecord(manager, actor, input.id);
      const from = record.freeServiceDateShift;
      if (from === input.date) return record;
      record.freeServiceDateShift = input.date;
      await manager.query(`UPDATE warranty_record SET free_service_date_shift = $3, row_version = row_version + 1, updated_at = now() WHERE id = $1 AND org_id = $2`, [record.id, record.orgId, input.date]);
      record.rowVersion += 1;
      await this.audit.append(manager, [
        { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id, event: 'FREE_SERVICE_DATE_SHIFTED', fromValue: from, toValue: input.date, detail: { reason } },
      ]);
      return record;
    });
  }
}

/** The plan a unit's items come from: the latest version of its SKU's plan, else of its family's; null when none. */
export async function planForUnit(manager: EntityManager, record: Pick<WarrantyRecord, 'orgId' | 'productFamily' | 'sku'>): Promise<PlanWithItems | null> {
  const plan = await manager
    .getRepository(ServicePlan)
    .createQueryBuilder('p')
    .where('p.org_id = :orgId AND p.product_family = :family AND p.sku IN (:...skus)', { orgId: record.orgId, family: record.productFamily, skus: [record.sku, ''] })
    .orderBy(`p.sku = ''`, 'ASC')
    .addOrderBy('p.version', 'DESC')
    .getOne();
  if (!plan) return null;
  const items = await manager.find(ServicePlanItem, { where: { orgId: plan.orgId, planId: plan.id }, order: { position: 'ASC' } });
  return Object.assign(plan, { items });
}

function alreadyClaimed(code: string, on: IsoDate | null): DomainError {
  return new DomainError('ALREADY_CLAIMED', `item ${code} is already claimed for this unit${on ? ` (on ${on})` : ''}; delete that claim first to claim it again`, ['input', 'itemCode']);
}

function planProblems(family: string, sku: string, items: ServicePlanItemInput[]): DomainError[] {
  const problems: DomainError[] = [];
  const refuse = (field: string[], message: string) => problems.push(new DomainError('BAD_USER_INPUT', message, ['input', ...field]));
  if (!FAMILY.test(family)) refuse(['productFamily'], 'a product family such as VEHICLE: a letter, then letters, digits or _');
  if (sku.length > 100 || /[\u0000-\u001f]/.test(sku)) refuse(['sku'], 'a SKU of at most 100 characters');
  if (items.length === 0 || items.length > MAX_PLAN_ITEMS) refuse(['items'], `a plan has 1 to ${MAX_PLAN_ITEMS} items`);
  const seen = new Set<string>();
  const whole = (value: number | null | undefined, max: number) => value === null || value === undefined || (Number.isInteger(value) && value >= 0 && value <= max);
  items.slice(0, MAX_PLAN_ITEMS).forEach((item, i) => {
    const at = (name: string) => ['items', String(i), name];
    if (!CODE.test(item.code)) refuse(at('code'), 'an item code such as INSPECTION_12M: a capital letter, then capitals, digits or _ (2 to 40)');
    else if (seen.has(item.code)) refuse(at('code'), `item code ${item.code} appears twice`);
    seen.add(item.code);
    if (!item.name.trim() || item.name.length > 200) refuse(at('name'), 'a name of 1 to 200 characters');
    if ((item.dueMonths ?? null) === null && (item.dueKm ?? null) === null) refuse(at('dueMonths'), 'an item is due after some months, some km, or both');
    if (!whole(item.dueMonths, 600) || item.dueMonths === 0) refuse(at('dueMonths'), 'dueMonths is a whole number from 1 to 600');
    if (!whole(item.dueKm, 10_000_000) || item.dueKm === 0) refuse(at('dueKm'), 'dueKm is a whole number from 1 to 10,000,000');
    for (const name of ['windowBeforeDays', 'windowAfterDays'] as const) if (!whole(item[name], 3650)) refuse(at(name), `${name} is a whole number of days from 0 to 3650`);
    for (const name of ['windowBeforeKm', 'windowAfterKm'] as const) if (!whole(item[name], 1_000_000)) refuse(at(name), `${name} is a whole number of km from 0 to 1,000,000`);
    const price = priceProblem(item.value);
    if (price) refuse([...at('value'), price.field], price.message);
  });
  return problems;
}
