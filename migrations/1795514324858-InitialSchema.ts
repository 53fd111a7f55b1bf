import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1795514324858 implements MigrationInterface {
  name = 'InitialSchema1795514324858';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"warranty_policy\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"product_family\" text NOT NULL, \"region\" text NOT NULL, \"version\" integer NOT NULL, \"effective_from\" date NOT NULL, \"term_months\" integer NOT NULL, \"labour_months\" integer, \"soh_guarantee_pct\" numeric(5,2), \"throughput_mwh_per_kwh\" numeric(10,3), \"mileage_limit_km\" integer, \"engine_hours_limit\" integer, \"component_scopes\" text array NOT NULL DEFAULT '{}', \"extension_tiers\" text array NOT NULL DEFAULT '{}', \"extension_cliff_months\" integer, \"extension_window_months\" integer, \"late_start_cap_months\" integer, \"sla_response_hours\" numeric(6,2), \"sla_onsite_hours\" numeric(6,2), \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_policy_tiers\" CHECK (\"extension_tiers\" <@ ARRAY['EXTENDED_5Y','EXTENDED_10Y']::text[]), CONSTRAINT \"ck_policy_region\" CHECK (\"region\" ~ '^[A-Z]{2}(-[A-Z]{2})*$'), CONSTRAINT \"ck_policy_soh\" CHECK (\"soh_guarantee_pct\" IS NULL OR (\"soh_guarantee_pct\" > 0 AND \"soh_guarantee_pct\" <= 100)), CONSTRAINT \"ck_policy_labour\" CHECK (\"labour_months\" IS NULL OR (\"labour_months\" >= 0 AND \"labour_months\" <= \"term_months\")), CONSTRAINT \"ck_policy_term\" CHECK (\"term_months\" > 0), CONSTRAINT \"PK_604474b4f752306a9b93a44001b\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_policy_lookup\" ON \"warranty_policy\" (\"org_id\", \"product_family\", \"region\", \"effective_from\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_policy_version\" ON \"warranty_policy\" (\"org_id\", \"product_family\", \"region\", \"version\") ");
    await queryRunner.query("CREATE TABLE \"warranty_record\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"serial_number\" text NOT NULL, \"product_id\" text NOT NULL, \"sku\" text NOT NULL, \"product_family\" text NOT NULL, \"capacity_kwh\" numeric(8,2), \"customer_id\" text, \"installer_id\" text, \"registrant_role\" text NOT NULL, \"registered_by_id\" text NOT NULL, \"registered_at\" TIMESTAMP WITH TIME ZONE NOT NULL, \"site_country\" text NOT NULL, \"site_time_zone\" text, \"region\" text NOT NULL, \"policy_id\" uuid NOT NULL, \"production_date\" date, \"activation_record_date\" date, \"sale_warranty_activation_date\" date, \"sale_invoice_date\" date, \"supply_chain_stage\" text, \"broker_invoice_date\" date, \"warranty_date_shift\" date, \"start_status\" text NOT NULL, \"start_date\" date, \"start_source\" text, \"tier\" text NOT NULL DEFAULT 'STANDARD', \"expires_at\" date, \"voided_at\" TIMESTAMP WITH TIME ZONE, \"void_reason\" text, \"row_version\" integer NOT NULL, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_record_country\" CHECK (\"site_country\" ~ '^[A-Z]{2}$'), CONSTRAINT \"ck_record_void\" CHECK ((\"voided_at\" IS NULL) = (\"void_reason\" IS NULL)), CONSTRAINT \"ck_record_started\" CHECK ((\"start_status\" = 'STARTED') = (\"start_date\" IS NOT NULL)), CONSTRAINT \"ck_record_stage\" CHECK (\"supply_chain_stage\" IS NULL OR \"supply_chain_stage\" IN ('DISTRIBUTOR', 'DEALER', 'SUB_DEALER', 'BROKER')), CONSTRAINT \"ck_record_start_source\" CHECK (\"start_source\" IS NULL OR \"start_source\" IN ('DATE_SHIFT', 'ACTIVATION_RECORD', 'SALE_WARRANTY_ACTIVATION', 'SALE_INVOICE', 'BROKER_INVOICE', 'PRODUCTION_DATE_CAP')), CONSTRAINT \"ck_record_start_status\" CHECK (\"start_status\" IN ('STARTED', 'AWAITING_ACTIVATION', 'AWAITING_END_CUSTOMER_SALE', 'AWAITING_BROKER_INVOICE')), CONSTRAINT \"ck_record_registrant\" CHECK (\"registrant_role\" IN ('INSTALLER', 'END_CUSTOMER')), CONSTRAINT \"ck_record_tier\" CHECK (\"tier\" IN ('STANDARD', 'EXTENDED_5Y', 'EXTENDED_10Y', 'GOODWILL')), CONSTRAINT \"PK_a6a06acb46870e18b3164fdd594\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_record_registered\" ON \"warranty_record\" (\"org_id\", \"registered_at\", \"id\") ");
    await queryRunner.query("CREATE INDEX \"ix_record_product\" ON \"warranty_record\" (\"org_id\", \"product_id\") ");
    await queryRunner.query("CREATE INDEX \"ix_record_customer\" ON \"warranty_record\" (\"org_id\", \"customer_id\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_record_serial\" ON \"warranty_record\" (\"org_id\", \"serial_number\") ");
    await queryRunner.query("CREATE TABLE \"warranty_event\" (\"id\" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"coverage_id\" uuid, \"claim_id\" uuid, \"actor_id\" text NOT NULL, \"event\" text NOT NULL, \"from_value\" text, \"to_value\" text, \"detail\" jsonb NOT NULL DEFAULT '{}', \"occurred_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"PK_56d86c017075419c5e39282661b\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_event_record\" ON \"warranty_event\" (\"warranty_record_id\", \"id\") ");
    await queryRunner.query("CREATE TABLE \"warranty_claim\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"csp_case_id\" text, \"kind\" text NOT NULL, \"status\" text NOT NULL DEFAULT 'SUBMITTED', \"decided_by_id\" text, \"repair_date\" date NOT NULL, \"odometer_km\" integer, \"engine_hours\" integer, \"throughput_mwh\" numeric(12,3), \"soh_pct\" numeric(5,2), \"validation\" jsonb, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), \"updated_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_claim_status\" CHECK (\"status\" IN ('SUBMITTED', 'APPROVED', 'REJECTED', 'EXCEPTION_REQUESTED', 'EXCEPTION_APPROVED', 'EXCEPTION_REJECTED', 'CLOSED')), CONSTRAINT \"ck_claim_kind\" CHECK (\"kind\" IN ('REPAIR', 'REPLACE', 'REFUND')), CONSTRAINT \"PK_45e4b1ef75168da967bfc4bd657\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_claim_case\" ON \"warranty_claim\" (\"org_id\", \"csp_case_id\") ");
    await queryRunner.query("CREATE INDEX \"ix_claim_record\" ON \"warranty_claim\" (\"warranty_record_id\") ");
    await queryRunner.query("CREATE TABLE \"coverage\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"warranty_record_id\" uuid NOT NULL, \"kind\" text NOT NULL, \"scope\" text NOT NULL DEFAULT 'UNIT', \"start_date\" date, \"end_date\" date, \"labour_end_date\" date, \"term_months\" integer NOT NULL, \"labour_months\" integer, \"mileage_limit_km\" integer, \"engine_hours_limit\" integer, \"throughput_limit_mwh\" numeric(12,3), \"soh_guarantee_pct\" numeric(5,2), \"pays_parts\" boolean NOT NULL DEFAULT true, \"pays_labour\" boolean NOT NULL DEFAULT true, \"policy_id\" uuid, \"voided_at\" TIMESTAMP WITH TIME ZONE, \"void_reason\" text, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_coverage_void\" CHECK ((\"voided_at\" IS NULL) = (\"void_reason\" IS NULL)), CONSTRAINT \"ck_coverage_dates\" CHECK (\"start_date\" IS NULL OR \"end_date\" IS NULL OR \"end_date\" >= \"start_date\"), CONSTRAINT \"ck_coverage_kind\" CHECK (\"kind\" IN ('STANDARD', 'EXTENDED', 'PART', 'GOODWILL')), CONSTRAINT \"PK_e3911843c32676f2d48a6340c53\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_coverage_record\" ON \"coverage\" (\"warranty_record_id\") ");
    await queryRunner.query("CREATE TABLE \"product_reference\" (\"org_id\" text NOT NULL, \"sku\" text NOT NULL, \"product_id\" text NOT NULL, \"product_family\" text NOT NULL, \"capacity_kwh\" numeric(8,2), CONSTRAINT \"ck_product_capacity\" CHECK (\"capacity_kwh\" IS NULL OR \"capacity_kwh\" > 0), CONSTRAINT \"PK_463b1c31b95c91ef08a8054fc52\" PRIMARY KEY (\"org_id\", \"sku\"))");
    await queryRunner.query("CREATE INDEX \"ix_product_reference_product\" ON \"product_reference\" (\"org_id\", \"product_id\") ");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD CONSTRAINT \"fk_record_policy\" FOREIGN KEY (\"policy_id\") REFERENCES \"warranty_policy\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_event\" ADD CONSTRAINT \"fk_event_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"fk_claim_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_policy\" FOREIGN KEY (\"policy_id\") REFERENCES \"warranty_policy\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_policy\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"fk_claim_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_event\" DROP CONSTRAINT \"fk_event_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP CONSTRAINT \"fk_record_policy\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_product_reference_product\"");
    await queryRunner.query("DROP TABLE \"product_reference\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_coverage_record\"");
    await queryRunner.query("DROP TABLE \"coverage\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_claim_record\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_claim_case\"");
    await queryRunner.query("DROP TABLE \"warranty_claim\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_event_record\"");
    await queryRunner.query("DROP TABLE \"warranty_event\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_record_serial\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_record_customer\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_record_product\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_record_registered\"");
    await queryRunner.query("DROP TABLE \"warranty_record\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_policy_version\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_policy_lookup\"");
    await queryRunner.query("DROP TABLE \"warranty_policy\"");
  }
}
