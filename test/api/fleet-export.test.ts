import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * `npm run export` for real (a child process) over a seeded fleet, the file read back by an independent reader
 * (DuckDB): its row counts per kind, its column types, and the anchor, source and status of sampled units equal to
 * the API's bulk lookup of the same units on the same day.
 */
const ROOT = join(__dirname, '..', '..');
const AS_OF = '2026-11-24';

function runExport(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/export.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: process.env.TEST_DATABASE_URL!, LOG_LEVEL: 'silent', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the fleet export', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let dir: string;

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const { data, errors } = await t.graphql(query, variables, admin);
    expect(errors).toBeUndefined();
    return data;
  };
  const register = async (serialNumber: string, sku: string, extra: Record<string, unknown>) => {
    const { registerWarranty } = await gql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code message } } }`,
      { input: { serialNumber, sku, site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2025-01-15', ...extra } },
    );
    expect(registerWarranty.userErrors).toEqual([]);
  };

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt(AS_OF) });
    org = await createTestOrg(t.dataSource, 'export');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    dir = mkdtempSync(join(tmpdir(), 'fleet-export-'));
    await gql(
      `mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { userErrors { message } } }`,
      { input: { productFamily: 'VEHICLE', items: [
        { code: 'INSPECTION_12M', name: 'Inspection 12 months', dueMonths: 12, dueKm: 15000, windowBeforeDays: 30, windowAfterDays: 30, windowBeforeKm: 1500, windowAfterKm: 1500, value: { amount: '149.50', currency: 'EUR' } },
        { code: 'INSPECTION_24M', name: 'Inspection 24 months', dueMonths: 24, value: { amount: '219', currency: 'EUR' } },
      ] } },
    );
    // Six sold vans, three vans in broker stock (one claimed), one inverter (no plan): the kinds the bulk lookup tells apart.
    // Items: 6 × 2 for the sold vans and 2 for the claimed broker van; coverages: one per unit.
    for (let i = 0; i < 6; i++) await register(`EXP-SOLD-${i}`, 'DEMO-VAN-36', { sale: { invoiceDate: `2025-1${i % 3}-0${i + 1}` } });
    for (let i = 0; i < 3; i++) await register(`EXP-BROKER-${i}`, 'DEMO-VAN-36', { supplyChainStage: 'BROKER', sale: { invoiceDate: '2025-09-01' } });
    await register('EXP-INVERTER-0', 'SOFAR-INV-10KTL-X-G2', { commissioningDate: '2025-03-01' });
    const claimed = await gql(
      `mutation { claimServiceItem(input: { serialNumber: "EXP-BROKER-0", itemCode: "INSPECTION_12M", claimDate: "2026-10-01", odometerKm: 12000 }) { userErrors { code message } } }`,
    );
    expect(claimed.claimServiceItem.userErrors).toEqual([]);
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t.stop();
  });

  it('writes the bulk lookup of every unit as Parquet that DuckDB reads, equal to the API for the same units', async () => {
    const out = join(dir, 'fleet.parquet');
    const run = await runExport(['--out', out, '--org', org, '--at', AS_OF]);
    expect(run.stderr).not.toContain('failed');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^exported 24 rows \(14 service items, 10 coverages\) of 10 units as of 2026-11-24 to .*fleet\.parquet: .* MiB in .* s/m);
    expect(readdirSync(dir)).toEqual(['fleet.parquet']);

    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const read = async (sql: string) => (await duck.runAndReadAll(sql.replaceAll('$file', `'${out}'`))).getRowObjectsJson();
    expect(await read(`SELECT row_kind, count(*)::int AS n FROM read_parquet($file) GROUP BY row_kind ORDER BY row_kind`)).toEqual([
      { row_kind: 'COVERAGE', n: 10 },
      { row_kind: 'SERVICE_ITEM', n: 14 },
    ]);
    const types = Object.fromEntries(
      (await read(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($file))`)).map((r: any) => [r.column_name, r.column_type]),
    );
    expect(types).toMatchObject({ as_of: 'DATE', anchor_date: 'DATE', due_date: 'DATE', due_km: 'INTEGER', broker_stock: 'BOOLEAN', value_amount: 'DECIMAL(18,4)', serial_number: 'VARCHAR' });

    // Each sampled unit: the file's item rows against the API's bulk lookup on the same day.
    for (const serial of ['EXP-SOLD-0', 'EXP-SOLD-4', 'EXP-BROKER-0', 'EXP-BROKER-1', 'EXP-INVERTER-0']) {
      const api = (await gql(`query($serial: String!) { serviceItems(serialNumber: $serial, ignoreBrokerStock: false, asOf: "${AS_OF}") {
        freeServiceStartDate source deFactoServiceStartDate items { code dueDate status value { amount } } } }`, { serial })).serviceItems;
      const rows = await read(`SELECT item_code, anchor_date::text AS anchor_date, anchor_source, de_facto_date::text AS de_facto_date, due_date::text AS due_date, status, value_amount::text AS value_amount
        FROM read_parquet($file) WHERE serial_number = '${serial}' AND row_kind = 'SERVICE_ITEM' ORDER BY item_code`);
      expect(rows.map((r: any) => ({ code: r.item_code, dueDate: r.due_date, status: r.status }))).toEqual(api.items.map((i: any) => ({ code: i.code, dueDate: i.dueDate, status: i.status })));
      for (const row of rows) expect(row).toMatchObject({ anchor_date: api.freeServiceStartDate, anchor_source: api.source, de_facto_date: api.deFactoServiceStartDate });
      const coverage = await read(`SELECT count(*)::int AS n, min(anchor_source) AS source FROM read_parquet($file) WHERE serial_number = '${serial}' AND row_kind = 'COVERAGE'`);
      expect(coverage).toEqual([{ n: 1, source: api.source }]);
    }
    // Broker stock without a claim has no anchor in the bulk lookup: no item rows; the claimed one is anchored de facto.
    expect(await read(`SELECT serial_number, count(*) FILTER (WHERE row_kind = 'SERVICE_ITEM')::int AS items, max(anchor_source) AS source FROM read_parquet($file) WHERE serial_number LIKE 'EXP-BROKER-%' GROUP BY 1 ORDER BY 1`)).toEqual([
      { serial_number: 'EXP-BROKER-0', items: 2, source: 'DE_FACTO' },
      { serial_number: 'EXP-BROKER-1', items: 0, source: null },
      { serial_number: 'EXP-BROKER-2', items: 0, source: null },
    ]);
    expect(await read(`SELECT value_amount::text AS v FROM read_parquet($file) WHERE serial_number = 'EXP-SOLD-0' AND item_code = 'INSPECTION_12M'`)).toEqual([{ v: '149.5000' }]);
  });

  it("streams the same projection over HTTP to a WARRANTY_ADMIN, for the token's organisation only", async () => {
    const url = new URL(`/exports/fleet.parquet?at=${AS_OF}`, t.url);
    const response = await fetch(url, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="fleet-${org}-${AS_OF}.parquet"`);
    const file = join(dir, 'download.parquet');
    writeFileSync(file, Buffer.from(await response.arrayBuffer()));
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const counts = (await duck.runAndReadAll(`SELECT count(*)::int AS n, count(DISTINCT org_id)::int AS orgs FROM read_parquet('${file}')`)).getRowObjectsJson();
    expect(counts).toEqual([{ n: 24, orgs: 1 }]);

    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await tokenFor(org, ['AGENT'])}` } })).status).toBe(403);
    for (const day of ['2026-02-30', '2026-13-01']) {
      const badDay = await fetch(new URL(`/exports/fleet.parquet?at=${day}`, t.url), { headers: { authorization: `Bearer ${admin}` } });
      expect([badDay.status, ((await badDay.json()) as any).errors[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', field: ['at'] }]);
    }
  });

  it('fails before reading the database when the target cannot be written, and leaves nothing when the export fails', async () => {
    const unwritable = await runExport(['--out', join(dir, 'no-such-folder', 'fleet.parquet')], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toContain('cannot write');

    const target = join(dir, 'failed.parquet');
    const failed = await runExport(['--out', target], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('nothing was written');
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes('failed'))).toEqual([]);

    const usage = await runExport(['--out', target, '--at', '2026-02-30']);
    expect([usage.code, usage.stderr]).toEqual([2, expect.stringContaining('calendar date')]);
  });
});
