import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rule 18: a claim line whose part return is authorised cannot be deleted. The return's link to its line restricted
 * deletes instead of cascading them, so an amendment removing such a line (rule 15) is refused rather than taking the
 * return, its RMA number and its history with it without an event.
 */
export class PartReturnLineKept1796650000000 implements MigrationInterface {
  name = 'PartReturnLineKept1796650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "part_return" DROP CONSTRAINT "fk_part_return_line"`);
    await queryRunner.query(
      `ALTER TABLE "part_return" ADD CONSTRAINT "fk_part_return_line" FOREIGN KEY ("claim_line_id") REFERENCES "claim_line"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "part_return" DROP CONSTRAINT "fk_part_return_line"`);
    await queryRunner.query(
      `ALTER TABLE "part_return" ADD CONSTRAINT "fk_part_return_line" FOREIGN KEY ("claim_line_id") REFERENCES "claim_line"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }
}
