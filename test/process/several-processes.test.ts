import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { createDataSource } from '../../src/data-source';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';
import { loadContractSchema } from '../../src/schema-parts';
import { startFlakyReceiver, waitFor } from '../support/flaky-receiver';
import { waitingBehind } from '../support/lock-waiters';
import { startGateway, startStub, type Stub } from '../support/gateway';
import { createTestOrg, postGraphQL, tokenFor } from '../support/harness';
import { ROUTE_HEADER, startRoundRobin } from '../support/round-robin';
import { CSP_SDL } from '../support/sibling-subgraphs';
import { startSubgraphProcess, type SubgraphProcess } from '../support/subgraph-process';

/**
 * Stateless replicas behind the router, for real (docs/SCALING.md): three `npm start` processes started at once on
 * one brand-new database, each with its outbox dispatcher and its overdue-returns evaluation running, behind a
 * round-robin balancer and a real @apollo/gateway. Registrations, claims and their transitions go through the
 * gateway, each write to one process and the read after it to another; one claim is sent to two processes at once
 * with one idempotency key, then two processes are asked to approve it at the same moment; returns fall overdue while
 * three evaluations run; and a receiver that fails one delivery in five takes every message the three dispatchers send.
 *
 * Reliable on a busy machine: nothing waits on a sleep (the test waits for the processes' ready lines and for the
 * database and the receiver to reach the expected state), the dispatchers' attempt timeout is far above what a slow
 * machine needs (so no answer is lost to it and a 200 is the last attempt of its message), and the budgets are wide.
 */
const PROCESSES = 3;
const UNITS = 6;
const SECRET = 'csp-shared-secret-for-the-tests';
const DAY = 86_400_000;
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

const CLAIM = `id status version cover lines { kind covered partReturn { rmaNumber status chargeBackReason } }`;

