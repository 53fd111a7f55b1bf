import { GraphQLError } from 'graphql';
import { requestScope } from '../common/logger';
import { requestStopped } from '../common/request-stopped';

/**
 * Called just before every SQL statement is sent, by TypeORM's logger and by the row reader alike: counts the
 * statement against the request being served, and refuses to send it when the request has been stopped (deadline,
 * client gone) or has used up its statements. Outside a request (migrations, scripts) it does nothing.
 */
export function chargeStatement(): void {
  const scope = requestScope.getStore();
  if (!scope) return;
  if (scope.signal?.aborted) throw requestStopped(scope.signal.reason);
  scope.sqlQueries += 1;
  if (scope.maxSqlQueries !== undefined && scope.sqlQueries > scope.maxSqlQueries) throw tooManyStatements(scope.maxSqlQueries);
}

function tooManyStatements(limit: number): GraphQLError {
  return new GraphQLError(`the request needed more than ${limit} SQL statements; ask for fewer fields or smaller pages`, {
    extensions: { code: 'QUERY_TOO_COSTLY', limit },
  });
}
