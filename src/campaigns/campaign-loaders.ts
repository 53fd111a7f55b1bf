import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { isCustomerOnly, type Actor } from '../auth/actor';
import { calendarDateOf } from '../common/calendar';
import { isUuid } from '../common/ids';
import type { Campaign } from './campaign.entities';
import { campaignOrder } from './campaign-rules';
import { UNIT_COLUMNS, type UnitStatusView } from './campaigns.service';

/** A unit's campaign row with its campaign, as WarrantyRecord.campaigns and Case.openCampaigns answer it. */
export interface UnitCampaignView extends UnitStatusView {
  campaign: Campaign;
}

const CAMPAIGN_COLUMNS = `c.id AS "c_id", c.org_id AS "c_orgId", c.code AS "c_code", c.title AS "c_title", c.kind AS "c_kind",
  c.period_from::text AS "c_periodFrom", c.period_to::text AS "c_periodTo", c.remedy AS "c_remedy", c.published_by_id AS "c_publishedById",
  c.published_at AS "c_publishedAt"`;

type Row = UnitStatusView & Record<string, unknown>;

function campaignOf(row: Record<string, unknown>): Campaign {
  return {
    id: row.c_id, orgId: row.c_orgId, code: row.c_code, title: row.c_title, kind: row.c_kind, periodFrom: row.c_periodFrom, periodTo: row.c_periodTo,
    remedy: row.c_remedy, publishedById: row.c_publishedById, publishedAt: row.c_publishedAt,
  } as Campaign;
}

function unitOf(row: Row): UnitCampaignView {
  return {
    campaignId: row.campaignId, warrantyRecordId: row.warrantyRecordId, serialNumber: row.serialNumber, status: row.status, source: row.source, addedAt: row.addedAt,
    statusChangedAt: row.statusChangedAt, claimId: row.claimId, reason: row.reason, campaign: campaignOf(row),
  };
}

function grouped<K>(keys: readonly K[], rows: UnitCampaignView[], keyOf: (row: UnitCampaignView) => K): UnitCampaignView[][] {
  const byKey = new Map<K, UnitCampaignView[]>();
  for (const row of rows) {
    const list = byKey.get(keyOf(row)) ?? [];
    list.push(row);
    byKey.set(keyOf(row), list);
  }
  return keys.map((key) => (byKey.get(key) ?? []).sort((a, b) => campaignOrder(a.campaign, b.campaign)));
}

/**
 * Per-request loaders for campaigns (rule 19), each one statement per batch however many parents, scoped to the
 * caller's organisation (and for a customer, to their own units).
 */
export function createCampaignLoaders(dataSource: DataSource, actor: Actor, now: () => Date) {
  const customer = isCustomerOnly(actor) ? actor.customerId ?? '' : null;
  const ownUnits = customer === null ? '' : 'AND r.customer_id = $3';
  const withCustomer = (values: unknown[]) => (customer === null ? values : [...values, customer]);

  const campaignById = new DataLoader<string, Campaign | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows: Record<string, unknown>[] = valid.length
      ? await dataSource.query(`SELECT ${CAMPAIGN_COLUMNS} FROM campaign c WHERE c.org_id = $1 AND c.id = ANY($2::uuid[])`, [actor.orgId, valid])
      : [];
    const found = new Map(rows.map((row) => [row.c_id as string, campaignOf(row)]));
    return ids.map((id) => found.get(id) ?? null);
  });

  /** Every campaign of each record (a unit has a few), safety recalls first. */
  const unitsByRecordId = new DataLoader<string, UnitCampaignView[]>(async (recordIds) => {
    const rows: Row[] = await dataSource.query(
      `SELECT ${UNIT_COLUMNS}, ${CAMPAIGN_COLUMNS} FROM campaign_unit u
         JOIN warranty_record r ON r.id = u.warranty_record_id AND r.org_id = u.org_id
         JOIN campaign c ON c.id = u.campaign_id AND c.org_id = u.org_id
        WHERE u.org_id = $1 AND u.warranty_record_id = ANY($2::uuid[]) ${ownUnits}`,
      withCustomer([actor.orgId, recordIds.filter(isUuid)]),
    );
    return grouped(recordIds, rows.map(unitOf), (u) => u.warrantyRecordId);
  });

  /** Each serial's OPEN units of campaigns whose period has not ended today, safety recalls first: one statement for a page of cases. */
  const openBySerialNumber = new DataLoader<string, UnitCampaignView[]>(async (serials) => {
    const rows: Row[] = await dataSource.query(
      `SELECT ${UNIT_COLUMNS}, ${CAMPAIGN_COLUMNS} FROM warranty_record r
         JOIN campaign_unit u ON u.warranty_record_id = r.id AND u.org_id = r.org_id
         JOIN campaign c ON c.id = u.campaign_id AND c.org_id = u.org_id
        WHERE r.org_id = $1 AND r.serial_number = ANY($2::text[]) AND u.status = 'OPEN'
          AND (c.period_to IS NULL OR c.period_to >= $${customer === null ? 3 : 4}::date) ${ownUnits}`,
      [...withCustomer([actor.orgId, [...serials]]), calendarDateOf(now())],
    );
    return grouped(serials, rows.map(unitOf), (u) => u.serialNumber);
  });

  /** The campaigns that concern each product: a SKU range on one of its SKUs, or an affected unit of it. */
  const campaignsByProductId = new DataLoader<string, Campaign[]>(async (productIds) => {
    const rows: Array<Record<string, unknown>> = await dataSource.query(
      `SELECT DISTINCT p.product_id AS "productId", ${CAMPAIGN_COLUMNS}
         FROM (SELECT DISTINCT org_id, product_id FROM product_reference WHERE org_id = $1 AND product_id = ANY($2::text[])) p
         JOIN campaign c ON c.org_id = p.org_id
        WHERE EXISTS (SELECT 1 FROM campaign_sku_range s JOIN product_reference pr ON pr.org_id = s.org_id AND pr.sku = s.sku
                       WHERE s.org_id = c.org_id AND s.campaign_id = c.id AND pr.product_id = p.product_id)
           OR EXISTS (SELECT 1 FROM warranty_record r JOIN campaign_unit u ON u.org_id = r.org_id AND u.warranty_record_id = r.id AND u.campaign_id = c.id
                       WHERE r.org_id = p.org_id AND r.product_id = p.product_id)`,
      [actor.orgId, [...productIds]],
    );
    const byProduct = new Map<string, Campaign[]>();
    for (const row of rows) {
      const list = byProduct.get(row.productId as string) ?? [];
      list.push(campaignOf(row));
      byProduct.set(row.productId as string, list);
    }
    return productIds.map((id) => (byProduct.get(id) ?? []).sort(campaignOrder));
  });

  return { campaignById, unitsByRecordId, openBySerialNumber, campaignsByProductId };
}

export type CampaignLoaders = ReturnType<typeof createCampaignLoaders>;
