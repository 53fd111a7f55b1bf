/**
 * The CLOUD webhook part of `npm run bench` (`BENCH_SCENARIOS=webhooks`): heartbeats streamed as signed NDJSON to
 * `/webhooks/cloud/telemetry`, against the same heartbeats sent through the `recordHeartbeats` mutation in batches
 * of 10,000, two calls in flight (the telemetry bench's ingest), in the same run, on the running subgraph.
 *
 * Two organisations of UNITS units each (seed.ts), one per path, so each writes rows of its own. Two rounds per path,
 * alternating (mutation, stream, mutation, stream): the first sends each unit's first ROUNDS[0] heartbeats (rows
 * inserted), the second its next ROUNDS[1] (rows updated), so a stream four times the size of the first shows whether
 * the subgraph's memory grows with it. The subgraph's RSS is sampled every 20 ms. Every heartbeat must be accepted,
 * and each unit must end on its last heartbeat's time, on both paths.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { signToken } from '../src/auth/tokens';
import { fixed } from './process-stats';
import { graphql, multiply, seedThroughApi, type Fleet } from './seed';
import { sampleRss } from './telemetry';

export const WEBHOOK_BENCH_SECRET = 'bench-cloud-webhook-secret-000000';
const UNITS = 100_000;
/** Heartbeats per unit in each round. */
const ROUNDS = [2, 8];
const BATCH = 10_000;
const IN_FLIGHT = 2;
const START = Date.parse('2026-11-01T00:00:00Z');
const FLEET: Fleet = {
  orgs: [
    { org: 'stream-mutation', prefix: 'WS-M-' },
    { org: 'stream-webhook', prefix: 'WS-W-' },
  ],
  unitsPerOrg: UNITS,
  seedsPerOrg: 50,
  digits: 6,
};

export interface WebhookBenchResult {
  rounds: Array<{
    heartbeatsPerUnit: number;
    mutation: { rows: number; seconds: number; rssBefore: number; rssPeak: number };
    stream: { rows: number; bytes: number; seconds: number; rssBefore: number; rssPeak: number };
  }>;
}

const serial = (prefix: string, n: number) => `${prefix}${String(n).padStart(FLEET.digits, '0')}`;
/** Heartbeat k of unit n: an hour apart per k, a second apart per unit. */
const at = (k: number, n: number) => new Date(START + k * 3_600_000 + n * 1_000).toISOString();

/** Round heartbeats [from, to) of every unit, time-major (as CLOUD sends what it heard, in order), as NDJSON lines. */
function* lines(prefix: string, deliveryId: string, orgId: string, from: number, to: number): Generator<string> {
  yield `${JSON.stringify({ deliveryId, orgId })}\n`;
  for (let k = from; k < to; k++) {
    // 1,000 lines per piece: the stream is written in pieces, as a sender would.
    for (let n = 0; n < UNITS; n += 1_000) {
      let piece = '';
      for (let i = n; i < Math.min(UNITS, n + 1_000); i++) piece += `{"type":"heartbeat","serialNumber":"${serial(prefix, i)}","at":"${at(k, i)}"}\n`;
      yield piece;
    }
  }
}

/** One signed stream: the body generated twice (to sign it, then to send it), never held whole. */
async function stream(url: string, orgId: string, prefix: string, from: number, to: number): Promise<{ status: number; body: any; bytes: number }> {
  const deliveryId = randomUUID();
  const timestamp = Math.floor(Date.now() / 1000);
  const hmac = createHmac('sha256', WEBHOOK_BENCH_SECRET).update(`${timestamp}.`);
  let bytes = 0;
  for (const piece of lines(prefix, deliveryId, orgId, from, to)) {
    hmac.update(piece);
    bytes += Buffer.byteLength(piece);
  }
  const headers = {
    'content-type': 'application/x-ndjson',
    'x-sofar-timestamp': String(timestamp),
    'x-sofar-signature': `v1=${hmac.digest('hex')}`,
  };
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL('/webhooks/cloud/telemetry', url), { method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text), bytes }));
    });
    request.on('error', reject);
    (async () => {
      for (const piece of lines(prefix, deliveryId, orgId, from, to)) {
        if (!request.write(piece)) await new Promise((resolve) => request.once('drain', resolve));
      }
      request.end();
    })().catch(reject);
  });
}

const HEARTBEATS = `mutation Heartbeats($input: RecordHeartbeatsInput!) { recordHeartbeats(input: $input) { accepted unknownSerialNumbers userErrors { code field message } } }`;

/** The same heartbeats through the mutation: batches of BATCH, IN_FLIGHT calls at a time. */
async function mutations(url: string, token: string, prefix: string, from: number, to: number): Promise<number> {
  const total = (to - from) * UNITS;
  let next = 0;
  let accepted = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < total) {
        const first = next;
        next = Math.min(total, next + BATCH);
        const heartbeats = [];
        for (let j = first; j < next; j++) {
          const k = from + Math.floor(j / UNITS);
          const n = j % UNITS;
          heartbeats.push({ serialNumber: serial(prefix, n), at: at(k, n) });
        }
        const answer = (await graphql(url, token, HEARTBEATS, { input: { heartbeats } })).recordHeartbeats;
        if (answer.unknownSerialNumbers.length) throw new Error(`webhook bench: unknown units ${answer.unknownSerialNumbers.slice(0, 3).join(', ')}`);
        accepted += answer.accepted;
      }
    }),
  );
  return accepted;
}

