import { Client } from 'pg';
import type { DataSource, Migration } from 'typeorm';

/** The advisory lock key every process migrating this schema takes (hashtextextended of the name, as elsewhere). */
const LOCK_NAME = 'sofar-warranty:migrations';

/**
 * Runs the pending migrations, one process at a time. TypeORM takes no lock of its own: several processes started
 * at once against a database with pending migrations (a rollout of N replicas) each read the same list and run the
 * same migration, and all but one fail (`duplicate key … pg_type_typname_nsp_index` on the first CREATE TABLE) or,
 * for a migration that does not collide, run it twice. So a session-level advisory lock is held on a connection of
 * its own (not one of the pool, which may be a single connection the migrations need) for the whole run: the
 * others wait, then find nothing left to run. A process that dies holding it releases it with its session.
 */
export async function runMigrationsAlone(dataSource: DataSource, databaseUrl: string): Promise<Migration[]> {
  const lock = new Client({ connectionString: databaseUrl, application_name: 'sofar-warranty migrations' });
  // A connection lost while it waits is reported by the query that fails; the event must not end the process.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [LOCK_NAME]);
    return await dataSource.runMigrations();
  } finally {
    // Ending the session releases the lock, also when the unlock is never reached.
    await lock.end().catch(() => undefined);
  }
}
