import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { postGraphQL, SEEDED_ORG, tokenFor } from '../support/harness';

/**
 * SIGTERM drains, for real: `npm start`'s entry point in its own process, requests held in flight by a row lock
 * in another session, then SIGTERM. /ready turns 503, new requests are refused with a retryable 503, and every
 * request in flight at the signal gets its answer before the process exits 0.
 */
const ROOT = join(__dirname, '..', '..');

function startServer(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      PLAYGROUND: 'false',
      SEED_DEMO_DATA: 'false',
      DRAIN_TIMEOUT_MS: '15000',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk) => {
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        if (line.includes('"Sofar Warranty subgraph ready"')) resolve({ child, url: JSON.parse(line).url, exited });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
}

describe('graceful drain on SIGTERM', () => {
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('answers every request in flight at the signal, refuses new ones with 503, then exits 0', async () => {
    const started = await startServer();
    server = started;
    const admin = await tokenFor(SEEDED_ORG, ['WARRANTY_ADMIN']);
    const serialNumber = `DRAIN-${Date.now()}`;
    const registered = await postGraphQL(
      started.url,
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { message } } }`,
      { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' }, commissioningDate: '2024-01-01' } },
      admin,
    );
    const id = registered.data.registerWarranty.warranty.id;

    const lock = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('SELECT id FROM warranty_record WHERE id = $1 FOR UPDATE', [id]);
    const inFlight = Array.from({ length: 5 }, (_, i) =>
      postGraphQL(
        started.url,
        `mutation($input: UpdateWarrantyInput!) { updateWarranty(input: $input) { warranty { customer { id } } userErrors { message } } }`,
        { input: { id, customerId: `drain-${i}` } },
        admin,
      ),
    );
    // Wait until all five wait on the lock, then signal.
    const waitUntil = Date.now() + 4000; // below the server's statement timeout (5 s)
    for (let waiting = 0; waiting < 5; ) {
      if (Date.now() > waitUntil) throw new Error(`only ${waiting} of 5 requests reached the row lock`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Inside a transaction PostgreSQL keeps the first snapshot of pg_stat_activity; drop it to see new waiters.
      await lock.query('SELECT pg_stat_clear_snapshot()');
      const { rows: [row] } = await lock.query(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'sofar-warranty' AND wait_event_type = 'Lock'",
      );
      waiting = row.n;
    }
    started.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));

    const ready = await fetch(new URL('/ready', started.url));
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining', reason: 'shutting down' });
    const refused = await postGraphQL(started.url, '{ warranty(serialNumber: "X") { id } }', undefined, admin);
    expect(refused.status).toBe(503);
    expect(refused.errors?.[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', retryable: true });

    await lock.query('ROLLBACK');
    await lock.end();
    const answers = await Promise.all(inFlight);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data.updateWarranty.userErrors).toEqual([]);
    }
    expect(await started.exited).toBe(0);
  });
});
