import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { captureLogs } from '../support/log-capture';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { copyStatement } from '../../bench/seed';

/**
 * GET /exports/fleet.parquet over 100,000 units, with a pooled statement timeout far shorter than the export (300 ms):
 * the export's transaction runs under its own budget (EXPORT_TIMEOUT_MS), so the whole file arrives and reads back.
 * And the export's own deadline stops the work, not only the answer: with a client that reads nothing, the export is
 * held on backpressure until its deadline; then its SQL is no longer running, its connection is back in the pool,
 * the client's download is visibly cut, one line is logged, and the server answers the next request.
 */
const AS_OF = '2026-11-24';
const COPIES = 10_000; // of each of the 10 registered units: 100,000 units
const SEEDS = 10;

/** `INSERT INTO table (…) SELECT …`: each column copied from `alias` unless overridden (the bench's seeding statement). */
async function copyInto(client: Client, table: string, alias: string, overrides: Record<string, string>, from: string, params: unknown[]): Promise<number> {
  const result = await client.query(await copyStatement(client, table, alias, overrides, from), params);
  return result.rowCount ?? 0;
}

/**
 * A GET whose response body is not read until `finish` is called: the server's writes back up once the sockets'
 * buffers are full. `finish` reads the rest and tells whether the body arrived whole or was cut.
 */
function getWithoutReading(url: URL, token: string): Promise<{ response: IncomingMessage; finish(): Promise<'complete' | 'cut'> }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { headers: { authorization: `Bearer ${token}` } }, (response) => {
      response.pause();
      const ended = new Promise<'complete' | 'cut'>((done) => {
        response.once('end', () => done('complete'));
        response.once('aborted', () => done('cut'));
        response.once('error', () => done('cut'));
        response.once('close', () => done(response.complete ? 'complete' : 'cut'));
      });
      resolve({
        response,
        finish: () => {
          response.resume();
          return ended;
        },
      });
    });
    request.once('error', reject);
    request.end();
  });
}

