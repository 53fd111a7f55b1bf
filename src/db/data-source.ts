import 'reflect-metadata';
import { DataSource, type Logger as TypeOrmLogger } from 'typeorm';
import { GraphQLError } from 'graphql';
import { logger, requestScope } from '../common/logger';
import { requestStopped } from '../common/request-stopped';
import { MIGRATIONS } from '../../migrations';
import { ENTITIES } from './entities';

/**
 * Counts every SQL statement against the request being served (see RequestScope), so logs and tests can show
 * how many round trips a request cost. Slow queries and errors are logged; statements themselves only at debug.
 */
class CountingLogger implements TypeOrmLogger {
  logQuery(query: string): void {
    const scope = requestScope.getStore();
    if (scope) {
      // TypeORM calls this just before it sends a statement, so throwing here keeps the statement from running.
      if (scope.signal?.aborted) throw requestStopped(scope.signal.reason);
      scope.sqlQueries += 1;
      if (scope.maxSqlQueries !== undefined && scope.sqlQueries > scope.maxSqlQueries) throw tooManyStatements(scope.maxSqlQueries);
    }
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

function tooManyStatements(limit: number): GraphQLError {
  return new GraphQLError(`the request needed more than ${limit} SQL statements; ask for fewer fields or smaller pages`, {
    extensions: { code: 'QUERY_TOO_COSTLY', limit },
  });
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
    // Set at connect time, so every pooled connection has it without a round trip per request.
    extra: statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {},
  });
}
