import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Campaigns (rule 19): the campaign, its SKU ranges, its affected units and its own events; a claim's campaign, with
 * at most one live claim per unit and campaign, and the CAMPAIGN claim kind.
 */

export class Campaigns1796700000000 implements MigrationInterface {
  name = 'Campaigns1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"campaign\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"code\" text NOT NULL, \"title\" text NOT NULL, \"kind\" text NOT NULL, \"period_from\" date NOT NULL, \"period_to\" date, \"remedy\" jsonb NOT NULL, \"published_by_id\" text NOT NULL, \"published_at\" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT \"ck_campaign_period\" CHECK (\"period_to\" IS NULL OR \"period_to\" >= \"period_from\"), CONSTRAINT \"ck_campaign_kind\" CHECK (\"kind\" IN ('SAFETY_RECALL', 'SERVICE_CAMPAIGN')), CONSTRAINT \"PK_0ce34d26e7f2eb316a3a592cdc4\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_campaign_code\" ON \"campaign\" (\"org_id\", \"code\") ");
    await queryRunner.query("CREATE TABLE \"campaign_sku_range\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"campaign_id\" uuid NOT NULL, \"sku\" text NOT NULL, \"produced_from\" date, \"produced_to\" date, CONSTRAINT \"ck_campaign_sku_range\" CHECK (\"produced_from\" IS NULL OR \"produced_to\" IS NULL OR \"produced_to\" >= \"produced_from\"), CONSTRAINT \"PK_fe5b32332436efb2380f055e83b\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_campaign_sku_range_campaign\" ON \"campaign_sku_range\" (\"campaign_id\") ");
    await queryRunner.query("CREATE INDEX \"ix_campaign_sku_range_sku\" ON \"campaign_sku_range\" (\"org_id\", \"sku\") ");
    await queryRunner.query("CREATE TABLE \"campaign_unit\" (\"campaign_id\" uuid NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"status\" text NOT NULL DEFAULT 'OPEN', \"source\" text NOT NULL, \"added_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"status_changed_at\" TIMESTAMP WITH TIME ZONE, \"claim_id\" uuid, \"reason\" text, \"decided_by_id\" text, CONSTRAINT \"ck_campaign_unit_reason\" CHECK ((\"status\" = 'NOT_APPLICABLE') = (\"reason\" IS NOT NULL)), CONSTRAINT \"ck_campaign_unit_source\" CHECK (\"source\" IN ('SKU_RANGE', 'SERIAL_LIST', 'IMPORT', 'REGISTRATION')), CONSTRAINT \"ck_campaign_unit_status\" CHECK (\"status\" IN ('OPEN', 'COMPLETED', 'NOT_APPLICABLE')), CONSTRAINT \"PK_018b46f63c70881232fef3eb589\" PRIMARY KEY (\"campaign_id\", \"warranty_record_id\"))");
    await queryRunner.query("CREATE INDEX \"ix_campaign_unit_record\" ON \"campaign_unit\" (\"org_id\", \"warranty_record_id\") ");
    await queryRunner.query("CREATE TABLE \"campaign_event\" (\"id\" BIGSERIAL NOT NULL, \"org_id\" text NOT NULL, \"campaign_id\" uuid NOT NULL, \"actor_id\" text NOT NULL, \"event\" text NOT NULL, \"detail\" jsonb NOT NULL DEFAULT '{}', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_20a403f0d230e84ab1cf9fb94bd\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_campaign_event_campaign\" ON \"campaign_event\" (\"org_id\", \"campaign_id\", \"id\") ");
    // Rule 19: claims of kind CAMPAIGN (a check's expression is not compared by the drift check: written by hand).
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP CONSTRAINT "ck_claim_kind"`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" ADD CONSTRAINT "ck_claim_kind" CHECK ("kind" IN ('REPAIR', 'REPLACE', 'REFUND', 'CAMPAIGN'))`);
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"campaign_id\" uuid");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_claim_campaign_unit\" ON \"warranty_claim\" (\"org_id\", \"campaign_id\", \"warranty_record_id\") WHERE \"campaign_id\" IS NOT NULL AND \"status\" NOT IN ('REJECTED', 'CANCELLED')");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"ck_claim_campaign\" CHECK ((\"kind\" = 'CAMPAIGN') = (\"campaign_id\" IS NOT NULL))");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"ck_claim_campaign\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_claim_campaign_unit\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"campaign_id\"");
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP CONSTRAINT "ck_claim_kind"`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" ADD CONSTRAINT "ck_claim_kind" CHECK ("kind" IN ('REPAIR', 'REPLACE', 'REFUND'))`);
    await queryRunner.query("DROP INDEX \"public\".\"ix_campaign_event_campaign\"");
    await queryRunner.query("DROP TABLE \"campaign_event\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_campaign_unit_record\"");
    await queryRunner.query("DROP TABLE \"campaign_unit\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_campaign_sku_range_sku\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_campaign_sku_range_campaign\"");
    await queryRunner.query("DROP TABLE \"campaign_sku_range\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_campaign_code\"");
    await queryRunner.query("DROP TABLE \"campaign\"");
  }
}
