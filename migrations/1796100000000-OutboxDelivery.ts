import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox delivery state: a delivery id per message (the receiver's de-duplication key), when the next attempt is due
 * (backoff), when the last one was made, and when the dispatcher parked it; the due messages indexed by due time.
 */
export class OutboxDelivery1796100000000 implements MigrationInterface {
  name = 'OutboxDelivery1796100000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"public\".\"ix_outbox_pending\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD \"delivery_id\" uuid NOT NULL DEFAULT gen_random_uuid()");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD \"next_attempt_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD \"last_attempt_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD \"parked_at\" TIMESTAMP WITH TIME ZONE");
    await queryRunner.query("CREATE INDEX \"ix_outbox_parked\" ON \"outbox_message\" (\"org_id\", \"parked_at\") WHERE \"parked_at\" IS NOT NULL AND \"delivered_at\" IS NULL");
    await queryRunner.query("CREATE INDEX \"ix_outbox_due\" ON \"outbox_message\" (\"next_attempt_at\", \"id\") WHERE \"delivered_at\" IS NULL AND \"parked_at\" IS NULL");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP INDEX \"public\".\"ix_outbox_due\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_outbox_parked\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP COLUMN \"parked_at\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP COLUMN \"last_attempt_at\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP COLUMN \"next_attempt_at\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP COLUMN \"delivery_id\"");
    await queryRunner.query("CREATE INDEX \"ix_outbox_pending\" ON \"outbox_message\" (\"destination\", \"id\") WHERE (delivered_at IS NULL)");
  }
}
