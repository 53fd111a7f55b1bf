import type { Client } from 'pg';
import Cursor from 'pg-cursor';
import type { FleetPlanItem, FleetUnit } from './fleet-rows';

/**
 * The fleet as the projection reads it, from PostgreSQL in batches through a cursor: never the whole fleet in
 * memory. Each unit comes with its coverages, its live item claims and its highest odometer reading, in one
 * statement; the plans (small) are read once, up front.
 */

/** Units in (organisation, id) order, each with what its rows need. */
export const UNITS_SQL = `
  SELECT r.id, r.org_id, r.serial_number, r.product_family, r.sku, r.region, r.start_status, r.start_date::text AS start_date,
         r.supply_chain_stage, r.activation_record_date::text AS activation_record_date,
         r.sale_warranty_activation_date::text AS sale_warranty_activation_date, r.sale_invoice_date::text AS sale_invoice_date,
         r.broker_invoice_date::text AS broker_invoice_date, r.free_service_date_shift::text AS free_service_date_shift,
         (SELECT coalesce(json_agg(json_build_object('id', c.id, 'kind', c.kind, 'scope', c.scope, 'startDate', c.start_date, 'endDate', c.end_date,
                   'labourEndDate', c.labour_end_date, 'voidedOn', (c.voided_at AT TIME ZONE coalesce(r.site_time_zone, 'UTC'))::date)
                 ORDER BY c.kind, c.scope, c.id), '[]')
            FROM coverage c WHERE c.org_id = r.org_id AND c.warranty_record_id = r.id) AS coverages,
         (SELECT coalesce(json_agg(json_build_object('itemCode', s.item_code, 'claimDate', s.claim_date) ORDER BY s.claim_date), '[]')
            FROM service_item_claim s WHERE s.org_id = r.org_id AND s.warranty_record_id = r.id AND s.deleted_at IS NULL) AS claims,
         (SELECT max(u.odometer_km) FROM unit_reading u WHERE u.org_id = r.org_id AND u.warranty_record_id = r.id) AS odometer_km
  FROM warranty_record r
  WHERE ($1::text[] IS NULL OR r.org_id = ANY($1::text[]))
  ORDER BY r.org_id, r.id`;

/** A row of UNITS_SQL (read as an array: no object per row for the driver to build) as the projection's unit. */
function unitOf(row: any[]): FleetUnit {
  return {
    warrantyId: row[0],
    orgId: row[1],
    serialNumber: row[2],
    productFamily: row[3],
    sku: row[4],
    region: row[5],
    startStatus: row[6],
    startDate: row[7],
    supplyChainStage: row[8],
    activationRecordDate: row[9],
    saleWarrantyActivationDate: row[10],
    saleInvoiceDate: row[11],
    brokerInvoiceDate: row[12],
    freeServiceDateShift: row[13],
    coverages: row[14],
    liveClaims: row[15],
    odometerKm: row[16],
  };
}

/** How many units the projection covers (for the progress bar). */
export async function countUnits(client: Client, orgIds: readonly string[] | null): Promise<number> {
  const { rows } = await client.query(`SELECT count(*)::int AS n FROM warranty_record WHERE ($1::text[] IS NULL OR org_id = ANY($1::text[]))`, [orgIds]);
  return rows[0].n;
}

/** Batches of units, `batchSize` at a time, read through a cursor inside the caller's transaction (one snapshot). */
export async function* readUnits(client: Client, orgIds: readonly string[] | null, batchSize: number): AsyncGenerator<FleetUnit[]> {
  const cursor = client.query(new Cursor(UNITS_SQL, [orgIds], { rowMode: 'array' }));
  try {
    for (;;) {
      const rows = await cursor.read(batchSize);
      if (rows.length === 0) return;
      yield rows.map(unitOf);
    }
  } finally {
    await cursor.close();
  }
}

/** The latest plan of every (organisation, family, SKU), the SKU's over the family's: `itemsFor` finds a unit's. */
export async function readPlans(client: Client, orgIds: readonly string[] | null): Promise<{ itemsFor(unit: Pick<FleetUnit, 'orgId' | 'productFamily' | 'sku'>): FleetPlanItem[] }> {
  const { rows } = await client.query(
    `SELECT p.org_id, p.product_family, p.sku,
            coalesce((SELECT json_agg(json_build_object('code', i.code, 'name', i.name, 'dueMonths', i.due_months, 'dueKm', i.due_km,
                        'windowBeforeDays', i.window_before_days, 'windowAfterDays', i.window_after_days, 'windowBeforeKm', i.window_before_km,
                        'windowAfterKm', i.window_after_km, 'valueAmount', i.value_amount::text, 'valueCurrency', i.value_currency) ORDER BY i.position)
                      FROM service_plan_item i WHERE i.org_id = p.org_id AND i.plan_id = p.id), '[]') AS items
     FROM (SELECT DISTINCT ON (org_id, product_family, sku) * FROM service_plan WHERE ($1::text[] IS NULL OR org_id = ANY($1::text[]))
           ORDER BY org_id, product_family, sku, version DESC) p`,
    [orgIds],
  );
  // organisation → family → SKU ('' for the family's own plan) → items: found per unit without building a key.
  const plans = new Map<string, Map<string, Map<string, FleetPlanItem[]>>>();
  for (const row of rows) {
    let families = plans.get(row.org_id);
    if (!families) plans.set(row.org_id, (families = new Map()));
    let skus = families.get(row.product_family);
    if (!skus) families.set(row.product_family, (skus = new Map()));
    skus.set(row.sku, row.items);
  }
  const none: FleetPlanItem[] = [];
  return {
    itemsFor: (unit) => {
      const skus = plans.get(unit.orgId)?.get(unit.productFamily);
      return skus === undefined ? none : (skus.get(unit.sku) ?? skus.get('') ?? none);
    },
  };
}
