import { createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { Client } from 'pg';
import { captureLogs } from '../support/log-capture';
import { startStreamingPair, systemPostgresBin, type StreamingPair } from '../support/standby';

/**
 * Read replicas (DATABASE_REPLICA_URLS, src/db/read-routing.ts) against a real hot standby: a PostgreSQL primary and
 * a standby streaming from it (`pg_basebackup -R`), started here on ports of their own. Where the reads went is
 * seen from the standby's side, in its statement log (log_statement = all): the subgraph's statements carry the
 * serial numbers and ids they look up as parameters. No timed assertion: whatever depends on replication or on the
 * background check is polled, with generous bounds.
 *
 * Needs the machine's PostgreSQL binaries (pg_basebackup); without them the file is skipped, unless
 * REQUIRE_STANDBY=1 (CI sets it), when it fails.
 */
const available = systemPostgresBin() !== null || process.env.REQUIRE_STANDBY === '1';
const describeWithStandby = available ? describe : describe.skip;
if (!available) process.stderr.write('read-replicas.test.ts skipped: no pg_basebackup (set PG_BIN, or REQUIRE_STANDBY=1 to fail instead)\n');

const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`;
/** A planned read (the row reader's named statement). */
const LOOKUP = 'query Lookup($serialNumber: String!) { warranty(serialNumber: $serialNumber) { id serialNumber } }';
/** Not planned: Apollo, and the record and coverage loaders over TypeORM. */
const GENERAL = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id version status coverages { scope } } } }';

const POLL_MS = 100;
const POLL_BOUND_MS = 90_000;

async function eventually<T>(what: string, probe: () => Promise<T | undefined | null | false>): Promise<T> {
  const until = Date.now() + POLL_BOUND_MS;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`not within ${POLL_BOUND_MS} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The standby's log lines written for the subgraph's own connections (not the check's nor this test's). */
function subgraphLines(pair: StreamingPair, from = 0): string[] {
  return pair.standbyLog().slice(from).split('\n').filter((line) => line.includes('app=sofar-warranty '));
}

async function post(app: TestApp, query: string, variables: Record<string, unknown>, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(app.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as { data?: any; errors?: unknown[] }) };
}

async function metric(app: TestApp, name: string): Promise<string[]> {
  const text = await (await fetch(new URL('/metrics', app.url))).text();
  return text.split('\n').filter((line) => line.startsWith(name));
}

let serial = 0;
function unit(label: string) {
  return { serialNumber: `RR-${label}-${process.pid}-${serial++}`, sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'cust-rr', site: { countryCode: 'DE' }, commissioningDate: '2025-01-10' };
}

