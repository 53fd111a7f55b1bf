import type { MigrationInterface, QueryRunner } from 'typeorm';

export class SupplierRecovery1796710000000 implements MigrationInterface {
  name = 'SupplierRecovery1796710000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"supplier\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"code\" text NOT NULL, \"name\" text NOT NULL, \"endpoint_url\" text, \"secret_ref\" text, \"updated_by_id\" text, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_2bc0d2cab6276144d2ff98a2828\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_supplier_code\" ON \"supplier\" (\"org_id\", \"code\") ");
    await queryRunner.query("CREATE TABLE \"supplier_contract\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"code\" text NOT NULL, \"version\" integer NOT NULL, \"supplier_id\" uuid NOT NULL, \"part_numbers\" text array NOT NULL DEFAULT '{}', \"component\" text, \"product_family\" text, \"recovery_share_pct\" numeric(5,2) NOT NULL, \"window_months\" integer NOT NULL, \"labour_share_pct\" numeric(5,2), \"cap_amount\" numeric(19,4), \"cap_currency\" text, \"valid_from\" date NOT NULL, \"valid_to\" date, \"published_by_id\" text, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_supplier_contract_days\" CHECK (\"valid_to\" IS NULL OR \"valid_to\" >= \"valid_from\"), CONSTRAINT \"ck_supplier_contract_cap\" CHECK ((\"cap_amount\" IS NULL) = (\"cap_currency\" IS NULL)), CONSTRAINT \"ck_supplier_contract_window\" CHECK (\"window_months\" > 0), CONSTRAINT \"ck_supplier_contract_labour\" CHECK (\"labour_share_pct\" IS NULL OR (\"labour_share_pct\" >= 0 AND \"labour_share_pct\" <= 100)), CONSTRAINT \"ck_supplier_contract_share\" CHECK (\"recovery_share_pct\" >= 0 AND \"recovery_share_pct\" <= 100), CONSTRAINT \"ck_supplier_contract_scope\" CHECK ((cardinality(\"part_numbers\") > 0) <> (\"component\" IS NOT NULL)), CONSTRAINT \"PK_8674fde5613c1ac01519e67cfac\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_supplier_contract_supplier\" ON \"supplier_contract\" (\"org_id\", \"supplier_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_supplier_contract_version\" ON \"supplier_contract\" (\"org_id\", \"code\", \"version\") ");
    await queryRunner.query("CREATE TABLE \"recovery_claim\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"supplier_id\" uuid NOT NULL, \"claim_id\" uuid NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"currency\" text NOT NULL, \"status\" text NOT NULL, \"repair_date\" date NOT NULL, \"claim_closed_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"claimed_amount\" numeric(19,4) NOT NULL, \"accepted_amount\" numeric(19,4), \"paid_amount\" numeric(19,4), \"supplier_reference\" text, \"last_reason\" text, \"row_version\" integer NOT NULL DEFAULT '1', \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_recovery_claim_amounts\" CHECK (\"claimed_amount\" >= 0 AND (\"accepted_amount\" IS NULL OR \"accepted_amount\" <= \"claimed_amount\") AND (\"paid_amount\" IS NULL OR \"accepted_amount\" IS NOT NULL)), CONSTRAINT \"ck_recovery_claim_status\" CHECK (\"status\" IN ('OPEN', 'SUBMITTED', 'ACCEPTED', 'REJECTED', 'PAID', 'WRITTEN_OFF', 'WITHDRAWN')), CONSTRAINT \"PK_8e43ebcfae3cd8acaaa430340e0\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_recovery_claim_status\" ON \"recovery_claim\" (\"org_id\", \"status\", \"created_at\") ");
    await queryRunner.query("CREATE INDEX \"ix_recovery_claim_supplier\" ON \"recovery_claim\" (\"org_id\", \"supplier_id\", \"claim_closed_at\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_recovery_claim_per_supplier\" ON \"recovery_claim\" (\"org_id\", \"claim_id\", \"supplier_id\") ");
    await queryRunner.query("CREATE TABLE \"recovery_line\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"recovery_claim_id\" uuid, \"supplier_id\" uuid NOT NULL, \"contract_id\" uuid NOT NULL, \"claim_id\" uuid NOT NULL, \"claim_line_id\" uuid NOT NULL, \"part_number\" text NOT NULL, \"currency\" text NOT NULL, \"claim_closed_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"part_base\" numeric(19,4) NOT NULL, \"labour_base\" numeric(19,4) NOT NULL, \"part_amount\" numeric(19,4) NOT NULL, \"labour_amount\" numeric(19,4) NOT NULL, \"amount\" numeric(19,4) NOT NULL, \"capped\" boolean NOT NULL DEFAULT false, \"not_recovered\" text, \"withdrawn_at\" TIMESTAMP WITH TIME ZONE, \"withdrawn_reason\" text, CONSTRAINT \"PK_110481e074c6faf1120879dacdd\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_recovery_line_supplier\" ON \"recovery_line\" (\"org_id\", \"supplier_id\", \"claim_closed_at\") ");
    await queryRunner.query("CREATE INDEX \"ix_recovery_line_claim\" ON \"recovery_line\" (\"recovery_claim_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_recovery_line_claim_line\" ON \"recovery_line\" (\"claim_line_id\") ");
    // Rule 20: suppliers are a third destination, each supplier a recipient with its own endpoint (read when sent).
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP CONSTRAINT \"ck_outbox_destination\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD CONSTRAINT \"ck_outbox_destination\" CHECK (\"destination\" IN ('CSP', 'OA', 'SUPPLIER'))");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD \"recipient\" uuid");
    // Suppliers answer through a webhook of their own (the replay guard's source).
    await queryRunner.query("ALTER TABLE \"webhook_receipt\" DROP CONSTRAINT \"ck_webhook_receipt_source\"");
    await queryRunner.query("ALTER TABLE \"webhook_receipt\" ADD CONSTRAINT \"ck_webhook_receipt_source\" CHECK (\"source\" IN ('OA', 'CLOUD', 'PRODUCTS', 'CSP', 'WAREHOUSE', 'SUPPLIER'))");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD CONSTRAINT \"ck_outbox_recipient\" CHECK ((\"destination\" = 'SUPPLIER') = (\"recipient\" IS NOT NULL))");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP CONSTRAINT \"ck_outbox_recipient\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP COLUMN \"recipient\"");
    await queryRunner.query("DELETE FROM \"outbox_message\" WHERE \"destination\" = 'SUPPLIER'");
    await queryRunner.query("DELETE FROM \"webhook_receipt\" WHERE \"source\" = 'SUPPLIER'");
    await queryRunner.query("ALTER TABLE \"webhook_receipt\" DROP CONSTRAINT \"ck_webhook_receipt_source\"");
    await queryRunner.query("ALTER TABLE \"webhook_receipt\" ADD CONSTRAINT \"ck_webhook_receipt_source\" CHECK (\"source\" IN ('OA', 'CLOUD', 'PRODUCTS', 'CSP', 'WAREHOUSE'))");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP CONSTRAINT \"ck_outbox_destination\"");
    await queryRunner.query("ALTER TABLE \"outbox_message\" ADD CONSTRAINT \"ck_outbox_destination\" CHECK (\"destination\" IN ('CSP', 'OA'))");
    await queryRunner.query("DROP INDEX \"public\".\"uq_recovery_line_claim_line\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_recovery_line_claim\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_recovery_line_supplier\"");
    await queryRunner.query("DROP TABLE \"recovery_line\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_recovery_claim_per_supplier\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_recovery_claim_supplier\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_recovery_claim_status\"");
    await queryRunner.query("DROP TABLE \"recovery_claim\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_supplier_contract_version\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_supplier_contract_supplier\"");
    await queryRunner.query("DROP TABLE \"supplier_contract\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_supplier_code\"");
    await queryRunner.query("DROP TABLE \"supplier\"");
  }
}
