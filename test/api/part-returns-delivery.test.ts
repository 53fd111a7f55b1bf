import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';
import { startFlakyReceiver, waitFor } from '../support/flaky-receiver';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { returnsHelpers } from '../support/part-returns';
import { transpiledPath } from '../support/transpiled';

/**
 * `npm run evaluate-returns` as a process of its own against the server's database, and the charge-back reaching CSP
 * through the real outbox dispatcher, on a database of this file's own (the dispatcher delivers every organisation's
 * messages). Claims are completed in October, so the 1-day window has passed for the real clock the command runs on.
 */
const ROOT = join(__dirname, '..', '..');
const SECRET = 'csp-shared-secret-for-the-tests';

function evaluateReturns(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [transpiledPath('scripts/evaluate-returns.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, EMBEDDED_PG_PORT: '', ...env }, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('parts returns: the command and the delivery to CSP', () => {
  let scratch: ScratchDatabase;
  let receiver: Awaited<ReturnType<typeof startFlakyReceiver>>;
  let t: TestApp;
  let org: string;
  let h: ReturnType<typeof returnsHelpers>;

  beforeAll(async () => {
    transpiledPath('scripts/evaluate-returns.ts');
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    receiver = await startFlakyReceiver({ secret: SECRET, seed: 18, failRate: 0, hangRate: 0 });
    t = await startTestApp({
      databaseUrl: scratch.url,
      clock: clockAt('2026-10-01'),
      env: { OUTBOX_CSP_URL: receiver.url, OUTBOX_CSP_SECRET: SECRET, OUTBOX_POLL_MS: '20', OUTBOX_RETRY_BASE_MS: '50' },
    });
    org = await createTestOrg(t.dataSource, 'returns-cmd');
    const tokens = { admin: await tokenFor(org, ['WARRANTY_ADMIN']), agent: await tokenFor(org, ['AGENT']), warehouse: await tokenFor(org, ['WAREHOUSE']) };
    h = returnsHelpers(t, tokens);
    expect((await h.setRule({ partNumber: 'PB-10K', productFamily: 'INVERTER', windowDays: 1 })).userErrors).toEqual([]);
    await h.register('RC-1');
    await h.register('RC-2');
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await receiver?.stop();
    await scratch?.dispose();
  });

  it('the command charges the overdue return back once, says where it connects, and a second run finds nothing; CSP gets the charge-back', async () => {
    const overdue = await h.claimThrough('RC-1', ['approveClaim', 'startClaimRepair', 'completeClaim'], 'PB-10K', { repairDate: '2026-09-30' });
    const received = await h.claimThrough('RC-2', ['approveClaim', 'startClaimRepair', 'completeClaim'], 'PB-10K', { repairDate: '2026-09-30' });
    expect((await h.step('recordPartReceipt', { rmaNumber: received.lines[0].partReturn.rmaNumber })).changed).toBe(true);

    const run = await evaluateReturns(['--org', org], { DATABASE_URL: scratch.url });
    expect(run.stderr).toContain('evaluate-returns: evaluating the part returns of the database at');
    expect(run.stderr).toContain('(from DATABASE_URL)');
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^charged back 1 overdue part return\(s\) in [\d.]+ s \(organisation /) });
    expect(run.stdout).toContain(overdue.lines[0].partReturn.rmaNumber);
    const again = await evaluateReturns([], { DATABASE_URL: scratch.url });
    expect(again).toMatchObject({ code: 0, stdout: expect.stringMatching(/^charged back 0 overdue part return\(s\)/) });

    expect((await h.claim(overdue.id)).lines[0]).toMatchObject({ covered: false, partReturn: { chargeBackReason: 'NOT_RECEIVED' } });
    expect((await h.claim(received.id)).lines[0]).toMatchObject({ covered: true, partReturn: { chargeBackReason: null, overdue: false } });

    const arrived = () => [...receiver.seen.values()].filter((a) => a.topic === 'claim.lines_charged_back');
    expect(await waitFor(() => arrived().length >= 1, 60_000)).toBe(true);
    expect(arrived()).toHaveLength(1);
    expect(arrived()[0]).toMatchObject({
      aggregateId: overdue.id,
      payload: { claimId: overdue.id, selfPaidTotal: { amount: '249.99', currency: 'EUR' }, lines: [{ chargeBack: 'NOT_RECEIVED', rmaNumber: overdue.lines[0].partReturn.rmaNumber }] },
    });
  }, 120_000);

  it('a usage error exits 2', async () => {
    expect(await evaluateReturns(['--bogus'], { DATABASE_URL: scratch.url })).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: npm run evaluate-returns') });
  }, 60_000);
});
