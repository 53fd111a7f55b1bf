import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A goodwill coverage pays the one claim it was granted for (rule 11): the coverage's claim is a foreign key,
 * indexed within the organisation, and only GOODWILL coverages carry one. GOODWILL rows written before carry their
 * claim already (the approval set it); one that lacks it gets it back from its COVERAGE_ADDED event, which names
 * the coverage and the claim in the same organisation. A GOODWILL row whose claim cannot be found stays without one
 * and pays nothing (active-check.ts).
 *
 * Money is one column kind: a service item's value was NUMERIC(14,4) while every other amount is NUMERIC(19,4);
 * it is widened so that the Decimal scalar's bound (15 digits before the point, 4 after) holds for every amount.
 */
export class GoodwillClaimAndMoney1796500000000 implements MigrationInterface {
  name = 'GoodwillClaimAndMoney1796500000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `UPDATE "coverage" c SET "claim_id" = e."claim_id"
         FROM "warranty_event" e
        WHERE c."kind" = 'GOODWILL' AND c."claim_id" IS NULL
          AND e."coverage_id" = c."id" AND e."org_id" = c."org_id" AND e."event" = 'COVERAGE_ADDED' AND e."claim_id" IS NOT NULL
          AND EXISTS (SELECT 1 FROM "warranty_claim" w WHERE w."id" = e."claim_id" AND w."org_id" = c."org_id")`,
    );
    // A claim id that names no claim of the coverage's organisation cannot be kept under the foreign key.
    await queryRunner.query(
      `UPDATE "coverage" c SET "claim_id" = NULL
        WHERE c."claim_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "warranty_claim" w WHERE w."id" = c."claim_id" AND w."org_id" = c."org_id")`,
    );
    await queryRunner.query(`UPDATE "coverage" SET "claim_id" = NULL WHERE "claim_id" IS NOT NULL AND "kind" <> 'GOODWILL'`);
    await queryRunner.query(`CREATE INDEX "ix_coverage_claim" ON "coverage" ("org_id", "claim_id") WHERE "claim_id" IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "coverage" ADD CONSTRAINT "ck_coverage_claim" CHECK ("claim_id" IS NULL OR "kind" = 'GOODWILL')`);
    await queryRunner.query(
      `ALTER TABLE "coverage" ADD CONSTRAINT "fk_coverage_claim" FOREIGN KEY ("claim_id") REFERENCES "warranty_claim"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`ALTER TABLE "service_plan_item" ALTER COLUMN "value_amount" TYPE numeric(19,4)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "service_plan_item" ALTER COLUMN "value_amount" TYPE numeric(14,4)`);
    await queryRunner.query(`ALTER TABLE "coverage" DROP CONSTRAINT "fk_coverage_claim"`);
    await queryRunner.query(`ALTER TABLE "coverage" DROP CONSTRAINT "ck_coverage_claim"`);
    await queryRunner.query(`DROP INDEX "public"."ix_coverage_claim"`);
  }
}
