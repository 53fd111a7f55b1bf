/**
 * The outbox part of `npm run bench` (issue 9): how fast the dispatcher delivers, and what writing the message costs
 * a claim transition. `BENCH_SCENARIOS=outbox` runs it alone.
 *
 * Delivery:
 * 1. A local receiver (outbox-receiver.ts, a node:http child process of its own) verifies every request's signature,
 *    counts each delivery id once and checks that each claim's messages arrive in order; it answers 200 at once.
 * 2. The floor, measured first in the same run: this process POSTs the same signed envelopes to the same receiver
 *    with `fetch` (the dispatcher's HTTP client), FLOOR_IN_FLIGHT at a time, no database: the most the receiver and
 *    the client library give on this machine.
 * 3. Per configuration: MESSAGES messages of CLAIMS claims are written into the outbox in SQL (interleaved, as many
 *    claims changing over time would leave them), then that many `npm run dispatch` processes (compiled, as
 *    production runs them) drain it. Rate = messages / (last receipt − first receipt), for the floor too. Every
 *    message must arrive, exactly once (no failures, so no duplicates) and in order per claim.
 *
 * Transition latency (the outbox write's share):
 * 4. SUBMITTED claims are inserted in SQL for a unit registered through the API; `ClaimsService.transition`
 *    (APPROVE) runs in this process on its own connection pool, one after another, in alternating rounds: with the
 *    outbox write, as shipped, and without it (the one `insert` of the OutboxMessage skipped for the round, nothing
 *    else changed). The added latency is the difference of the medians, and its share of the transition.
 * 5. For scale, `approveClaim` through the running subgraph over HTTP, one after another: a whole request's median.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { EntityManager } from 'typeorm';
import type { Actor } from '../src/auth/actor';
import { signToken } from '../src/auth/tokens';
import { createDataSource } from '../src/data-source';
import { sign } from '../src/common/signing';
import { OutboxMessage } from '../src/outbox/outbox-message.entity';
import { createServices } from '../src/services';
import { fixed, rssMb } from './process-stats';
import { graphql, seedThroughApi, type Fleet } from './seed';

const MESSAGES = 20_000;
const CLAIMS = 2_000;
const FLOOR_IN_FLIGHT = 50;
const CONFIGURATIONS = [
  { processes: 1, batch: 50 },
  { processes: 3, batch: 50 },
  { processes: 1, batch: 200 },
];
const SECRET = 'bench-outbox-secret-000000000000';
const ROUNDS = 6;
const PER_ROUND = 300;
const WARMUP = 100;
const HTTP_TRANSITIONS = 300;
const FLEET: Fleet = { orgs: [{ org: 'outbox-bench', prefix: 'OB-' }], unitsPerOrg: 5, seedsPerOrg: 5, digits: 4 };

export const outboxSources = ['../scripts/dispatch.ts', 'outbox-receiver.ts'];
export const dispatchScript = (root: string) => join(root, 'dist', 'scripts', 'dispatch.js');

export interface OutboxResult {
  floor: { messages: number; seconds: number };
  deliveries: Array<{ processes: number; batch: number; messages: number; seconds: number; duplicates: number; outOfOrder: number; peakRssMb: number }>;
  transition: { with: number[]; without: number[]; outboxRows: number; expectedRows: number };
  httpApprove: number[];
}

interface ReceiverState {
  delivered: number;
  duplicates: number;
  outOfOrder: number;
  bad: number;
  /** The receiver's clock (ms) at the first and the last new delivery. */
  first: number;
  last: number;
}

/** The receiver child (outbox-receiver.ts): reset and read over IPC. */
async function startReceiver(script: string) {
  const child = fork(script, [], { env: { PATH: process.env.PATH ?? '', RECEIVER_SECRET: SECRET }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const ask = <T>(type: string, extra: Record<string, unknown> = {}) =>
    new Promise<T>((resolve) => {
      const listener = (message: { type: string }) => {
        if (message.type !== type) return;
        child.off('message', listener);
        resolve(message as T);
      };
      child.on('message', listener);
      child.send({ type, ...extra });
    });
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`outbox bench: the receiver exited (${code})`)));
  });
  return {
    url,
    pid: child.pid!,
    /** Counts from now on only `org`'s messages. */
    reset: (org: string) => ask('reset', { org }),
    state: () => ask<ReceiverState>('state'),
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.send({ type: 'stop' });
    }),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** A claim status message as `writeStatusMessage` writes it. */
