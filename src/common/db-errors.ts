import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { requestScope } from './logger';
import { requestStopped } from './request-stopped';

/**
 * Whether an error means "the database cannot be reached right now" rather than "this statement is wrong": the
 * first is an outage the client may retry (SERVICE_UNAVAILABLE, HTTP 503), the second a bug of ours.
 *
 * - Socket errors of the driver (refused, reset, timed out, name or route not found).
 * - pg's own messages when a connection dies or cannot be opened in time (pool and client timeouts).
 * - Server SQLSTATEs: class 08 (connection exception), 57P01–57P03 (terminated by an administrator, crash,
 *   server starting or shutting down), 53300 (too many connections).
 * - While connecting only (the error is not a QueryFailedError, which TypeORM wraps around statements):
 *   3D000 (the database does not exist) and 55000 (it does not accept connections), which a statement can
 *   also raise for reasons of its own.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
const CONNECT_ONLY_CODES = new Set(['3D000', '55000']);
const DRIVER_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'terminating connection due to administrator command',
];

type ErrorLike = { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };

// Duck-typed rather than `instanceof Error`: errors of Node's own sockets may come from another realm (a test
// sandbox, a worker), where that check is false.
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const statement = error instanceof QueryFailedError;
  const found = (statement ? error.driverError : error) as ErrorLike | undefined;
  const code = typeof found?.code === 'string' ? found.code : undefined;
  if (code !== undefined) {
    if (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')) return true;
    if (!statement && CONNECT_ONLY_CODES.has(code)) return true;
  }
  const message = typeof found?.message === 'string' ? found.message : '';
  if (DRIVER_MESSAGES.some((known) => message.startsWith(known))) return true;
  // pg-pool and Node wrap the socket error as `cause`; an AggregateError carries one per address tried.
  const { errors, cause } = error as ErrorLike;
  if (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1))) return true;
  return cause !== undefined && isDatabaseUnavailable(cause, depth + 1);
}

/**
 * Whether the database gave up on a statement because it waited or ran too long, not because it was wrong: the
 * client may retry (DATABASE_TIMEOUT, HTTP 504). The transaction it was part of has been rolled back.
 *
 * - 57014 query_canceled: `statement_timeout` (DB_STATEMENT_TIMEOUT_MS), or a cancel sent to the backend.
 * - 55P03 lock_not_available: `lock_timeout`.
 * - 25P03 idle_in_transaction_session_timeout, 57P05 idle_session_timeout: the server closed a session that
 *   waited too long between statements.
 * - 40001 "canceling statement due to conflict with recovery": a read replica (db/replicas.ts) gave up a query
 *   whose rows its replay had to remove (max_standby_streaming_delay). Other serialization failures are not this.
 *
 * A cancel that our own request deadline caused is not this: see `databaseFailure`, which names it after the
 * request's stop reason (REQUEST_TIMEOUT, CLIENT_CLOSED_REQUEST).
 */
const TIMEOUT_CODES = new Set(['57014', '55P03', '25P03', '57P05']);

export function isDatabaseTimeout(error: unknown, depth = 0): boolean {
  if (error === null || typeof error !== 'object' || depth > 5) return false;
  const found = (error instanceof QueryFailedError ? error.driverError : error) as ErrorLike | undefined;
  if (typeof found?.code === 'string' && TIMEOUT_CODES.has(found.code)) return true;
  if (found?.code === '40001' && typeof found.message === 'string' && found.message.includes('conflict with recovery')) return true;
  const { cause } = error as ErrorLike;
  return cause !== undefined && isDatabaseTimeout(cause, depth + 1);
}

/**
 * How a database failure reaches the client, decided here once for GraphQL, the request log and the HTTP status:
 * - UNAVAILABLE: the database cannot be reached or the connection was lost mid-request (`isDatabaseUnavailable`,
 *   and TypeORM's "Query runner already released", which a transaction meets when its connection died between two
 *   of its statements: our code never uses a query runner after releasing it). Retry later: HTTP 503.
 * - TIMEOUT: `isDatabaseTimeout`. Retry: HTTP 504.
 * - null: not a database failure the client can do anything about (a bug of ours, or not the database's at all).
 */
export type DatabaseFailure = 'UNAVAILABLE' | 'TIMEOUT';

export function databaseFailure(error: unknown): DatabaseFailure | null {
  if (error instanceof QueryRunnerAlreadyReleasedError) return 'UNAVAILABLE';
  if (isDatabaseUnavailable(error)) return 'UNAVAILABLE';
  if (isDatabaseTimeout(error)) return 'TIMEOUT';
  return null;
}

/** The code sent for a database outage or a lost connection: the request did nothing wrong; retry it later (503). */
export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';
/** The code sent when the database gave up on a statement (statement or lock timeout): retry it (504). */
export const DATABASE_TIMEOUT = 'DATABASE_TIMEOUT';

/**
 * The code a database failure reaches the client with, for GraphQL (graphql-errors.ts) and the webhooks alike:
 * SERVICE_UNAVAILABLE or DATABASE_TIMEOUT, unless the request being served had been stopped already (its
 * deadline, its client gone): what the database says then is the echo of that stop (a statement cancelled for it,
 * a connection closed for it), so the stop's own code. Null when the error is not a database failure.
 */
export function databaseFailureCode(error: unknown): string | null {
  const failure = databaseFailure(error);
  if (!failure) return null;
  const signal = requestScope.getStore()?.signal;
  if (signal?.aborted) return requestStopped(signal.reason).extensions.code as string;
  return failure === 'TIMEOUT' ? DATABASE_TIMEOUT : SERVICE_UNAVAILABLE;
}

/** Whether a statement failed on the unique constraint or index `constraint` (SQLSTATE 23505). */
/**
 * A foreign key's refusal by the named constraint: a row another still points at. SQLSTATE 23503
 * (foreign_key_violation), or 23001 (restrict_violation), which newer PostgreSQL (the embedded 18) reports for an
 * ON DELETE RESTRICT key.
 */
export function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: string; constraint?: string }) : null;
  return (driverError?.code === '23503' || driverError?.code === '23001') && driverError.constraint === constraint;
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: string; constraint?: string }) : null;
  return driverError?.code === '23505' && driverError.constraint === constraint;
}
