import 'reflect-metadata';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { logger } from './common/logger';
import { MIGRATIONS } from '../migrations';
import { ENTITIES } from './entities';
import { sharedPoolSettings } from './db/replicas';
import { chargeStatement } from './db/statement-budget';

/**
 * Counts every SQL statement against the request being served (see RequestScope), so logs and tests can show
 * how many round trips a request cost. Slow queries and errors are logged; statements themselves only at debug.
 */
class CountingLogger implements TypeOrmLogger {
  logQuery(query: string): void {
    // TypeORM calls this just before it sends a statement, so a refusal here keeps the statement from running.
    chargeStatement(query);
    logger.debug('sql', { query });
  }
  logQueryError(error: string | Error, query: string): void {
    logger.warn('sql error', { error: error instanceof Error ? error.message : error, query });
  }
  logQuerySlow(time: number, query: string): void {
    logger.warn('slow sql', { ms: time, query });
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    logger.info('migration', { message });
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') logger.warn(String(message));
  }
}

export interface DataSourceOptions {
  poolSize?: number;
  /** PostgreSQL statement_timeout for every pooled connection; none when unset. */
  statementTimeoutMs?: number;
}

export function createDataSource(url: string, options: DataSourceOptions | number = {}): DataSource {
  const { poolSize = 10, statementTimeoutMs } = typeof options === 'number' ? { poolSize: options } : options;
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: true,
    logger: new CountingLogger(),
    maxQueryExecutionTime: 500,
    poolSize,
    applicationName: 'sofar-warranty',
    // Set at connect time, so every pooled connection has it without a round trip per request. Statements of a
    // stopped request are cancelled in PostgreSQL (request-bound-client.ts). The read replicas' pools (db/replicas.ts)
    // are built with the same settings.
    extra: sharedPoolSettings(statementTimeoutMs),
  });
}