export async function measureWebhooks(options: { subgraphUrl: string; subgraphPid: number; databaseUrl: string; jwtSecret: string; progress: (line: string) => void }): Promise<WebhookBenchResult> {
  options.progress(`webhooks: seeding 2 organisations × ${UNITS} units…`);
  await seedThroughApi(options.subgraphUrl, options.jwtSecret, FLEET);
  await multiply(options.databaseUrl, FLEET);
  const [mutationOrg, webhookOrg] = FLEET.orgs;
  const token = await signToken(options.jwtSecret, { sub: 'bench-cloud', org: mutationOrg.org, roles: ['SERVICE'] }, { expiresIn: '2h' });
  const result: WebhookBenchResult = { rounds: [] };
  let from = 0;
  for (const perUnit of ROUNDS) {
    const to = from + perUnit;
    const rows = perUnit * UNITS;
    options.progress(`webhooks: ${rows} heartbeats through recordHeartbeats…`);
    let sampler = sampleRss(options.subgraphPid);
    let started = performance.now();
    const accepted = await mutations(options.subgraphUrl, token, mutationOrg.prefix, from, to);
    const mutation = { rows: accepted, seconds: (performance.now() - started) / 1000, rssBefore: sampler.before, rssPeak: sampler.stop() };
    if (accepted !== rows) throw new Error(`webhook bench: the mutations accepted ${accepted} of ${rows}`);

    options.progress(`webhooks: ${rows} heartbeats as one signed NDJSON stream…`);
    sampler = sampleRss(options.subgraphPid);
    started = performance.now();
    const answer = await stream(options.subgraphUrl, webhookOrg.org, webhookOrg.prefix, from, to);
    const seconds = (performance.now() - started) / 1000;
    const rssPeak = sampler.stop();
    if (answer.status !== 200) throw new Error(`webhook bench: the stream got HTTP ${answer.status}: ${JSON.stringify(answer.body)}`);
    const { heartbeats, unknownSerialNumbers } = answer.body.result;
    if (heartbeats.received !== rows || heartbeats.accepted !== rows || unknownSerialNumbers.length) {
      throw new Error(`webhook bench: the stream took ${JSON.stringify(answer.body.result)} of ${rows}`);
    }
    result.rounds.push({ heartbeatsPerUnit: perUnit, mutation, stream: { rows, bytes: answer.bytes, seconds, rssBefore: sampler.before, rssPeak } });
    from = to;
  }

  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    for (const { org } of FLEET.orgs) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS units, count(*) FILTER (WHERE t.last_contact_at = $2::timestamptz + (r.serial_number_n * interval '1 second'))::int AS latest
         FROM (SELECT id, substring(serial_number from '[0-9]+$')::int AS serial_number_n FROM warranty_record WHERE org_id = $1) r
         JOIN unit_telemetry t ON t.org_id = $1 AND t.warranty_record_id = r.id`,
        [org, new Date(START + (from - 1) * 3_600_000).toISOString()],
      );
      if (rows[0].units !== UNITS || rows[0].latest !== UNITS) throw new Error(`webhook bench: ${org} ends with ${JSON.stringify(rows[0])}, not every unit on its last heartbeat`);
    }
  } finally {
    await client.end();
  }
  return result;
}

export function webhooksReport(result: WebhookBenchResult): string {
  const lines = [
    '## CLOUD telemetry: the NDJSON webhook against the mutation\n',
    `${UNITS.toLocaleString('en')} units per path. Mutation: \`recordHeartbeats\`, batches of ${BATCH.toLocaleString('en')}, ${IN_FLIGHT} calls in flight, SERVICE token. ` +
      'Webhook: one signed NDJSON stream per round, written in pieces of 1,000 lines, batches of 10,000 inside one transaction. ' +
      'Round 1 inserts each unit\'s row, round 2 updates it. RSS is the subgraph\'s, sampled every 20 ms.\n',
    '| round | heartbeats | mutation rows/s | webhook rows/s | webhook / mutation | stream MB | subgraph RSS MB, mutation: before → peak | subgraph RSS MB, webhook: before → peak |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [i, round] of result.rounds.entries()) {
    const mutationRate = round.mutation.rows / round.mutation.seconds;
    const streamRate = round.stream.rows / round.stream.seconds;
    lines.push(
      `| ${i + 1} | ${round.stream.rows.toLocaleString('en')} | ${fixed(mutationRate, 0)} | ${fixed(streamRate, 0)} | ×${fixed(streamRate / mutationRate, 2)} | ` +
        `${fixed(round.stream.bytes / 2 ** 20, 1)} | ${fixed(round.mutation.rssBefore, 0)} → ${fixed(round.mutation.rssPeak, 0)} | ${fixed(round.stream.rssBefore, 0)} → ${fixed(round.stream.rssPeak, 0)} |`,
    );
  }
  return lines.join('\n');
}
