/**
 * How far behind the primary a hot standby is, measured on this process's own clock (no clock of either server is
 * trusted): the replica set samples the primary's flushed WAL position every check, and a standby's lag is how
 * long ago the primary was last at a position the standby has replayed. Pure: no database, no timers.
 *
 * A standby that has replayed the newest sample is caught up (lag 0), however long the primary has been idle, so
 * an idle primary does not make a standby look late (as `now() - pg_last_xact_replay_timestamp()` does). One that
 * has not is counted from the newest sample it has reached, so the figure errs late by at most one check interval.
 */

/** A PostgreSQL WAL position (`pg_lsn`, `16/B374D848`) as a number that compares. */
export function parseLsn(text: string): bigint {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

interface Sample {
  atMs: number;
  lsn: bigint;
}

/** The primary's WAL positions over the last `windowMs`, oldest first (at least the newest is always kept). */
export class PrimaryProgress {
  private samples: Sample[] = [];

  constructor(private readonly windowMs: number) {}

  record(atMs: number, lsn: bigint): void {
    const last = this.samples[this.samples.length - 1];
    // The position never goes back; a sample that says so (a primary replaced under the same address) starts anew.
    if (last && lsn < last.lsn) this.samples = [];
    this.samples.push({ atMs, lsn });
    while (this.samples.length > 1 && this.samples[0].atMs < atMs - this.windowMs) this.samples.shift();
  }

  /**
   * How stale a standby that has replayed up to `replayed` is at `nowMs`; undefined before the first sample. Past
   * the window (it has not reached even the oldest sample kept) the answer is the window's age: at least that late.
   */
  lagMs(replayed: bigint, nowMs: number): number | undefined {
    const { samples } = this;
    if (samples.length === 0) return undefined;
    if (replayed >= samples[samples.length - 1].lsn) return 0;
    for (let i = samples.length - 2; i >= 0; i--) {
      if (samples[i].lsn <= replayed) return Math.max(0, nowMs - samples[i].atMs);
    }
    return Math.max(0, nowMs - samples[0].atMs);
  }
}

/** What a replica is to the router: only a HEALTHY one is read from. */
export type ReplicaState = 'STARTING' | 'HEALTHY' | 'LAGGING' | 'DOWN' | 'NOT_STANDBY';

/** A replica's state after a check: lagging past `maxLagMs` (or unmeasured) is skipped like one that is down. */
export function stateAfterCheck(check: { standby: boolean; lagMs: number | undefined }, maxLagMs: number): ReplicaState {
  if (!check.standby) return 'NOT_STANDBY';
  if (check.lagMs === undefined || check.lagMs > maxLagMs) return 'LAGGING';
  return 'HEALTHY';
}
