/**
 * The fleet export part of `npm run bench` (rule 13; `BENCH_SCENARIOS=export` runs it alone).
 *
 * For each fleet (100,000 and 1,000,000 units, one organisation each: the telemetry bench's fleets when that part
 * ran, else seeded the same way), with a free-service plan of two items published for its inverters and batteries:
 * 1. PostgreSQL's own `COPY (…) TO '<file>' (FORMAT csv)` of the very statement the export reads the units with, on
 *    the server, in the same run, with the export's session setting (jit off): the floor of reading those rows at all.
 * 2. `npm run export` as production runs it (compiled, `node dist/scripts/export.js`), timed from spawn to exit, its
 *    resident memory sampled every 20 ms: rows, rows/s, the file's size, the peak.
 * The file must hold one row per item and coverage of every unit (checked against the database's counts).
 */
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { signToken } from '../src/auth/tokens';
import { UNITS_SQL } from '../src/projection/fleet-source';
import { fixed, rssMb } from './process-stats';
import { graphql, multiply, seedThroughApi, type Fleet } from './seed';
import { TELEMETRY_FLEETS } from './telemetry';

export const exportSources = ['../scripts/export.ts', '../scripts/command-line.ts'];
const exportScript = (root: string) => join(root, 'dist', 'scripts', 'export.js');
const AS_OF = '2026-11-24';

export interface ExportResult {
  units: number;
  rows: number;
  copy: { seconds: number; bytes: number };
  export: { seconds: number; bytes: number; peakRssMb: number; summary: string };
}

const PLAN = (family: string) => ({
  productFamily: family,
  items: [
    { code: 'CHECK_12M', name: 'First check-up', dueMonths: 12, windowBeforeDays: 30, windowAfterDays: 60, value: { amount: '80', currency: 'EUR' } },
    { code: 'CHECK_60M', name: 'Five-year check-up', dueMonths: 60, windowBeforeDays: 30, windowAfterDays: 60, value: { amount: '120', currency: 'EUR' } },
  ],
});

async function ensureFleet(client: Client, fleet: Fleet, options: { subgraphUrl: string; databaseUrl: string; jwtSecret: string; progress: (line: string) => void }): Promise<void> {
  const { org } = fleet.orgs[0];
  const [{ n }] = (await client.query(`SELECT count(*)::int AS n FROM warranty_record WHERE org_id = $1`, [org])).rows;
  if (n !== fleet.unitsPerOrg) {
    options.progress(`export: seeding ${fleet.unitsPerOrg} units of ${org}…`);
    await seedThroughApi(options.subgraphUrl, options.jwtSecret, fleet);
    await multiply(options.databaseUrl, fleet);
  }
  const admin = await signToken(options.jwtSecret, { sub: 'bench-plans', org, roles: ['WARRANTY_ADMIN'] });
  for (const family of ['INVERTER', 'BATTERY']) {
    await graphql(options.subgraphUrl, admin, `mutation Plan($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { plan { id } userErrors { code field message } } }`, { input: PLAN(family) });
  }
  await client.query('VACUUM ANALYZE warranty_record');
  await client.query('VACUUM ANALYZE coverage');
}

function runExport(script: string, env: Record<string, string>, args: string[]): Promise<{ seconds: number; peakRssMb: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
    let peak = 0;
    // The kernel's own high-water mark, read while the process lives (it is gone at exit).
    const timer = setInterval(() => {
      const high = rssMb(child.pid!, 'VmHWM');
      if (Number.isFinite(high)) peak = Math.max(peak, high);
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`export exited ${code}:\n${stderr}`));
      else resolve({ seconds: (performance.now() - started) / 1000, peakRssMb: peak, stdout });
    });
  });
}

