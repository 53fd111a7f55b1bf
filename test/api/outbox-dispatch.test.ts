import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';
import { watchOutbox } from '../../src/server/metrics';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { startFlakyReceiver, waitFor } from '../support/flaky-receiver';

/**
 * The outbox dispatcher against real HTTP receivers, each test on a database of its own (a dispatcher delivers
 * every organisation's messages, so the other suites' would go to these receivers too).
 */
const ROOT = join(__dirname, '..', '..');
const SECRET = 'csp-shared-secret-for-the-tests';
const FAST = {
  OUTBOX_CSP_SECRET: SECRET,
  OUTBOX_TIMEOUT_MS: '250',
  OUTBOX_RETRY_BASE_MS: '50',
  OUTBOX_RETRY_MAX_MS: '400',
  OUTBOX_POLL_MS: '20',
  OUTBOX_MAX_ATTEMPTS: '1000',
  OUTBOX_BATCH: '100',
};

/** `count` claim changes as the claims service writes them, spread over `claims` aggregates, interleaved. */
async function writeMessages(t: TestApp, org: string, claims: number, count: number): Promise<void> {
  await t.dataSource.query(
    `WITH aggregates AS (SELECT a, gen_random_uuid() AS id FROM generate_series(0, $2::int - 1) a)
     INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
     SELECT $1, 'CSP', 'claim.status_changed', g.id, jsonb_build_object('seq', n, 'status', 'IN_REPAIR')
     FROM generate_series(0, $3::int - 1) n JOIN aggregates g ON g.a = n % $2::int ORDER BY n`,
    [org, claims, count],
  );
}

/** Every aggregate's first arrivals are in message id order. */
function inOrder(byAggregate: Map<string, string[]>): boolean {
  return [...byAggregate.values()].every((ids) => ids.every((id, i) => i === 0 || BigInt(ids[i - 1]) < BigInt(id)));
}

