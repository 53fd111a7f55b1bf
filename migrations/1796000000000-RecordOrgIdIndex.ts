import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An organisation's units in id order, with their family and serial number in the index: the telemetry evaluation
 * walks a fleet in id chunks, and without it each chunk read the whole organisation's records.
 */
export class RecordOrgIdIndex1796000000000 implements MigrationInterface {
  name = 'RecordOrgIdIndex1796000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE INDEX "ix_record_org_id" ON "warranty_record" ("org_id", "id", "product_family", "serial_number") ');
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP INDEX "public"."ix_record_org_id"');
  }
}