/** Waits (without a clock of its own: up to a minute, checking every 50 ms) until `found` says yes. */
async function until(found: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !found(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the fleet export endpoint over 100,000 units', () => {
  let t: TestApp;
  let short: TestApp;
  let org: string;
  let admin: string;
  let dir: string;
  let seeder: Client;

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const { data, errors } = await t.graphql(query, variables, admin);
    expect(errors).toBeUndefined();
    return data;
  };

  beforeAll(async () => {
    // The pooled statement timeout is far below the export's time; the export's own deadline is generous here,
    // one second on `short`.
    t = await startTestApp({ clock: clockAt(AS_OF), env: { DB_STATEMENT_TIMEOUT_MS: '300', EXPORT_TIMEOUT_MS: '600000' } });
    short = await startTestApp({ clock: clockAt(AS_OF), env: { DB_STATEMENT_TIMEOUT_MS: '300', EXPORT_TIMEOUT_MS: '1000' } });
    org = await createTestOrg(t.dataSource, 'export-large');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    dir = mkdtempSync(join(tmpdir(), 'fleet-export-large-'));
    await gql(
      `mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { userErrors { message } } }`,
      { input: { productFamily: 'VEHICLE', items: [
        { code: 'INSPECTION_12M', name: 'Inspection 12 months', dueMonths: 12, dueKm: 15000, value: { amount: '149.50', currency: 'EUR' } },
        { code: 'INSPECTION_24M', name: 'Inspection 24 months', dueMonths: 24, value: { amount: '219', currency: 'EUR' } },
      ] } },
    );
    const register = async (serialNumber: string, sku: string, extra: Record<string, unknown>) => {
      const { registerWarranty } = await gql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code message } } }`,
        { input: { serialNumber, sku, site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2025-01-15', ...extra } },
      );
      expect(registerWarranty.userErrors).toEqual([]);
    };
    // Ten units registered through the API (six sold vans: two items each; three broker vans and an inverter: none),
    // then each copied 9,999 times with set-based SQL, coverages included.
    for (let i = 0; i < 6; i++) await register(`BIG-SOLD-${i}`, 'DEMO-VAN-36', { sale: { invoiceDate: `2025-1${i % 3}-0${i + 1}` } });
    for (let i = 0; i < 3; i++) await register(`BIG-BROKER-${i}`, 'DEMO-VAN-36', { supplyChainStage: 'BROKER', sale: { invoiceDate: '2025-09-01' } });
    await register('BIG-INVERTER-0', 'SOFAR-INV-10KTL-X-G2', { commissioningDate: '2025-03-01' });

    seeder = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await seeder.connect();
    await seeder.query(
      `CREATE TEMP TABLE big_copy AS
       SELECT s.org_id, s.id AS seed_id, gen_random_uuid() AS id, s.serial_number || '-' || lpad(g::text, 5, '0') AS serial_number
         FROM warranty_record s CROSS JOIN generate_series(1, $2::int - 1) AS g WHERE s.org_id = $1`,
      [org, COPIES],
    );
    const records = await copyInto(seeder, 'warranty_record', 's', { id: 'm.id', serial_number: 'm.serial_number' }, 'FROM big_copy m JOIN warranty_record s ON s.org_id = m.org_id AND s.id = m.seed_id', []);
    const coverages = await copyInto(seeder, 'coverage', 'c', { id: 'gen_random_uuid()', warranty_record_id: 'm.id' }, 'FROM big_copy m JOIN coverage c ON c.org_id = m.org_id AND c.warranty_record_id = m.seed_id', []);
    expect([records, coverages]).toEqual([SEEDS * (COPIES - 1), SEEDS * (COPIES - 1)]);
    await seeder.query('ANALYZE warranty_record, coverage');
  }, 300_000);

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await seeder?.end();
    await short?.stop();
    await t?.stop();
  });

  it('serves the whole file though the export runs far past the pooled statement timeout', async () => {
    const response = await fetch(new URL(`/exports/fleet.parquet?at=${AS_OF}`, t.url), { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    const file = join(dir, 'fleet.parquet');
    await pipeline(Readable.fromWeb(response.body as never), createWriteStream(file));

    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const read = async (sql: string) => (await duck.runAndReadAll(sql.replaceAll('$file', `'${file}'`))).getRowObjectsJson();
    expect(await read(`SELECT count(DISTINCT serial_number)::int AS units, count(DISTINCT org_id)::int AS orgs FROM read_parquet($file)`)).toEqual([{ units: SEEDS * COPIES, orgs: 1 }]);
    expect(await read(`SELECT row_kind, count(*)::int AS n FROM read_parquet($file) GROUP BY row_kind ORDER BY row_kind`)).toEqual([
      { row_kind: 'COVERAGE', n: SEEDS * COPIES },
      { row_kind: 'SERVICE_ITEM', n: 6 * COPIES * 2 },
    ]);
    // The pooled connections kept their own statement timeout: the export's was for its transaction only.
    expect(await t.dataSource.query('SHOW statement_timeout')).toEqual([{ statement_timeout: '300ms' }]);
  }, 240_000);

  it('`npm run export` is not cut by a statement timeout the database sets for its sessions either', async () => {
    // An operator's default for the role or the database (here through PGOPTIONS, as libpq's): 500 ms.
    const out = join(dir, 'cli.parquet');
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/export.ts', '--out', out, '--org', org, '--at', AS_OF], {
        cwd: join(__dirname, '..', '..'),
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: process.env.TEST_DATABASE_URL!, LOG_LEVEL: 'silent', PGOPTIONS: '-c statement_timeout=500' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    expect([run.code, run.stderr.includes('failed')]).toEqual([0, false]);
    expect(run.stdout).toContain(`of ${SEEDS * COPIES} units`);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const counts = (await duck.runAndReadAll(`SELECT count(DISTINCT serial_number)::int AS units FROM read_parquet('${out}')`)).getRowObjectsJson();
    expect(counts).toEqual([{ units: SEEDS * COPIES }]);
  }, 240_000);

  it('stops the work at EXPORT_TIMEOUT_MS: the SQL ends, the connection is back in the pool, the download is cut, the server answers', async () => {
    const logs = captureLogs('info');
    try {
      const download = await getWithoutReading(new URL(`/exports/fleet.parquet?at=${AS_OF}`, short.url), admin);
      expect(download.response.statusCode).toBe(200);
      // 100,000 units are about 13 MB of Parquet, far more than the sockets hold: the export waits on the client
      // until its deadline. Its one line is logged after the rollback and the release.
      await until(() => logs.lines.some((l) => l.msg === 'fleet export stopped'));
      expect(logs.lines.filter((l) => l.msg === 'fleet export stopped')).toEqual([
        expect.objectContaining({ level: 'warn', orgId: org, reason: 'REQUEST_TIMEOUT', connection: 'returned' }),
      ]);
      expect(logs.lines.filter((l) => l.level === 'error')).toEqual([]);
      // The client learns that the file is not whole: the connection was broken before the last chunk.
      expect(await download.finish()).toBe('cut');

      const pool = (short.dataSource.driver as PostgresDriver).master as Pool;
      const monitor = new Client({ connectionString: process.env.TEST_DATABASE_URL });
      await monitor.connect();
      try {
        // No statement of the export's is running or holding a transaction open.
        const { rows } = await monitor.query(
          `SELECT pid, state, query FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%FROM warranty_record r%' AND state <> 'idle'`,
        );
        expect(rows).toEqual([]);
        // Every pooled connection is free again (the export's was rolled back and returned, not leaked).
        expect({ waiting: pool.waitingCount, checkedOut: pool.totalCount - pool.idleCount }).toEqual({ waiting: 0, checkedOut: 0 });
        // The returned connection is clean: outside a transaction, with the pool's statement timeout.
        const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
        try {
          for (const client of clients) {
            const { rows: [state] } = await client.query(`SELECT current_setting('statement_timeout') AS timeout, now() = statement_timestamp() AS "ownTransaction"`);
            expect(state).toEqual({ timeout: '300ms', ownTransaction: true });
          }
        } finally {
          for (const client of clients) client.release();
        }
      } finally {
        await monitor.end();
      }

      // The server still answers, and a second export may start (the one-at-a-time slot was given back).
      expect((await fetch(new URL('/health', short.url))).status).toBe(200);
      const again = await getWithoutReading(new URL(`/exports/fleet.parquet?at=${AS_OF}`, short.url), admin);
      expect(again.response.statusCode).toBe(200);
      // A client that goes away stops it too.
      again.response.destroy();
      await until(() => logs.lines.filter((l) => l.msg === 'fleet export stopped').length === 2);
      expect(logs.lines.filter((l) => l.msg === 'fleet export stopped')[1]).toMatchObject({ reason: 'CLIENT_CLOSED_REQUEST', connection: 'returned' });
      expect(logs.lines.filter((l) => l.level === 'error')).toEqual([]);
    } finally {
      logs.stop();
    }
  }, 240_000);
});
