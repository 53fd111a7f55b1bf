/**
 * The telemetry part of `npm run bench` (rule 8): ingest and evaluation at fleet scale, on the running subgraph.
 *
 * For each fleet (100,000 and 1,000,000 units, one organisation each):
 * 1. Seeds the fleet as the read bench does (seed.ts: 50 units through the API, copied in SQL).
 * 2. Publishes a mandatory CELLS release for batteries, then sends one heartbeat per unit and a firmware report for
 *    two units in three through `recordHeartbeats` / `recordFirmwareReports`, in batches of 10,000 (the limit),
 *    INGEST_IN_FLIGHT calls at a time, as Sofar CLOUD would: rows per second. Every answer is checked.
 * 3. The bare evaluation: the very statements the subgraph runs for a chunk (`evaluateChunk`), on a plain `pg`
 *    connection in this process, chunk by chunk as the command walks the fleet, each chunk rolled back; after an
 *    untimed bare run, so that it and the command find the pages alike (see the comment in measureTelemetry).
 * 4. The evaluation as an operator runs it: `evaluate-telemetry` (compiled, as production would run it) against the
 *    subgraph, which commits. Its wall time is set against the bare statements' time. Both start from a vacuumed
 *    table set, and the decisions of both are compared.
 * 5. The subgraph's resident memory, sampled every SAMPLE_MS during the ingest and the evaluation: at its peak. One
 *    fleet ten times the other's size shows whether it grows with the fleet.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { signToken } from '../src/auth/tokens';
import { evaluateChunk } from '../src/telemetry/telemetry-evaluation';
import { fixed, rssMb } from './process-stats';
import { graphql, multiply, seedThroughApi, type Fleet } from './seed';

export const TELEMETRY_FLEETS: Fleet[] = [
  { orgs: [{ org: 'fleet-100k', prefix: 'TM-S-' }], unitsPerOrg: 100_000, seedsPerOrg: 50, digits: 7 },
  { orgs: [{ org: 'fleet-1m', prefix: 'TM-L-' }], unitsPerOrg: 1_000_000, seedsPerOrg: 50, digits: 7 },
];
const RELEASE = { productFamily: 'BATTERY', component: 'CELLS', version: '3.2', releasedAt: '2026-01-01T00:00:00Z', graceDays: 90 };
/** Before the release's deadline (2026-04-01): a unit last seen then was offline past it. */
const BEFORE_DEADLINE = '2026-03-15T08:00:00Z';
const AFTER_DEADLINE = '2026-10-01T08:00:00Z';
const BATCH = 10_000;
const INGEST_IN_FLIGHT = 2;
/** The command's default chunk. */
const CHUNK = 50_000;
const SAMPLE_MS = 20;

export interface FleetResult {
  org: string;
  units: number;
  seedSeconds: number;
  heartbeats: { rows: number; seconds: number };
  firmware: { rows: number; seconds: number };
  bare: { seconds: number; chunks: number; voided: number; flagged: number };
  command: { seconds: number; voided: number; flagged: number; summary: string; commandPeakRssMb: number };
  /** The subgraph's resident memory at its highest while the fleet was seeded and its telemetry sent, and before and at its highest during the evaluation. */
  subgraphRssMb: { ingestPeak: number; before: number; peak: number };
  /** Decisions in the database after the command, by outcome. */
  stored: { voided: number; flagged: number };
}

