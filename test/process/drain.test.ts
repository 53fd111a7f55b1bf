import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';
import { postGraphQL, SEEDED_ORG, tokenFor } from '../support/harness';
import { waitingBehind } from '../support/lock-waiters';
import { spawnedServerEnv, transpiledPath } from '../support/transpiled';

/**
 * SIGTERM drains, for real: `npm start`'s entry point in its own process, requests held in flight by a row lock
 * in another session, then SIGTERM. /ready turns 503, new requests are refused with a retryable 503, and every
 * request in flight at the signal gets its answer before the process exits 0.
 *
 * Reliable on a busy machine: the entry point runs transpiled once (support/transpiled.ts), not through ts-node per
 * spawn; nothing waits on a wall-clock sleep (the test waits for the server's own "shutting down" line, and for the
 * requests to reach the lock however long that takes); the statement timeout and drain budget are far above anything
 * the test needs, so a slow machine stretches the test instead of failing it; and the test's own budget is generous.
 */
const ROOT = join(__dirname, '..', '..');

interface Server {
  child: ChildProcess;
  url: string;
  exited: Promise<number | null>;
  /** Resolves when the server has logged a line containing `text`. */
  logged(text: string): Promise<void>;
}

function startServer(): Promise<Server> {
  const child = spawn(process.execPath, [transpiledPath('src/main.ts')], {
    cwd: ROOT,
    env: spawnedServerEnv({ DRAIN_TIMEOUT_MS: '120000', DB_STATEMENT_TIMEOUT_MS: '120000', REQUEST_TIMEOUT_MS: '120000' }),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  const logged = (text: string) => new Promise<void>((resolve) => (output.includes(text) ? resolve() : waiters.push({ text, resolve })));
  child.stdout!.on('data', (chunk) => {
    output += chunk.toString();
    for (const waiter of waiters.filter((w) => output.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  return new Promise((resolve, reject) => {
    void logged('"Sofar Warranty subgraph ready"').then(() => {
      const line = output.split('\n').find((l) => l.includes('"Sofar Warranty subgraph ready"'))!;
      resolve({ child, url: JSON.parse(line).url, exited, logged });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before it was ready:\n${output}`)));
  });
}

describe('graceful drain on SIGTERM', () => {
  let server: Server | undefined;
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
    // Wait until all five wait on the lock (however long a busy machine takes: the statement timeout is far away),
    // then signal.
    for (let waiting = 0; waiting < 5; waiting = await waitingBehind(lock)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    started.child.kill('SIGTERM');
    // The server logs this line as it starts draining (readiness is turned off first, in the same turn).
    await started.logged('"shutting down"');

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
  }, 180_000);
});
