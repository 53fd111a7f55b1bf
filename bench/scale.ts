/**
 * `npm run bench:scale -- [--units 10000000] [--orgs 100] [--small 100000] [--seconds 6] [--concurrency 4] [--keep]
 *  [--pg-log /var/log/postgresql/postgresql-15-main.log] [--plans-dir /tmp] [--reuse <kept database URL>]`: the subgraph at 100,000 and at 10,000,000 units, in one run,
 * on one database (issue 21, item 3; by hand, not in CI). DATABASE_URL must name a PostgreSQL server where the bench
 * may create (and drop, unless --keep) a scratch database, as a superuser for the plans (scale-plans.ts).
 *
 * 1. Builds and starts the subgraph as production does (run.ts), seeds `--orgs` organisations through the API and
 *    grows them in SQL to `--small` units (scale-seed.ts), then measures (`measure`): the point reads and the lists
 *    (scale-reads.ts), `evaluate-telemetry` of one organisation and `npm run export -- --org` of one, the subgraph's
 *    RSS, and the plans of every statement those send (auto_explain, on a second subgraph process, once each).
 * 2. Grows the same database to `--units` (set-based copies, VACUUM ANALYZE, CHECKPOINT), and measures again.
 *    `--units` equal to `--small` measures one scale; `--reuse` measures a database an earlier `--keep` run left, as it is.
 * 3. Prints both side by side with ratios (Markdown on stdout, progress on stderr); the plans go to
 *    `bench-scale-plans-<units>.txt` in --plans-dir (default the temporary directory).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import ts from 'typescript';
import { signToken } from '../src/auth/tokens';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database';
import { exportSources } from './export';
import { fixed, rssMb } from './process-stats';
import { autoExplain, DEFAULT_PG_LOG, logSize, readPlans, sequentialScans, shortPlan, type Plan } from './scale-plans';
import { drive, percentile, READS, requestMaker, sampleUnits, warmSample, type ReadKey, type ReadResult } from './scale-reads';
import { grow, scaleFleet, SEEDS_PER_ORG, seedFieldLife } from './scale-seed';
import { seedThroughApi } from './seed';
import { commandSources, sampleRss } from './telemetry';

const ROOT = join(__dirname, '..');
const AS_OF = '2026-11-24';
const SAMPLE_PER_ORG = 1_000;

const { values: args } = parseArgs({
  options: {
    units: { type: 'string', default: '10000000' },
    orgs: { type: 'string', default: '100' },
    small: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '6' },
    concurrency: { type: 'string', default: '4' },
    keep: { type: 'boolean', default: false },
    'pg-log': { type: 'string', default: DEFAULT_PG_LOG },
    'plans-dir': { type: 'string', default: tmpdir() },
    reuse: { type: 'string' },
  },
});
const ORGS = Number(args.orgs);
const SCALES = args.units === args.small ? [Number(args.small)] : [Number(args.small), Number(args.units)];
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const progress = (line: string) => console.error(`bench:scale: ${line}`);

interface Phase {
  units: number;
  seedSeconds: number;
  dbBytes: number;
  reads: Map<ReadKey, ReadResult & { rssMb: number }>;
  readPeakRssMb: number;
  telemetry: { org: string; units: number; seconds: number; summary: string; peakRssMb: number };
  export: { org: string; seconds: number; summary: string; peakRssMb: number };
  plans: Plan[];
}

const children: ChildProcess[] = [];
function startSubgraph(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['dist/src/main.js'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let buffered = '';
    let ready = false;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      if (ready) return;
      buffered += chunk;
      const line = buffered.split('\n').find((l) => l.includes('Sofar Warranty subgraph ready'));
      if (line) {
        ready = true;
        resolve({ child, url: JSON.parse(line).url });
      }
    });
    child.once('exit', (code) => !ready && reject(new Error(`the subgraph exited (${code}) before it was ready`)));
  });
}
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A compiled command (dist/scripts/…): wall time, last stdout line, peak RSS (VmHWM sampled every 20 ms). */
function runCommand(script: string, argv: string[], env: Record<string, string>): Promise<{ seconds: number; summary: string; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'scripts', script), ...argv], { env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-3000)));
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, rssMb(child.pid!, 'VmHWM') || 0)), 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${script} exited ${code}:\n${stderr}`));
      else resolve({ seconds: (performance.now() - started) / 1000, summary: stdout.trim().split('\n')[0], peakRssMb: peak });
    });
  });
}

async function measure(subgraph: { child: ChildProcess; url: string }, db: { url: string; adminUrl: string; name: string }, secret: string, units: number, phaseIndex: number): Promise<Omit<Phase, 'seedSeconds'>> {
  const fleet = scaleFleet(ORGS, units / ORGS);
  const client = new Client({ connectionString: db.url });
  await client.connect();
  const pid = subgraph.child.pid!;
  try {
    const sample = await sampleUnits(client, fleet, units / ORGS, SAMPLE_PER_ORG, secret);
    const [{ bytes }] = (await client.query(`SELECT pg_database_size(current_database())::float8 AS bytes`)).rows;
    const reads = new Map<ReadKey, ReadResult & { rssMb: number }>();
    progress(`${units} units: warming the sample (every sampled unit read once)…`);
    await warmSample(subgraph.url, sample, CONCURRENCY);
    const sampler = sampleRss(pid);
    for (const read of READS) {
      progress(`${units} units: ${read.label}…`);
      await drive(subgraph.url, requestMaker(read.key, sample, 77 + phaseIndex), 1_000, CONCURRENCY);
      const result = await drive(subgraph.url, requestMaker(read.key, sample, 20_261_207), SECONDS * 1000, CONCURRENCY);
      reads.set(read.key, { ...result, rssMb: rssMb(pid) });
      if (result.errors) progress(`${read.key}: ${result.errors} errors, e.g. ${result.errorSamples.join(' | ')}`);
    }
    const readPeakRssMb = sampler.stop();

    // One organisation's evaluation (a different one per phase: an evaluated unit is not decided again) and export.
    const evalOrg = fleet.orgs[1 + phaseIndex].org;
    progress(`${units} units: evaluate-telemetry of ${evalOrg}…`);
    const admin = (org: string) => signToken(secret, { sub: 'bench-operator', org, roles: ['WARRANTY_ADMIN'] }, { expiresIn: '4h' });
    const evalRss = sampleRss(pid);
    const evaluation = await runCommand('evaluate-telemetry.js', ['--url', subgraph.url, '--chunk', '50000'], { TOKEN: await admin(evalOrg) });
    const telemetry = { org: evalOrg, units: units / ORGS, seconds: evaluation.seconds, summary: evaluation.summary, peakRssMb: evalRss.stop() };
    const exportOrg = fleet.orgs[3].org;
    progress(`${units} units: export of ${exportOrg}…`);
    const out = join(tmpdir(), `bench-scale-${process.pid}.parquet`);
    const exported = await runCommand('export.js', ['--out', out, '--org', exportOrg, '--at', AS_OF], { JWT_SECRET: secret, DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
    rmSync(out, { force: true });

    // The plans: auto_explain on for new sessions, a second subgraph (fresh sessions) asked each read once, a dry
    // evaluation and the export once more; then off again.
    let plans: Plan[] = [];
    const logFrom = logSize(args['pg-log']!);
    if (logFrom < 0) progress(`no PostgreSQL log at ${args['pg-log']}: no plans`);
    else {
      progress(`${units} units: plans (auto_explain)…`);
      await autoExplain(db.adminUrl, db.name, true);
      try {
        const capture = await startSubgraph(subgraphEnv(db.url, secret));
        for (const read of READS) await drive(capture.url, requestMaker(read.key, sample, 5), 1, 1);
        await runCommand('evaluate-telemetry.js', ['--dry-run', '--url', capture.url, '--chunk', '50000'], { TOKEN: await admin(fleet.orgs[4].org) });
        await runCommand('export.js', ['--out', out, '--org', exportOrg, '--at', AS_OF], { JWT_SECRET: secret, DATABASE_URL: db.url, LOG_LEVEL: 'warn' });
        rmSync(out, { force: true });
        await stop(capture.child);
      } finally {
        await autoExplain(db.adminUrl, db.name, false);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      plans = readPlans(args['pg-log']!, logFrom, db.name);
      writeFileSync(join(args['plans-dir']!, `bench-scale-plans-${units}.txt`), plans.map((p) => `-- ${p.durationMs} ms\n${p.query}\n${p.plan}\n`).join('\n'));
    }
    return { units, dbBytes: bytes, reads, readPeakRssMb, telemetry, export: { org: exportOrg, seconds: exported.seconds, summary: exported.summary, peakRssMb: exported.peakRssMb }, plans };
  } finally {
    await client.end();
  }
}

function subgraphEnv(url: string, secret: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'production', DATABASE_URL: url, JWT_SECRET: secret, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', SEED_DEMO_DATA: 'false' };
}

function report(phases: Phase[]): string {
  const [a, b] = phases;
  const n = (units: number) => units.toLocaleString('en-US');
  const ratio = (x: number, y: number) => (Number.isFinite(x / y) ? `×${(y / x).toFixed(2)}` : '—');
  const lines = [
    `## bench:scale: ${n(a.units)} → ${n(b?.units ?? NaN)} units in ${ORGS} organisations\n`,
    `Every sampled unit read once first; per read: 1 s warm-up, then ${SECONDS} s with ${CONCURRENCY} requests in flight, units drawn from a sample of ${SAMPLE_PER_ORG} per organisation spread over all its numbers; every answer checked.\n`,
    `| read | p50 ms ${n(a.units)} | p50 ms ${b ? n(b.units) : ''} | p50 ratio | p95 ms ${n(a.units)} | p95 ms ${b ? n(b.units) : ''} | req/s ${n(a.units)} | req/s ${b ? n(b.units) : ''} | items / request | subgraph RSS MB after | errors |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const read of READS) {
    const x = a.reads.get(read.key)!;
    const y = b?.reads.get(read.key);
    const p50 = (r?: ReadResult) => (r ? percentile(r.latenciesMs, 50) : NaN);
    const p95 = (r?: ReadResult) => (r ? percentile(r.latenciesMs, 95) : NaN);
    const rate = (r?: ReadResult) => (r ? r.requests / r.seconds : NaN);
    lines.push(
      `| ${read.label} | ${fixed(p50(x), 2)} | ${fixed(p50(y), 2)} | ${ratio(p50(x), p50(y))} | ${fixed(p95(x), 2)} | ${fixed(p95(y), 2)} | ${fixed(rate(x), 1)} | ${fixed(rate(y), 1)} | ` +
        `${read.list ? `${fixed(x.items / x.requests, 0)} / ${y ? fixed(y.items / y.requests, 0) : '—'}` : '—'} | ${fixed(x.rssMb, 0)} / ${y ? fixed(y.rssMb, 0) : '—'} | ${x.errors + (y?.errors ?? 0)} |`,
    );
  }
  lines.push('');
  for (const p of phases) {
    lines.push(
      `- ${n(p.units)} units: seeded in ${fixed(p.seedSeconds, 0)} s; database ${fixed(p.dbBytes / 2 ** 30, 2)} GiB; subgraph peak RSS during the reads ${fixed(p.readPeakRssMb, 0)} MB, during the evaluation ${fixed(p.telemetry.peakRssMb, 0)} MB`,
      `  - \`evaluate-telemetry\` of ${p.telemetry.org} (${n(p.telemetry.units)} units): ${fixed(p.telemetry.seconds, 1)} s (${fixed(p.telemetry.units / p.telemetry.seconds, 0)} units/s): "${p.telemetry.summary}"`,
      `  - \`npm run export -- --org ${p.export.org}\`: ${fixed(p.export.seconds, 1)} s, peak RSS ${fixed(p.export.peakRssMb, 0)} MB: "${p.export.summary}"`,
    );
  }
  for (const p of phases) {
    lines.push(`\n### Plans at ${n(p.units)} units (auto_explain; full text in ${join(args['plans-dir']!, `bench-scale-plans-${p.units}.txt`)})\n`);
    const seen = new Set<string>();
    for (const plan of p.plans) {
      const key = plan.query.slice(0, 160);
      if (seen.has(key) || /^(BEGIN|COMMIT|ROLLBACK|SET|SHOW|select version|SELECT \* FROM "?migrations)/i.test(plan.query)) continue;
      seen.add(key);
      const scans = sequentialScans(plan.plan);
      lines.push(`- ${fixed(plan.durationMs, 2)} ms${scans.length ? ` **Seq Scan on ${scans.join(', ')}**` : ''}: \`${plan.query.slice(0, 140)}…\``, '```', shortPlan(plan.plan, 8), '```');
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (!process.env.DATABASE_URL) throw new Error('set DATABASE_URL to a PostgreSQL server (a superuser, for the plans)');
  for (const units of SCALES) {
    if (!Number.isInteger(units / ORGS / SEEDS_PER_ORG)) throw new Error(`${units} units over ${ORGS} organisations: need a multiple of ${SEEDS_PER_ORG} per organisation`);
  }
  if (SCALES[1] <= SCALES[0]) throw new Error('--units must be more than --small (or equal, for one scale)');
  const secret = `bench-${randomBytes(24).toString('hex')}`;
  let scratch: ScratchDatabase | undefined;
  const cleanUp = async () => {
    for (const child of children.reverse()) await stop(child).catch(() => undefined);
    if (scratch && !args.keep) await scratch.dispose().catch((e) => console.error(`dropping the database failed: ${(e as Error).message}`));
    if (scratch && args.keep) progress(`kept ${scratch.url}`);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  try {
    progress('npm run build…');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    for (const file of [...new Set([...commandSources, ...exportSources])]) {
      const { outputText } = ts.transpileModule(readFileSync(join(__dirname, file), 'utf8'), { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } });
      const out = join(ROOT, 'dist', 'bench', file.replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, outputText);
    }
    if (args.reuse) {
      // A database an earlier run kept: measured as it is (no seeding), the units counted; never dropped.
      const url = new URL(args.reuse);
      const db = { url: args.reuse, adminUrl: process.env.DATABASE_URL, name: url.pathname.slice(1) };
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const [{ units }] = (await client.query('SELECT count(*)::int AS units FROM warranty_record WHERE org_id LIKE $1', ['scale-%'])).rows;
      await client.end();
      progress(`reusing ${db.name} (${units} units); starting the subgraph…`);
      const subgraph = await startSubgraph(subgraphEnv(db.url, secret));
      // The evaluation takes an organisation no earlier phase evaluated (scale-001, scale-002).
      const phase: Phase = { seedSeconds: NaN, ...(await measure(subgraph, db, secret, units, 2)) };
      console.log(`\n${report([phase])}\n`);
    } else {
    scratch = await createScratchDatabase(process.env.DATABASE_URL);
    const db = { url: scratch.url, adminUrl: process.env.DATABASE_URL, name: new URL(scratch.url).pathname.slice(1) };
    progress(`scratch database ${db.name}; starting the subgraph…`);
    const subgraph = await startSubgraph(subgraphEnv(db.url, secret));
    const phases: Phase[] = [];
    let perOrg = SEEDS_PER_ORG;
    for (const [index, units] of SCALES.entries()) {
      const started = performance.now();
      if (index === 0) {
        progress(`seeding ${ORGS} organisations × ${SEEDS_PER_ORG} units through the API…`);
        await seedThroughApi(subgraph.url, secret, scaleFleet(ORGS, units / ORGS));
        const { claims } = await seedFieldLife(subgraph.url, secret, scaleFleet(ORGS, units / ORGS), new Date());
        progress(`seeded through the API in ${((performance.now() - started) / 1000).toFixed(0)} s (${claims} claims)`);
      }
      const grown = await grow(db.url, scaleFleet(ORGS, units / ORGS), perOrg, units / ORGS, progress);
      perOrg = units / ORGS;
      const seedSeconds = (performance.now() - started) / 1000;
      progress(`${units} units: seeded in ${seedSeconds.toFixed(0)} s (${Object.entries(grown.rows).map(([t, r]) => `${t} ${r}`).join(', ')})`);
      phases.push({ seedSeconds, ...(await measure(subgraph, db, secret, units, index)) });
      console.log(`\n${report(phases)}\n`);
    }
    }
    const cpu = cpus();
    console.log(`- machine: ${cpu.length} cores (${cpu[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB; node ${process.version}`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench:scale failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