describe('outbox dispatcher: a flaky receiver', () => {
  let scratch: ScratchDatabase;
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startFlakyReceiver>>;
  /** OA's receiver, which answers every delivery: a destination of its own, with its own order. */
  let oa: Awaited<ReturnType<typeof startFlakyReceiver>>;
  let org: string;
  let admin: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    receiver = await startFlakyReceiver({ secret: SECRET, seed: 20261124 });
    oa = await startFlakyReceiver({ secret: SECRET, seed: 1, failRate: 0, hangRate: 0 });
    t = await startTestApp({
      databaseUrl: scratch.url,
      clock: clockAt('2026-11-24'),
      env: { ...FAST, OUTBOX_CSP_URL: receiver.url, OUTBOX_OA_URL: oa.url, OUTBOX_OA_SECRET: SECRET },
    });
    org = await createTestOrg(t.dataSource, 'outbox');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
  });
  afterAll(async () => {
    await t?.stop();
    await receiver?.stop();
    await oa?.stop();
    await scratch?.dispose();
  });

  it('every message of 1,000 claim changes arrives exactly once after de-duplication, in order per claim', async () => {
    // A real claim's changes through the API, and the rest as the claims service writes them.
    const { data: registered } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code } } }`,
      { input: { serialNumber: 'OB-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
      admin,
    );
    expect(registered.registerWarranty.userErrors).toEqual([]);
    const { data: submitted } = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code message } } }`,
      { input: { serialNumber: 'OB-1', kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', lines: [{ kind: 'PART', partNumber: 'P', quantity: '1', unitPrice: '10' }] } },
      admin,
    );
    expect(submitted.submitClaim.userErrors).toEqual([]);
    const claimId = submitted.submitClaim.claim.id;
    const { data: approved } = await t.graphql(`mutation($id: ID!) { approveClaim(input: { id: $id, reason: "covered" }) { userErrors { code } } }`, { id: claimId }, admin);
    expect(approved.approveClaim.userErrors).toEqual([]);
    const [{ real }] = await t.dataSource.query(`SELECT count(*)::int AS real FROM outbox_message WHERE aggregate_id = $1 AND destination = 'CSP'`, [claimId]);
    expect(real).toBeGreaterThanOrEqual(2);
    await writeMessages(t, org, 100, 1_000 - real);

    expect(await waitFor(() => receiver.seen.size >= 1_000, 90_000)).toBe(true);
    // The receiver has each message before the dispatcher's round records it.
    const undelivered = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox_message WHERE delivered_at IS NULL`))[0].n;
    expect(await waitFor(async () => (await undelivered()) === 0, 10_000)).toBe(true);
    expect(receiver.seen.size).toBe(1_000);
    expect(inOrder(receiver.byAggregate)).toBe(true);
    expect(receiver.byAggregate.get(claimId)).toHaveLength(real);
    expect(receiver.stats).toMatchObject({ concurrent: 0, badSignatures: 0 });
    // The receiver really misbehaved, and de-duplication really had work: answers lost after the message arrived.
    expect(receiver.stats.failed).toBeGreaterThan(150);
    expect(receiver.stats.hung).toBeGreaterThan(10);
    expect(receiver.stats.duplicates).toBeGreaterThan(10);
    // Delivery state is visible: attempts and the last error of a message that needed more than one.
    const retried = await t.graphql(
      `query { outboxMessages(status: DELIVERED, first: 100) { totalCount edges { node { status attempts lastError deliveredAt deliveryId } } } }`,
      {},
      admin,
    );
    expect(retried.data.outboxMessages.totalCount).toBe(1_000);
    const nodes = retried.data.outboxMessages.edges.map((e: any) => e.node);
    expect(nodes.every((n: any) => n.status === 'DELIVERED' && n.deliveredAt)).toBe(true);
    expect(nodes.some((n: any) => n.attempts > 1 && /HTTP 50[03]|no answer within 250 ms/.test(n.lastError))).toBe(true);
  }, 120_000);

  it('a 4xx parks the message with the answer; the claim\'s later messages wait; an admin lists and retries it', async () => {
    const [{ aggregate }] = await t.dataSource.query(`SELECT gen_random_uuid() AS aggregate`);
    receiver.refused.add(aggregate);
    await t.dataSource.query(
      `INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
       SELECT $1, 'CSP', 'claim.status_changed', $2, jsonb_build_object('seq', n) FROM generate_series(1, 3) n ORDER BY n`,
      [org, aggregate],
    );
    const PARKED = `query { outboxMessages(status: PARKED) { totalCount edges { node { id aggregateId status attempts lastError parkedAt } } } }`;
    expect(await waitFor(async () => (await t.graphql(PARKED, {}, admin)).data.outboxMessages.totalCount === 1, 10_000)).toBe(true);
    const parked = (await t.graphql(PARKED, {}, admin)).data.outboxMessages.edges[0].node;
    expect(parked).toMatchObject({ aggregateId: aggregate, status: 'PARKED', attempts: 1, lastError: 'HTTP 422: {"error":"unknown claim"}' });
    // The same claim's messages to OA are another queue: a parked CSP message does not hold them back.
    await t.dataSource.query(
      `INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
       SELECT $1, 'OA', 'claim.exception_requested', $2, jsonb_build_object('seq', n) FROM generate_series(1, 2) n ORDER BY n`,
      [org, aggregate],
    );
    const toOa = `SELECT count(*)::int AS n FROM outbox_message WHERE aggregate_id = $1 AND destination = 'OA' AND delivered_at IS NOT NULL`;
    expect(await waitFor(async () => (await t.dataSource.query(toOa, [aggregate]))[0].n === 2, 10_000)).toBe(true);
    // Its two followers to CSP wait behind it, untried.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const waiting = await t.dataSource.query(`SELECT attempts, delivered_at FROM outbox_message WHERE aggregate_id = $1 AND destination = 'CSP' ORDER BY id`, [aggregate]);
    expect(waiting.slice(1)).toEqual([{ attempts: 0, delivered_at: null }, { attempts: 0, delivered_at: null }]);

    const agent = await tokenFor(org, ['AGENT']);
    const RETRY = `mutation($id: ID!) { retryOutboxMessage(input: { id: $id }) { message { status attempts } userErrors { code field message } } }`;
    expect((await t.graphql(RETRY, { id: parked.id }, agent)).data.retryOutboxMessage.userErrors[0].code).toBe('FORBIDDEN');
    expect((await t.graphql(RETRY, { id: '999999999' }, admin)).data.retryOutboxMessage.userErrors[0]).toMatchObject({ code: 'NOT_FOUND', field: ['input', 'id'] });
    for (const id of ['x', '9999999999999999999']) {
      expect((await t.graphql(RETRY, { id }, admin)).data.retryOutboxMessage.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'id'] });
    }
    const other = await tokenFor(await createTestOrg(t.dataSource, 'outbox-other'), ['WARRANTY_ADMIN']);
    expect((await t.graphql(RETRY, { id: parked.id }, other)).data.retryOutboxMessage.userErrors[0].code).toBe('NOT_FOUND');

    receiver.refused.delete(aggregate);
    const retried = await t.graphql(RETRY, { id: parked.id }, admin);
    expect(retried.data.retryOutboxMessage).toMatchObject({ message: { status: 'PENDING', attempts: 0 }, userErrors: [] });
    expect(await waitFor(() => (receiver.byAggregate.get(aggregate)?.length ?? 0) === 3, 20_000)).toBe(true);
    expect(inOrder(receiver.byAggregate)).toBe(true);
    expect((await t.graphql(RETRY, { id: parked.id }, admin)).data.retryOutboxMessage.userErrors[0]).toMatchObject({ code: 'INVALID_TRANSITION' });
  }, 60_000);

  it('/metrics shows requests by operation, SQL per request, deliveries by destination and the outbox depth', async () => {
    // Labelled by the operation name the client sends, as the request log names it; a name that is not one is not a label.
    const send = (query: string, operationName: string) =>
      fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify({ query, operationName }) });
    await send(`query WarrantyLookup { warranty(serialNumber: "OB-1") { id } }`, 'WarrantyLookup');
    await send(`query Weird { __typename }`, 'Lookup$Weird');
    // The previous test's last message: arrived, its round perhaps not yet recorded.
    expect(await waitFor(async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox_message WHERE delivered_at IS NULL`))[0].n === 0, 10_000)).toBe(true);
    // The three outbox gauges of one scrape share one query (a fresh sample: the sampling starts over).
    const queries = jest.spyOn(t.dataSource, 'query');
    watchOutbox(t.dataSource);
    const response = await fetch(new URL('/metrics', t.url));
    expect(queries.mock.calls.filter(([sql]) => String(sql).includes('FROM outbox_message WHERE delivered_at IS NULL GROUP BY destination'))).toHaveLength(1);
    queries.mockRestore();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? NaN);
    expect(value(/^warranty_graphql_requests_total\{operation="WarrantyLookup",status="200"\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('Lookup$Weird');
    expect(value(/^warranty_outbox_deliveries_total\{destination="CSP",outcome="DELIVERED"\} (\d+)/m)).toBeGreaterThanOrEqual(1_000);
    expect(value(/^warranty_outbox_deliveries_total\{destination="CSP",outcome="RETRY"\} (\d+)/m)).toBeGreaterThan(100);
    expect(value(/^warranty_outbox_deliveries_total\{destination="CSP",outcome="PARKED"\} (\d+)/m)).toBe(1);
    expect(value(/^warranty_graphql_sql_statements_count (\d+)/m)).toBeGreaterThan(0);
    expect(text).toMatch(/^warranty_outbox_delivery_duration_seconds_bucket\{le="0.5",destination="CSP"\} \d+/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    // Everything delivered: no pending gauge above zero.
    expect(text).not.toMatch(/^warranty_outbox_pending_messages\{[^}]*\} [1-9]/m);
  });
});