export async function measureExport(options: { subgraphUrl: string; databaseUrl: string; jwtSecret: string; root: string; progress: (line: string) => void }): Promise<ExportResult[]> {
  const client = new Client({ connectionString: options.databaseUrl });
  await client.connect();
  const results: ExportResult[] = [];
  try {
    for (const fleet of TELEMETRY_FLEETS) {
      const { org } = fleet.orgs[0];
      await ensureFleet(client, fleet, options);
      const [{ units, coverages }] = (
        await client.query(`SELECT count(*)::int AS units, (SELECT count(*)::int FROM coverage c JOIN warranty_record r ON r.org_id = c.org_id AND r.id = c.warranty_record_id WHERE r.org_id = $1) AS coverages FROM warranty_record WHERE org_id = $1`, [org])
      ).rows;

      options.progress(`export: COPY … TO csv of ${units} units…`);
      // The server writes the file: its own path, readable by its own process (a scratch file, removed after).
      const csv = join(tmpdir(), `bench-copy-${process.pid}-${org}.csv`);
      // COPY takes no parameters: the organisation goes into the statement (a bench name, not a caller's value).
      const statement = UNITS_SQL.replaceAll('$1::text[]', `ARRAY['${org}']::text[]`);
      // With the session setting the export reads with (no JIT), so that both read the same way.
      await client.query('SET jit = off');
      const copyStarted = performance.now();
      await client.query(`COPY (${statement}) TO '${csv}' (FORMAT csv)`);
      const copy = { seconds: (performance.now() - copyStarted) / 1000, bytes: statSync(csv).size };
      rmSync(csv, { force: true });

      options.progress(`export: npm run export of ${units} units…`);
      const out = join(tmpdir(), `bench-export-${process.pid}-${org}.parquet`);
      const run = await runExport(
        exportScript(options.root),
        { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: options.jwtSecret, DATABASE_URL: options.databaseUrl, LOG_LEVEL: 'warn' },
        ['--out', out, '--org', org, '--at', AS_OF],
      );
      const bytes = statSync(out).size;
      rmSync(out, { force: true });
      const summary = run.stdout.trim().split('\n').pop() ?? '';
      const counted = /^exported (\d+) rows \((\d+) service items, (\d+) coverages\) of (\d+) units/.exec(summary);
      if (!counted || Number(counted[4]) !== units || Number(counted[3]) !== coverages || Number(counted[2]) < units) {
        throw new Error(`export bench: unexpected summary ${JSON.stringify(summary)} for ${units} units and ${coverages} coverages`);
      }
      results.push({ units, rows: Number(counted[1]), copy, export: { seconds: run.seconds, bytes, peakRssMb: run.peakRssMb, summary } });
    }
  } finally {
    await client.end();
  }
  return results;
}

export function exportReport(results: ExportResult[]): string {
  const lines = [
    '## Fleet export (rule 13): Parquet against PostgreSQL\'s COPY',
    '',
    'Per fleet: PostgreSQL\'s `COPY (…) TO \'file\' (FORMAT csv)` of the statement the export reads its units with (on the server), then `npm run export` ' +
      '(compiled) from spawn to exit, its peak RSS (VmHWM) sampled every 20 ms. Rows: one per service item (two-item plans for inverters and batteries) and per coverage.',
    '',
    '| units | rows | export s | rows/s | units/s | Parquet MB | export peak RSS MB | COPY s | COPY units/s | CSV MB | export / COPY rate |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    const exportRate = r.units / r.export.seconds;
    const copyRate = r.units / r.copy.seconds;
    lines.push(
      `| ${r.units.toLocaleString('en')} | ${r.rows.toLocaleString('en')} | ${fixed(r.export.seconds, 1)} | ${fixed(r.rows / r.export.seconds, 0)} | ${fixed(exportRate, 0)} | ` +
        `${fixed(r.export.bytes / 2 ** 20, 1)} | ${fixed(r.export.peakRssMb, 0)} | ${fixed(r.copy.seconds, 1)} | ${fixed(copyRate, 0)} | ${fixed(r.copy.bytes / 2 ** 20, 1)} | ×${fixed(exportRate / copyRate, 2)} |`,
    );
  }
  for (const r of results) lines.push(`- ${r.units} units: the command said "${r.export.summary}"`);
  return lines.join('\n');
}
