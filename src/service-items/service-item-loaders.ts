import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { isUuid } from '../common/ids';
import type { ServiceItemClaim } from './service-item-claim.entity';
import type { PlanWithItems } from './service-items.service';
import type { ServicePlan, ServicePlanItem } from './service-plan.entity';

/** A unit's plan key: its family and SKU. */
export const planKey = (family: string, sku: string) => `${family}\u0000${sku}`;

/**
 * A page of units' free service in three statements however many units: the latest plans of their families (with
 * their items), their live item claims, and their highest odometer readings.
 */
export function createServiceItemLoaders(dataSource: DataSource, actor: Actor) {
  const planByUnit = new DataLoader<string, PlanWithItems | null>(async (keys) => {
    const families = [...new Set(keys.map((key) => key.split('\u0000')[0]))];
    const rows: Array<Record<string, any>> = await dataSource.query(
      `SELECT p.id, p.org_id, p.product_family, p.sku, p.version, p.published_at, p.published_by_id,
              (SELECT json_agg(i ORDER BY i.position) FROM service_plan_item i WHERE i.org_id = p.org_id AND i.plan_id = p.id) AS items
       FROM (SELECT DISTINCT ON (product_family, sku) * FROM service_plan WHERE org_id = $1 AND product_family = ANY($2::text[])
             ORDER BY product_family, sku, version DESC) p`,
      [actor.orgId, families],
    );
    const plans = new Map(rows.map((row) => [planKey(row.product_family, row.sku), planOf(row)]));
    return keys.map((key) => {
      const [family, sku] = key.split('\u0000');
      return plans.get(planKey(family, sku)) ?? plans.get(planKey(family, '')) ?? null;
    });
  });
  const liveClaimsByRecordId = new DataLoader<string, ServiceItemClaim[]>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows: Array<Record<string, any>> = valid.length
      ? await dataSource.query(
          `SELECT id, org_id, warranty_record_id, item_code, plan_id, claim_date::text AS claim_date, odometer_km, claimed_by_id, created_at
           FROM service_item_claim WHERE org_id = $1 AND warranty_record_id = ANY($2::uuid[]) AND deleted_at IS NULL ORDER BY claim_date, created_at`,
          [actor.orgId, valid],
        )
      : [];
    const byRecord = new Map<string, ServiceItemClaim[]>();
    for (const row of rows) {
      const list = byRecord.get(row.warranty_record_id) ?? [];
      list.push({
        id: row.id, orgId: row.org_id, warrantyRecordId: row.warranty_record_id, itemCode: row.item_code, planId: row.plan_id, claimDate: row.claim_date,
        odometerKm: row.odometer_km, claimedById: row.claimed_by_id, createdAt: row.created_at, deletedAt: null, deletedById: null, deleteReason: null,
      });
      byRecord.set(row.warranty_record_id, list);
    }
    return ids.map((id) => byRecord.get(id) ?? []);
  });
  const odometerByRecordId = new DataLoader<string, number | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows: Array<{ warranty_record_id: string; odometer_km: number }> = valid.length
      ? await dataSource.query(
          `SELECT warranty_record_id, max(odometer_km)::int AS odometer_km FROM unit_reading
           WHERE org_id = $1 AND warranty_record_id = ANY($2::uuid[]) AND odometer_km IS NOT NULL GROUP BY warranty_record_id`,
          [actor.orgId, valid],
        )
      : [];
    const byRecord = new Map(rows.map((row) => [row.warranty_record_id, row.odometer_km]));
    return ids.map((id) => byRecord.get(id) ?? null);
  });
  return { planByUnit, liveClaimsByRecordId, odometerByRecordId };
}
export type ServiceItemLoaders = ReturnType<typeof createServiceItemLoaders>;

function planOf(row: Record<string, any>): PlanWithItems {
  const plan = {
    id: row.id, orgId: row.org_id, productFamily: row.product_family, sku: row.sku, version: row.version, publishedAt: row.published_at, publishedById: row.published_by_id,
  } as ServicePlan;
  const items = ((row.items ?? []) as Array<Record<string, any>>).map(
    (i): ServicePlanItem => ({
      id: i.id, planId: i.plan_id, orgId: i.org_id, code: i.code, name: i.name, position: i.position, dueMonths: i.due_months, dueKm: i.due_km,
      windowBeforeDays: i.window_before_days, windowAfterDays: i.window_after_days, windowBeforeKm: i.window_before_km, windowAfterKm: i.window_after_km,
      valueAmount: String(i.value_amount), valueCurrency: i.value_currency,
    }),
  );
  return Object.assign(plan, { items });
}
