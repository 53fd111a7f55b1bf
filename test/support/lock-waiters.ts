import type { Client } from 'pg';

/**
 * How many sessions wait, directly or through one another, for a lock that `holder`'s session holds: only this
 * lock's waiters (another test worker's servers may wait on locks of their own), the chain followed because the
 * first waits for the holder and the others for the first.
 */
export async function waitingBehind(holder: Client): Promise<number> {
  // Inside a transaction PostgreSQL keeps the first snapshot of pg_stat_activity; drop it to see new waiters.
  await holder.query('SELECT pg_stat_clear_snapshot()');
  const { rows: [row] } = await holder.query(
    `WITH RECURSIVE chain(pid) AS (
       SELECT pg_backend_pid()
       UNION SELECT a.pid FROM pg_stat_activity a JOIN chain c ON c.pid = ANY(pg_blocking_pids(a.pid))
     ) SELECT count(*)::int - 1 AS n FROM chain`,
  );
  return row.n;
}