describe('outbox dispatcher: three `npm run dispatch` processes on one database', () => {
  let scratch: ScratchDatabase;
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startFlakyReceiver>>;
  const processes: ChildProcess[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    // The server migrates the database; its own dispatcher is off here.
    t = await startTestApp({ databaseUrl: scratch.url, env: { OUTBOX_DISPATCH: 'false' } });
    receiver = await startFlakyReceiver({ secret: SECRET, seed: 7, failRate: 0.2, hangRate: 0.02, delayMs: 5 });
  });
  afterAll(async () => {
    for (const child of processes) child.kill('SIGKILL');
    await t?.stop();
    await receiver?.stop();
    await scratch?.dispose();
  });

  function dispatcher(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/.bin/ts-node'), '--transpile-only', 'scripts/dispatch.ts'], {
      cwd: ROOT,
      env: { ...process.env, ...FAST, OUTBOX_BATCH: '20', DATABASE_URL: scratch.url, OUTBOX_CSP_URL: receiver.url, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    processes.push(child);
    return new Promise((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('outbox dispatcher ready')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`dispatch exited ${code}: ${out}`)));
    });
  }

  it('never delivers a message twice at once; killing one mid-way loses nothing', async () => {
    const org = await createTestOrg(t.dataSource, 'dispatchers');
    await writeMessages(t, org, 60, 600);
    const [first] = await Promise.all([dispatcher(), dispatcher(), dispatcher()]);
    expect(await waitFor(() => receiver.seen.size >= 150, 60_000)).toBe(true);
    first.kill('SIGKILL');
    expect(await waitFor(() => receiver.seen.size >= 600, 90_000)).toBe(true);
    expect(await waitFor(async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM outbox_message WHERE delivered_at IS NULL`))[0].n === 0, 10_000)).toBe(true);
    expect(receiver.seen.size).toBe(600);
    expect(receiver.stats).toMatchObject({ concurrent: 0, badSignatures: 0 });
    expect(inOrder(receiver.byAggregate)).toBe(true);

    // SIGTERM: the survivors finish their round and exit cleanly.
    const exits = processes.slice(1).map((child) => new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))));
    for (const child of processes.slice(1)) child.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual([0, 0]);
  }, 150_000);
});
