import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The inbound webhooks' replay guard: one row per delivery taken, per organisation, source and delivery id. */
export class WebhookReceipts1796200000000 implements MigrationInterface {
  name = 'WebhookReceipts1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"webhook_receipt\" (\"org_id\" text NOT NULL, \"source\" text NOT NULL, \"delivery_id\" text NOT NULL, \"received_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"actor_id\" text NOT NULL, \"result\" jsonb, CONSTRAINT \"ck_webhook_receipt_source\" CHECK (\"source\" IN ('OA', 'CLOUD', 'PRODUCTS')), CONSTRAINT \"PK_72cb366f1ec7a22c49a8930191d\" PRIMARY KEY (\"org_id\", \"source\", \"delivery_id\"))");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("DROP TABLE \"webhook_receipt\"");
  }
}