describeWithStandby('read replicas against a streaming standby', () => {
  let pair: StreamingPair;
  beforeAll(async () => {
    pair = await startStreamingPair();
  }, 180_000);
  afterAll(async () => {
    await pair?.stop();
  }, 120_000);

  async function startWith(maxLagMs: number, env: Record<string, string> = {}): Promise<{ app: TestApp; admin: string; agent: string }> {
    const app = await startTestApp({
      databaseUrl: pair.primaryUrl,
      env: {
        DATABASE_URL: pair.primaryUrl,
        DATABASE_REPLICA_URLS: pair.standbyUrl,
        DATABASE_REPLICA_MAX_LAG_MS: String(maxLagMs),
        DATABASE_REPLICA_CHECK_INTERVAL_MS: '200',
        OUTBOX_DISPATCH: 'false',
        ...env,
      },
    });
    const org = await createTestOrg(app.dataSource, 'replicas');
    return { app, admin: await tokenFor(org, ['WARRANTY_ADMIN']), agent: await tokenFor(org, ['AGENT']) };
  }

  async function register(app: TestApp, admin: string, label: string): Promise<{ id: string; serialNumber: string }> {
    const input = unit(label);
    const { data, errors } = await post(app, REGISTER, { input }, admin);
    expect(errors).toBeUndefined();
    expect(data.registerWarranty.userErrors).toEqual([]);
    expect(data.registerWarranty.warranty).toMatchObject({ id: expect.any(String), serialNumber: input.serialNumber.toUpperCase() });
    return data.registerWarranty.warranty;
  }

  describe('with a lag limit the paused standby stays within (10 minutes)', () => {
    let app: TestApp;
    let admin: string;
    let agent: string;
    beforeAll(async () => {
      ({ app, admin, agent } = await startWith(600_000));
    }, 180_000);
    afterAll(() => app?.stop());

    it('reads queries (planned and general) from the standby; the mutation runs on the primary', async () => {
      const written = await register(app, admin, 'read');
      // The standby cannot write: the mutation succeeded, so it ran on the primary, and none of its statements
      // reached the standby.
      expect(subgraphLines(pair).filter((line) => /\b(INSERT|UPDATE|DELETE)\b/i.test(line))).toEqual([]);

      const from = pair.standbyLog().length;
      const found = await eventually('the standby has the unit', async () => {
        const { data, errors } = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
        expect(errors).toBeUndefined();
        return data.warranty;
      });
      expect(found).toEqual(written);
      // The planned lookup's statement reached the standby, with the serial number as its parameter.
      expect(subgraphLines(pair, from).some((line) => line.includes(written.serialNumber))).toBe(true);

      const before = pair.standbyLog().length;
      const { data, errors } = await post(app, GENERAL, { r: [{ __typename: 'WarrantyRecord', id: written.id }] }, agent);
      expect(errors).toBeUndefined();
      expect(data._entities[0]).toMatchObject({ id: written.id, coverages: [expect.objectContaining({ scope: expect.any(String) })] });
      // The record and coverage loaders (TypeORM) read there too: statements with the record's id.
      expect(subgraphLines(pair, before).filter((line) => line.includes(written.id)).length).toBeGreaterThanOrEqual(1);

      expect((await metric(app, 'warranty_db_replica_healthy')).join('\n')).toMatch(/ 1$/m);
      expect((await metric(app, 'warranty_db_read_routes_total')).join('\n')).toMatch(/reason="REPLICA"\} [1-9]/);
    });

    it('counts the standby\'s statements in the request\'s budget and log line, as the primary\'s', async () => {
      const written = await register(app, admin, 'count');
      await eventually('the standby has the unit', async () => (await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent)).data.warranty);
      const logs = captureLogs();
      try {
        const variables = { r: [{ __typename: 'WarrantyRecord', id: written.id }] };
        await post(app, GENERAL, variables, agent, { 'x-request-id': 'rr-replica' });
        await post(app, GENERAL, variables, agent, { 'x-request-id': 'rr-primary', 'x-sofar-read-primary': '1' });
        await new Promise((resolve) => setImmediate(resolve)); // the log line goes out at the end of the turn
        const [replica, primary] = [logs.request('rr-replica'), logs.request('rr-primary')];
        expect(replica).toMatchObject({ readFrom: new URL(pair.standbyUrl).host + '/postgres' });
        expect(primary).toMatchObject({ readFrom: 'primary' });
        expect(replica!.sqlQueries).toBeGreaterThan(0);
        expect(replica!.sqlQueries).toBe(primary!.sqlQueries);
      } finally {
        logs.stop();
      }
    });

    it('reads the caller\'s own writes from the primary when asked with x-sofar-read-primary, while the standby is behind', async () => {
      await pair.pauseReplay();
      try {
        const written = await register(app, admin, 'own');
        // The paused standby is within the (large) limit, so a plain query reads there and does not see the unit yet…
        const stale = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
        expect(stale.errors).toBeUndefined();
        expect(stale.data.warranty).toBeNull();
        // …and the caller who has just written asks for the primary, which has it: planned and general paths alike.
        const own = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent, { 'x-sofar-read-primary': '1' });
        expect(own.data.warranty).toEqual(written);
        const general = await post(app, GENERAL, { r: [{ __typename: 'WarrantyRecord', id: written.id }] }, agent, { 'x-sofar-read-primary': 'true' });
        expect(general.data._entities[0]).toMatchObject({ id: written.id });
        // (The mutation's own payload, read after its transaction through the loaders, had the unit: a mutation
        // reads from the primary throughout; `register` checked it.)
      } finally {
        await pair.resumeReplay();
      }
    });
  });

  describe('with a deadline of 1.5 seconds, and one check only (at start)', () => {
    let app: TestApp;
    let admin: string;
    let agent: string;
    beforeAll(async () => {
      ({ app, admin, agent } = await startWith(600_000, { REQUEST_TIMEOUT_MS: '1500', DATABASE_REPLICA_CHECK_INTERVAL_MS: '600000' }));
    }, 180_000);
    afterAll(() => app?.stop());

    it('cancels a statement on the standby at the request\'s deadline', async () => {
      const written = await register(app, admin, 'deadline');
      await eventually('the standby has the unit', async () => (await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent)).data.warranty);
      // An ACCESS EXCLUSIVE lock held open on the primary is replayed on the standby, where the standby's replay
      // holds it: a read of the table there waits for it, past the deadline.
      const locker = new Client({ connectionString: pair.primaryUrl, application_name: 'standby-test-support' });
      await locker.connect();
      const standby = new Client({ connectionString: pair.standbyUrl, application_name: 'standby-test-support' });
      await standby.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE warranty_record IN ACCESS EXCLUSIVE MODE');
        await locker.query('SELECT pg_switch_wal()'); // flushes the lock's WAL record to the standby now
        await eventually('the lock is held on the standby', async () => {
          const { rows } = await standby.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = 'warranty_record'::regclass`,
          );
          return rows[0].n > 0;
        });
        const from = pair.standbyLog().length;
        const response = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
        expect(response.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'REQUEST_TIMEOUT' }) })]);
        // The standby says why its statement ended: the subgraph's cancel request, at the deadline.
        await eventually('the standby logged the cancel', async () =>
          subgraphLines(pair, from).some((line) => line.includes('canceling statement due to user request')),
        );
      } finally {
        await locker.query('ROLLBACK').catch(() => undefined);
        await locker.end();
        await standby.end();
      }
    });

    it('reads from the primary, without an error, when the standby refuses the connection before any check has seen it go', async () => {
      const written = await register(app, admin, 'refused');
      await eventually('the standby has the unit', async () => (await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent)).data.warranty);
      await pair.stopStandby();
      try {
        const planned = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
        expect(planned.errors).toBeUndefined();
        expect(planned.data.warranty).toEqual(written);
        const general = await post(app, GENERAL, { r: [{ __typename: 'WarrantyRecord', id: written.id }] }, agent);
        expect(general.errors).toBeUndefined();
        expect(general.data._entities[0]).toMatchObject({ id: written.id });
        expect((await metric(app, 'warranty_db_read_routes_total')).join('\n')).toMatch(/reason="REPLICA_UNREACHABLE"\} [1-9]/);
        // Marked down by the refused connection itself: later queries do not try it until a check finds it back.
        expect((await metric(app, 'warranty_db_replica_healthy')).join('\n')).toMatch(/ 0$/m);
      } finally {
        await pair.startStandby();
      }
    });
  });

  describe('with a lag limit of one second', () => {
    let app: TestApp;
    let admin: string;
    let agent: string;
    beforeAll(async () => {
      ({ app, admin, agent } = await startWith(1_000));
    }, 180_000);
    afterAll(() => app?.stop());

    it('skips a standby that falls behind past the limit, and reads from it again once it has caught up', async () => {
      await pair.pauseReplay();
      let written: { id: string; serialNumber: string };
      try {
        written = await register(app, admin, 'lag');
        // Only the primary has the unit: once the check finds the standby past the limit, queries find it there.
        await eventually('queries skip the paused standby', async () => {
          const { data, errors } = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
          expect(errors).toBeUndefined();
          return data.warranty;
        });
        expect((await metric(app, 'warranty_db_replica_healthy')).join('\n')).toMatch(/ 0$/m);
        expect((await metric(app, 'warranty_db_read_routes_total')).join('\n')).toMatch(/reason="NO_HEALTHY_REPLICA"\} [1-9]/);
      } finally {
        await pair.resumeReplay();
      }
      // Caught up, it is read from again: the lookup's statement shows up in the standby's log.
      const from = pair.standbyLog().length;
      await eventually('the standby is read from again', async () => {
        const { data, errors } = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
        expect(errors).toBeUndefined();
        expect(data.warranty).toEqual(written);
        return subgraphLines(pair, from).some((line) => line.includes(written.serialNumber));
      });
    });

    it('skips a stopped standby without an error, and comes back to it when it is started again', async () => {
      const written = await register(app, admin, 'stop');
      await eventually('the standby has the unit', async () => (await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent)).data.warranty);
      await pair.stopStandby();
      try {
        // At once, before any check has noticed: the connection is refused, the request reads from the primary.
        for (let i = 0; i < 5; i++) {
          const planned = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
          expect(planned.errors).toBeUndefined();
          expect(planned.data.warranty).toEqual(written);
          const general = await post(app, GENERAL, { r: [{ __typename: 'WarrantyRecord', id: written.id }] }, agent);
          expect(general.errors).toBeUndefined();
          expect(general.data._entities[0]).toMatchObject({ id: written.id });
        }
        expect((await metric(app, 'warranty_db_replica_healthy')).join('\n')).toMatch(/ 0$/m);
      } finally {
        await pair.startStandby();
      }
      const from = pair.standbyLog().length;
      await eventually('the restarted standby is read from again', async () => {
        const { data, errors } = await post(app, LOOKUP, { serialNumber: written.serialNumber }, agent);
        expect(errors).toBeUndefined();
        expect(data.warranty).toEqual(written);
        return subgraphLines(pair, from).some((line) => line.includes(written.serialNumber));
      });
    });
  });
});
