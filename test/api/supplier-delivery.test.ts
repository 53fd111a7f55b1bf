import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { startFlakyReceiver, waitFor } from '../support/flaky-receiver';

/**
 * SUPPLIER messages (rule 20) through the outbox dispatcher, on a database of its own: each supplier's endpoint is on
 * its row and its secret in the environment; a flaky supplier still gets each message once after de-duplication, in
 * order per recovery claim; a supplier that hangs holds back neither CSP's messages nor other lanes.
 */
const CSP_SECRET = 'csp-shared-secret-for-the-tests';
const FLAKY_SECRET = 'flaky-supplier-secret-for-tests';
const HANG_SECRET = 'hanging-supplier-secret-for-tests';

/** A receiver that takes every request and never answers (until stopped). */
async function startHangingReceiver() {
  const open = new Set<ServerResponse>();
  let requests = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests += 1;
    request.resume();
    open.add(response);
    response.on('close', () => open.delete(response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    get requests() { return requests; },
    get open() { return open.size; },
    stop: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('outbox dispatcher: suppliers', () => {
  let scratch: ScratchDatabase;
  let t: TestApp;
  let csp: Awaited<ReturnType<typeof startFlakyReceiver>>;
  let flaky: Awaited<ReturnType<typeof startFlakyReceiver>>;
  let hanging: Awaited<ReturnType<typeof startHangingReceiver>>;
  let org: string;
  let admin: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    csp = await startFlakyReceiver({ secret: CSP_SECRET, seed: 7, failRate: 0, hangRate: 0 });
    // Fails about 30 % of requests (503, or 500 after storing the message); never hangs, so the lane's rounds stay short.
    flaky = await startFlakyReceiver({ secret: FLAKY_SECRET, seed: 20261124, failRate: 0.3, hangRate: 0 });
    hanging = await startHangingReceiver();
    t = await startTestApp({
      databaseUrl: scratch.url,
      clock: clockAt('2026-11-24'),
      env: {
        OUTBOX_CSP_URL: csp.url, OUTBOX_CSP_SECRET: CSP_SECRET, OUTBOX_SUPPLIER_SECRET_FLAKY: FLAKY_SECRET, OUTBOX_SUPPLIER_SECRET: HANG_SECRET,
        // A hung attempt holds its round this long: far longer than the CSP messages below may wait.
        OUTBOX_TIMEOUT_MS: '120000', OUTBOX_RETRY_BASE_MS: '50', OUTBOX_RETRY_MAX_MS: '400', OUTBOX_POLL_MS: '20', OUTBOX_MAX_ATTEMPTS: '1000', OUTBOX_BATCH: '50',
      },
    });
    org = await createTestOrg(t.dataSource, 'supplier-delivery');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
  });
  afterAll(async () => {
    await hanging?.stop();
    await t?.stop();
    await csp?.stop();
    await flaky?.stop();
    await scratch?.dispose();
  });

  const supplier = async (code: string, endpointUrl: string | null, secretRef: string | null): Promise<string> => {
    const { data } = await t.graphql(`mutation($input: UpsertSupplierInput!) { upsertSupplier(input: $input) { supplier { id } userErrors { message } } }`, { input: { code, name: code, endpointUrl, secretRef } }, admin);
    expect(data.upsertSupplier.userErrors).toEqual([]);
    return data.upsertSupplier.supplier.id;
  };
  /** `count` messages to a supplier as recovery writes them, over `claims` recovery claims, interleaved. */
  const writeSupplierMessages = (recipient: string, claims: number, count: number) =>
    t.dataSource.query(
      `WITH aggregates AS (SELECT a, gen_random_uuid() AS id FROM generate_series(0, $3::int - 1) a)
       INSERT INTO outbox_message (org_id, destination, recipient, topic, aggregate_id, payload)
       SELECT $1, 'SUPPLIER', $2::uuid, 'recovery.claim_opened', g.id, jsonb_build_object('seq', n)
       FROM generate_series(0, $4::int - 1) n JOIN aggregates g ON g.a = n % $3::int ORDER BY n`,
      [org, recipient, claims, count],
    );

  it('a flaky supplier gets every message exactly once after de-duplication, in order per recovery claim, signed with its own secret', async () => {
    const id = await supplier('FLAKY', flaky.url, 'FLAKY');
    await writeSupplierMessages(id, 40, 300);
    expect(await waitFor(() => flaky.seen.size >= 300, 90_000)).toBe(true);
    const undelivered = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox_message WHERE recipient = $1 AND delivered_at IS NULL`, [id]))[0].n;
    expect(await waitFor(async () => (await undelivered()) === 0, 20_000)).toBe(true);
    expect(flaky.seen.size).toBe(300);
    expect([...flaky.byAggregate.values()].every((ids) => ids.every((m, i) => i === 0 || BigInt(ids[i - 1]) < BigInt(m)))).toBe(true);
    expect(flaky.stats).toMatchObject({ concurrent: 0, badSignatures: 0 });
    expect(flaky.stats.failed).toBeGreaterThan(30);
    expect([...flaky.seen.values()].every((a) => a.topic === 'recovery.claim_opened')).toBe(true);
  }, 120_000);

  it('a supplier without an endpoint waits without spending attempts', async () => {
    const id = await supplier('NOURL', null, null);
    await writeSupplierMessages(id, 1, 1);
    expect(await waitFor(async () => (await t.dataSource.query(`SELECT last_error FROM outbox_message WHERE recipient = $1`, [id]))[0].last_error !== null, 20_000)).toBe(true);
    const [row] = await t.dataSource.query(`SELECT attempts, delivered_at, parked_at, last_error FROM outbox_message WHERE recipient = $1`, [id]);
    expect(row).toMatchObject({ attempts: 0, delivered_at: null, parked_at: null, last_error: expect.stringContaining('has no endpoint URL') });
  });

  it('a supplier that hangs never holds back CSP messages', async () => {
    const id = await supplier('HANG', hanging.url, null);
    await writeSupplierMessages(id, 10, 10);
    // The supplier lane's round is now stuck on ten requests that are never answered.
    expect(await waitFor(() => hanging.open >= 10, 30_000)).toBe(true);
    const before = csp.seen.size;
    await t.dataSource.query(
      `INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
       SELECT $1, 'CSP', 'claim.status_changed', gen_random_uuid(), jsonb_build_object('seq', n) FROM generate_series(1, 60) n`,
      [org],
    );
    expect(await waitFor(() => csp.seen.size >= before + 60, 60_000)).toBe(true);
    // Every CSP message arrived while the supplier's requests were still open and its messages undelivered.
    expect(hanging.open).toBeGreaterThanOrEqual(10);
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox_message WHERE recipient = $1 AND delivered_at IS NULL`, [id]);
    expect(n).toBe(10);
  }, 120_000);
});
