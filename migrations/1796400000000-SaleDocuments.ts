import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A unit's documents along the supply chain (rule 2), soft-deleted. */
export class SaleDocuments1796400000000 implements MigrationInterface {
  name = 'SaleDocuments1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"sale_document\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"kind\" text NOT NULL, \"document_date\" date, \"warranty_activation_date\" date, \"reference\" text, \"carried_from_record\" boolean NOT NULL DEFAULT false, \"recorded_by_id\" text NOT NULL, \"recorded_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"deleted_at\" TIMESTAMP WITH TIME ZONE, \"deleted_by_id\" text, \"delete_reason\" text, CONSTRAINT \"ck_sale_document_kind\" CHECK (\"kind\" IN ('MANUFACTURER_TO_DISTRIBUTOR', 'DISTRIBUTOR_TO_DEALER', 'DEALER_TO_SUB_DEALER', 'DEALER_TO_BROKER', 'END_CUSTOMER_SALE', 'BROKER_INVOICE', 'SERVICE_ACTIVATION')), CONSTRAINT \"PK_9c03eed534baa7eedcc9e7ec737\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_sale_document_record\" ON \"sale_document\" (\"warranty_record_id\", \"id\") ");
    await queryRunner.query("ALTER TABLE \"sale_document\" ADD CONSTRAINT \"fk_sale_document_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"sale_document\" DROP CONSTRAINT \"fk_sale_document_record\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_sale_document_record\"");
    await queryRunner.query("DROP TABLE \"sale_document\"");
  }
}
