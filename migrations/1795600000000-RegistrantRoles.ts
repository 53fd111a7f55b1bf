import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who registered a unit widens from installer / end customer to the dealers, distributors and agents who also
 * register units. Existing rows keep their value; no registration is reinterpreted.
 */
export class RegistrantRoles1795600000000 implements MigrationInterface {
  name = 'RegistrantRoles1795600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "warranty_record" DROP CONSTRAINT "ck_record_registrant"');
    await queryRunner.query(
      `ALTER TABLE "warranty_record" ADD CONSTRAINT "ck_record_registrant" CHECK ("registrant_role" IN ('INSTALLER', 'DEALER', 'DISTRIBUTOR', 'AGENT', 'END_CUSTOMER'))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE "warranty_record" DROP CONSTRAINT "ck_record_registrant"');
    await queryRunner.query(
      `ALTER TABLE "warranty_record" ADD CONSTRAINT "ck_record_registrant" CHECK ("registrant_role" IN ('INSTALLER', 'END_CUSTOMER'))`,
    );
  }
}
