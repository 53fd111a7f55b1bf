import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys by organisation (issue 21, decision 0012): every primary key, unique index and foreign key starts with
 * org_id, so that the tables can be distributed by org_id (Citus) and every row's neighbours live on its shard.
 * Primary keys become (org_id, id); the unique indexes that lacked org_id gain it as their first column; each
 * foreign key pairs the referencing org_id with the referenced table's (a row can no longer point into another
 * organisation). Rows keep their values: every row already has its org_id. claim_case keeps its key by case id
 * alone on purpose (rule 14: a CSP case id belongs to one organisation across all of them).
 * test/api/org-keys.test.ts checks the result over the catalogue.
 */
export class KeysByOrganisation1796750000000 implements MigrationInterface {
  name = 'KeysByOrganisation1796750000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP CONSTRAINT \"fk_record_policy\"");
    await queryRunner.query("ALTER TABLE \"warranty_event\" DROP CONSTRAINT \"fk_event_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"fk_claim_service_calendar\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"fk_claim_record\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_claim\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_record\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_policy\"");
    await queryRunner.query("ALTER TABLE \"claim_line\" DROP CONSTRAINT \"fk_claim_line_claim\"");
    await queryRunner.query("ALTER TABLE \"claim_line\" DROP CONSTRAINT \"fk_claim_line_operation\"");
    await queryRunner.query("ALTER TABLE \"unit_reading\" DROP CONSTRAINT \"fk_reading_record\"");
    await queryRunner.query("ALTER TABLE \"extension_purchase\" DROP CONSTRAINT \"fk_extension_record\"");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" DROP CONSTRAINT \"fk_service_item_claim_record\"");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" DROP CONSTRAINT \"fk_service_plan_item_plan\"");
    await queryRunner.query("ALTER TABLE \"sale_document\" DROP CONSTRAINT \"fk_sale_document_record\"");
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"fk_part_return_claim\"");
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"fk_part_return_line\"");
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" DROP CONSTRAINT \"fk_service_calendar_day_calendar\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP CONSTRAINT \"PK_604474b4f752306a9b93a44001b\", ADD CONSTRAINT \"PK_faaa70b4ba0fc8350d29695c966\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP CONSTRAINT \"PK_a6a06acb46870e18b3164fdd594\", ADD CONSTRAINT \"PK_9f6e7d0bf69c8066f5d5481aae0\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"warranty_event\" DROP CONSTRAINT \"PK_56d86c017075419c5e39282661b\", ADD CONSTRAINT \"PK_3e0b471cbfde795ee3937fe419b\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"campaign\" DROP CONSTRAINT \"PK_0ce34d26e7f2eb316a3a592cdc4\", ADD CONSTRAINT \"PK_abb023b23cf2748edc6bac32c68\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"campaign_sku_range\" DROP CONSTRAINT \"PK_fe5b32332436efb2380f055e83b\", ADD CONSTRAINT \"PK_df252b927b8d37e18655d6c3fa7\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"campaign_unit\" DROP CONSTRAINT \"PK_018b46f63c70881232fef3eb589\", ADD CONSTRAINT \"PK_0d3155ea5165fa3fbeca788fb41\" PRIMARY KEY (\"org_id\", \"campaign_id\", \"warranty_record_id\")");
    await queryRunner.query("ALTER TABLE \"campaign_event\" DROP CONSTRAINT \"PK_20a403f0d230e84ab1cf9fb94bd\", ADD CONSTRAINT \"PK_4a64ed0ea5742e8f7cdf2b9ddb5\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"labour_operation\" DROP CONSTRAINT \"PK_25e65626c0b330b57dfafc3e537\", ADD CONSTRAINT \"PK_315f87342505a6705b204b56797\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"service_calendar\" DROP CONSTRAINT \"PK_2f7a898bef68b368045dea2a27d\", ADD CONSTRAINT \"PK_83a34398090134ce7b70a2d7c03\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" DROP CONSTRAINT \"PK_cba56c6daff2d10357cd5ae33e2\", ADD CONSTRAINT \"PK_c4264adaf155fb4dbe5eceb3b8d\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"PK_45e4b1ef75168da967bfc4bd657\", ADD CONSTRAINT \"PK_c1c6eddbe5ef7458b290c41627e\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"claim_line\" DROP CONSTRAINT \"PK_e151a204987b27fd0e1cbb63bc0\", ADD CONSTRAINT \"PK_b5c0fb835b78441c8feddd857ba\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"PK_e3911843c32676f2d48a6340c53\", ADD CONSTRAINT \"PK_469eca7b4931b3d75453c4359ee\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"extension_purchase\" DROP CONSTRAINT \"PK_56da31ad2f44e3039580d74177c\", ADD CONSTRAINT \"PK_8edc1b1ad170831bcf6dd102835\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"labour_rate\" DROP CONSTRAINT \"PK_e773c58d4852364d5403abfdc58\", ADD CONSTRAINT \"PK_9821920ea8bd3b7f3fcc90caefb\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP CONSTRAINT \"PK_2f36ee5236f2793f3e7bd554589\", ADD CONSTRAINT \"PK_f0bbfd96a1ff91b065f8a546842\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"unit_reading\" DROP CONSTRAINT \"PK_4b2aae56bb15d7ceeac1b4c7017\", ADD CONSTRAINT \"PK_8f28a3b817258ef567ebc5d53b5\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"sale_document\" DROP CONSTRAINT \"PK_9c03eed534baa7eedcc9e7ec737\", ADD CONSTRAINT \"PK_cb0dc4a03c061623cdb17d21e14\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"part_return_rule\" DROP CONSTRAINT \"PK_b76be8d5761846d3740c0813994\", ADD CONSTRAINT \"PK_58c492d5e80f9738174e82cfb70\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"PK_03de14ab9f58edc2a1c373b663d\", ADD CONSTRAINT \"PK_3f34cbe9ccd6c89854d0537bf8b\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"supplier\" DROP CONSTRAINT \"PK_2bc0d2cab6276144d2ff98a2828\", ADD CONSTRAINT \"PK_127354e585fc7d64a9632c294ac\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"supplier_contract\" DROP CONSTRAINT \"PK_8674fde5613c1ac01519e67cfac\", ADD CONSTRAINT \"PK_5e36b68a54e367b665b8da7e7fd\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"recovery_claim\" DROP CONSTRAINT \"PK_8e43ebcfae3cd8acaaa430340e0\", ADD CONSTRAINT \"PK_0cc852b19e7d6e6fddbf246824f\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"recovery_line\" DROP CONSTRAINT \"PK_110481e074c6faf1120879dacdd\", ADD CONSTRAINT \"PK_b983504050ea4dcd4d4bb50b01e\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" DROP CONSTRAINT \"PK_abd773719381b96f8dcc1ec4c2c\", ADD CONSTRAINT \"PK_e4188e6bca2e28aa221c6c6f107\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"service_plan\" DROP CONSTRAINT \"PK_c81b2c6d2a331f869e9c2aeee08\", ADD CONSTRAINT \"PK_cc0f66a0705bd79945a58089936\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" DROP CONSTRAINT \"PK_889c579bc788bccbce069322ac3\", ADD CONSTRAINT \"PK_2bff394d6df6986089204626aff\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"firmware_release\" DROP CONSTRAINT \"PK_a6ef2a3b6d55e295fac6e51e9e6\", ADD CONSTRAINT \"PK_673b43ed800fd53d748c39ca4f5\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("ALTER TABLE \"unit_telemetry\" DROP CONSTRAINT \"PK_057482107b85304256a33c19581\", ADD CONSTRAINT \"PK_90968e551897e59174903eb14f6\" PRIMARY KEY (\"org_id\", \"warranty_record_id\")");
    await queryRunner.query("ALTER TABLE \"unit_firmware\" DROP CONSTRAINT \"PK_19e1b3f3d49059a704f714e38df\", ADD CONSTRAINT \"PK_286406f5fd36625cc49ef514c74\" PRIMARY KEY (\"org_id\", \"warranty_record_id\", \"component\")");
    await queryRunner.query("ALTER TABLE \"telemetry_decision\" DROP CONSTRAINT \"PK_ff1d0fd6e9b41219ef0b5301879\", ADD CONSTRAINT \"PK_90980dacb5237af29096411bb4b\" PRIMARY KEY (\"org_id\", \"id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_claim_line_position\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_claim_line_position\" ON \"claim_line\" (\"org_id\", \"claim_id\", \"position\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_extension_record\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_extension_record\" ON \"extension_purchase\" (\"org_id\", \"warranty_record_id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_telemetry_decision\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_telemetry_decision\" ON \"telemetry_decision\" (\"org_id\", \"warranty_record_id\", \"release_id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_part_return_line\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_part_return_line\" ON \"part_return\" (\"org_id\", \"claim_line_id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_item_claim_live\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_item_claim_live\" ON \"service_item_claim\" (\"org_id\", \"warranty_record_id\", \"item_code\") WHERE \"deleted_at\" IS NULL");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_plan_item_code\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_plan_item_code\" ON \"service_plan_item\" (\"org_id\", \"plan_id\", \"code\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_calendar_day\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_calendar_day\" ON \"service_calendar_day\" (\"org_id\", \"calendar_id\", \"country_code\", \"day\")");
    await queryRunner.query("DROP INDEX \"public\".\"uq_recovery_line_claim_line\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_recovery_line_claim_line\" ON \"recovery_line\" (\"org_id\", \"claim_line_id\")");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD CONSTRAINT \"fk_record_policy\" FOREIGN KEY (\"org_id\", \"policy_id\") REFERENCES \"warranty_policy\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_event\" ADD CONSTRAINT \"fk_event_record\" FOREIGN KEY (\"org_id\", \"warranty_record_id\") REFERENCES \"warranty_record\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"fk_claim_service_calendar\" FOREIGN KEY (\"org_id\", \"service_calendar_id\") REFERENCES \"service_calendar\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"fk_claim_record\" FOREIGN KEY (\"org_id\", \"warranty_record_id\") REFERENCES \"warranty_record\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_claim\" FOREIGN KEY (\"org_id\", \"claim_id\") REFERENCES \"warranty_claim\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_record\" FOREIGN KEY (\"org_id\", \"warranty_record_id\") REFERENCES \"warranty_record\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_policy\" FOREIGN KEY (\"org_id\", \"policy_id\") REFERENCES \"warranty_policy\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"claim_line\" ADD CONSTRAINT \"fk_claim_line_claim\" FOREIGN KEY (\"org_id\", \"claim_id\") REFERENCES \"warranty_claim\"(\"org_id\", \"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"claim_line\" ADD CONSTRAINT \"fk_claim_line_operation\" FOREIGN KEY (\"org_id\", \"operation_id\") REFERENCES \"labour_operation\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"unit_reading\" ADD CONSTRAINT \"fk_reading_record\" FOREIGN KEY (\"org_id\", \"warranty_record_id\") REFERENCES \"warranty_record\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"extension_purchase\" ADD CONSTRAINT \"fk_extension_record\" FOREIGN KEY (\"org_id\", \"warranty_record_id\") REFERENCES \"warranty_record\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" ADD CONSTRAINT \"fk_service_item_claim_record\" FOREIGN KEY (\"org_id\", \"warranty_record_id\") REFERENCES \"warranty_record\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" ADD CONSTRAINT \"fk_service_plan_item_plan\" FOREIGN KEY (\"org_id\", \"plan_id\") REFERENCES \"service_plan\"(\"org_id\", \"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"sale_document\" ADD CONSTRAINT \"fk_sale_document_record\" FOREIGN KEY (\"org_id\", \"warranty_record_id\") REFERENCES \"warranty_record\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"part_return\" ADD CONSTRAINT \"fk_part_return_claim\" FOREIGN KEY (\"org_id\", \"claim_id\") REFERENCES \"warranty_claim\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"part_return\" ADD CONSTRAINT \"fk_part_return_line\" FOREIGN KEY (\"org_id\", \"claim_line_id\") REFERENCES \"claim_line\"(\"org_id\", \"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" ADD CONSTRAINT \"fk_service_calendar_day_calendar\" FOREIGN KEY (\"org_id\", \"calendar_id\") REFERENCES \"service_calendar\"(\"org_id\", \"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" DROP CONSTRAINT \"fk_service_calendar_day_calendar\"");
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"fk_part_return_line\"");
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"fk_part_return_claim\"");
    await queryRunner.query("ALTER TABLE \"sale_document\" DROP CONSTRAINT \"fk_sale_document_record\"");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" DROP CONSTRAINT \"fk_service_plan_item_plan\"");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" DROP CONSTRAINT \"fk_service_item_claim_record\"");
    await queryRunner.query("ALTER TABLE \"extension_purchase\" DROP CONSTRAINT \"fk_extension_record\"");
    await queryRunner.query("ALTER TABLE \"unit_reading\" DROP CONSTRAINT \"fk_reading_record\"");
    await queryRunner.query("ALTER TABLE \"claim_line\" DROP CONSTRAINT \"fk_claim_line_operation\"");
    await queryRunner.query("ALTER TABLE \"claim_line\" DROP CONSTRAINT \"fk_claim_line_claim\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_policy\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_record\"");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"fk_coverage_claim\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"fk_claim_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"fk_claim_service_calendar\"");
    await queryRunner.query("ALTER TABLE \"warranty_event\" DROP CONSTRAINT \"fk_event_record\"");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP CONSTRAINT \"fk_record_policy\"");
    await queryRunner.query("DROP INDEX \"public\".\"uq_recovery_line_claim_line\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"uq_recovery_line_claim_line\" ON \"recovery_line\" (\"claim_line_id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_calendar_day\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_calendar_day\" ON \"service_calendar_day\" (\"calendar_id\", \"country_code\", \"day\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_plan_item_code\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_plan_item_code\" ON \"service_plan_item\" (\"plan_id\", \"code\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_item_claim_live\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_item_claim_live\" ON \"service_item_claim\" (\"warranty_record_id\", \"item_code\") WHERE \"deleted_at\" IS NULL");
    await queryRunner.query("DROP INDEX \"public\".\"ux_part_return_line\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_part_return_line\" ON \"part_return\" (\"claim_line_id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_telemetry_decision\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_telemetry_decision\" ON \"telemetry_decision\" (\"warranty_record_id\", \"release_id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_extension_record\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_extension_record\" ON \"extension_purchase\" (\"warranty_record_id\")");
    await queryRunner.query("DROP INDEX \"public\".\"ux_claim_line_position\"");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_claim_line_position\" ON \"claim_line\" (\"claim_id\", \"position\")");
    await queryRunner.query("ALTER TABLE \"telemetry_decision\" DROP CONSTRAINT \"PK_90980dacb5237af29096411bb4b\", ADD CONSTRAINT \"PK_ff1d0fd6e9b41219ef0b5301879\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"unit_firmware\" DROP CONSTRAINT \"PK_286406f5fd36625cc49ef514c74\", ADD CONSTRAINT \"PK_19e1b3f3d49059a704f714e38df\" PRIMARY KEY (\"warranty_record_id\", \"component\")");
    await queryRunner.query("ALTER TABLE \"unit_telemetry\" DROP CONSTRAINT \"PK_90968e551897e59174903eb14f6\", ADD CONSTRAINT \"PK_057482107b85304256a33c19581\" PRIMARY KEY (\"warranty_record_id\")");
    await queryRunner.query("ALTER TABLE \"firmware_release\" DROP CONSTRAINT \"PK_673b43ed800fd53d748c39ca4f5\", ADD CONSTRAINT \"PK_a6ef2a3b6d55e295fac6e51e9e6\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" DROP CONSTRAINT \"PK_2bff394d6df6986089204626aff\", ADD CONSTRAINT \"PK_889c579bc788bccbce069322ac3\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"service_plan\" DROP CONSTRAINT \"PK_cc0f66a0705bd79945a58089936\", ADD CONSTRAINT \"PK_c81b2c6d2a331f869e9c2aeee08\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" DROP CONSTRAINT \"PK_e4188e6bca2e28aa221c6c6f107\", ADD CONSTRAINT \"PK_abd773719381b96f8dcc1ec4c2c\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"recovery_line\" DROP CONSTRAINT \"PK_b983504050ea4dcd4d4bb50b01e\", ADD CONSTRAINT \"PK_110481e074c6faf1120879dacdd\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"recovery_claim\" DROP CONSTRAINT \"PK_0cc852b19e7d6e6fddbf246824f\", ADD CONSTRAINT \"PK_8e43ebcfae3cd8acaaa430340e0\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"supplier_contract\" DROP CONSTRAINT \"PK_5e36b68a54e367b665b8da7e7fd\", ADD CONSTRAINT \"PK_8674fde5613c1ac01519e67cfac\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"supplier\" DROP CONSTRAINT \"PK_127354e585fc7d64a9632c294ac\", ADD CONSTRAINT \"PK_2bc0d2cab6276144d2ff98a2828\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"part_return\" DROP CONSTRAINT \"PK_3f34cbe9ccd6c89854d0537bf8b\", ADD CONSTRAINT \"PK_03de14ab9f58edc2a1c373b663d\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"part_return_rule\" DROP CONSTRAINT \"PK_58c492d5e80f9738174e82cfb70\", ADD CONSTRAINT \"PK_b76be8d5761846d3740c0813994\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"sale_document\" DROP CONSTRAINT \"PK_cb0dc4a03c061623cdb17d21e14\", ADD CONSTRAINT \"PK_9c03eed534baa7eedcc9e7ec737\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"unit_reading\" DROP CONSTRAINT \"PK_8f28a3b817258ef567ebc5d53b5\", ADD CONSTRAINT \"PK_4b2aae56bb15d7ceeac1b4c7017\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"outbox_message\" DROP CONSTRAINT \"PK_f0bbfd96a1ff91b065f8a546842\", ADD CONSTRAINT \"PK_2f36ee5236f2793f3e7bd554589\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"labour_rate\" DROP CONSTRAINT \"PK_9821920ea8bd3b7f3fcc90caefb\", ADD CONSTRAINT \"PK_e773c58d4852364d5403abfdc58\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"extension_purchase\" DROP CONSTRAINT \"PK_8edc1b1ad170831bcf6dd102835\", ADD CONSTRAINT \"PK_56da31ad2f44e3039580d74177c\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"coverage\" DROP CONSTRAINT \"PK_469eca7b4931b3d75453c4359ee\", ADD CONSTRAINT \"PK_e3911843c32676f2d48a6340c53\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"claim_line\" DROP CONSTRAINT \"PK_b5c0fb835b78441c8feddd857ba\", ADD CONSTRAINT \"PK_e151a204987b27fd0e1cbb63bc0\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"PK_c1c6eddbe5ef7458b290c41627e\", ADD CONSTRAINT \"PK_45e4b1ef75168da967bfc4bd657\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" DROP CONSTRAINT \"PK_c4264adaf155fb4dbe5eceb3b8d\", ADD CONSTRAINT \"PK_cba56c6daff2d10357cd5ae33e2\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"service_calendar\" DROP CONSTRAINT \"PK_83a34398090134ce7b70a2d7c03\", ADD CONSTRAINT \"PK_2f7a898bef68b368045dea2a27d\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"labour_operation\" DROP CONSTRAINT \"PK_315f87342505a6705b204b56797\", ADD CONSTRAINT \"PK_25e65626c0b330b57dfafc3e537\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"campaign_event\" DROP CONSTRAINT \"PK_4a64ed0ea5742e8f7cdf2b9ddb5\", ADD CONSTRAINT \"PK_20a403f0d230e84ab1cf9fb94bd\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"campaign_unit\" DROP CONSTRAINT \"PK_0d3155ea5165fa3fbeca788fb41\", ADD CONSTRAINT \"PK_018b46f63c70881232fef3eb589\" PRIMARY KEY (\"campaign_id\", \"warranty_record_id\")");
    await queryRunner.query("ALTER TABLE \"campaign_sku_range\" DROP CONSTRAINT \"PK_df252b927b8d37e18655d6c3fa7\", ADD CONSTRAINT \"PK_fe5b32332436efb2380f055e83b\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"campaign\" DROP CONSTRAINT \"PK_abb023b23cf2748edc6bac32c68\", ADD CONSTRAINT \"PK_0ce34d26e7f2eb316a3a592cdc4\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"warranty_event\" DROP CONSTRAINT \"PK_3e0b471cbfde795ee3937fe419b\", ADD CONSTRAINT \"PK_56d86c017075419c5e39282661b\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"warranty_record\" DROP CONSTRAINT \"PK_9f6e7d0bf69c8066f5d5481aae0\", ADD CONSTRAINT \"PK_a6a06acb46870e18b3164fdd594\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP CONSTRAINT \"PK_faaa70b4ba0fc8350d29695c966\", ADD CONSTRAINT \"PK_604474b4f752306a9b93a44001b\" PRIMARY KEY (\"id\")");
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" ADD CONSTRAINT \"fk_service_calendar_day_calendar\" FOREIGN KEY (\"calendar_id\") REFERENCES \"service_calendar\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"part_return\" ADD CONSTRAINT \"fk_part_return_line\" FOREIGN KEY (\"claim_line_id\") REFERENCES \"claim_line\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"part_return\" ADD CONSTRAINT \"fk_part_return_claim\" FOREIGN KEY (\"claim_id\") REFERENCES \"warranty_claim\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"sale_document\" ADD CONSTRAINT \"fk_sale_document_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"service_plan_item\" ADD CONSTRAINT \"fk_service_plan_item_plan\" FOREIGN KEY (\"plan_id\") REFERENCES \"service_plan\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"service_item_claim\" ADD CONSTRAINT \"fk_service_item_claim_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"extension_purchase\" ADD CONSTRAINT \"fk_extension_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"unit_reading\" ADD CONSTRAINT \"fk_reading_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"claim_line\" ADD CONSTRAINT \"fk_claim_line_operation\" FOREIGN KEY (\"operation_id\") REFERENCES \"labour_operation\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"claim_line\" ADD CONSTRAINT \"fk_claim_line_claim\" FOREIGN KEY (\"claim_id\") REFERENCES \"warranty_claim\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_policy\" FOREIGN KEY (\"policy_id\") REFERENCES \"warranty_policy\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"coverage\" ADD CONSTRAINT \"fk_coverage_claim\" FOREIGN KEY (\"claim_id\") REFERENCES \"warranty_claim\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"fk_claim_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"fk_claim_service_calendar\" FOREIGN KEY (\"service_calendar_id\") REFERENCES \"service_calendar\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_event\" ADD CONSTRAINT \"fk_event_record\" FOREIGN KEY (\"warranty_record_id\") REFERENCES \"warranty_record\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_record\" ADD CONSTRAINT \"fk_record_policy\" FOREIGN KEY (\"policy_id\") REFERENCES \"warranty_policy\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
  }
}
