import type { MigrationInterface, QueryRunner } from 'typeorm';

export class PolicyPublisher1795515834383 implements MigrationInterface {
  name = 'PolicyPublisher1795515834383';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"published_by_id\" text");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"published_by_id\"");
  }
}
