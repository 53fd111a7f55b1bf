/**
 * The plans of the SQL the subgraph sends, as PostgreSQL ran it: `auto_explain` (log_analyze, log_buffers) switched
 * on for the scratch database only (ALTER DATABASE … SET session_preload_libraries, a superuser setting), so every
 * new session on it logs `EXPLAIN (ANALYZE, BUFFERS)` of each statement it runs; the plans are then read back from
 * the server's log (lines `…@<database>` and their continuation lines). Needs a superuser DATABASE_URL and the log
 * file readable (`--pg-log`, default the Debian one); without either, the bench says so and goes on.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { Client } from 'pg';

export const DEFAULT_PG_LOG = '/var/log/postgresql/postgresql-15-main.log';

export interface Plan {
  durationMs: number;
  query: string;
  plan: string;
}

/** Turns auto_explain on (or off) for new sessions on `database`. */
export async function autoExplain(adminUrl: string, database: string, on: boolean): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const settings: Array<[string, string]> = [
      ['session_preload_libraries', 'auto_explain'],
      ['auto_explain.log_min_duration', '0'],
      ['auto_explain.log_analyze', 'on'],
      ['auto_explain.log_buffers', 'on'],
      ['auto_explain.log_timing', 'on'],
    ];
    for (const [name, value] of settings) {
      await admin.query(on ? `ALTER DATABASE "${database}" SET ${name} = '${value}'` : `ALTER DATABASE "${database}" RESET ${name}`);
    }
  } finally {
    await admin.end();
  }
}

export const logSize = (path: string): number => statSync(path, { throwIfNoEntry: false })?.size ?? -1;

/** The plans logged for `database` since byte `from` of the log. */
export function readPlans(path: string, from: number, database: string): Plan[] {
  const size = logSize(path);
  if (size < from || from < 0) return [];
  const buffer = Buffer.alloc(size - from);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buffer, 0, buffer.length, from);
  } finally {
    closeSync(fd);
  }
  const plans: Plan[] = [];
  let current: string[] | null = null;
  const flush = () => {
    if (!current) return;
    const duration = /duration: ([\d.]+) ms\s+plan:/.exec(current[0]);
    const top = current.findIndex((line) => /\(cost=[\d.]+\.\.[\d.]+ rows=\d+ width=\d+\)/.test(line));
    if (duration && top > 0) {
      const query = current.slice(1, top).join(' ').replace(/^\s*Query Text:/, '').replace(/\s+/g, ' ').trim();
      plans.push({ durationMs: Number(duration[1]), query, plan: current.slice(top).map((line) => line.replace(/^\t/, '')).join('\n') });
    }
    current = null;
  };
  for (const line of buffer.toString('utf8').split('\n')) {
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(line)) {
      flush();
      if (line.includes(`@${database} `)) current = [line];
    } else if (current) current.push(line);
  }
  flush();
  return plans;
}

/** Scans of the whole table over the bench's big tables: what an index should have answered. */
export const BIG_TABLES = ['warranty_record', 'coverage', 'warranty_event', 'warranty_claim', 'claim_line', 'unit_reading', 'unit_telemetry', 'unit_firmware', 'claim_case'];
export function sequentialScans(plan: string): string[] {
  return [...plan.matchAll(/Seq Scan on (\w+)/g)].map((m) => m[1]).filter((table) => BIG_TABLES.includes(table));
}

/** A plan cut to its node lines (no Buffers/Output detail beyond the first `depth` nodes' own lines). */
export function shortPlan(plan: string, maxLines = 14): string {
  const lines = plan.split('\n').filter((line) => line.trim() && !/^\s*(Output|Planning|Settings|Query Identifier):/.test(line));
  return lines.slice(0, maxLines).join('\n') + (lines.length > maxLines ? '\n  …' : '');
}
