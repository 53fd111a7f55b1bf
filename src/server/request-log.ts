import type { ApolloServerPlugin } from '@apollo/server';
import { recordRequest } from './metrics';
import type { GraphQLError } from 'graphql';
import { logger, requestScope } from '../common/logger';
import { readsFrom } from '../db/read-routing';
import type { RequestContext } from '../context';
import { DATABASE_TIMEOUT, errorCode, SERVICE_UNAVAILABLE } from './graphql-errors';

const MAX_MESSAGE = 1000;

/**
 * The request log line of a request answered outside Apollo Server (a planned read, a refused shape), with the
 * same fields as the plugin's below; `planned: true` marks a planned read.
 */
export function logRequest(answer: { operation: string | null; started: bigint; status: number; errors?: Record<string, number>; planned?: boolean }): void {
  const ms = Number(process.hrtime.bigint() - answer.started) / 1e6;
  const sqlQueries = requestScope.getStore()?.sqlQueries ?? 0;
  recordRequest({ operation: answer.operation, status: answer.status, seconds: ms / 1000, sqlStatements: sqlQueries, errors: answer.errors });
  logger.info('graphql', {
    operation: answer.operation,
    ms,
    sqlQueries,
    http: answer.status,
    ...(answer.errors ? { errors: answer.errors } : {}),
    ...(answer.planned ? { planned: true } : {}),
    ...readFrom(),
  });
}

/** With read replicas, where a query read: a replica's `host:port/database`, or `primary`. */
function readFrom(): { readFrom?: string } {
  const target = readsFrom();
  return target === undefined ? {} : { readFrom: target };
}

/**
 * One log line per GraphQL request, however many errors it had: operation, duration, SQL round trips, HTTP
 * status and the error codes with their counts (`{"BAD_USER_INPUT": 3}`). An unexpected error (a bug) makes
 * the line `error` level and adds the first one's message, path and stack, only the first: a batch of 1,000
 * `_entities` failing alike wrote 1,000 stacks before. A database outage or timeout makes it `warn` with the first cause.
 */
export const requestLogPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart({ request }) {
    const started = process.hrtime.bigint();
    const counts: Record<string, number> = {};
    let firstUnexpected: GraphQLError | undefined;
    let firstUnavailable: GraphQLError | undefined;
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          const code = errorCode(error);
          counts[code] = (counts[code] ?? 0) + 1;
          if (code === 'INTERNAL_SERVER_ERROR') firstUnexpected ??= error;
          if (code === SERVICE_UNAVAILABLE || code === DATABASE_TIMEOUT) firstUnavailable ??= error;
        }
      },
      async willSendResponse({ response }) {
        const scope = requestScope.getStore();
        const fields: Record<string, unknown> = {
          operation: request.operationName ?? null,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
          sqlQueries: scope?.sqlQueries ?? 0,
          http: response.http.status ?? 200,
          ...(Object.keys(counts).length > 0 ? { errors: counts } : {}),
          ...readFrom(),
        };
        recordRequest({ operation: request.operationName, status: fields.http as number, seconds: (fields.ms as number) / 1000, sqlStatements: fields.sqlQueries as number, errors: counts });
        if (firstUnexpected) {
          const original = firstUnexpected.originalError ?? firstUnexpected;
          logger.error('graphql', {
            ...fields,
            error: { message: original.message.slice(0, MAX_MESSAGE), path: firstUnexpected.path, stack: original.stack },
          });
        } else if (firstUnavailable) {
          const original = firstUnavailable.originalError ?? firstUnavailable;
          logger.warn('graphql', { ...fields, cause: original.message.slice(0, MAX_MESSAGE) });
        } else {
          logger.info('graphql', fields);
        }
      },
    };
  },
};
