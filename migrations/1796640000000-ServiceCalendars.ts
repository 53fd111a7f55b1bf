import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service calendars as versioned data (rule 9): per organisation and region (or the organisation's default, `*`),
 * the service days and hours and the closing days, each version never edited; a claim keeps the version it was
 * opened under (warranty_claim.service_calendar_id). What the policies' service columns and the company days held
 * moves into the new rows, so every existing claim keeps its targets; the policy columns and company_day go.
 */
export class ServiceCalendars1796640000000 implements MigrationInterface {
  name = 'ServiceCalendars1796640000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("CREATE TABLE \"service_calendar\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"region\" text NOT NULL, \"version\" integer NOT NULL, \"effective_from\" date NOT NULL, \"service_days\" smallint array NOT NULL, \"opens_minute\" smallint NOT NULL, \"closes_minute\" smallint NOT NULL, \"published_by_id\" text, \"created_at\" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT \"ck_service_calendar_region\" CHECK (\"region\" = '*' OR \"region\" ~ '^[A-Z]{2}(-[A-Z]{2})*$'), CONSTRAINT \"ck_service_calendar_days\" CHECK (cardinality(\"service_days\") BETWEEN 1 AND 7 AND \"service_days\" <@ ARRAY[1,2,3,4,5,6,7]::smallint[]), CONSTRAINT \"ck_service_calendar_hours\" CHECK (\"opens_minute\" >= 0 AND \"opens_minute\" < \"closes_minute\" AND \"closes_minute\" <= 1440), CONSTRAINT \"PK_2f7a898bef68b368045dea2a27d\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE INDEX \"ix_service_calendar_lookup\" ON \"service_calendar\" (\"org_id\", \"region\", \"effective_from\") ");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_calendar_version\" ON \"service_calendar\" (\"org_id\", \"region\", \"version\") ");
    await queryRunner.query("CREATE TABLE \"service_calendar_day\" (\"id\" uuid NOT NULL, \"org_id\" text NOT NULL, \"calendar_id\" uuid NOT NULL, \"country_code\" text NOT NULL DEFAULT '*', \"day\" date NOT NULL, \"name\" text NOT NULL, CONSTRAINT \"ck_service_calendar_day_country\" CHECK (\"country_code\" = '*' OR \"country_code\" ~ '^[A-Z]{2}$'), CONSTRAINT \"PK_cba56c6daff2d10357cd5ae33e2\" PRIMARY KEY (\"id\"))");
    await queryRunner.query("CREATE UNIQUE INDEX \"ux_service_calendar_day\" ON \"service_calendar_day\" (\"calendar_id\", \"country_code\", \"day\") ");

    // Every organisation with policies or company days gets a default calendar (version 1, in force from the first
    // date a client may send): the standard week the policies' columns held by default, 09:00–17:00 Monday to Friday.
    await queryRunner.query(
      `INSERT INTO "service_calendar" ("id", "org_id", "region", "version", "effective_from", "service_days", "opens_minute", "closes_minute", "published_by_id")
       SELECT gen_random_uuid(), o.org_id, '*', 1, '1900-01-01', '{1,2,3,4,5}', 540, 1020, NULL
         FROM (SELECT org_id FROM "warranty_policy" UNION SELECT org_id FROM "company_day") o`,
    );
    // A region whose latest policy version kept other service hours or days gets a calendar of its own with them.
    await queryRunner.query(
      `INSERT INTO "service_calendar" ("id", "org_id", "region", "version", "effective_from", "service_days", "opens_minute", "closes_minute", "published_by_id")
       SELECT gen_random_uuid(), p.org_id, p.region, 1, '1900-01-01', p.service_days, p.service_opens_minute, p.service_closes_minute, NULL
         FROM (SELECT DISTINCT ON (org_id, region) org_id, region, service_days, service_opens_minute, service_closes_minute
                 FROM "warranty_policy" ORDER BY org_id, region, effective_from DESC, version DESC) p
        WHERE p.service_days <> '{1,2,3,4,5}' OR p.service_opens_minute <> 540 OR p.service_closes_minute <> 1020`,
    );
    // The company days (per country or for all) close every calendar of their organisation, as they did.
    await queryRunner.query(
      `INSERT INTO "service_calendar_day" ("id", "org_id", "calendar_id", "country_code", "day", "name")
       SELECT gen_random_uuid(), d.org_id, c.id, d.country_code, d.day, d.name FROM "company_day" d JOIN "service_calendar" c ON c.org_id = d.org_id`,
    );
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD \"service_calendar_id\" uuid");

    // Each claim keeps the calendar that reproduces its targets: its policy region's own, else the default.
    await queryRunner.query(
      `UPDATE "warranty_claim" w SET "service_calendar_id" = coalesce(
         (SELECT c.id FROM "service_calendar" c WHERE c.org_id = w.org_id AND c.region = p.region),
         (SELECT c.id FROM "service_calendar" c WHERE c.org_id = w.org_id AND c.region = '*'))
         FROM "warranty_record" r JOIN "warranty_policy" p ON p.id = r.policy_id
        WHERE r.id = w.warranty_record_id`,
    );
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" ADD CONSTRAINT \"fk_service_calendar_day_calendar\" FOREIGN KEY (\"calendar_id\") REFERENCES \"service_calendar\"(\"id\") ON DELETE CASCADE ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" ADD CONSTRAINT \"fk_claim_service_calendar\" FOREIGN KEY (\"service_calendar_id\") REFERENCES \"service_calendar\"(\"id\") ON DELETE RESTRICT ON UPDATE NO ACTION");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP CONSTRAINT \"ck_policy_service_hours\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"service_opens_minute\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"service_closes_minute\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" DROP COLUMN \"service_days\"");
    await queryRunner.query(`DROP INDEX "public"."ux_company_day"`);
    await queryRunner.query(`DROP TABLE "company_day"`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "company_day" ("id" uuid NOT NULL, "org_id" text NOT NULL, "country_code" text NOT NULL DEFAULT '*', "day" date NOT NULL, "name" text NOT NULL, CONSTRAINT "ck_company_day_country" CHECK ("country_code" = '*' OR "country_code" ~ '^[A-Z]{2}$'), CONSTRAINT "PK_3afce740b5fc91c67513fb23cbf" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_company_day" ON "company_day" ("org_id", "country_code", "day") `);
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP CONSTRAINT \"fk_claim_service_calendar\"");
    await queryRunner.query("ALTER TABLE \"service_calendar_day\" DROP CONSTRAINT \"fk_service_calendar_day_calendar\"");
    await queryRunner.query("ALTER TABLE \"warranty_claim\" DROP COLUMN \"service_calendar_id\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"service_days\" smallint array NOT NULL DEFAULT '{1,2,3,4,5}'");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"service_closes_minute\" smallint NOT NULL DEFAULT '1020'");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD \"service_opens_minute\" smallint NOT NULL DEFAULT '540'");
    // Back to one set of company days and one service week per organisation: its default calendar's latest version.
    await queryRunner.query(
      `INSERT INTO "company_day" ("id", "org_id", "country_code", "day", "name")
       SELECT gen_random_uuid(), d.org_id, d.country_code, d.day, d.name FROM "service_calendar_day" d
        WHERE d.calendar_id IN (SELECT DISTINCT ON (org_id) id FROM "service_calendar" WHERE region = '*' ORDER BY org_id, version DESC)`,
    );
    await queryRunner.query(
      `UPDATE "warranty_policy" p SET "service_days" = c.service_days, "service_opens_minute" = c.opens_minute, "service_closes_minute" = c.closes_minute
         FROM (SELECT DISTINCT ON (org_id) org_id, service_days, opens_minute, closes_minute FROM "service_calendar" WHERE region = '*' ORDER BY org_id, version DESC) c
        WHERE c.org_id = p.org_id`,
    );
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_calendar_day\"");
    await queryRunner.query("DROP TABLE \"service_calendar_day\"");
    await queryRunner.query("DROP INDEX \"public\".\"ux_service_calendar_version\"");
    await queryRunner.query("DROP INDEX \"public\".\"ix_service_calendar_lookup\"");
    await queryRunner.query("DROP TABLE \"service_calendar\"");
    await queryRunner.query("ALTER TABLE \"warranty_policy\" ADD CONSTRAINT \"ck_policy_service_hours\" CHECK (((service_opens_minute >= 0) AND (service_opens_minute < service_closes_minute) AND (service_closes_minute <= 1440)))");
  }
}
