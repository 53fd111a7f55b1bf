import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { transpiledPath } from '../support/transpiled';

const ROOT = join(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the command as a separate process; asynchronous, so this process's subgraph keeps answering it. */
function run(command: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: { ...process.env, JWT_SECRET: '', TOKEN: '', SUBGRAPH_URL: '', PORT: '', ...env }, encoding: 'utf8' }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
/** The command transpiled once (support/transpiled.ts) rather than through ts-node per spawn; `npm run` is tried once below. */
const importProducts = (args: string[], env?: Record<string, string>) => run(process.execPath, [transpiledPath('scripts/import-products.ts'), ...args], env);

describe('npm run import-products', () => {
  let t: TestApp;
  let org: string;
  let folder: string;
  const csv = (name: string, text: string) => {
    const file = join(folder, name);
    writeFileSync(file, text);
    return file;
  };
  const stored = async () =>
    (await t.dataSource.query(
      `SELECT sku, product_id, product_family, capacity_kwh::float AS capacity, updated_by_id FROM product_reference WHERE org_id = $1 ORDER BY sku`,
      [org],
    )) as Array<Record<string, unknown>>;

  beforeAll(async () => {
    transpiledPath('scripts/import-products.ts'); // built (or found) before the subgraph starts answering
    t = await startTestApp();
    org = await createTestOrg(t.dataSource, 'import');
    await t.dataSource.query('DELETE FROM product_reference WHERE org_id = $1', [org]);
    folder = mkdtempSync(join(tmpdir(), 'import-products-'));
  }, 120_000);
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await t.stop();
  });

  it('imports a file in batches, then re-imports a changed copy as updates, and registration finds the SKUs', async () => {
    const file = csv(
      'products.csv',
      '\ufeffsku,productId,productFamily,capacityKwh\n' +
        'IMP-INV-1,prod-inv-1,inverter,\n' +
        '"IMP-BAT-1",prod-bat-1,BATTERY,10.24\n' +
        '\n' +
        'IMP-BAT-2,"prod-bat-2",battery, 5.12 \n' +
        'IMP-INV-2,prod-inv-2,INVERTER,\n' +
        'IMP-HP-1,prod-hp-1,HEAT_PUMP,\n',
    );
    const first = await importProducts([file, '--url', t.url, '--org', org, '--batch-size', '2', '--sub', 'ops-import']);
    expect(first).toMatchObject({ code: 0, stderr: `import-products: sending to the subgraph at ${t.url} (from --url)\n` });
    expect(first.stdout.trim()).toBe('imported 5 product reference(s) in 3 batch(es): 5 created, 0 updated, 0 unchanged');
    expect(await stored()).toEqual([
      { sku: 'IMP-BAT-1', product_id: 'prod-bat-1', product_family: 'BATTERY', capacity: 10.24, updated_by_id: 'ops-import' },
      { sku: 'IMP-BAT-2', product_id: 'prod-bat-2', product_family: 'BATTERY', capacity: 5.12, updated_by_id: 'ops-import' },
      { sku: 'IMP-HP-1', product_id: 'prod-hp-1', product_family: 'HEAT_PUMP', capacity: null, updated_by_id: 'ops-import' },
      { sku: 'IMP-INV-1', product_id: 'prod-inv-1', product_family: 'INVERTER', capacity: null, updated_by_id: 'ops-import' },
      { sku: 'IMP-INV-2', product_id: 'prod-inv-2', product_family: 'INVERTER', capacity: null, updated_by_id: 'ops-import' },
    ]);

    // The token from the TOKEN variable, columns in another order, one capacity changed, one new SKU.
    const changed = csv('changed.csv', 'productFamily,sku,capacityKwh,productId\nBATTERY,IMP-BAT-1,12,prod-bat-1\nINVERTER,IMP-INV-1,,prod-inv-1\nINVERTER,IMP-INV-3,,prod-inv-3\n');
    // Without --url: the subgraph `npm start` runs with this environment (PORT).
    const port = new URL(t.url).port;
    const second = await importProducts([changed], { PORT: port, TOKEN: await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'second-admin' }) });
    expect(second.stderr).toBe(`import-products: sending to the subgraph at http://localhost:${port}/ (from PORT)\n`);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('1 created, 1 updated, 1 unchanged');

    const registered = await t.graphql(
      `mutation { registerWarranty(input: { serialNumber: "IMP-UNIT-1", sku: "IMP-BAT-1", site: { countryCode: "DE" } }) {
         warranty { productFamily capacityKwh } userErrors { code message } } }`,
      {},
      await tokenFor(org, ['INSTALLER']),
    );
    expect(registered.data.registerWarranty).toEqual({ warranty: { productFamily: 'BATTERY', capacityKwh: 12 }, userErrors: [] });
  }, 120_000);

  it('refuses a bad file with exit code 1, every bad line with its column, and imports nothing', async () => {
    const before = await stored();
    const text = 'sku,productId,productFamily,capacityKwh\nOK-1,p1,INVERTER,\nOK-2,p2,BATTERY,ten\nOK-3,p3,,\nOK-4,p4\nOK-1,p5,BATTERY,\n';
    const result = await importProducts([csv('bad.csv', text), '--url', t.url, '--org', org]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('4 problem(s) in the file; nothing was sent:');
    expect(result.stderr).toContain('line 3, column capacityKwh: "ten" is not a number');
    expect(result.stderr).toContain('line 4, column productFamily:');
    expect(result.stderr).toContain('line 5: Invalid Record Length');
    expect(result.stderr).toContain('line 6, column sku: "OK-1" is already on line 2');
    expect(result.stderr).not.toContain('sending to the subgraph');
    expect(await stored()).toEqual(before);
  }, 120_000);

  it('passes on the subgraph\'s refusal of a caller who is not a WARRANTY_ADMIN (exit code 1)', async () => {
    const file = csv('agent.csv', 'sku,productId,productFamily\nAGENT-1,p1,INVERTER\n');
    const result = await importProducts([file, '--url', t.url, '--token', await tokenFor(org, ['AGENT'])]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('FORBIDDEN');
    expect(result.stderr).toContain('Nothing was imported');
    expect((await stored()).map((r) => r.sku)).not.toContain('AGENT-1');
  }, 120_000);

  it('answers a usage error with exit code 2, through npm too', async () => {
    const file = csv('usage.csv', 'sku,productId,productFamily\nU-1,p1,INVERTER\n');
    const noIdentity = await run('npm', ['run', '--silent', 'import-products', '--', file, '--url', t.url]);
    expect(noIdentity.code).toBe(2);
    expect(noIdentity.stderr).toContain('--token');
    const badBatch = await importProducts([file, '--org', org, '--batch-size', '1001']);
    expect(badBatch).toMatchObject({ code: 2, stderr: expect.stringContaining('--batch-size') });
    const noFile = await importProducts([join(folder, 'missing.csv'), '--org', org]);
    expect(noFile).toMatchObject({ code: 2, stderr: expect.stringContaining('cannot read') });
  }, 120_000);
});
