import { GraphQLError } from 'graphql';
import { requestScope } from '../common/logger';
import { requestStopped } from '../common/request-stopped';

/** The statements that end a transaction (or undo part of one). */
export const ENDS_TRANSACTION = /^\s*(COMMIT|ROLLBACK|RELEASE)\b/i;

/**
 * Called just before every SQL statement is sent, by TypeORM's logger and by the row reader alike: counts the
 * statement against the request being served, and refuses to send it when the request has been stopped (deadline,
 * client gone) or has used up its statements. Outside a request (migrations, scripts) it does nothing.
 *
 * A statement that ends a transaction is counted but never refused. TypeORM swallows a failed ROLLBACK and returns
 * the connection to the pool: a refused one left the transaction open on it, and the next request to take that
 * connection committed the stopped request's half-done work with its own (a telemetry stream whose sender broke
 * off was found written that way). A COMMIT is let through too: every statement before it ran, so what it commits
 * is whole.
 */
export function chargeStatement(query?: string): void {
  const scope = requestScope.getStore();
  if (!scope) return;
  const ending = query !== undefined && ENDS_TRANSACTION.test(query);
  if (scope.signal?.aborted && !ending) throw requestStopped(scope.signal.reason);
  scope.sqlQueries += 1;
  if (!ending && scope.maxSqlQueries !== undefined && scope.sqlQueries > scope.maxSqlQueries) throw tooManyStatements(scope.maxSqlQueries);
}

/** Throws the request's stop error if it has been stopped (a connection obtained after the deadline sends nothing). */
export function refuseIfStopped(): void {
  const signal = requestScope.getStore()?.signal;
  if (signal?.aborted) throw requestStopped(signal.reason);
}

function tooManyStatements(limit: number): GraphQLError {
  return new GraphQLError(`the request needed more than ${limit} SQL statements; ask for fewer fields or smaller pages`, {
    extensions: { code: 'QUERY_TOO_COSTLY', limit },
  });
}
