/**
 * A schema ready to be distributed by organisation (issue 21, decision 0012), read from the PostgreSQL catalogue
 * of a freshly migrated database: every table carries a NOT NULL org_id; every primary key, unique constraint and
 * unique index (partial ones too) has org_id as its first column; every foreign key pairs the referencing org_id
 * with the referenced table's org_id. A new table or key that breaks this fails here with its name.
 * The statements the API sends are checked for joins across organisations by test/support/org-joins.ts.
 */
import { Client } from 'pg';
import { createDataSource } from '../../src/data-source';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';

/** Tables without org_id, each with its reason. Keep this list as short as the truth allows. */
const TABLES_WITHOUT_ORG: Record<string, string> = {
  typeorm_migrations: "TypeORM's own list of the migrations run: about the schema, not about any organisation's data",
};

/** Keys without org_id first, each with its reason. */
const KEYS_WITHOUT_ORG: Record<string, string> = {
  'typeorm_migrations.PK_bb2f075707dd300ba86d0208923': "TypeORM's own table (above)",
  'claim_case.pk_claim_case':
    'rule 14: a CSP case id belongs to one organisation across all of them, so the key is the case id alone (the ' +
    'row names the owner). Distributed, it is a table of its own keyed by case_id, not co-located with the rest; ' +
    'only takeCase reads it, by case id (docs/SCALING.md#distribution-by-organisation)',
};

let scratch: ScratchDatabase;
let client: Client;

beforeAll(async () => {
  scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
  const dataSource = createDataSource(scratch.url, 1);
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  client = new Client({ connectionString: scratch.url });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client?.end();
  await scratch?.dispose();
});

async function tablesWithoutOrg(): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT c.relname FROM pg_class c
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND (a.attnum IS NULL OR NOT a.attnotnull)
      ORDER BY 1`,
  );
  return rows.map((r) => r.relname);
}

/** Every unique index (those behind primary keys and unique constraints too) whose first column is not org_id. */
async function keysWithoutOrgFirst(): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT c.relname AS table, ic.relname AS key, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_class ic ON ic.oid = i.indexrelid
       LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
      WHERE c.relnamespace = 'public'::regnamespace AND i.indisunique AND a.attname IS DISTINCT FROM 'org_id'
      ORDER BY 1, 2`,
  );
  return rows.map((r) => `${r.table}.${r.key}`);
}

/** Every foreign key that does not pair its table's org_id with the referenced table's org_id. */
async function foreignKeysWithoutOrg(): Promise<string[]> {
  const { rows } = await client.query(
    `SELECT f.conrelid::regclass::text AS table, f.conname AS key, pg_get_constraintdef(f.oid) AS def
       FROM pg_constraint f
      WHERE f.connamespace = 'public'::regnamespace AND f.contype = 'f'
        AND NOT EXISTS (
          SELECT 1 FROM unnest(f.conkey, f.confkey) AS k(own, referenced)
            JOIN pg_attribute oa ON oa.attrelid = f.conrelid AND oa.attnum = k.own
            JOIN pg_attribute ra ON ra.attrelid = f.confrelid AND ra.attnum = k.referenced
           WHERE oa.attname = 'org_id' AND ra.attname = 'org_id')
      ORDER BY 1, 2`,
  );
  return rows.map((r) => `${r.table}.${r.key}: ${r.def}`);
}

describe('a schema ready to be distributed by organisation (catalogue of a freshly migrated database)', () => {
  it('every table carries a NOT NULL org_id, but for the listed exceptions', async () => {
    expect(await tablesWithoutOrg()).toEqual(Object.keys(TABLES_WITHOUT_ORG).sort());
  });

  it('every primary key, unique constraint and unique index (partial ones too) has org_id as its first column, but for the listed exceptions', async () => {
    expect(await keysWithoutOrgFirst()).toEqual(Object.keys(KEYS_WITHOUT_ORG).sort());
  });

  it("every foreign key pairs the referencing table's org_id with the referenced table's org_id", async () => {
    expect(await foreignKeysWithoutOrg()).toEqual([]);
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype = 'f'`);
    expect(rows[0].n).toBeGreaterThan(10); // the check above looked at real foreign keys
  });

  it('the migration that moved the keys is reversed by its down migration, and runs again', async () => {
    const dataSource = createDataSource(scratch.url, 1);
    await dataSource.initialize();
    try {
      // Later migrations are undone first, down to this one.
      const ran = async () => (await client.query(`SELECT 1 FROM typeorm_migrations WHERE name = 'KeysByOrganisation1796750000000'`)).rowCount;
      while (await ran()) await dataSource.undoLastMigration();
      const { rows } = await client.query(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'warranty_record'::regclass AND contype = 'p'`,
      );
      expect(rows[0].def).toBe('PRIMARY KEY (id)');
      expect((await keysWithoutOrgFirst()).length).toBeGreaterThan(30);
      await dataSource.runMigrations();
    } finally {
      await dataSource.destroy();
    }
    expect(await keysWithoutOrgFirst()).toEqual(Object.keys(KEYS_WITHOUT_ORG).sort());
    expect(await foreignKeysWithoutOrg()).toEqual([]);
  });
});
