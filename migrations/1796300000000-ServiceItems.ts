import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Free service (rule 12): plans per family or SKU in versions, their items, the units' item claims (soft-deleted,
 * one live claim per item), the operator's free-service date shift on the record, and readings taken with an item
 * claim.
 */
export class ServiceItems1796300000000 implements MigrationInterface {
  name = 'ServiceItems1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"service_item_claim\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"item_code\" text NOT NULL, \"plan_id\" uuid NOT NULL, \"claim_date\" date NOT NULL, \"odometer_km\" integer, \"claimed_by_id\" text NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"deleted_at\" TIMESTAMP WITH TIME ZONE, \"deleted_by_id\" text, \"delete_reason\" text, CONSTRAINT \"PK_abd773719381b96f8dcc1ec4c2c\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_item_claim_live\" ON \"service_item_claim\" (\"warranty_record_id\", \"item_code\") WHERE \"deleted_at\" IS NULL");
    await queryRunner.query("CREATE TABLE \"service_plan\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"product_family\" text NOT NULL, \"sku\" text NOT NULL DEFAULT '', \"version\" integer NOT NULL, \"published_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"published_by_id\" text NOT NULL, CONSTRAINT \"PK_c81b2c6d2a331f869e9c2aeee08\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_plan_version\" ON \"service_plan\" (\"org_id\", \"product_family\", \"sku\", \"version\") ");
    await queryRunner.query("CREATE TABLE \"service_plan_item\" (\"id\" uuid NOT NULL, \"plan_id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"code\" text NOT NULL, \"name\" text NOT NULL, \"position\" integer NOT NULL, \"due_months\" integer, \"due_km\" integer, \"window_before_days\" integer NOT NULL DEFAULT '0', \"window_after_days\" integer NOT NULL DEFAULT '0', \"window_before_km\" integer NOT NULL DEFAULT '0', \"window_after_km\" integer NOT NULL DEFAULT '0', \"value_amount\" numeric(14,4) NOT NULL, \"value_currency\" text NOT NULL, CONSTRAINT \"ck_service_plan_item_window\" CHECK (\"window_before_days\" >= 0 AND \"window_after_days\" >= 0 AND \"window_before_km\" >= 0 AND \"window_after_km\" >= 0), CONSTRAINT \"ck_service_plan_item_due\" CHECK (\"due_months\" IS NOT NULL OR \"due_km\" IS NOT NULL), CONSTRAINT \"PK_889c579bc788bccbce069322ac3\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_plan_item_code\" ON \"service_plan_item\" (\"plan_id\", \"code\") ");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD \"free_service_date_shift\" date");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" ADD CONSTRAINT \"fk_service_item_claim_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" ADD CONSTRAINT \"fk_service_plan_item_plan\" FOREIGN KEY (\"plan_id\") REFERENCES \"service_plan\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    // Readings taken with an item claim (TypeORM does not compare check expressions, so this one is by hand).
    await queryRunner.query("ALTER TABLE \"unit_reading\" DROP CONSTRAINT \"ck_reading_source\"");
    await queryRunner.query("ALTER TABLE \"unit_reading\" ADD CONSTRAINT \"ck_reading_source\" CHECK (\"source\" IN ('CLAIM', 'REPORTED', 'SERVICE_ITEM'))");
    // The example plan (data, not code): the seeded organisation's vehicles get two free inspections.
    await queryRunner.query(
      `INSERT INTO service_plan (id, org_id, product_family, sku, version, published_at, published_by_id)
       VALUES ('6a4f1c1e-0b57-4c38-9d0e-5f1b2c3d4e01', 'sofar', 'VEHICLE', '', 1, now(), 'migration')`,
    );
    await queryRunner.query(
      `INSERT INTO service_plan_item (id, plan_id, org_id, code, name, position, due_months, due_km, window_before_days, window_after_days, window_before_km, window_after_km, value_amount, value_currency)
       VALUES ('6a4f1c1e-0b57-4c38-9d0e-5f1b2c3d4e11', '6a4f1c1e-0b57-4c38-9d0e-5f1b2c3d4e01', 'sofar', 'INSPECTION_12M', 'Free inspection at 12 months or 15,000 km', 1, 12, 15000, 30, 30, 1500, 1500, 149.00, 'EUR'),
              ('6a4f1c1e-0b57-4c38-9d0e-5f1b2c3d4e12', '6a4f1c1e-0b57-4c38-9d0e-5f1b2c3d4e01', 'sofar', 'INSPECTION_24M', 'Free inspection at 24 months or 30,000 km', 2, 24, 30000, 30, 30, 1500, 1500, 219.00, 'EUR')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DELETE FROM \"unit_reading\" WHERE \"source\" = 'SERVICE_ITEM'");
    await queryRunner.query("ALTER TABLE \"unit_reading\" DROP CONSTRAINT \"ck_reading_source\"");
    await queryRunner.query("ALTER TABLE \"unit_reading\" ADD CONSTRAINT \"ck_reading_source\" CHECK (\"source\" IN ('CLAIM', 'REPORTED'))");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" DROP CONSTRAINT \"fk_service_plan_item_plan\"");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" DROP CONSTRAINT \"fk_service_item_claim_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP COLUMN \"free_service_date_shift\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_plan_item_code\"");
    await queryRunner.query("DROP TABLE \"service_plan_item\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_plan_version\"");
    await queryRunner.query("DROP TABLE \"service_plan\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_item_claim_live\"");
    await queryRunner.query("DROP TABLE \"service_item_claim\"");
  }
}
