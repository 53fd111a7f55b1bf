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
      [transpiledPath('scripts/import-supplier-contracts.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, JWT_SECRET: '', TOKEN: '', SUBGRAPH_URL: '', PORT: '', ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run import-supplier-contracts', () => {
  let t: TestApp;
  let org: string;
  let folder: string;
  const csv = (name: string, text: string) => {
    const file = join(folder, name);
    writeFileSync(file, text);
    return file;
  };
  const stored = async () =>
    (await t.dataSource.query(`SELECT code, version, part_numbers, component, recovery_share_pct::text AS share, cap_amount::text AS cap FROM supplier_contract WHERE org_id = $1 ORDER BY code, version`, [org])) as Array<Record<string, unknown>>;

  beforeAll(async () => {
    transpiledPath('scripts/import-supplier-contracts.ts');
    t = await startTestApp();
    org = await createTestOrg(t.dataSource, 'import-contracts');
    folder = mkdtempSync(join(tmpdir(), 'import-contracts-'));
    const { data } = await t.graphql(`mutation { upsertSupplier(input: { code: "CELLCO", name: "Cell Co" }) { userErrors { message } } }`, {}, await tokenFor(org, ['WARRANTY_ADMIN']));
    expect(data.upsertSupplier.userErrors).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    rmSync(folder, { recursive: true, force: true });
    await t.stop();
  });

  const header = 'code,version,supplierCode,partNumbers,component,productFamily,recoverySharePct,windowMonths,labourSharePct,capAmount,capCurrency,validFrom,validTo\n';

  it('checks the whole file first: every bad line reported, nothing sent', async () => {
    const file = csv('bad.csv', header + 'BAT-CELLS,1,CELLCO,,CELLS,BATTERY,120,36,,,,2020-01-01,\nX,1,CELLCO,A;B,,,10,0,,5,,2020-01-01,\n');
    const result = await run([file, '--url', t.url, '--org', org]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('line 2, column recoverySharePct');
    expect(result.stderr).toContain('line 3, column windowMonths');
    expect(result.stderr).toContain('line 3, column capCurrency');
    expect(await stored()).toEqual([]);
  });

  it('imports a good file; a re-run changes nothing; an unknown supplier is refused by line', async () => {
    const file = csv('good.csv', header + 'BAT-CELLS,1,CELLCO,,CELLS,BATTERY,60,36,25,1500,EUR,2020-01-01,\nBAT-BMS,1,cellco,BMS-5;BMS-6,,,100,24,,,,2020-01-01,2030-12-31\n');
    const first = await run([file, '--url', t.url, '--org', org]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('2 created, 0 unchanged');
    expect(await stored()).toEqual([
      { code: 'BAT-BMS', version: 1, part_numbers: ['BMS-5', 'BMS-6'], component: null, share: '100.00', cap: null },
      { code: 'BAT-CELLS', version: 1, part_numbers: [], component: 'CELLS', share: '60.00', cap: '1500.0000' },
    ]);
    const again = await run([file, '--url', t.url, '--org', org]);
    expect(again.stdout).toContain('0 created, 2 unchanged');
    const unknown = await run([csv('unknown.csv', header + 'INV-FAN,1,NOBODY,FAN-1,,,50,12,,,,2020-01-01,\n'), '--url', t.url, '--org', org]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('UNKNOWN_SUPPLIER');
  });
});
