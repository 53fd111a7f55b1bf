import { createDataSource } from '../../src/data-source';
import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';

declare global {
  // eslint-disable-next-line no-var
  var __scratchDatabase: ScratchDatabase | undefined;
}

/**
 * One brand-new database per test run, migrated by the real migrations: an embedded PostgreSQL, or a fresh
 * database on the server DATABASE_URL names. Test files share it and keep apart by using their own org ids.
 */
export default async function globalSetup(): Promise<void> {
  const scratch = await createScratchDatabase(process.env.DATABASE_URL);
  globalThis.__scratchDatabase = scratch;
  const dataSource = createDataSource(scratch.url, 1);
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  process.env.TEST_DATABASE_URL = scratch.url;
}
