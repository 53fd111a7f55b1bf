import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Parts returns (rule 18): the parts that must come back (per family or SKU, with a window in days), each claim
 * line's return authorisation with its RMA number (unique per organisation) and its steps, and the per-year counter
 * the RMA numbers come from. The warehouse's signed webhook is a fourth webhook source. Seeded examples for the
 * example organisation: an inverter's power board, a battery's cell module (its SKU SOFAR-PM-V2-10 with a shorter
 * window than the family) and the vehicle's traction battery module.
 */
export class PartReturns1796630000000 implements MigrationInterface {
  name = 'PartReturns1796630000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"part_return_rule\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"part_number\" text NOT NULL, \"scope\" text NOT NULL, \"scope_value\" text NOT NULL, \"window_days\" integer NOT NULL, \"updated_by_id\" text NOT NULL, \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT \"ck_part_return_rule_window\" CHECK (\"window_days\" BETWEEN 1 AND 3650), CONSTRAINT \"ck_part_return_rule_scope\" CHECK (\"scope\" IN ('FAMILY', 'SKU')), CONSTRAINT \"PK_b76be8d5761846d3740c0813994\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_part_return_rule\" ON \"part_return_rule\" (\"org_id\", \"part_number\", \"scope\", \"scope_value\") ");
    await queryRunner.query("CREATE TABLE \"part_return\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"claim_id\" uuid NOT NULL, \"claim_line_id\" uuid NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"rma_number\" text NOT NULL, \"part_number\" text NOT NULL, \"window_days\" integer NOT NULL, \"status\" text NOT NULL DEFAULT 'AUTHORISED', \"authorised_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"shipped_at\" TIMESTAMP WITH TIME ZONE, \"carrier\" text, \"tracking_number\" text, \"received_at\" TIMESTAMP WITH TIME ZONE, \"inspected_at\" TIMESTAMP WITH TIME ZONE, \"inspection_outcome\" text, \"inspection_note\" text, \"charged_back_at\" TIMESTAMP WITH TIME ZONE, \"charge_back_reason\" text, \"row_version\" integer NOT NULL DEFAULT '1', CONSTRAINT \"ck_part_return_charge_back\" CHECK (\"charge_back_reason\" IS NULL OR \"charge_back_reason\" IN ('NOT_RECEIVED', 'NO_FAULT_FOUND', 'CUSTOMER_DAMAGE')), CONSTRAINT \"ck_part_return_outcome\" CHECK (\"inspection_outcome\" IS NULL OR \"inspection_outcome\" IN ('CONFIRMED', 'NO_FAULT_FOUND', 'CUSTOMER_DAMAGE')), CONSTRAINT \"ck_part_return_status\" CHECK (\"status\" IN ('AUTHORISED', 'SHIPPED', 'RECEIVED', 'INSPECTED')), CONSTRAINT \"PK_03de14ab9f58edc2a1c373b663d\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_part_return_open\" ON \"part_return\" (\"org_id\", \"status\", \"authorised_at\", \"id\") WHERE \"charged_back_at\" IS NULL");
    await queryRunner.query("CREATE INDEX \"ix_part_return_claim\" ON \"part_return\" (\"org_id\", \"claim_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_part_return_line\" ON \"part_return\" (\"claim_line_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_part_return_rma\" ON \"part_return\" (\"org_id\", \"rma_number\") ");
    await queryRunner.query("CREATE TABLE \"rma_counter\" (\"org_id\" text NOT NULL, \"year\" integer NOT NULL, \"last_number\" integer NOT NULL, CONSTRAINT \"PK_26985b10bb27f43b75ea05ca6de\" PRIMARY KEY (\"org_id\", \"year\"))");
    await queryRunner.query("ALTER TABLE \"part_return\" ADD CONSTRAINT \"fk_part_return_claim\" FOREIGN KEY (\"claim_id\") REFERENCES \"warranty_claim\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"part_return\" ADD CONSTRAINT \"fk_part_return_line\" FOREIGN KEY (\"claim_line_id\") REFERENCES \"claim_line\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query(`ALTER TABLE "webhook_receipt" DROP CONSTRAINT "ck_webhook_receipt_source"`);
    await queryRunner.query(`ALTER TABLE "webhook_receipt" ADD CONSTRAINT "ck_webhook_receipt_source" CHECK ("source" IN ('OA', 'CLOUD', 'PRODUCTS', 'CSP', 'WAREHOUSE'))`);
    await queryRunner.query(
      `INSERT INTO "part_return_rule" ("id", "org_id", "part_number", "scope", "scope_value", "window_days", "updated_by_id", "updated_at")
       VALUES (gen_random_uuid(), 'sofar', 'PB-10K', 'FAMILY', 'INVERTER', 30, 'migration', now()),
              (gen_random_uuid(), 'sofar', 'CELL-MOD', 'FAMILY', 'BATTERY', 45, 'migration', now()),
              (gen_random_uuid(), 'sofar', 'CELL-MOD', 'SKU', 'SOFAR-PM-V2-10', 21, 'migration', now()),
              (gen_random_uuid(), 'sofar', 'TBM-36', 'FAMILY', 'VEHICLE', 30, 'migration', now())`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "webhook_receipt" WHERE "source" = 'WAREHOUSE'`);
    await queryRunner.query(`ALTER TABLE "webhook_receipt" DROP CONSTRAINT "ck_webhook_receipt_source"`);
    await queryRunner.query(`ALTER TABLE "webhook_receipt" ADD CONSTRAINT "ck_webhook_receipt_source" CHECK ("source" IN ('OA', 'CLOUD', 'PRODUCTS', 'CSP'))`);
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"fk_part_return_line\"");
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"fk_part_return_claim\"");
    await queryRunner.query("DROP TABLE \"rma_counter\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_part_return_rma\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_part_return_line\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_part_return_claim\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_part_return_open\"");
    await queryRunner.query("DROP TABLE \"part_return\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_part_return_rule\"");
    await queryRunner.query("DROP TABLE \"part_return_rule\"");
  }
}