/** Samples a process's resident memory until stopped: its RSS when started, and the highest sample. */
export function sampleRss(pid: number): { before: number; stop(): number } {
  const before = rssMb(pid);
  let peak = before;
  const timer = setInterval(() => {
    const now = rssMb(pid);
    if (now > peak) peak = now;
  }, SAMPLE_MS);
  return {
    before,
    stop() {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

/** One mutation through the API; its payload (seed.ts's call refuses errors and userErrors). */
const call = async (url: string, token: string, query: string, variables: Record<string, unknown>) => Object.values(await graphql(url, token, query, variables))[0] as any;

const HEARTBEATS = `mutation Heartbeats($input: RecordHeartbeatsInput!) { recordHeartbeats(input: $input) { accepted unknownSerialNumbers userErrors { code field message } } }`;
const FIRMWARE = `mutation Firmware($input: RecordFirmwareReportsInput!) { recordFirmwareReports(input: $input) { accepted unknownSerialNumbers userErrors { code field message } } }`;

/** Sends `total` rows in batches of BATCH, INGEST_IN_FLIGHT at a time; every unit must be known and accepted. */
async function ingest(total: number, send: (from: number, to: number) => Promise<{ accepted: number; unknownSerialNumbers: string[] }>): Promise<{ rows: number; seconds: number }> {
  const started = performance.now();
  let next = 0;
  let rows = 0;
  await Promise.all(
    Array.from({ length: INGEST_IN_FLIGHT }, async () => {
      while (next < total) {
        const from = next;
        next = Math.min(total, next + BATCH);
        const answer = await send(from, next);
        if (answer.unknownSerialNumbers.length) throw new Error(`telemetry bench: unknown units ${answer.unknownSerialNumbers.slice(0, 3).join(', ')}`);
        rows += answer.accepted;
      }
    }),
  );
  return { rows, seconds: (performance.now() - started) / 1000 };
}

/** Unit n's telemetry: a quarter last seen before the deadline; a third updated in time, a third on the old version, a third silent. */
const serialOf = (fleet: Fleet, n: number) => `${fleet.orgs[0].prefix}${String(n).padStart(fleet.digits, '0')}`;
const heartbeatOf = (fleet: Fleet, n: number) => ({ serialNumber: serialOf(fleet, n), at: n % 4 === 0 ? BEFORE_DEADLINE : AFTER_DEADLINE });
const firmwareOf = (fleet: Fleet, n: number) =>
  n % 3 === 2 ? null : { serialNumber: serialOf(fleet, n), component: 'CELLS', version: n % 3 === 0 ? '3.2' : '3.1', at: '2026-02-01T00:00:00Z' };

/** The bare statements, chunk by chunk, each chunk in a transaction rolled back: nothing stays. */
async function bareEvaluation(client: Client, org: string): Promise<FleetResult['bare']> {
  const run = (sql: string, params: unknown[]) => client.query(sql, params).then((result) => result.rows);
  const totals = { seconds: 0, chunks: 0, voided: 0, flagged: 0 };
  let after: string | null = null;
  const started = performance.now();
  for (;;) {
    await client.query('BEGIN');
    const chunk = await evaluateChunk(run, { orgId: org, actorId: 'bench-bare', now: new Date(), after, limit: CHUNK, dryRun: false, sample: 100 });
    await client.query('ROLLBACK');
    totals.chunks += 1;
    totals.voided += chunk.voided;
    totals.flagged += chunk.flagged;
    if (chunk.done || !chunk.lastWarrantyId) break;
    after = chunk.lastWarrantyId;
  }
  totals.seconds = (performance.now() - started) / 1000;
  return totals;
}

/**
 * What the evaluation reads and writes, vacuumed and analysed, then a checkpoint, so the bare run and the command
 * start alike: after a checkpoint each page's first change writes the whole page to the WAL, and without one the
 * second run would find the first's pages already paid for. (A CHECKPOINT needs a superuser or pg_checkpoint on a
 * DATABASE_URL server; skipped without.)
 */
async function vacuum(client: Client): Promise<void> {
  for (const table of ['warranty_record', 'coverage', 'warranty_event', 'telemetry_decision', 'unit_telemetry', 'unit_firmware']) {
    await client.query(`VACUUM ANALYZE "${table}"`);
  }
  await client.query('CHECKPOINT').catch(() => undefined);
}

/** `evaluate-telemetry`, compiled, against the subgraph: its wall time, its summary line and its own peak memory. */
function runCommand(script: string, url: string, token: string): Promise<{ seconds: number; stdout: string; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, '--url', url, '--chunk', String(CHUNK)], {
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!, 'VmHWM') || 0)), SAMPLE_MS);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`evaluate-telemetry exited ${code}:\n${stderr.slice(-2000)}`));
      else resolve({ seconds: (performance.now() - started) / 1000, stdout, peakRssMb: peak });
    });
  });
}

