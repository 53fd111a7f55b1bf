import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The claims desk (rule 10): claims get their lines, money, check snapshot, idempotency key, SLA clocks and the
 * statuses of the state machine (claim-states.ts); units get a readings history; messages to CSP and Landray OA
 * an outbox; policies their service day for the SLA clocks (09:00–17:00, Monday to Friday, unless set), and
 * organisations their company days; claims their exception decisions, and coverages the claim a GOODWILL one was
 * granted for; records the replacement that took their warranty over, and the unit a replacement replaces. The status constraint is rewritten by hand (TypeORM does not compare check expressions); no claim
 * was written through an API before, but any row in a status that no longer exists is mapped first.
 */
export class Claims1795700000000 implements MigrationInterface {
  name = 'Claims1795700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP CONSTRAINT "ck_claim_status"`);
    await queryRunner.query(`UPDATE "warranty_claim" SET "status" = 'APPROVED' WHERE "status" = 'EXCEPTION_APPROVED'`);
    await queryRunner.query(`UPDATE "warranty_claim" SET "status" = 'REJECTED' WHERE "status" = 'EXCEPTION_REJECTED'`);
    await queryRunner.query(
      `ALTER TABLE "warranty_claim" ADD CONSTRAINT "ck_claim_status" CHECK ("status" IN ('SUBMITTED', 'EXCEPTION_REQUESTED', 'APPROVED', 'REJECTED', 'IN_REPAIR', 'CLOSED', 'CANCELLED'))`,
    );
    await queryRunner.query("CREATE TABLE \"claim_line\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"claim_id\" uuid NOT NULL, \"position\" integer NOT NULL, \"kind\" text NOT NULL, \"part_number\" text, \"component\" text, \"quantity\" numeric(19,4), \"unit_price\" numeric(19,4), \"hours\" numeric(19,4), \"rate\" numeric(19,4), \"start_at\" TIMESTAMP WITH TIME ZONE, \"end_at\" TIMESTAMP WITH TIME ZONE, \"amount\" numeric(19,4) NOT NULL, \"covered\" boolean NOT NULL, \"reason\" text NOT NULL, CONSTRAINT \"ck_claim_line_kind\" CHECK (\"kind\" IN ('PART', 'LABOUR', 'TRAVEL')), CONSTRAINT \"PK_e151a204987b27fd0e1cbb63bc0\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_claim_line_position\" ON \"claim_line\" (\"claim_id\", \"position\") ");
    await queryRunner.query("CREATE TABLE \"outbox_message\" (\"id\" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, \"org_id\" text NOT NULL, \"destination\" text NOT NULL, \"topic\" text NOT NULL, \"aggregate_id\" uuid NOT NULL, \"payload\" jsonb NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"delivered_at\" TIMESTAMP WITH TIME ZONE, \"attempts\" integer NOT NULL DEFAULT '0', \"last_error\" text, CONSTRAINT \"ck_outbox_destination\" CHECK (\"destination\" IN ('CSP', 'OA')), CONSTRAINT \"PK_2f36ee5236f2793f3e7bd554589\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_outbox_aggregate\" ON \"outbox_message\" (\"aggregate_id\", \"id\") ");
    await queryRunner.query("CREATE INDEX \"ix_outbox_pending\" ON \"outbox_message\" (\"destination\", \"id\") WHERE \"delivered_at\" IS NULL");
    await queryRunner.query("CREATE TABLE \"unit_reading\" (\"id\" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"read_on\" date NOT NULL, \"odometer_km\" integer, \"engine_hours\" integer, \"throughput_mwh\" numeric(12,3), \"soh_pct\" numeric(5,2), \"source\" text NOT NULL, \"claim_id\" uuid, \"recorded_by_id\" text NOT NULL, \"recorded_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_reading_source\" CHECK (\"source\" IN ('CLAIM', 'REPORTED')), CONSTRAINT \"PK_4b2aae56bb15d7ceeac1b4c7017\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_reading_record\" ON \"unit_reading\" (\"warranty_record_id\", \"read_on\", \"id\") ");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"submitted_by_id\" text NOT NULL DEFAULT ''");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"decision_reason\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"component\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"description\" text NOT NULL DEFAULT ''");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"currency\" text NOT NULL DEFAULT 'EUR'");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"cover\" text NOT NULL DEFAULT 'NOT_COVERED'");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"covered_total\" numeric(19,4) NOT NULL DEFAULT '0'");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"self_paid_total\" numeric(19,4) NOT NULL DEFAULT '0'");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"total\" numeric(19,4) NOT NULL DEFAULT '0'");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"idempotency_key\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"request_hash\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"replacement_serial_number\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"replacement_record_id\" uuid");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"response_due_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"responded_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"onsite_due_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"onsite_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"closed_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"row_version\" integer NOT NULL DEFAULT '1'");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_claim_idempotency\" ON \"warranty_claim\" (\"org_id\", \"idempotency_key\") WHERE \"idempotency_key\" IS NOT NULL");
    await queryRunner.query("CREATE INDEX \"ix_claim_org_created\" ON \"warranty_claim\" (\"org_id\", \"created_at\", \"id\") ");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"ck_claim_cover\" CHECK (\"cover\" IN ('COVERED', 'PARTLY_COVERED', 'NOT_COVERED'))");
    await queryRunner.query("ALTER TABLE \"claim_line\" ADD CONSTRAINT \"fk_claim_line_claim\" FOREIGN KEY (\"claim_id\") REFERENCES \"warranty_claim\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"unit_reading\" ADD CONSTRAINT \"fk_reading_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("CREATE TABLE \"company_day\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"country_code\" text NOT NULL DEFAULT '*', \"day\" date NOT NULL, \"name\" text NOT NULL, CONSTRAINT \"ck_company_day_country\" CHECK (\"country_code\" = '*' OR \"country_code\" ~ '^[A-Z]{2}$'), CONSTRAINT \"PK_3afce740b5fc91c67513fb23cbf\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_company_day\" ON \"company_day\" (\"org_id\", \"country_code\", \"day\") ");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"service_opens_minute\" smallint NOT NULL DEFAULT '540'");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"service_closes_minute\" smallint NOT NULL DEFAULT '1020'");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"service_days\" smallint array NOT NULL DEFAULT '{1,2,3,4,5}'");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD CONSTRAINT \"ck_policy_service_hours\" CHECK (\"service_opens_minute\" >= 0 AND \"service_opens_minute\" < \"service_closes_minute\" AND \"service_closes_minute\" <= 1440)");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"exception_reference\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"exception_outcome\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"exception_approver\" text");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"exception_decided_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD \"claim_id\" uuid");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_claim_exception_reference\" ON \"warranty_claim\" (\"org_id\", \"exception_reference\") WHERE \"exception_reference\" IS NOT NULL");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"ck_claim_exception_outcome\" CHECK (\"exception_outcome\" IS NULL OR \"exception_outcome\" IN ('APPROVED', 'REJECTED'))");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD \"replaced_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD \"replaced_by_record_id\" uuid");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD \"replaced_by_serial_number\" text");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD \"replaces_record_id\" uuid");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP COLUMN \"replaces_record_id\"");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP COLUMN \"replaced_by_serial_number\"");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP COLUMN \"replaced_by_record_id\"");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP COLUMN \"replaced_at\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"ck_claim_exception_outcome\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_claim_exception_reference\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP COLUMN \"claim_id\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"exception_decided_at\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"exception_approver\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"exception_outcome\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"exception_reference\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP CONSTRAINT \"ck_policy_service_hours\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"service_days\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"service_closes_minute\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"service_opens_minute\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_company_day\"");
    await queryRunner.query("DROP TABLE \"company_day\"");
    await queryRunner.query("ALTER TABLE \"unit_reading\" DROP CONSTRAINT \"fk_reading_record\"");
    await queryRunner.query("ALTER TABLE \"claim_line\" DROP CONSTRAINT \"fk_claim_line_claim\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"ck_claim_cover\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_claim_org_created\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_claim_idempotency\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"row_version\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"closed_at\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"onsite_at\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"onsite_due_at\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"responded_at\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"response_due_at\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"replacement_record_id\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"replacement_serial_number\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"request_hash\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"idempotency_key\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"total\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"self_paid_total\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"covered_total\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"cover\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"currency\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"description\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"component\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"decision_reason\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"submitted_by_id\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_reading_record\"");
    await queryRunner.query("DROP TABLE \"unit_reading\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_outbox_pending\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_outbox_aggregate\"");
    await queryRunner.query("DROP TABLE \"outbox_message\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_claim_line_position\"");
    await queryRunner.query("DROP TABLE \"claim_line\"");
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP CONSTRAINT "ck_claim_status"`);
    await queryRunner.query(`UPDATE "warranty_claim" SET "status" = 'CLOSED' WHERE "status" IN ('IN_REPAIR', 'CANCELLED')`);
    await queryRunner.query(
      `ALTER TABLE "warranty_claim" ADD CONSTRAINT "ck_claim_status" CHECK ("status" IN ('SUBMITTED', 'APPROVED', 'REJECTED', 'EXCEPTION_REQUESTED', 'EXCEPTION_APPROVED', 'EXCEPTION_REJECTED', 'CLOSED'))`,
    );
  }
}