const PAYLOAD_SQL = `jsonb_build_object('claimId', a.id, 'warrantyId', a.id, 'cspCaseId', 'CASE-' || a.i, 'kind', 'REPAIR', 'from', 'SUBMITTED',
  'status', 'APPROVED', 'cover', 'COVERED', 'coveredTotal', jsonb_build_object('amount', '369.9900', 'currency', 'EUR'),
  'selfPaidTotal', jsonb_build_object('amount', '0.0000', 'currency', 'EUR'), 'version', g.n / ${CLAIMS})`;

async function seedMessages(client: Client, org: string): Promise<void> {
  await client.query(
    `WITH a AS (SELECT i, gen_random_uuid() AS id FROM generate_series(0, $2 - 1) AS s(i))
     INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
     SELECT $1, 'CSP', 'claim.status_changed', a.id, ${PAYLOAD_SQL}
     FROM generate_series(0, $3 - 1) AS g(n) JOIN a ON a.i = g.n % $2 ORDER BY g.n`,
    [org, CLAIMS, MESSAGES],
  );
  await client.query('VACUUM ANALYZE outbox_message');
}

/** The floor: the same envelopes POSTed by `fetch`, FLOOR_IN_FLIGHT at a time, no database. */
async function measureFloor(receiver: Receiver): Promise<{ messages: number; seconds: number }> {
  await receiver.reset('outbox-floor');
  const url = receiver.url;
  const claims = Array.from({ length: CLAIMS }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: FLOOR_IN_FLIGHT }, async () => {
      while (next < MESSAGES) {
        const n = next++;
        const claimId = claims[n % CLAIMS];
        const body = JSON.stringify({
          deliveryId: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}`, messageId: String(n), destination: 'CSP', topic: 'claim.status_changed',
          orgId: 'outbox-floor', aggregateId: claimId, createdAt: new Date().toISOString(), attempt: 1,
          payload: { claimId, warrantyId: claimId, cspCaseId: `CASE-${n % CLAIMS}`, kind: 'REPAIR', from: 'SUBMITTED', status: 'APPROVED', cover: 'COVERED', coveredTotal: { amount: '369.9900', currency: 'EUR' }, selfPaidTotal: { amount: '0.0000', currency: 'EUR' }, version: Math.floor(n / CLAIMS) },
        });
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sofar-delivery-id': String(n), 'x-sofar-timestamp': String(timestamp), 'x-sofar-signature': sign(SECRET, timestamp, body) },
          body,
        });
        await response.text();
        if (response.status !== 200) throw new Error(`outbox bench: the floor got HTTP ${response.status}`);
      }
    }),
  );
  const state = await receiver.state();
  if (state.delivered !== MESSAGES || state.bad) throw new Error(`outbox bench: the floor delivered ${state.delivered} of ${MESSAGES} (${state.bad} refused)`);
  return { messages: MESSAGES, seconds: (state.last - state.first) / 1000 };
}

function startDispatcher(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [script], { env, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function stopProcess(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

export async function measureOutbox(options: { subgraphUrl: string; databaseUrl: string; jwtSecret: string; root: string; receiverScript: string; progress: (line: string) => void }): Promise<OutboxResult> {
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  const receiver = await startReceiver(options.receiverScript);
  try {
    // The read bench's claims left their messages to CSP undelivered (the subgraph has no CSP URL): set aside, so
    // that the dispatchers here deliver this part's messages only.
    await client.query(`UPDATE outbox_message SET delivered_at = now() WHERE delivered_at IS NULL AND parked_at IS NULL`);
    options.progress(`outbox: the floor, ${MESSAGES} signed POSTs by fetch, ${FLOOR_IN_FLIGHT} in flight…`);
    await measureFloor(receiver); // warm-up of the receiver and the client
    const floor = await measureFloor(receiver);

    const deliveries: OutboxResult['deliveries'] = [];
    for (const [index, configuration] of CONFIGURATIONS.entries()) {
      const org = `outbox-bench-${index}`;
      await seedMessages(client, org);
      await receiver.reset(org);
      options.progress(`outbox: ${MESSAGES} messages of ${CLAIMS} claims, ${configuration.processes} × npm run dispatch, batch ${configuration.batch}…`);
      const env = {
        PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: options.jwtSecret, DATABASE_URL: options.databaseUrl, LOG_LEVEL: 'warn',
        OUTBOX_CSP_URL: receiver.url, OUTBOX_CSP_SECRET: SECRET, OUTBOX_BATCH: String(configuration.batch), OUTBOX_POLL_MS: '100',
      };
      const processes = Array.from({ length: configuration.processes }, () => startDispatcher(dispatchScript(options.root), env));
      let peakRssMb = 0;
      const deadline = Date.now() + 300_000;
      for (let state = await receiver.state(); state.delivered < MESSAGES; state = await receiver.state()) {
        if (Date.now() > deadline) throw new Error(`outbox bench: ${state.delivered} of ${MESSAGES} delivered after 300 s`);
        const dead = processes.find((p) => p.exitCode !== null);
        if (dead) throw new Error(`outbox bench: a dispatcher exited (${dead.exitCode})`);
        for (const p of processes) peakRssMb = Math.max(peakRssMb, rssMb(p.pid!));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const codes = await Promise.all(processes.map(stopProcess));
      if (codes.some((code) => code !== 0)) throw new Error(`outbox bench: dispatchers exited with ${codes.join(', ')} on SIGTERM`);
      const [{ undelivered }] = (await client.query(`SELECT count(*) FILTER (WHERE delivered_at IS NULL)::int AS undelivered FROM outbox_message WHERE org_id = $1`, [org])).rows;
      const state = await receiver.state();
      if (undelivered !== 0 || state.bad) throw new Error(`outbox bench: ${undelivered} messages left undelivered, ${state.bad} refused`);
      if (state.outOfOrder) throw new Error(`outbox bench: ${state.outOfOrder} messages arrived out of order`);
      deliveries.push({ ...configuration, messages: MESSAGES, seconds: (state.last - state.first) / 1000, duplicates: state.duplicates, outOfOrder: state.outOfOrder, peakRssMb });
    }

    options.progress(`outbox: claim transitions with and without the outbox write, ${ROUNDS} rounds of ${PER_ROUND}…`);
    const transition = await measureTransitions(client, options);
    return { floor, deliveries, ...transition };
  } finally {
    await receiver.stop();
    await client.end();
  }
}

async function measureTransitions(client: Client, options: { subgraphUrl: string; databaseUrl: string; jwtSecret: string }): Promise<Pick<OutboxResult, 'transition' | 'httpApprove'>> {
  const { org } = FLEET.orgs[0];
  await seedThroughApi(options.subgraphUrl, options.jwtSecret, FLEET);
  const [{ id: unitId }] = (await client.query(`SELECT id FROM warranty_record WHERE org_id = $1 LIMIT 1`, [org])).rows;
  const total = WARMUP + ROUNDS * PER_ROUND + HTTP_TRANSITIONS;
  const { rows: claims } = await client.query<{ id: string }>(
    `INSERT INTO warranty_claim (id, org_id, warranty_record_id, csp_case_id, kind, status, repair_date, currency, cover,
       covered_total, self_paid_total, total, submitted_by_id, response_due_at, onsite_due_at, created_at, updated_at)
     SELECT gen_random_uuid(), $1, $2, 'outbox-case-' || n, 'REPAIR', 'SUBMITTED', '2026-11-20', 'EUR', 'COVERED', 369.99, 0, 369.99,
       'bench', now() + interval '1 day', now() + interval '3 days', now(), now()
     FROM generate_series(1, $3) AS n ORDER BY n RETURNING id`,
    [org, unitId, total],
  );
  await client.query('VACUUM ANALYZE warranty_claim');
  const ids = claims.map((c) => c.id);

  const dataSource = createDataSource(options.databaseUrl, { poolSize: 2, statementTimeoutMs: 30_000 });
  await dataSource.initialize();
  const services = createServices(dataSource);
  const actor: Actor = { id: 'bench-agent', orgId: org, roles: ['WARRANTY_ADMIN'], customerId: null };
  // The "without" rounds skip exactly the one insert of the outbox message: the rest of the transition is the same code.
  const realInsert = EntityManager.prototype.insert;
  let skipOutbox = false;
  EntityManager.prototype.insert = function (this: EntityManager, target: unknown, entity: unknown) {
    if (skipOutbox && target === OutboxMessage) return Promise.resolve({ identifiers: [], generatedMaps: [], raw: [] });
    return (realInsert as (...args: unknown[]) => ReturnType<EntityManager['insert']>).call(this, target, entity);
  } as EntityManager['insert'];
  const timings = { with: [] as number[], without: [] as number[] };
  let next = 0;
  const approve = async () => {
    const id = ids[next++];
    const started = performance.now();
    await services.claims.transition(actor, { id, action: 'APPROVE', reason: 'bench' });
    return performance.now() - started;
  };
  try {
    for (let i = 0; i < WARMUP; i++) await approve();
    for (let round = 0; round < ROUNDS; round++) {
      skipOutbox = round % 2 === 1;
      for (let i = 0; i < PER_ROUND; i++) (skipOutbox ? timings.without : timings.with).push(await approve());
    }
  } finally {
    EntityManager.prototype.insert = realInsert;
    await dataSource.destroy();
  }
  const usedInProcess = ids.slice(0, next);
  const [{ rows: outboxRows }] = (await client.query(`SELECT count(*)::int AS rows FROM outbox_message WHERE aggregate_id = ANY($1::uuid[])`, [usedInProcess])).rows;
  const expectedRows = WARMUP + timings.with.length;
  if (outboxRows !== expectedRows) throw new Error(`outbox bench: ${outboxRows} outbox messages for ${expectedRows} transitions with the write`);

  const token = await signToken(options.jwtSecret, { sub: 'bench-agent', org, roles: ['WARRANTY_ADMIN'] });
  const httpApprove: number[] = [];
  for (let i = 0; i < HTTP_TRANSITIONS; i++) {
    const started = performance.now();
    await graphql(options.subgraphUrl, token, `mutation Approve($id: ID!) { approveClaim(input: { id: $id, reason: "bench" }) { claim { status } userErrors { code message } } }`, { id: ids[next++] });
    httpApprove.push(performance.now() - started);
  }
  return { transition: { ...timings, outboxRows, expectedRows }, httpApprove };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? (sorted[(sorted.length - 1) >> 1] + sorted[sorted.length >> 1]) / 2 : NaN;
};
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(p * values.length))];

export function outboxReport(result: OutboxResult): string {
  const floorRate = result.floor.messages / result.floor.seconds;
  const lines = [
    '## Outbox: delivery rate and the cost of the write\n',
    `A local receiver (a process of its own) verifies each signature and answers 200; rates run from its first receipt to its last. Floor: the same signed envelopes POSTed by \`fetch\` from the bench process, ${FLOOR_IN_FLIGHT} in flight, no database. ` +
      `Dispatchers: \`npm run dispatch\` processes (compiled), ${MESSAGES} messages of ${CLAIMS} claims each run, interleaved.\n`,
    '| dispatchers | batch | messages | seconds | messages/s | floor messages/s | dispatcher / floor | duplicates | out of order | peak RSS MB per dispatcher |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const d of result.deliveries) {
    const rate = d.messages / d.seconds;
    lines.push(`| ${d.processes} | ${d.batch} | ${d.messages} | ${fixed(d.seconds, 2)} | ${fixed(rate, 0)} | ${fixed(floorRate, 0)} | ×${fixed(rate / floorRate, 2)} | ${d.duplicates} | ${d.outOfOrder} | ${fixed(d.peakRssMb, 0)} |`);
  }
  const { with: withOutbox, without } = result.transition;
  const added = median(withOutbox) - median(without);
  lines.push(
    '',
    `Claim transition (\`ClaimsService.transition\`, APPROVE, in the bench process on its own pool), ${ROUNDS} alternating rounds of ${PER_ROUND} after ${WARMUP} warm-up transitions:\n`,
    '| | transitions | median ms | mean ms | p90 ms |',
    '|---|---:|---:|---:|---:|',
    `| with the outbox write (as shipped) | ${withOutbox.length} | ${fixed(median(withOutbox), 3)} | ${fixed(mean(withOutbox), 3)} | ${fixed(percentile(withOutbox, 0.9), 3)} |`,
    `| without it (the insert skipped) | ${without.length} | ${fixed(median(without), 3)} | ${fixed(mean(without), 3)} | ${fixed(percentile(without, 0.9), 3)} |`,
    `| \`approveClaim\` over HTTP through the subgraph (with) | ${result.httpApprove.length} | ${fixed(median(result.httpApprove), 3)} | ${fixed(mean(result.httpApprove), 3)} | ${fixed(percentile(result.httpApprove, 0.9), 3)} |`,
    '',
    `- the outbox write adds ${fixed(added, 3)} ms to the median transition (${fixed((100 * added) / median(withOutbox), 1)} % of it; ${fixed((100 * added) / median(result.httpApprove), 1)} % of a whole \`approveClaim\` request); ` +
      `${result.transition.outboxRows} messages written for ${result.transition.expectedRows} transitions with the write, none for those without`,
  );
  return lines.join('\n');
}