/** The fleet seeded, its release published, and its heartbeats and firmware reports sent through the API. */
export async function seedFleet(
  fleet: Fleet,
  options: { subgraphUrl: string; databaseUrl: string; jwtSecret: string; progress: (line: string) => void },
): Promise<Pick<FleetResult, 'seedSeconds' | 'heartbeats' | 'firmware'>> {
  const { org } = fleet.orgs[0];
  const units = fleet.unitsPerOrg;
  options.progress(`telemetry: seeding ${units} units of ${org}…`);
  const seedStarted = performance.now();
  await seedThroughApi(options.subgraphUrl, options.jwtSecret, fleet);
  await multiply(options.databaseUrl, fleet);
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const service = await signToken(options.jwtSecret, { sub: 'bench-cloud', org, roles: ['SERVICE'] }, { expiresIn: '2h' });
  await call(options.subgraphUrl, service, `mutation Release($input: PublishFirmwareReleaseInput!) { publishFirmwareRelease(input: $input) { release { id } userErrors { code field message } } }`, { input: RELEASE });
  options.progress(`telemetry: ${units} heartbeats…`);
  const heartbeats = await ingest(units, (from, to) =>
    call(options.subgraphUrl, service, HEARTBEATS, { input: { heartbeats: Array.from({ length: to - from }, (_, i) => heartbeatOf(fleet, from + i)) } }),
  );
  if (heartbeats.rows !== units) throw new Error(`telemetry bench: ${heartbeats.rows} heartbeats accepted, not ${units}`);
  options.progress('telemetry: firmware reports…');
  const firmware = await ingest(units, (from, to) =>
    call(options.subgraphUrl, service, FIRMWARE, {
      input: { reports: Array.from({ length: to - from }, (_, i) => firmwareOf(fleet, from + i)).filter((r) => r !== null) },
    }),
  );
  return { seedSeconds, heartbeats, firmware };
}

