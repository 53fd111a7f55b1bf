/** What the bench reads of its child processes from /proc, and how it prints numbers. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of a process so far, in ms (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** Resident memory in MB now (VmRSS) or at its highest so far (VmHWM); NaN once the process has gone. */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

export const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '—');

/**
 * CPU so far, in ms, of each PostgreSQL backend serving `applicationName` on the bench's database, by pid: the work
 * a server's statements cost the database, which its own CPU does not show (a statement planned at every call costs
 * the database, not the server). Empty when the backends are not processes of this machine (a remote database).
 */
export async function backendCpuMs(client: { query(text: string, values: unknown[]): Promise<{ rows: Array<{ pid: number }> }> }, applicationName: string): Promise<Map<number, number>> {
  const { rows } = await client.query('SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [applicationName]);
  const byPid = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // A PostgreSQL backend of this machine (a remote server's pid may name a local process of another program).
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('postgres')) continue;
      byPid.set(pid, cpuMs(pid));
    } catch {
      // Gone since, or not on this machine.
    }
  }
  return byPid;
}

/** The backends' CPU between two readings: a backend that started in between counts from zero. */
export function backendCpuSpent(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let spent = 0;
  for (const [pid, ms] of after) spent += ms - (before.get(pid) ?? 0);
  return spent;
}
