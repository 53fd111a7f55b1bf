/**
 * `npm run bench:instructions -- --database <url>`: the CPU instructions one request costs the subgraph and the floor,
 * counted by valgrind's callgrind, on a database the bench seeded and kept (`BENCH_KEEP_DATABASE=1 npm run bench`
 * prints its URL). By hand, not in CI or `npm test`.
 *
 * The bench's ratios are throughput on two cores shared with PostgreSQL and the load generator, and move by ten
 * points with whatever else the machine does. An instruction count moves far less (up to 10 % between runs of the
 * same code, PERFORMANCE.md): it is the work of the server process itself (user space: not the kernel's, nor
 * PostgreSQL's). Each server runs under callgrind
 * with counting off, is sent `--warm` requests (so that the hot code is compiled as it is in production), then
 * counts the next `--count` requests, 4 in flight. The subgraph runs without its outbox dispatcher
 * (OUTBOX_DISPATCH=false): its polling is work per second, not per request, and under valgrind's slowdown it would
 * be counted as the requests' own. What is left of work by the clock (timers, the metrics' sampling, the HTTP
 * server's connection checks) is counted apart, idle, for as long as the requests took, and taken off. The info log's
 * lines go out in batches of 20 ms: slowed down, a batch holds fewer lines than at full speed, so the subgraph's
 * count is a little high. Everything else is as the bench
 * runs it (`start:prod`'s Node options, info logs, metrics). Expect 3–5 minutes per server and scenario.
 *
 *   npm run bench:instructions -- --database postgres://…/warranty_scratch_… [--scenarios check,lookup] [--warm 800] [--count 400]
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { eachLine, PRODUCTION_NODE_ARGS, ROOT, transpileBench } from './bench-build';
import { requestMaker, SEED, type BenchData, type ScenarioKey, type Target } from './scenarios';
import { benchData } from './seed';

const IN_FLIGHT = 4;
/** Scenarios with a floor that answers them (floor-server.ts). */
const READS: ScenarioKey[] = ['check', 'lookup', 'caseChecks', 'recordsBySerial', 'recordsById', 'cases'];

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    scenarios: { type: 'string', default: 'check,lookup' },
    warm: { type: 'string', default: '800' },
    count: { type: 'string', default: '400' },
  },
});
if (!values.database) {
  console.error('usage: npm run bench:instructions -- --database <a database seeded by BENCH_KEEP_DATABASE=1 npm run bench>');
  process.exit(2);
}
const scenarios = values.scenarios!.split(',').map((s) => s.trim()) as ScenarioKey[];
const unknown = scenarios.filter((s) => !READS.includes(s));
if (unknown.length > 0) {
  console.error(`no floor for ${unknown.join(', ')}; one of ${READS.join(', ')}`);
  process.exit(2);
}
const warm = Number(values.warm);
const count = Number(values.count);

/** One HTTP answer's parsed body, or a failure that names the request. */
function post(url: string, agent: Agent, token: string, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends `total` requests of the scenario, IN_FLIGHT at a time; throws on the first wrong answer. */
async function send(url: string, scenario: ScenarioKey, data: BenchData, target: Target, total: number, seed: number): Promise<void> {
  const make = requestMaker(scenario, data, seed, target);
  const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      const next = make();
      const problem = next.check(target, await post(url, agent, next.token, next.body));
      if (problem) throw new Error(`${target} ${scenario}: ${problem}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } finally {
    agent.destroy();
  }
}

/** The server's script under callgrind with counting off, until it says it is ready (its first JSON line with a url). */
function startCounted(script: string, env: Record<string, string>, outDir: string): Promise<{ pid: number; url: string; stop: () => Promise<void> }> {
  const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(outDir, 'cg.%p')}`, process.execPath, ...PRODUCTION_NODE_ARGS, script], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  return new Promise((resolve, reject) => {
    eachLine(child.stdout!, (_line, entry) => {
      if (typeof entry?.url === 'string') resolve({ pid: child.pid!, url: entry.url, stop });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready:\n${stderr}`)));
  });
}

/** Instructions per request of one server and scenario. */
async function measure(target: Target, script: string, env: Record<string, string>, scenario: ScenarioKey, data: BenchData): Promise<{ perRequest: number; idleShare: number }> {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-instructions-'));
  const control = (...args: string[]) => execFileSync('callgrind_control', args, { env, stdio: 'ignore' });
  const server = await startCounted(script, env, outDir);
  try {
    await send(server.url, scenario, data, target, warm, SEED ^ 0x5a5a);
    control('--instr=on', String(server.pid));
    const started = performance.now();
    await send(server.url, scenario, data, target, count, SEED);
    const busyMs = performance.now() - started;
    control('--instr=off', String(server.pid));
    control('--dump', String(server.pid));
    // What the server does by the clock (timers, the metrics' sampling) is the same per second idle or not; under valgrind a request takes some 50 times longer, so it is counted apart, idle, for as long,
    // and taken off.
    control('--instr=on', String(server.pid));
    const idleStarted = performance.now();
    await new Promise((resolve) => setTimeout(resolve, Math.min(busyMs, 30_000)));
    const idleMs = performance.now() - idleStarted;
    control('--instr=off', String(server.pid));
    control('--dump', String(server.pid));
    const totalOf = (part: number) => {
      const totals = /^totals: (\d+)/m.exec(readFileSync(join(outDir, `cg.${server.pid}.${part}`), 'utf8'));
      if (!totals) throw new Error(`no totals in callgrind's dump ${part} of the ${target}`);
      return Number(totals[1]);
    };
    const idlePerMs = totalOf(2) / idleMs;
    return { perRequest: (totalOf(1) - idlePerMs * busyMs) / count, idleShare: (idlePerMs * busyMs) / totalOf(1) };
  } finally {
    await server.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.error('bench:instructions: npm run build…');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
  const benchJs = transpileBench(['scenarios.ts', 'floor-server.ts', 'floor-claims.ts', 'floor-claims-sql.ts']);
  const secret = `bench-${randomBytes(24).toString('hex')}`;
  const client = new Client({ connectionString: values.database });
  await client.connect();
  const data = await benchData(client, secret);
  await client.end();
  // callgrind_control finds a process by the user and host names valgrind saw: the same environment for both.
  const env = {
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', USER: process.env.USER ?? 'bench', HOST: '127.0.0.1',
    NODE_ENV: 'production', DATABASE_URL: values.database!, JWT_SECRET: secret, PORT: '0', LOG_LEVEL: 'info',
    SEED_DEMO_DATA: 'false', OUTBOX_DISPATCH: 'false',
  };
  console.log(`## Instructions per request (callgrind), ${count} requests after ${warm}, ${IN_FLIGHT} in flight\n`);
  console.log('| scenario | floor | subgraph | floor / subgraph | by the clock, taken off (floor · subgraph) |\n|---|---:|---:|---:|---:|');
  for (const scenario of scenarios) {
    console.error(`bench:instructions: ${scenario}, floor…`);
    const floor = await measure('floor', join(benchJs, 'floor-server.js'), env, scenario, data);
    console.error(`bench:instructions: ${scenario}, subgraph…`);
    const subgraph = await measure('subgraph', join(ROOT, 'dist', 'src', 'main.js'), env, scenario, data);
    const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;
    const share = (n: number) => `${(100 * n).toFixed(1)} %`;
    console.log(
      `| \`${scenario}\` | ${millions(floor.perRequest)} | ${millions(subgraph.perRequest)} | ${((100 * floor.perRequest) / subgraph.perRequest).toFixed(1)} % | ${share(floor.idleShare)} · ${share(subgraph.idleShare)} |`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
