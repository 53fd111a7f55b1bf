import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A claim opens its CSP case (rule 14). A CSP case id belongs to one organisation: `claim_case` keys each case id
 * once, with the organisation that first used it (at intake or through CSP's answer), so that another
 * organisation's claim can never name it, even when both try at once. The case ids claims carry already are
 * taken over, each by the organisation of its earliest claim. A claim taken from an existing case may carry the
 * instant the case was opened (`case_opened_at`), where its response clock starts. CSP answers through a signed
 * webhook of its own, whose deliveries the replay guard keeps as it keeps the others'.
 */
export class ClaimCases1796600000000 implements MigrationInterface {
  name = 'ClaimCases1796600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "claim_case" ("case_id" text NOT NULL, "org_id" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "pk_claim_case" PRIMARY KEY ("case_id"))`,
    );
    await queryRunner.query(
      `INSERT INTO "claim_case" ("case_id", "org_id", "created_at")
       SELECT DISTINCT ON ("csp_case_id") "csp_case_id", "org_id", "created_at" FROM "warranty_claim"
        WHERE "csp_case_id" IS NOT NULL ORDER BY "csp_case_id", "created_at", "id"`,
    );
    await queryRunner.query(`ALTER TABLE "warranty_claim" ADD "case_opened_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "webhook_receipt" DROP CONSTRAINT "ck_webhook_receipt_source"`);
    await queryRunner.query(`ALTER TABLE "webhook_receipt" ADD CONSTRAINT "ck_webhook_receipt_source" CHECK ("source" IN ('OA', 'CLOUD', 'PRODUCTS', 'CSP'))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "webhook_receipt" WHERE "source" = 'CSP'`);
    await queryRunner.query(`ALTER TABLE "webhook_receipt" DROP CONSTRAINT "ck_webhook_receipt_source"`);
    await queryRunner.query(`ALTER TABLE "webhook_receipt" ADD CONSTRAINT "ck_webhook_receipt_source" CHECK ("source" IN ('OA', 'CLOUD', 'PRODUCTS'))`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP COLUMN "case_opened_at"`);
    await queryRunner.query(`DROP TABLE "claim_case"`);
  }
}
