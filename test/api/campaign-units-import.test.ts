import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * A campaign's long serial list (rule 19): the streamed endpoint and `npm run import-campaign-units` (which streams
 * to it), set-based, unknown serials counted and listed but not fatal, a re-run adding nothing, refusals writing
 * nothing; and the campaign-units dataset as Parquet (`npm run export -- --dataset campaign-units`) read by DuckDB.
 */
const ROOT = join(__dirname, '..', '..');
const UNITS = 40;

function run(script: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', script, ...args], {
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

describe('importing and exporting a campaign’s units', () => {
  let app: TestApp;
  let org: string;
  let admin: string;
  let dir: string;
  const post = (code: string, body: string, token: string | null) =>
    fetch(new URL(`campaigns/${code}/units`, app.url), { method: 'POST', headers: { 'content-type': 'text/csv', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body });
  const units = async () => Number((await app.dataSource.query(`SELECT count(*) AS n FROM campaign_unit WHERE org_id = $1`, [org]))[0].n);

  beforeAll(async () => {
    app = await startTestApp({ clock: clockAt('2026-11-24') });
    org = await createTestOrg(app.dataSource, 'campaign-import');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    dir = mkdtempSync(join(tmpdir(), 'campaign-import-'));
    for (let i = 0; i < UNITS; i++) {
      const answer = await app.graphql(`mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`, {
        input: { serialNumber: `IMP-${i}`, sku: i % 2 ? 'SOFAR-PM-V2-10' : 'SOFAR-BTS-E5', site: { countryCode: i % 4 ? 'PL' : 'GB', timeZone: 'Europe/Warsaw' }, commissioningDate: '2024-03-01' },
      }, admin);
      expect(answer.data.registerWarranty.userErrors).toEqual([]);
    }
    const published = await app.graphql(`mutation($input: PublishCampaignInput!) { publishCampaign(input: $input) { affectedUnits userErrors { code message } } }`, {
      input: { code: 'BAT-CELL-LOT-7', title: 'Cell lot 7', kind: 'SAFETY_RECALL', periodFrom: '2026-01-01', serialNumbers: ['IMP-0'], remedy: { currency: 'EUR', parts: [{ partNumber: 'CELL-7', quantity: '1', unitPrice: '400' }] } },
    }, admin);
    expect(published.data.publishCampaign).toEqual({ affectedUnits: 1, userErrors: [] });
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await app?.stop();
  });

  it('imports a streamed CSV set-based: known units added, duplicates and the one affected already counted, unknown serials listed', async () => {
    const lines = ['id,serialNumber,note', ...Array.from({ length: 20 }, (_, i) => `${i},imp-${i} ,x`), '99,IMP-3,again', '100,GHOST-1,', '101,GHOST-2,', '', '102,GHOST-1,'];
    const response = await post('bat-cell-lot-7', `${lines.join('\n')}\n`, admin);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ campaignCode: 'BAT-CELL-LOT-7', received: 24, added: 19, alreadyAffected: 1, unknown: 2, unknownSerialNumbers: ['GHOST-1', 'GHOST-2'] });
    expect(await units()).toBe(20);
    const [event] = await app.dataSource.query(`SELECT detail FROM campaign_event WHERE org_id = $1 AND event = 'CAMPAIGN_UNITS_IMPORTED'`, [org]);
    expect(event.detail).toMatchObject({ added: 19, unknown: 2 });
  });

  it('refuses, writing nothing: no token, a role other than WARRANTY_ADMIN, an unknown campaign, a file without a serialNumber column', async () => {
    expect((await post('BAT-CELL-LOT-7', 'serialNumber\nIMP-30\n', null)).status).toBe(401);
    expect((await post('BAT-CELL-LOT-7', 'serialNumber\nIMP-30\n', await tokenFor(org, ['AGENT']))).status).toBe(403);
    const unknown = await post('NO-SUCH', 'serialNumber\nIMP-30\n', admin);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).errors[0].extensions.code).toBe('UNKNOWN_CAMPAIGN');
    const other = await post('BAT-CELL-LOT-7', 'serialNumber\nIMP-30\n', await tokenFor(await createTestOrg(app.dataSource, 'campaign-import-other'), ['WARRANTY_ADMIN']));
    expect(other.status).toBe(404);
    const header = await post('BAT-CELL-LOT-7', 'serial number?\nIMP-30\n', admin);
    expect(header.status).toBe(400);
    expect((await header.json()).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: ['line', '1'] });
    expect(await units()).toBe(20);
  });

  it('npm run import-campaign-units streams a file to the endpoint, with a summary; run again it adds nothing', async () => {
    const file = join(dir, 'units.csv');
    writeFileSync(file, `serialNumber\n${Array.from({ length: UNITS }, (_, i) => `IMP-${i}`).join('\n')}\nGHOST-9\n`);
    const first = await run('scripts/import-campaign-units.ts', ['--campaign', 'BAT-CELL-LOT-7', file, '--url', app.url, '--org', org]);
    expect(first.stderr).toContain(`import-campaign-units: streaming to the subgraph at ${app.url}`);
    expect(first.stdout).toContain('campaign BAT-CELL-LOT-7: 41 serials received, 20 units added, 20 already affected, 1 unknown');
    expect(first.stdout).toContain('GHOST-9');
    expect(first.code).toBe(0);
    const again = await run('scripts/import-campaign-units.ts', ['--campaign', 'BAT-CELL-LOT-7', file, '--url', app.url, '--org', org]);
    expect(again.stdout).toContain('0 units added, 40 already affected, 1 unknown');
    const refused = await run('scripts/import-campaign-units.ts', ['--campaign', 'NOPE', file, '--url', app.url, '--org', org]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('UNKNOWN_CAMPAIGN');
    expect((await run('scripts/import-campaign-units.ts', [file, '--url', app.url, '--org', org])).code).toBe(2);
    expect(await units()).toBe(UNITS);
  });

  it('exports one row per unit and campaign as Parquet that DuckDB reads: the progress by region and status', async () => {
    // One unit completed by hand (the claims flow is campaigns.test.ts's), one set aside.
    await app.dataSource.query(`UPDATE campaign_unit SET status = 'COMPLETED', status_changed_at = now() WHERE org_id = $1 AND warranty_record_id = (SELECT id FROM warranty_record WHERE org_id = $1 AND serial_number = 'IMP-1')`, [org]);
    const aside = await app.graphql(`mutation($input: MarkCampaignNotApplicableInput!) { markCampaignNotApplicable(input: $input) { userErrors { code } } }`, { input: { campaignCode: 'BAT-CELL-LOT-7', serialNumber: 'IMP-2', reason: 'scrapped' } }, admin);
    expect(aside.data.markCampaignNotApplicable.userErrors).toEqual([]);
    const out = join(dir, 'campaign-units.parquet');
    const exported = await run('scripts/export.ts', ['--dataset', 'campaign-units', '--out', out, '--org', org]);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`exported ${UNITS} campaign units`);
    const instance = await DuckDBInstance.create(':memory:');
    const duck = await instance.connect();
    const read = async (sql: string) => (await duck.runAndReadAll(sql.replaceAll('$file', `'${out}'`))).getRowObjectsJson();
    expect(await read(`SELECT region, status, count(*)::int AS n FROM read_parquet($file) GROUP BY ALL ORDER BY ALL`)).toEqual([
      { region: 'PL', status: 'COMPLETED', n: 1 },
      { region: 'PL', status: 'NOT_APPLICABLE', n: 1 },
      { region: 'PL', status: 'OPEN', n: 28 },
      { region: 'UK-IE', status: 'OPEN', n: 10 },
    ]);
    const [row] = await read(`SELECT campaign_code, campaign_kind, serial_number, sku, period_from::text AS period_from, typeof(added_at) AS added_type, added_month, reason FROM read_parquet($file) WHERE serial_number = 'IMP-2'`);
    expect(row).toEqual({ campaign_code: 'BAT-CELL-LOT-7', campaign_kind: 'SAFETY_RECALL', serial_number: 'IMP-2', sku: 'SOFAR-BTS-E5', period_from: '2026-01-01', added_type: 'TIMESTAMP', added_month: expect.stringMatching(/^\d{4}-\d{2}$/), reason: 'scrapped' });
    // The same file over HTTP, for a WARRANTY_ADMIN only.
    const url = new URL('exports/campaign-units.parquet', app.url);
    expect((await fetch(url, { headers: { authorization: `Bearer ${await tokenFor(org, ['AGENT'])}` } })).status).toBe(403);
    const response = await fetch(url, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    const overHttp = join(dir, 'over-http.parquet');
    writeFileSync(overHttp, Buffer.from(await response.arrayBuffer()));
    expect(await read(`SELECT count(*)::int AS n, count(DISTINCT org_id)::int AS orgs FROM read_parquet('${overHttp}')`)).toEqual([{ n: UNITS, orgs: 1 }]);
    // The same counts as the query.
    const progress = await app.graphql(`query { campaignProgress(code: "BAT-CELL-LOT-7") { affected completed notApplicable open byRegion { region open } } }`, {}, admin);
    expect(progress.data.campaignProgress).toEqual({ affected: 40, completed: 1, notApplicable: 1, open: 38, byRegion: [{ region: 'PL', open: 28 }, { region: 'UK-IE', open: 10 }] });
    duck.closeSync();
    instance.closeSync();
  });
});
