import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { transpiledPath } from '../support/transpiled';

const ROOT = join(__dirname, '..', '..');

/**
 * `npm run evaluate-telemetry` as a process of its own against a running subgraph: chunks, progress, summary. The
 * command runs transpiled once (support/transpiled.ts) rather than through ts-node per spawn, and the tests have
 * budgets a busy machine fits in.
 */
function evaluate(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [transpiledPath('scripts/evaluate-telemetry.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, JWT_SECRET: '', TOKEN: '', SUBGRAPH_URL: '', PORT: '', HOST: '', ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run evaluate-telemetry', () => {
  let t: TestApp;
  let org: string;

  beforeAll(async () => {
    transpiledPath('scripts/evaluate-telemetry.ts'); // built (or found) before the subgraph starts answering
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    org = await createTestOrg(t.dataSource, 'evalcmd');
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (let i = 0; i < 5; i++) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
        { input: { serialNumber: `EC-${i}`, sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
    await t.graphql(`mutation { publishFirmwareRelease(input: { productFamily: "BATTERY", component: "CELLS", version: "3.2", releasedAt: "2026-06-01T00:00:00Z", graceDays: 30 }) { userErrors { message } } }`, {}, admin);
    // EC-0 and EC-1 were online since the deadline (flagged), the rest never reported (voided).
    await t.graphql(
      `mutation($input: RecordHeartbeatsInput!) { recordHeartbeats(input: $input) { accepted } }`,
      { input: { heartbeats: [{ serialNumber: 'EC-0', at: '2026-08-01T00:00:00Z' }, { serialNumber: 'EC-1', at: '2026-09-01T00:00:00Z' }] } },
      admin,
    );
  }, 120_000);
  afterAll(() => t.stop());

  it('a dry run changes nothing; a run in chunks decides every unit once; a second run finds nothing', async () => {
    const dry = await evaluate(['--dry-run', '--org', org, '--url', t.url, '--chunk', '2']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^evaluated 5 unit\(s\) in [\d.]+ s \(dry run: nothing changed\): would void 3, flagged 2 for review\n/);
    expect(dry.stdout).toContain('VOIDED EC-2: §5.5.19: offline (last cloud contact never)');
    expect(dry.stderr).toContain('5/5 units');
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM telemetry_decision WHERE org_id = $1`, [org]);
    expect(n).toBe(0);

    const run = await evaluate(['--org', org, '--url', t.url, '--chunk', '2']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^evaluated 5 unit\(s\) in [\d.]+ s: voided 3, flagged 2 for review\n/);
    // One event per decision, however the chunks fell.
    const events = await t.dataSource.query(
      `SELECT event, count(*)::int AS n FROM warranty_event WHERE org_id = $1 AND event IN ('COVERAGE_VOIDED', 'TELEMETRY_REVIEW_FLAGGED') GROUP BY event ORDER BY event`,
      [org],
    );
    expect(events).toEqual([{ event: 'COVERAGE_VOIDED', n: 3 }, { event: 'TELEMETRY_REVIEW_FLAGGED', n: 2 }]);
    const again = await evaluate(['--org', org, '--url', t.url]);
    expect(again.stdout).toMatch(/^evaluated 5 unit\(s\) in [\d.]+ s: voided 0, flagged 0 for review\n/);
    expect(again.stderr).toContain(`evaluate-telemetry: calling the subgraph at ${t.url} (from --url)\n`);
  }, 120_000);

  it('without --url, calls the subgraph `npm start` runs with the same environment: PORT=<port> finds it (issue 17, item 12)', async () => {
    const port = new URL(t.url).port;
    const run = await evaluate(['--dry-run', '--org', org], { PORT: port });
    expect(run.stderr).toContain(`evaluate-telemetry: calling the subgraph at http://localhost:${port}/ (from PORT)\n`);
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^evaluated 5 unit\(s\)/) });
    const bySubgraphUrl = await evaluate(['--dry-run', '--org', org], { PORT: '9', SUBGRAPH_URL: t.url });
    expect(bySubgraphUrl).toMatchObject({ code: 0, stderr: expect.stringContaining(`calling the subgraph at ${t.url} (from SUBGRAPH_URL)`) });
  }, 120_000);

  it('usage and refusals', async () => {
    expect((await evaluate([])).code).toBe(2);
    expect((await evaluate(['--org', org, '--chunk', '0'])).stderr).toContain('--chunk must be');
    const unreachable = await evaluate(['--org', org, '--url', 'http://127.0.0.1:9/']);
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach the subgraph') });
    expect((await evaluate(['--org', org], { PORT: 'four' })).code).toBe(2);
  }, 120_000);
});
