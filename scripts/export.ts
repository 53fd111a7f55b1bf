/**
 * `npm run export -- --out fleet.parquet [--at 2026-11-24] [--org acme --org other]`: the fleet projection (rule 13)
 * as one Parquet file; with `--dataset campaign-units`, the campaign-units dataset instead (rule 19: one row per unit
 * and campaign, campaigns/campaign-export.ts), read from PostgreSQL through a cursor in one snapshot, in bounded memory. A progress bar on
 * stderr, a summary on stdout.
 *
 * The database is DATABASE_URL, else the embedded PostgreSQL that `npm start` runs (on EMBEDDED_PG_PORT, 54329 by
 * default): the same environment as `npm start` reads the same database. The command says which on stderr first. The file is
 * written under a temporary name beside the target and renamed when complete: an interrupted or failed export leaves
 * no half-written file under the target name. A target that cannot be written fails before the database is read.
 *
 * The export has the same deadline as the endpoint's, EXPORT_TIMEOUT_MS (30 minutes unless set): past it the export
 * stops, its transaction is rolled back and nothing is written.
 *
 * Exit codes: 0 done, 1 failed (database, disk, the deadline), 2 usage or an unwritable target, 130 interrupted.
 */
import { SingleBar } from 'cli-progress';
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import { ConfigError, loadConfig } from '../src/config';
import { isCalendarDate } from '../src/common/calendar';
import { databaseEndpoint, type Endpoint } from '../src/endpoints';
import { exportFleet } from '../src/projection/fleet-export';
import { exportCampaignUnits } from '../src/campaigns/campaign-export';
import { FINANCE_SQL, financeParquet, financeRows } from '../src/recovery/recovery-finance';
import { announce, CommandError, parseCommandLine, resolveEndpoint } from './command-line';

const USAGE = 'usage: npm run export -- --out <file.parquet> [--dataset fleet|campaign-units|supplier-recovery] [--at YYYY-MM-DD] [--org <orgId> ...]';

/** The datasets: the fleet projection (rule 13), campaign units (rule 19), finance's supplier recovery per supplier and month (rule 20). */
export const DATASETS = ['fleet', 'campaign-units', 'supplier-recovery'] as const;

