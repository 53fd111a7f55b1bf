import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Flat-rate labour (rule 17): labour operations and approved labour rates as versioned data, and on a claim line
 * the operation version it was priced under and, when the warranty pays only part of it, the covered part.
 *
 * The examples for the demo organisation `sofar` are data like the example policies: a WARRANTY_ADMIN publishes
 * new versions (publishLabourOperations, publishLabourRate, or `npm run import-labour-operations`); nothing in
 * code depends on these numbers. Standard hours and rates chosen for the examples: see docs/RULES.md, rule 17.
 */
const ORG = 'sofar';
const VALID_FROM = '2020-01-01';

const OPERATIONS: Array<{ code: string; description: string; family: string | null; sku: string | null; hours: string }> = [
  { code: 'INV-DIAG', description: 'Diagnose an inverter fault on site', family: 'INVERTER', sku: null, hours: '1.00' },
  { code: 'INV-PB-SWAP', description: 'Replace the inverter power board', family: 'INVERTER', sku: null, hours: '2.00' },
  { code: 'INV-FAN-SWAP', description: 'Replace the inverter cooling fan', family: 'INVERTER', sku: null, hours: '0.75' },
  { code: 'INV-UNIT-SWAP', description: 'Replace the whole inverter and recommission it', family: 'INVERTER', sku: null, hours: '2.50' },
  { code: 'BAT-DIAG', description: 'Diagnose a battery fault on site (BMS log, cell voltages)', family: 'BATTERY', sku: null, hours: '1.00' },
  { code: 'BAT-BMS-SWAP', description: 'Replace the battery management board', family: 'BATTERY', sku: null, hours: '1.50' },
  { code: 'BAT-MOD-SWAP', description: 'Replace one battery module', family: 'BATTERY', sku: null, hours: '2.00' },
  { code: 'BAT-PMV2-CELLS', description: 'Replace the cell stack of a PowerMagic V2 10 kWh', family: null, sku: 'SOFAR-PM-V2-10', hours: '4.00' },
  { code: 'VEH-DIAG', description: 'Read out and diagnose the vehicle drive and battery systems', family: 'VEHICLE', sku: null, hours: '1.00' },
  { code: 'VEH-PACK-SWAP', description: 'Replace the traction battery pack', family: 'VEHICLE', sku: null, hours: '6.00' },
  { code: 'VEH-CHARGER-SWAP', description: 'Replace the on-board charger', family: 'VEHICLE', sku: null, hours: '2.50' },
];

const RATES: Array<{ region: string; currency: string; rate: string }> = [
  { region: 'EU', currency: 'EUR', rate: '65.00' },
  { region: 'DE-AT-CH', currency: 'EUR', rate: '75.00' },
  { region: 'DE-AT-CH', currency: 'CHF', rate: '95.00' },
  { region: 'PL', currency: 'PLN', rate: '180.00' },
  { region: 'PL', currency: 'EUR', rate: '45.00' },
  { region: 'UK-IE', currency: 'GBP', rate: '60.00' },
  { region: 'UK-IE', currency: 'EUR', rate: '70.00' },
];

export class LabourOperations1796620000000 implements MigrationInterface {
  name = 'LabourOperations1796620000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "labour_operation" ("id" uuid NOT NULL, "org_id" text NOT NULL, "code" text NOT NULL, "version" integer NOT NULL,
         "description" text NOT NULL, "product_family" text, "sku" text, "standard_hours" numeric(7,2), "retired" boolean NOT NULL DEFAULT false,
         "valid_from" date NOT NULL, "published_by_id" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "ck_labour_operation_version" CHECK ("version" > 0),
         CONSTRAINT "ck_labour_operation_hours" CHECK (("retired" AND "standard_hours" IS NULL) OR (NOT "retired" AND "standard_hours" > 0)),
         CONSTRAINT "ck_labour_operation_scope" CHECK (("product_family" IS NULL) <> ("sku" IS NULL)),
         CONSTRAINT "PK_25e65626c0b330b57dfafc3e537" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_labour_operation_lookup" ON "labour_operation" ("org_id", "code", "valid_from")`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_labour_operation_version" ON "labour_operation" ("org_id", "code", "version")`);
    await queryRunner.query(
      `CREATE TABLE "labour_rate" ("id" uuid NOT NULL, "org_id" text NOT NULL, "region" text NOT NULL, "currency" text NOT NULL, "version" integer NOT NULL,
         "hourly_rate" numeric(19,4) NOT NULL, "valid_from" date NOT NULL, "published_by_id" text, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
         CONSTRAINT "ck_labour_rate_version" CHECK ("version" > 0),
         CONSTRAINT "ck_labour_rate_region" CHECK ("region" ~ '^[A-Z]{2}(-[A-Z]{2})*$'),
         CONSTRAINT "ck_labour_rate_positive" CHECK ("hourly_rate" > 0),
         CONSTRAINT "PK_e773c58d4852364d5403abfdc58" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_labour_rate_version" ON "labour_rate" ("org_id", "region", "currency", "version")`);
    await queryRunner.query(`ALTER TABLE "claim_line" ADD "covered_amount" numeric(19,4)`);
    await queryRunner.query(`ALTER TABLE "claim_line" ADD "operation_id" uuid`);
    await queryRunner.query(
      `ALTER TABLE "claim_line" ADD CONSTRAINT "fk_claim_line_operation" FOREIGN KEY ("operation_id") REFERENCES "labour_operation"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(
      `INSERT INTO "labour_operation" ("id", "org_id", "code", "version", "description", "product_family", "sku", "standard_hours", "valid_from")
       SELECT gen_random_uuid(), $1, o.code, 1, o.description, o.family, o.sku, o.hours, $2
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::numeric[]) AS o (code, description, family, sku, hours)`,
      [
        ORG, VALID_FROM,
        OPERATIONS.map((o) => o.code), OPERATIONS.map((o) => o.description), OPERATIONS.map((o) => o.family),
        OPERATIONS.map((o) => o.sku), OPERATIONS.map((o) => o.hours),
      ],
    );
    await queryRunner.query(
      `INSERT INTO "labour_rate" ("id", "org_id", "region", "currency", "version", "hourly_rate", "valid_from")
       SELECT gen_random_uuid(), $1, r.region, r.currency, 1, r.rate, $2
         FROM unnest($3::text[], $4::text[], $5::numeric[]) AS r (region, currency, rate)`,
      [ORG, VALID_FROM, RATES.map((r) => r.region), RATES.map((r) => r.currency), RATES.map((r) => r.rate)],
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "claim_line" DROP CONSTRAINT "fk_claim_line_operation"`);
    await queryRunner.query(`ALTER TABLE "claim_line" DROP COLUMN "operation_id"`);
    await queryRunner.query(`ALTER TABLE "claim_line" DROP COLUMN "covered_amount"`);
    await queryRunner.query(`DROP INDEX "public"."uq_labour_rate_version"`);
    await queryRunner.query(`DROP TABLE "labour_rate"`);
    await queryRunner.query(`DROP INDEX "public"."uq_labour_operation_version"`);
    await queryRunner.query(`DROP INDEX "public"."ix_labour_operation_lookup"`);
    await queryRunner.query(`DROP TABLE "labour_operation"`);
  }
}