export async function measureTelemetry(options: {
  subgraphUrl: string;
  subgraphPid: number;
  databaseUrl: string;
  jwtSecret: string;
  /** The compiled evaluate-telemetry script. */
  commandScript: string;
  progress: (line: string) => void;
}): Promise<FleetResult[]> {
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  const results: FleetResult[] = [];
  try {
    for (const fleet of TELEMETRY_FLEETS) {
      const { org } = fleet.orgs[0];
      const units = fleet.unitsPerOrg;
      const ingestRss = sampleRss(options.subgraphPid);
      const { seedSeconds, heartbeats, firmware } = await seedFleet(fleet, options);
      const ingestPeak = ingestRss.stop();

      options.progress(`telemetry: the bare statements over ${units} units…`);
      // A first bare run, untimed, rolled back and vacuumed away, leaves the pages as the timed runs will find them:
      // warm, and with room freed next to the rows the evaluation updates (so both timed runs can update in place).
      await vacuum(client);
      await bareEvaluation(client, org);
      await vacuum(client);
      const bare = await bareEvaluation(client, org);
      await vacuum(client);

      options.progress(`telemetry: evaluate-telemetry over ${units} units…`);
      const admin = await signToken(options.jwtSecret, { sub: 'bench-operator', org, roles: ['WARRANTY_ADMIN'] }, { expiresIn: '2h' });
      const before = rssMb(options.subgraphPid);
      const sampler = sampleRss(options.subgraphPid);
      const command = await runCommand(options.commandScript, options.subgraphUrl, admin);
      const peak = sampler.stop();
      const summary = command.stdout.split('\n')[0];
      const counted = /: voided (\d+), flagged (\d+) for review$/.exec(summary);
      if (!counted) throw new Error(`telemetry bench: unexpected summary ${JSON.stringify(summary)}`);
      const [{ voided, flagged }] = (
        await client.query(
          `SELECT count(*) FILTER (WHERE outcome = 'VOIDED')::int AS voided, count(*) FILTER (WHERE outcome = 'FLAGGED')::int AS flagged FROM telemetry_decision WHERE org_id = $1`,
          [org],
        )
      ).rows;
      const result: FleetResult = {
        org,
        units,
        seedSeconds,
        heartbeats,
        firmware,
        bare,
        command: { seconds: command.seconds, voided: Number(counted[1]), flagged: Number(counted[2]), summary, commandPeakRssMb: command.peakRssMb },
        subgraphRssMb: { ingestPeak, before, peak },
        stored: { voided, flagged },
      };
      // The command, the bare statements and the database must tell the same story, and it must not be empty.
      if (voided === 0 || flagged === 0 || result.command.voided !== voided || result.command.flagged !== flagged || bare.voided !== voided || bare.flagged !== flagged) {
        throw new Error(`telemetry bench: decisions disagree: ${JSON.stringify({ bare, command: result.command, stored: result.stored })}`);
      }
      results.push(result);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
  return results;
}

const thousands = (value: number) => Math.round(value).toLocaleString('en-US');

export function telemetryReport(results: FleetResult[]): string {
  const lines = [
    '## Telemetry (rule 8): ingest and evaluation at fleet scale\n',
    `Per fleet (one organisation; units copied as in the read bench: about 2 in 5 are batteries, the family of the release): ` +
      `a mandatory CELLS release for batteries (deadline ${RELEASE.releasedAt.slice(0, 10)} + ${RELEASE.graceDays} days), one heartbeat per unit ` +
      `(a quarter last seen before the deadline) and a firmware report for two units in three (half of them on the release), ` +
      `sent through \`recordHeartbeats\` / \`recordFirmwareReports\` in batches of ${BATCH.toLocaleString('en-US')}, ${INGEST_IN_FLIGHT} calls in flight. ` +
      `Then the same statements the subgraph runs, on a bare \`pg\` connection in chunks of ${CHUNK.toLocaleString('en-US')} units, each chunk rolled back; ` +
      `then \`evaluate-telemetry\` (compiled) through the subgraph, which commits. Both after an untimed bare run (rolled back), \`VACUUM ANALYZE\` and a checkpoint. ` +
      `The subgraph's RSS is sampled every ${SAMPLE_MS} ms while the fleet is seeded and its telemetry sent, and during the command.\n`,
    '| units | heartbeats / s | firmware reports / s | subgraph peak RSS MB, ingest | bare statements s | evaluate-telemetry s | command / bare | voided | flagged | subgraph RSS MB, evaluation: before → peak | command peak RSS MB |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(
      `| ${thousands(r.units)} | ${thousands(r.heartbeats.rows / r.heartbeats.seconds)} | ${thousands(r.firmware.rows / r.firmware.seconds)} | ${fixed(r.subgraphRssMb.ingestPeak, 0)} | ` +
        `${fixed(r.bare.seconds, 1)} | ${fixed(r.command.seconds, 1)} | ×${fixed(r.command.seconds / r.bare.seconds, 2)} | ` +
        `${thousands(r.stored.voided)} | ${thousands(r.stored.flagged)} | ${fixed(r.subgraphRssMb.before, 0)} → ${fixed(r.subgraphRssMb.peak, 0)} | ${fixed(r.command.commandPeakRssMb, 0)} |`,
    );
  }
  lines.push('');
  for (const r of results) {
    lines.push(
      `- ${r.org}: seeded in ${fixed(r.seedSeconds, 1)} s; ${thousands(r.heartbeats.rows)} heartbeats in ${fixed(r.heartbeats.seconds, 1)} s, ` +
        `${thousands(r.firmware.rows)} firmware reports in ${fixed(r.firmware.seconds, 1)} s; ${r.bare.chunks} chunks; the command said "${r.command.summary}"`,
    );
  }
  return lines.join('\n');
}

export const commandSources = ['../scripts/evaluate-telemetry.ts', '../scripts/subgraph-client.ts', '../scripts/command-line.ts'];
export const commandScript = (root: string) => join(root, 'dist', 'scripts', 'evaluate-telemetry.js');
