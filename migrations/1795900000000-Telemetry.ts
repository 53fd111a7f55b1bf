import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fleet telemetry (rule 8): mandatory firmware releases, each unit's last cloud contact and highest firmware per
 * component, and what the evaluation decided per unit and release.
 */
export class Telemetry1795900000000 implements MigrationInterface {
  name = 'Telemetry1795900000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"firmware_release\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"product_family\" text NOT NULL, \"component\" text NOT NULL, \"version\" text NOT NULL, \"version_parts\" integer array NOT NULL, \"released_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"grace_days\" integer NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_firmware_release_grace\" CHECK (\"grace_days\" >= 0), CONSTRAINT \"PK_a6ef2a3b6d55e295fac6e51e9e6\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_firmware_release\" ON \"firmware_release\" (\"org_id\", \"product_family\", \"component\", \"version\") ");
    await queryRunner.query("CREATE TABLE \"unit_telemetry\" (\"warranty_record_id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"last_contact_at\" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT \"PK_057482107b85304256a33c19581\" PRIMARY KEY (\"warranty_record_id\"))");
    await queryRunner.query("CREATE TABLE \"unit_firmware\" (\"warranty_record_id\" uuid NOT NULL, \"component\" text NOT NULL, \"org_id\" text NOT NULL, \"version\" text NOT NULL, \"version_parts\" integer array NOT NULL, \"reported_at\" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT \"PK_19e1b3f3d49059a704f714e38df\" PRIMARY KEY (\"warranty_record_id\", \"component\"))");
    await queryRunner.query("CREATE TABLE \"telemetry_decision\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"release_id\" uuid NOT NULL, \"outcome\" text NOT NULL, \"reason\" text NOT NULL, \"decided_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_telemetry_decision_outcome\" CHECK (\"outcome\" IN ('VOIDED', 'FLAGGED')), CONSTRAINT \"PK_ff1d0fd6e9b41219ef0b5301879\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_telemetry_decision\" ON \"telemetry_decision\" (\"warranty_record_id\", \"release_id\") ");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"public\".\"ux_telemetry_decision\"");
    await queryRunner.query("DROP TABLE \"telemetry_decision\"");
    await queryRunner.query("DROP TABLE \"unit_firmware\"");
    await queryRunner.query("DROP TABLE \"unit_telemetry\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_firmware_release\"");
    await queryRunner.query("DROP TABLE \"firmware_release\"");
  }
}
