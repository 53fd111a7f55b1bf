/**
 * The campaign import part of `npm run bench` (rule 19; `BENCH_SCENARIOS=campaignImport`): a million affected
 * serials into a campaign, against PostgreSQL's own COPY of the same file into a plain table, in the same run.
 *
 * 1. Seeds a fleet of 1,000,000 units in one organisation as the read bench does (seed.ts: 50 through the API, copied
 *    in SQL), and publishes a campaign on one of them through the API.
 * 2. Writes a CSV of every serial (and 1,000 unknown ones) to a file, streamed (never held whole).
 * 3. `import-campaign-units` (compiled, as production runs it) streams the file to the subgraph's
 *    `POST /campaigns/<code>/units`: wall time, rows per second, the subgraph's and the command's peak resident memory.
 * 4. `COPY plain_table FROM '<file>' (FORMAT csv, HEADER)` of the same file, on the server: its time and rate.
 * The rate's ratio to COPY is the figure; memory at its peak shows the import is bounded (compare it with the
 * subgraph's at rest).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { signToken } from '../src/auth/tokens';
import { fixed, rssMb } from './process-stats';
import { graphql, multiply, seedThroughApi, type Fleet } from './seed';
import { sampleRss } from './telemetry';

/** The command, transpiled by run.ts into dist/scripts/ beside the compiled subgraph. */
export const campaignImportSources = ['../scripts/import-campaign-units.ts', '../scripts/subgraph-client.ts', '../scripts/command-line.ts'];

const FLEET: Fleet = { orgs: [{ org: 'campaign-1m', prefix: 'CI-' }], unitsPerOrg: 1_000_000, seedsPerOrg: 50, digits: 7 };
const UNKNOWN = 1_000;
const CODE = 'BENCH-RECALL-1M';

export interface CampaignImportResult {
  serials: number;
  fileMb: number;
  seedSeconds: number;
  import: { seconds: number; summary: string; subgraphRssBefore: number; subgraphRssPeak: number; commandRssPeak: number };
  copy: { seconds: number; rows: number };
}

/** Every serial of the fleet, then the unknown ones, one per line under the header. */
async function writeSerials(file: string): Promise<number> {
  const out = createWriteStream(file, { mode: 0o644 });
  let lines = 0;
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write('serialNumber\n');
  for (let n = 0; n < FLEET.unitsPerOrg; n += 10_000) {
    let chunk = '';
    for (let k = n; k < Math.min(n + 10_000, FLEET.unitsPerOrg); k++) chunk += `CI-${String(k).padStart(FLEET.digits, '0')}\n`;
    lines += Math.min(10_000, FLEET.unitsPerOrg - n);
    await write(chunk);
  }
  let ghosts = '';
  for (let k = 0; k < UNKNOWN; k++) ghosts += `CI-GHOST-${k}\n`;
  await write(ghosts);
  out.end();
  await once(out, 'finish');
  return lines + UNKNOWN;
}

function runCommand(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; peakRss: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    let peakRss = 0;
    const timer = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(child.pid!));
    }, 20);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      clearInterval(timer);
      resolve({ code, stdout, stderr, peakRss });
    });
  });
}

export async function measureCampaignImport(options: {
  subgraphUrl: string;
  subgraphPid: number;
  databaseUrl: string;
  jwtSecret: string;
  root: string;
  progress: (line: string) => void;
}): Promise<CampaignImportResult> {
  const seedStarted = performance.now();
  options.progress(`campaign import: seeding ${FLEET.unitsPerOrg} units…`);
  await seedThroughApi(options.subgraphUrl, options.jwtSecret, FLEET);
  await multiply(options.databaseUrl, FLEET);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const org = FLEET.orgs[0].org;
  const admin = await signToken(options.jwtSecret, { sub: 'bench-campaign', org, roles: ['WARRANTY_ADMIN'] });
  await graphql(options.subgraphUrl, admin, `mutation($input: PublishCampaignInput!) { publishCampaign(input: $input) { affectedUnits userErrors { code message } } }`, {
    input: { code: CODE, title: 'Bench recall', kind: 'SAFETY_RECALL', periodFrom: '2026-01-01', serialNumbers: ['CI-0000000'], remedy: { currency: 'EUR', parts: [{ partNumber: 'KIT', quantity: '1', unitPrice: '10' }] } },
  });
  // In the machine's temporary folder itself (not a private subfolder), readable by the PostgreSQL server for COPY.
  const file = join(tmpdir(), `sofar-bench-campaign-${process.pid}.csv`);
  const client = new Client({ connectionString: options.databaseUrl });
  try {
    const serials = await writeSerials(file);
    const fileMb = statSync(file).size / 2 ** 20;
    options.progress(`campaign import: import-campaign-units of ${serials} serials (${fixed(fileMb, 1)} MB)…`);
    const rss = sampleRss(options.subgraphPid);
    const started = performance.now();
    const command = await runCommand(join(options.root, 'dist', 'scripts', 'import-campaign-units.js'), ['--campaign', CODE, file, '--url', options.subgraphUrl, '--token', admin], {
      NODE_ENV: 'production',
    });
    const seconds = (performance.now() - started) / 1000;
    const subgraphRssPeak = rss.stop();
    if (command.code !== 0) throw new Error(`import-campaign-units failed (${command.code}): ${command.stderr}`);

    options.progress('campaign import: COPY of the same file into a plain table…');
    await client.connect();
    await client.query('CREATE TABLE bench_copied_serials (serial_number text)');
    const copyStarted = performance.now();
    const copied = await client.query(`COPY bench_copied_serials (serial_number) FROM '${file}' (FORMAT csv, HEADER true)`);
    const copySeconds = (performance.now() - copyStarted) / 1000;
    await client.query('DROP TABLE bench_copied_serials');
    return {
      serials,
      fileMb,
      seedSeconds,
      import: { seconds, summary: command.stdout.split('\n')[0], subgraphRssBefore: rss.before, subgraphRssPeak, commandRssPeak: command.peakRss },
      copy: { seconds: copySeconds, rows: copied.rowCount ?? 0 },
    };
  } finally {
    rmSync(file, { force: true });
    await client.end().catch(() => undefined);
  }
}

export function campaignImportReport(r: CampaignImportResult): string {
  const importRate = r.serials / r.import.seconds;
  const copyRate = r.copy.rows / r.copy.seconds;
  return [
    "## Campaign import (rule 19): a million serials against PostgreSQL's COPY",
    '',
    `${r.serials} serials (${r.serials - UNKNOWN} units of one organisation and ${UNKNOWN} unknown), a ${fixed(r.fileMb, 1)} MB CSV; fleet seeded in ${fixed(r.seedSeconds, 1)} s. ` +
      '`npm run import-campaign-units` (compiled) streams it to `POST /campaigns/<code>/units`; `COPY … FROM file (FORMAT csv, HEADER)` loads the same file into a plain table.',
    '',
    '| serials | import s | import serials/s | COPY s | COPY rows/s | import / COPY rate | subgraph RSS MB before / peak | command peak RSS MB |',
    '|---|---|---|---|---|---|---|---|',
    `| ${r.serials} | ${fixed(r.import.seconds, 1)} | ${Math.round(importRate)} | ${fixed(r.copy.seconds, 1)} | ${Math.round(copyRate)} | ${fixed(importRate / copyRate, 3)} | ${fixed(r.import.subgraphRssBefore, 0)} / ${fixed(r.import.subgraphRssPeak, 0)} | ${fixed(r.import.commandRssPeak, 0)} |`,
    '',
    `- the command's summary: ${r.import.summary}`,
  ].join('\n');
}
