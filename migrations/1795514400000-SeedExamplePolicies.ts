import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The example policy data (docs/RULES.md) for the demo organisation `sofar`, plus the SKUs the demo uses. These are data:
 * a WARRANTY_ADMIN publishes new versions as new rows; nothing in code depends on these numbers.
 *
 * Values chosen where the rules leave them open: battery throughput 2.9 MWh per kWh of usable capacity; a
 * cell-level (CELLS) coverage beside the whole-unit one for batteries; inverters without an invoice start at
 * most 3 months after production; SLA 8 service hours to respond and 24 to be on site; vehicles 36 months or
 * 100,000 km with no extension tiers.
 */
const ORG = 'sofar';
const EFFECTIVE_FROM = '2020-01-01';

type Row = {
  family: string;
  region: string;
  termMonths: number;
  labourMonths: number | null;
  soh: number | null;
  throughputPerKwh: number | null;
  mileageKm: number | null;
  components: string[];
  tiers: string[];
  cliffMonths: number | null;
  windowMonths: number | null;
  lateStartCapMonths: number | null;
};

const inverter = (region: string, termMonths: number, labourMonths: number, windowMonths: number | null): Row => ({
  family: 'INVERTER', region, termMonths, labourMonths, soh: null, throughputPerKwh: null, mileageKm: null,
  components: [], tiers: ['EXTENDED_5Y', 'EXTENDED_10Y'], cliffMonths: 6, windowMonths, lateStartCapMonths: 3,
});
const battery = (region: string, labourMonths: number, soh: number, tiers: string[], windowMonths: number | null): Row => ({
  family: 'BATTERY', region, termMonths: 120, labourMonths, soh, throughputPerKwh: 2.9, mileageKm: null,
  components: ['CELLS'], tiers, cliffMonths: 6, windowMonths, lateStartCapMonths: null,
});

const POLICIES: Row[] = [
  inverter('EU', 60, 60, null),
  inverter('DE-AT-CH', 60, 60, null),
  inverter('PL', 60, 60, 24),
  inverter('UK-IE', 120, 60, null),
  battery('EU', 120, 70, ['EXTENDED_5Y', 'EXTENDED_10Y'], null),
  battery('DE-AT-CH', 120, 80, ['EXTENDED_5Y'], null),
  battery('PL', 120, 70, ['EXTENDED_5Y', 'EXTENDED_10Y'], 12),
  battery('UK-IE', 60, 70, ['EXTENDED_5Y', 'EXTENDED_10Y'], null),
  {
    family: 'VEHICLE', region: 'EU', termMonths: 36, labourMonths: null, soh: null, throughputPerKwh: null,
    mileageKm: 100000, components: [], tiers: [], cliffMonths: null, windowMonths: null, lateStartCapMonths: null,
  },
];

const PRODUCTS = [
  { sku: 'SOFAR-INV-10KTL-X-G2', productId: 'prod-inv-10ktl', family: 'INVERTER', capacityKwh: null },
  { sku: 'SOFAR-INV-5KTLM-G3', productId: 'prod-inv-5ktlm', family: 'INVERTER', capacityKwh: null },
  { sku: 'SOFAR-PM-V2-10', productId: 'prod-powermagic-v2', family: 'BATTERY', capacityKwh: 10.24 },
  { sku: 'SOFAR-BTS-E5', productId: 'prod-bts-e5', family: 'BATTERY', capacityKwh: 5.12 },
  { sku: 'DEMO-VAN-36', productId: 'prod-demo-van', family: 'VEHICLE', capacityKwh: null },
];

export class SeedExamplePolicies1795514400000 implements MigrationInterface {
  name = 'SeedExamplePolicies1795514400000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const p of POLICIES) {
      await queryRunner.query(
        `INSERT INTO "warranty_policy" ("id", "org_id", "product_family", "region", "version", "effective_from",
           "term_months", "labour_months", "soh_guarantee_pct", "throughput_mwh_per_kwh", "mileage_limit_km",
           "component_scopes", "extension_tiers", "extension_cliff_months", "extension_window_months",
           "late_start_cap_months", "sla_response_hours", "sla_onsite_hours")
         VALUES (md5($1 || '/' || $2 || '/' || $3 || '/1')::uuid, $1, $2, $3, 1, $4, $5, $6, $7, $8, $9, $10, $11,
           $12, $13, $14, 8, 24)
         ON CONFLICT DO NOTHING`,
        [ORG, p.family, p.region, EFFECTIVE_FROM, p.termMonths, p.labourMonths, p.soh, p.throughputPerKwh,
          p.mileageKm, p.components, p.tiers, p.cliffMonths, p.windowMonths, p.lateStartCapMonths],
      );
    }
    for (const product of PRODUCTS) {
      await queryRunner.query(
        `INSERT INTO "product_reference" ("org_id", "sku", "product_id", "product_family", "capacity_kwh")
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
        [ORG, product.sku, product.productId, product.family, product.capacityKwh],
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "product_reference" WHERE "org_id" = $1`, [ORG]);
    await queryRunner.query(
      `DELETE FROM "warranty_policy" p WHERE "org_id" = $1 AND "version" = 1
         AND NOT EXISTS (SELECT 1 FROM "warranty_record" r WHERE r."policy_id" = p."id")`,
      [ORG],
    );
  }
}
