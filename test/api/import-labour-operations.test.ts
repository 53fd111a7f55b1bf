import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { transpiledPath } from '../support/transpiled';

const ROOT = join(__dirname, '..', '..');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [transpiledPath('scripts/import-labour-operations.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, JWT_SECRET: '', TOKEN: '', SUBGRAPH_URL: '', PORT: '', ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run import-labour-operations', () => {
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
      `SELECT code, version, product_family, sku, standard_hours::text AS hours, valid_from::text AS valid_from, published_by_id FROM labour_operation WHERE org_id = $1 ORDER BY code, version`,
      [org],
    )) as Array<Record<string, unknown>>;

  beforeAll(async () => {
    transpiledPath('scripts/import-labour-operations.ts');
    t = await startTestApp();
    org = await createTestOrg(t.dataSource, 'import-labour');
    folder = mkdtempSync(join(tmpdir(), 'import-labour-'));
  }, 120_000);
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await t.stop();
  });

  it('imports a good file in batches, versions of a code in order; a re-run changes nothing', async () => {
    const file = csv(
      'ops.csv',
      '\ufeffcode,version,description,productFamily,sku,standardHours,validFrom\n' +
        'imp-pb-swap,2,Replace the power board (faster),INVERTER,,1.5,2026-01-01\n' +
        'IMP-PB-SWAP,1,Replace the power board,inverter,,2,2024-01-01\n' +
        '\n' +
        'IMP-CELLS,1,"Replace the cells, PowerMagic",,SOFAR-PM-V2-10,4.25,2024-01-01\n' +
        'IMP-VAN-PACK,1,Replace the traction pack,VEHICLE,,6,2024-01-01\n',
    );
    const first = await run([file, '--url', t.url, '--org', org, '--batch-size', '2', '--sub', 'ops-import']);
    expect(first).toMatchObject({ code: 0, stderr: `import-labour-operations: sending to the subgraph at ${t.url} (from --url)\n` });
    expect(first.stdout.trim()).toBe('imported 4 labour operation version(s) in 2 batch(es): 4 created, 0 unchanged');
    expect(await stored()).toEqual([
      { code: 'IMP-CELLS', version: 1, product_family: null, sku: 'SOFAR-PM-V2-10', hours: '4.25', valid_from: '2024-01-01', published_by_id: 'ops-import' },
      { code: 'IMP-PB-SWAP', version: 1, product_family: 'INVERTER', sku: null, hours: '2.00', valid_from: '2024-01-01', published_by_id: 'ops-import' },
      { code: 'IMP-PB-SWAP', version: 2, product_family: 'INVERTER', sku: null, hours: '1.50', valid_from: '2026-01-01', published_by_id: 'ops-import' },
      { code: 'IMP-VAN-PACK', version: 1, product_family: 'VEHICLE', sku: null, hours: '6.00', valid_from: '2024-01-01', published_by_id: 'ops-import' },
    ]);
    const port = new URL(t.url).port;
    const again = await run([file], { PORT: port, TOKEN: await tokenFor(org, ['WARRANTY_ADMIN']) });
    expect(again.stderr).toBe(`import-labour-operations: sending to the subgraph at http://localhost:${port}/ (from PORT)\n`);
    expect(again.stdout.trim()).toBe('imported 4 labour operation version(s) in 1 batch(es): 0 created, 4 unchanged');
  }, 120_000);

  it('reports every bad line with its column and sends nothing (exit 1)', async () => {
    const before = await stored();
    const text =
      'code,version,description,productFamily,sku,standardHours,validFrom\n' +
      'BAD-1,1,ok,INVERTER,,-2,2024-01-01\n' +
      'BAD-2,one,ok,INVERTER,,1,2024-01-01\n' +
      'BAD-3,1,ok,INVERTER,SOFAR-PM-V2-10,1,2024-01-01\n' +
      'BAD-4,1,ok,INVERTER,,0,2024-13-01\n' +
      'BAD-5,1,ok\n' +
      'GOOD-1,1,ok,INVERTER,,1,2024-01-01\n' +
      'GOOD-1,1,ok,INVERTER,,1,2024-01-01\n';
    const result = await run([csv('bad.csv', text), '--url', t.url, '--org', org]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain('7 problem(s) in the file; nothing was sent:');
    expect(result.stderr).toContain('line 2, column standardHours: standardHours must be more than zero');
    expect(result.stderr).toContain('line 3, column version: "one" is not a whole number');
    expect(result.stderr).toContain('line 4, column sku: give the operation a productFamily or a sku (exactly one)');
    expect(result.stderr).toContain('line 5, column standardHours:');
    expect(result.stderr).toContain('line 5, column validFrom:');
    expect(result.stderr).toContain('line 6: Invalid Record Length');
    expect(result.stderr).toContain('line 8, column version: GOOD-1 version 1 is already on line 7');
    expect(result.stderr).not.toContain('sending to the subgraph');
    expect(await stored()).toEqual(before);
  }, 120_000);

  it("passes on the subgraph's refusals by line (an unknown family), importing nothing", async () => {
    const before = await stored();
    const file = csv('unknown.csv', 'code,version,description,productFamily,standardHours,validFrom\nOK-9,1,ok,INVERTER,1,2024-01-01\nTOAST-1,1,toast,TOASTER,1,2024-01-01\n');
    const result = await run([file, '--url', t.url, '--org', org]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 3, column productFamily: BAD_USER_INPUT unknown product family TOASTER');
    expect(result.stderr).toContain('Nothing was imported');
    expect(await stored()).toEqual(before);
  }, 120_000);

  it('answers a usage error with exit code 2', async () => {
    expect((await run(['--url', t.url, '--org', org])).code).toBe(2);
    expect((await run([csv('x.csv', 'code\n'), '--url', t.url])).code).toBe(2);
  }, 120_000);
});
