import 'reflect-metadata';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { logger, requestScope } from '../common/logger';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

/**
 * Counts every SQL statement against the request being served (see RequestScope), so logs and tests can show
 * how many round trips a request cost. Slow queries and errors are logged; statements themselves only at debug.
 */
class CountingLogger implements TypeOrmLogger {
  logQuery(query: string): void {
    const scope = requestScope.getStore();
    if (scope) scope.sqlQueries += 1;
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

export function createDataSource(url: string, poolSize = 10): DataSource {
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
  });
}
