import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who last changed a product reference and when, now that admins edit the table (upsertProductReferences). */
export class ProductReferenceChanges1795544213795 implements MigrationInterface {
  name = 'ProductReferenceChanges1795544213795';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"product_reference\" ADD \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()");
    await queryRunner.query("ALTER TABLE \"product_reference\" ADD \"updated_by_id\" text");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"product_reference\" DROP COLUMN \"updated_by_id\"");
    await queryRunner.query("ALTER TABLE \"product_reference\" DROP COLUMN \"updated_at\"");
  }
}