export function parseArguments(argv: string[], today: string): { out: string; asOf: string; orgIds: string[] | null; dataset: (typeof DATASETS)[number] } {
  const { values } = parseCommandLine(argv, { out: { type: 'string' }, at: { type: 'string' }, org: { type: 'string', multiple: true }, dataset: { type: 'string' } }, USAGE);
  const dataset = (values.dataset ?? 'fleet') as (typeof DATASETS)[number];
  if (!DATASETS.includes(dataset)) throw new CommandError(`--dataset must be one of ${DATASETS.join(', ')}\n${USAGE}`, 2);
  for (const name of ['out', 'at'] as const) {
    if (values[name] === '') throw new CommandError(`--${name} needs a value\n${USAGE}`, 2);
  }
  if (!values.out) throw new CommandError(`--out is required\n${USAGE}`, 2);
  if (values.at !== undefined && !isCalendarDate(values.at)) throw new CommandError(`--at must be a calendar date, YYYY-MM-DD (got ${values.at})`, 2);
  const orgIds = (values.org ?? []).flatMap((value) => value.split(',').map((org) => org.trim()).filter(Boolean));
  return { out: resolve(values.out), asOf: values.at ?? today, orgIds: orgIds.length ? orgIds : null, dataset };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseArguments>;
  let database: Endpoint;
  let exportTimeoutMs: number;
  try {
    options = parseArguments(process.argv.slice(2), new Date().toISOString().slice(0, 10));
    database = resolveEndpoint(() => databaseEndpoint());
    // The deadline only, by config.ts's own check: the rest of the server's configuration is not this command's.
    exportTimeoutMs = loadConfig({ EXPORT_TIMEOUT_MS: process.env.EXPORT_TIMEOUT_MS }).exportTimeoutMs;
  } catch (error) {
    if (error instanceof CommandError) {
      console.error(`export: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      console.error(`export: ${error.message}`);
      return 2;
    }
    throw error;
  }
  // The target is proven writable before the database is read: the partial file is created beside it now.
  const partial = join(dirname(options.out), `.${basename(options.out)}.partial-${process.pid}`);
  let fd: number;
  try {
    if (statSync(options.out, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${options.out} is a directory`);
    fd = openSync(partial, 'wx');
  } catch (error) {
    console.error(`export: cannot write ${options.out}: ${(error as Error).message}`);
    return 2;
  }
  const discard = () => {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      discard();
      console.error(`\nexport: ${signal}: stopped; nothing was written under ${options.out}`);
      process.exit(130);
    });
  }

  announce('export', 'reading the database at', database);
  const client = new Client({ connectionString: database.url, application_name: 'sofar-warranty export' });
  // A connection lost between statements is an 'error' event of the client; the next statement fails with it and the
  // export reports it below. Unheard, the event would end the process and leave the partial file behind.
  client.on('error', () => undefined);
  const bar = new SingleBar({ format: 'export |{bar}| {percentage}% {value}/{total} units, {rows} rows, {rate} rows/s, ETA {eta_formatted}', stream: process.stderr, hideCursor: true });
  const started = Date.now();
  let stopAt = Infinity;
  let barStarted = false;
  try {
    await client.connect();
    // The export's own deadline (EXPORT_TIMEOUT_MS), as on the endpoint: this process stops there, and PostgreSQL
    // ends the export's transaction there even if this process does not.
    stopAt = Date.now() + exportTimeoutMs;
    if (options.dataset === 'campaign-units') {
      bar.start(0, 0, { rows: 0, rate: 0 });
      barStarted = true;
      const done = await exportCampaignUnits(client, {
        orgIds: options.orgIds,
        deadline: stopAt,
        signal: AbortSignal.timeout(exportTimeoutMs),
        sink: async (bytes) => {
          writeSync(fd, bytes);
        },
        onProgress: (rows) => bar.update(rows, { rows, rate: Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000)) }),
      });
      bar.stop();
      closeSync(fd);
      renameSync(partial, options.out);
      console.log(`exported ${done.rows} campaign units to ${options.out}: ${(done.bytes / 2 ** 20).toFixed(1)} MiB in ${done.seconds.toFixed(1)} s`);
      return 0;
    }
    if (options.dataset === 'supplier-recovery') {
      // Small (a row per supplier, month and currency): one statement, one row group.
      const { rows } = await client.query(FINANCE_SQL, [options.orgIds, null, null, null]);
      const figures = financeRows(rows);
      writeSync(fd, financeParquet(figures));
      closeSync(fd);
      renameSync(partial, options.out);
      console.log(`exported ${figures.length} supplier recovery rows (per supplier, month and currency) to ${options.out}`);
      return 0;
    }
    const summary = await exportFleet(client, {
      orgIds: options.orgIds,
      asOf: options.asOf,
      deadline: stopAt,
      signal: AbortSignal.timeout(exportTimeoutMs),
      sink: async (bytes) => {
        writeSync(fd, bytes);
      },
      onStart: (units) => {
        bar.start(units, 0, { rows: 0, rate: 0 });
        barStarted = true;
      },
      onProgress: (units, rows) => bar.update(units, { rows, rate: Math.round(rows / Math.max(0.001, (Date.now() - started) / 1000)) }),
    });
    bar.stop();
    closeSync(fd);
    renameSync(partial, options.out);
    const rows = summary.serviceItemRows + summary.coverageRows;
    console.log(
      `exported ${rows} rows (${summary.serviceItemRows} service items, ${summary.coverageRows} coverages) of ${summary.units} units as of ${options.asOf} ` +
        `to ${options.out}: ${(summary.bytes / 2 ** 20).toFixed(1)} MiB in ${summary.seconds.toFixed(1)} s (${Math.round(rows / summary.seconds)} rows/s)`,
    );
    return 0;
  } catch (error) {
    if (barStarted) bar.stop();
    discard();
    const timedOut = Date.now() >= stopAt;
    const why = timedOut ? `stopped at its deadline (EXPORT_TIMEOUT_MS=${exportTimeoutMs})` : `failed: ${(error as Error).message}`;
    console.error(`export: ${why}; nothing was written under ${options.out}`);
    return 1;
  } finally {
    await client.end().catch(() => undefined);
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code), (error) => {
    console.error(`export: ${(error as Error).stack ?? error}`);
    process.exit(1);
  });
}
