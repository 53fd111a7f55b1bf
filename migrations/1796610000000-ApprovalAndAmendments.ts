import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules 15 and 16: straight-through approval, pre-authorization and amended lines.
 *
 * - A policy version carries its auto-approval limit per currency (`auto_approval_limits`, exact decimal strings)
 *   and its amendment tolerance (a percentage and/or an amount per currency). Both are data, versioned with the
 *   policy; a policy without them never approves automatically and asks for approval again on any rise.
 * - A claim keeps its estimate (the totals of the lines sent at intake) beside the actual totals, and the covered
 *   total at its last approval. Claims written before are backfilled: their estimate is their totals as they are,
 *   and an approved claim's approved covered total is its covered total.
 * - A claim whose amended lines rise past the tolerance goes to REAPPROVAL_REQUIRED; the approval queue reads the
 *   claims waiting for a decision through a partial index.
 *
 * The seeded example policies (organisation `sofar`, unpublished rows) get example values, written down in
 * docs/DOMAIN-CHOICES.md: inverters 1,500 EUR/CHF, 1,300 GBP, 6,500 PLN; batteries 2,500 EUR/CHF, 2,200 GBP,
 * 11,000 PLN; vehicles 1,000 EUR; a tolerance of 10 % capped at 250 EUR/CHF, 220 GBP, 1,100 PLN.
 */
export class ApprovalAndAmendments1796610000000 implements MigrationInterface {
  name = 'ApprovalAndAmendments1796610000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "warranty_policy" ADD "auto_approval_limits" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(`ALTER TABLE "warranty_policy" ADD "amendment_tolerance_pct" numeric(5,2)`);
    await queryRunner.query(`ALTER TABLE "warranty_policy" ADD "amendment_tolerance_amounts" jsonb NOT NULL DEFAULT '{}'`);
    await queryRunner.query(
      `ALTER TABLE "warranty_policy" ADD CONSTRAINT "ck_policy_amendment_tolerance" CHECK ("amendment_tolerance_pct" IS NULL OR ("amendment_tolerance_pct" >= 0 AND "amendment_tolerance_pct" <= 100))`,
    );
    const limits: Record<string, Record<string, string>> = {
      INVERTER: { EUR: '1500.00', CHF: '1500.00', GBP: '1300.00', PLN: '6500.00' },
      BATTERY: { EUR: '2500.00', CHF: '2500.00', GBP: '2200.00', PLN: '11000.00' },
      VEHICLE: { EUR: '1000.00' },
    };
    const toleranceAmounts = { EUR: '250.00', CHF: '250.00', GBP: '220.00', PLN: '1100.00' };
    for (const [family, perCurrency] of Object.entries(limits)) {
      await queryRunner.query(
        `UPDATE "warranty_policy" SET "auto_approval_limits" = $1, "amendment_tolerance_pct" = 10, "amendment_tolerance_amounts" = $2
          WHERE "org_id" = 'sofar' AND "product_family" = $3 AND "published_by_id" IS NULL`,
        [JSON.stringify(perCurrency), JSON.stringify(toleranceAmounts), family],
      );
    }

    await queryRunner.query(`ALTER TABLE "warranty_claim" ADD "estimate_covered_total" numeric(19,4) NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" ADD "estimate_self_paid_total" numeric(19,4) NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" ADD "estimate_total" numeric(19,4) NOT NULL DEFAULT '0'`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" ADD "approved_covered_total" numeric(19,4)`);
    await queryRunner.query(
      `UPDATE "warranty_claim" SET "estimate_covered_total" = "covered_total", "estimate_self_paid_total" = "self_paid_total", "estimate_total" = "total",
              "approved_covered_total" = CASE WHEN "status" IN ('APPROVED', 'IN_REPAIR', 'CLOSED') THEN "covered_total" END`,
    );
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP CONSTRAINT "ck_claim_status"`);
    await queryRunner.query(
      `ALTER TABLE "warranty_claim" ADD CONSTRAINT "ck_claim_status" CHECK ("status" IN ('SUBMITTED', 'EXCEPTION_REQUESTED', 'APPROVED', 'REJECTED', 'IN_REPAIR', 'CLOSED', 'CANCELLED', 'REAPPROVAL_REQUIRED'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_claim_awaiting_decision" ON "warranty_claim" ("org_id", "response_due_at", "id") WHERE "status" IN ('SUBMITTED', 'REAPPROVAL_REQUIRED')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_claim_awaiting_decision"`);
    // A claim waiting for approval again goes back to waiting for its first decision.
    await queryRunner.query(`UPDATE "warranty_claim" SET "status" = 'SUBMITTED' WHERE "status" = 'REAPPROVAL_REQUIRED'`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP CONSTRAINT "ck_claim_status"`);
    await queryRunner.query(
      `ALTER TABLE "warranty_claim" ADD CONSTRAINT "ck_claim_status" CHECK ("status" IN ('SUBMITTED', 'EXCEPTION_REQUESTED', 'APPROVED', 'REJECTED', 'IN_REPAIR', 'CLOSED', 'CANCELLED'))`,
    );
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP COLUMN "approved_covered_total"`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP COLUMN "estimate_total"`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP COLUMN "estimate_self_paid_total"`);
    await queryRunner.query(`ALTER TABLE "warranty_claim" DROP COLUMN "estimate_covered_total"`);
    await queryRunner.query(`ALTER TABLE "warranty_policy" DROP CONSTRAINT "ck_policy_amendment_tolerance"`);
    await queryRunner.query(`ALTER TABLE "warranty_policy" DROP COLUMN "amendment_tolerance_amounts"`);
    await queryRunner.query(`ALTER TABLE "warranty_policy" DROP COLUMN "amendment_tolerance_pct"`);
    await queryRunner.query(`ALTER TABLE "warranty_policy" DROP COLUMN "auto_approval_limits"`);
  }
}