describe('several subgraph processes on one database, behind the router', () => {
  let scratch: ScratchDatabase;
  let db: DataSource;
  let receiver: Awaited<ReturnType<typeof startFlakyReceiver>>;
  let processes: SubgraphProcess[] = [];
  let balancer: Awaited<ReturnType<typeof startRoundRobin>>;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let csp: Stub;
  let org: string;
  let admin: string;
  let agent: string;
  const claimIds: string[] = [];

  /** A GraphQL operation through the gateway, to the process `route` names (round robin without one). */
  async function viaGateway(query: string, variables: Record<string, unknown>, token: string, route?: number) {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(route === undefined ? {} : { [ROUTE_HEADER]: String(route) }) },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: unknown };
    expect(body.errors).toBeUndefined();
    return body.data;
  }

  beforeAll(async () => {
    // Not migrated: the three processes below find its migrations pending, as in a rollout with a new migration.
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    receiver = await startFlakyReceiver({ secret: SECRET, seed: 2026_12_07, failRate: 0.2, hangRate: 0 });
    const env = {
      DATABASE_URL: scratch.url,
      DB_POOL_SIZE: '4',
      OUTBOX_CSP_URL: receiver.url,
      OUTBOX_CSP_SECRET: SECRET,
      OUTBOX_TIMEOUT_MS: '30000',
      OUTBOX_RETRY_BASE_MS: '20',
      OUTBOX_RETRY_MAX_MS: '200',
      OUTBOX_POLL_MS: '20',
      OUTBOX_MAX_ATTEMPTS: '1000',
      OUTBOX_BATCH: '5',
      RETURNS_EVALUATION_INTERVAL_MS: '100',
      LOG_LEVEL: 'info',
    };
    processes = await Promise.all(Array.from({ length: PROCESSES }, () => startSubgraphProcess(env)));
    balancer = await startRoundRobin(processes.map((p) => p.url));
    // CSP's subgraph (whose Case this one extends), with no cases: the requests here are this subgraph's own.
    csp = await startStub(CSP_SDL, { Query: { cases: () => [] }, Case: { __resolveReference: () => null } });
    gateway = await startGateway(
      [
        { name: 'warranty', url: balancer.url, sdl: loadContractSchema() },
        { name: 'csp', url: csp.url, sdl: CSP_SDL },
      ],
      { forwardHeaders: [ROUTE_HEADER] },
    );
    db = createDataSource(scratch.url, 2);
    await db.initialize();
    org = await createTestOrg(db, 'replicas');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
  }, 120_000);

  afterAll(async () => {
    await gateway?.server.stop();
    await csp?.server.stop();
    await balancer?.stop();
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await db?.destroy();
    await receiver?.stop();
    await scratch?.dispose();
  });

  it('three processes started at once on an unmigrated database all come up; each migration ran once', async () => {
    expect(processes).toHaveLength(PROCESSES);
    const applied = await db.query(`SELECT name, count(*)::int AS n FROM typeorm_migrations GROUP BY name`);
    expect(applied).toHaveLength(MIGRATIONS.length);
    expect(applied.every((row: { n: number }) => row.n === 1)).toBe(true);
    // One process applied them all; the others waited for it and found nothing left to run.
    const appliers = processes.filter((p) => p.lines().some((l) => l.msg === 'migrations applied'));
    expect(appliers).toHaveLength(1);
  });

  it('registrations, claims and transitions through the gateway: each write on one process, the read after it on another, sees it', async () => {
    const rule = await viaGateway(
      `mutation($input: SetPartReturnRuleInput!) { setPartReturnRule(input: $input) { rule { partNumber } userErrors { code } } }`,
      { input: { partNumber: 'PB-10K', productFamily: 'INVERTER', windowDays: 30 } },
      admin,
      0,
    );
    expect(rule.setPartReturnRule.userErrors).toEqual([]);

    const unit = async (k: number) => {
      const serialNumber = `SCALE-${k}`;
      const at = (step: number) => (k + step) % PROCESSES;
      const registered = await viaGateway(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: day(-365) } },
        admin,
        at(0),
      );
      expect(registered.registerWarranty.userErrors).toEqual([]);
      const read = await viaGateway(`query($s: String!) { warranty(serialNumber: $s) { id serialNumber status } }`, { s: serialNumber }, agent, at(1));
      expect(read.warranty).toEqual({ id: registered.registerWarranty.warranty.id, serialNumber, status: 'ACTIVE' });

      const submitted = await viaGateway(
        `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id status } userErrors { code message } } }`,
        {
          input: {
            serialNumber, kind: 'REPAIR', repairDate: day(-3), component: 'POWER_BOARD', currency: 'EUR',
            lines: [{ kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice: '249.99' }, { kind: 'LABOUR', hours: '1.5', rate: '80' }],
          },
        },
        agent,
        at(2),
      );
      expect(submitted.submitClaim.userErrors).toEqual([]);
      const id = submitted.submitClaim.claim.id as string;
      claimIds.push(id);
      const claim = async (route: number) => (await viaGateway(`query($id: ID!) { claim(id: $id) { ${CLAIM} } }`, { id }, agent, route)).claim;
      expect(await claim(at(0))).toMatchObject({ id, status: 'SUBMITTED', cover: 'COVERED', lines: [{ kind: 'PART', partReturn: null }, { kind: 'LABOUR', partReturn: null }] });

      const move = async (action: string, route: number) => {
        const moved = await viaGateway(`mutation($id: ID!) { ${action}(input: { id: $id, reason: "scaling test" }) { claim { status } userErrors { code message } } }`, { id }, agent, route);
        expect(moved[action].userErrors).toEqual([]);
        return moved[action].claim.status;
      };
      expect(await move('approveClaim', at(1))).toBe('APPROVED');
      // The return the approval authorised, read on another process.
      expect(await claim(at(2))).toMatchObject({ status: 'APPROVED', lines: [{ partReturn: { status: 'AUTHORISED', rmaNumber: expect.stringMatching(/^RMA-/) } }, { partReturn: null }] });
      expect(await move('startClaimRepair', at(0))).toBe('IN_REPAIR');
      expect(await move('completeClaim', at(1))).toBe('CLOSED');
      expect(await claim(at(2))).toMatchObject({ status: 'CLOSED', cover: 'COVERED' });
    };
    // Three units at a time, so the processes serve interleaved requests of different callers.
    for (let start = 0; start < UNITS; start += 3) await Promise.all([start, start + 1, start + 2].map(unit));

    // Every process served a third of the writes and reads (9 requests per unit, three on each).
    expect(balancer.served.every((n) => n >= (UNITS * 9) / PROCESSES)).toBe(true);
    const events = await db.query(`SELECT event, count(*)::int AS n FROM warranty_event WHERE org_id = $1 AND claim_id IS NOT NULL GROUP BY event ORDER BY event`, [org]);
    expect(Object.fromEntries(events.map((e: { event: string; n: number }) => [e.event, e.n]))).toMatchObject({ PART_RETURN_AUTHORISED: UNITS });
    // RMA numbers run on within the organisation, whichever process took the approval.
    const numbers = await db.query(`SELECT rma_number FROM part_return WHERE org_id = $1 ORDER BY rma_number`, [org]);
    expect(new Set(numbers.map((r: { rma_number: string }) => r.rma_number)).size).toBe(UNITS);
  }, 90_000);

  /** Sends `requests` while a row is held here, lets it go once every one waits for it, and answers their answers. */
  async function heldTogether<T>(lockSql: string, values: unknown[], requests: Array<() => Promise<T>>): Promise<T[]> {
    const lock = new Client({ connectionString: scratch.url });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query(lockSql, values);
      const answering = Promise.all(requests.map((request) => request()));
      expect(await waitFor(async () => (await waitingBehind(lock)) === requests.length, 30_000)).toBe(true);
      await lock.query('ROLLBACK');
      return await answering;
    } finally {
      await lock.end();
    }
  }

  it('one claim sent to two processes at once with one idempotency key, then approved by two at once: one claim, one approval', async () => {
    for (let round = 0; round < 3; round++) {
      const serialNumber = `SCALE-RACE-${round}`;
      const registered = await postGraphQL(
        processes[0].url,
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' }, commissioningDate: day(-365) } },
        admin,
      );
      expect(registered.data.registerWarranty.userErrors).toEqual([]);
      // A client's retry that the balancer sends to another process while the first attempt still runs: both wait
      // for the unit's row (intake locks it first), then the one that comes second finds the first claim by its key.
      const submit = (p: SubgraphProcess) => () =>
        postGraphQL(
          p.url,
          `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code } } }`,
          { input: { serialNumber, kind: 'REPAIR', repairDate: day(-2), currency: 'EUR', idempotencyKey: `race-${round}`, lines: [{ kind: 'LABOUR', hours: '1', rate: '70' }] } },
          agent,
        );
      const submitted = await heldTogether('SELECT id FROM warranty_record WHERE id = $1 FOR UPDATE', [registered.data.registerWarranty.warranty.id], [submit(processes[0]), submit(processes[1])]);
      expect(submitted.map((a) => a.data.submitClaim.userErrors)).toEqual([[], []]);
      const id = submitted[0].data.submitClaim.claim.id;
      expect(submitted[1].data.submitClaim.claim.id).toBe(id);
      const [{ claims }] = await db.query(`SELECT count(*)::int AS claims FROM warranty_claim WHERE org_id = $1 AND idempotency_key = $2`, [org, `race-${round}`]);
      expect(claims).toBe(1);
      claimIds.push(id);

      // Two agents approving it at the same moment on two processes: both wait for the claim's row.
      const approve = (p: SubgraphProcess) => () =>
        postGraphQL(p.url, `mutation($id: ID!) { approveClaim(input: { id: $id, reason: "race" }) { claim { status } userErrors { code } } }`, { id }, agent);
      const answers = await heldTogether('SELECT id FROM warranty_claim WHERE id = $1 FOR UPDATE', [id], [approve(processes[1]), approve(processes[2])]);
      const codes = answers.map((a) => a.data.approveClaim.userErrors.map((e: { code: string }) => e.code).join() || 'OK').sort();
      expect(codes).toEqual(['INVALID_TRANSITION', 'OK']);
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM warranty_event WHERE claim_id = $1 AND event = 'CLAIM_STATUS_CHANGED' AND to_value = 'APPROVED'`, [id]);
      expect(n).toBe(1);
    }
  }, 60_000);

  it('returns falling overdue while three evaluations run are charged back once each', async () => {
    // The claims closed a month ago: every return's 30-day window has passed.
    const aged = await db.query(`UPDATE warranty_claim SET closed_at = closed_at - interval '31 days' WHERE org_id = $1 AND status = 'CLOSED' RETURNING id`, [org]);
    expect(aged[1]).toBe(UNITS);
    const charged = async () => (await db.query(`SELECT count(*)::int AS n FROM part_return WHERE org_id = $1 AND charged_back_at IS NOT NULL`, [org]))[0].n;
    expect(await waitFor(async () => (await charged()) === UNITS, 30_000)).toBe(true);
    // What the processes say they charged back (each logs its round's count after the round commits) adds up to
    // the returns: none was charged by two.
    const said = () => processes.flatMap((p) => p.lines().filter((l) => l.msg === 'overdue part returns charged back').map((l) => l.chargedBack as number));
    expect(await waitFor(() => said().reduce((a, b) => a + b, 0) >= UNITS, 10_000)).toBe(true);
    expect(said().reduce((a, b) => a + b, 0)).toBe(UNITS);
    const [{ n: events }] = await db.query(`SELECT count(*)::int AS n FROM warranty_event WHERE org_id = $1 AND event = 'CLAIM_LINE_CHARGED_BACK'`, [org]);
    expect(events).toBe(UNITS);
    const [{ n: messages }] = await db.query(`SELECT count(*)::int AS n FROM outbox_message WHERE org_id = $1 AND topic = 'claim.lines_charged_back'`, [org]);
    expect(messages).toBe(UNITS);
  }, 60_000);

  it('the three dispatchers deliver every message once, in order per claim, to a receiver failing one in five', async () => {
    const undelivered = async () => (await db.query(`SELECT count(*)::int AS n FROM outbox_message WHERE delivered_at IS NULL`))[0].n;
    expect(await waitFor(async () => (await undelivered()) === 0, 60_000)).toBe(true);
    const rows: Array<{ id: string; aggregate_id: string }> = await db.query(`SELECT id, aggregate_id FROM outbox_message WHERE destination = 'CSP' ORDER BY id`);
    // Case request, submitted, approved, return authorised, in repair, closed, charged back: 7 per unit; 3 per race claim.
    expect(rows).toHaveLength(UNITS * 7 + 3 * 3);
    expect(receiver.seen.size).toBe(rows.length);
    // In order per claim: each claim's first arrivals are its messages in the order they were written.
    for (const id of claimIds) {
      expect(receiver.byAggregate.get(id)).toEqual(rows.filter((r) => r.aggregate_id === id).map((r) => r.id));
    }
    // Exactly once: each message was answered 200 once (the rest of the requests were the failures, retried);
    // no two processes ever sent one message at the same time.
    expect(receiver.stats.requests - receiver.stats.failed).toBe(rows.length);
    expect(receiver.stats).toMatchObject({ concurrent: 0, badSignatures: 0, hung: 0 });
    expect(receiver.stats.failed).toBeGreaterThan(5);
    // What each process's dispatcher counted as delivered (its /metrics) adds up to the messages: the work was shared,
    // and no message was counted by two.
    const delivered = await Promise.all(
      processes.map(async (p) => {
        const text = await (await fetch(new URL('/metrics', p.url))).text();
        return Number(/^warranty_outbox_deliveries_total\{destination="CSP",outcome="DELIVERED"\} (\d+)/m.exec(text)?.[1] ?? 0);
      }),
    );
    expect(delivered.reduce((a, b) => a + b, 0)).toBe(rows.length);
    process.stdout.write(`delivered by each process: ${delivered.join(', ')}\n`);
  }, 90_000);

  it('SIGTERM: every process drains and exits 0', async () => {
    expect(await Promise.all(processes.map((p) => p.stop()))).toEqual(processes.map(() => 0));
  }, 60_000);
});
