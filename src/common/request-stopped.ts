import { GraphQLError } from 'graphql';

/** Why a request's work was stopped: its deadline passed, or its client went away. */
const STOPPED: Record<string, string> = {
  REQUEST_TIMEOUT: 'the request ran out of time',
  CLIENT_CLOSED_REQUEST: 'the client closed the request',
};

/** The typed error a field (or an SQL statement) fails with once its request has been stopped. */
export function requestStopped(reason: unknown): GraphQLError {
  const code = typeof reason === 'string' && reason in STOPPED ? reason : 'REQUEST_TIMEOUT';
  return new GraphQLError(`${STOPPED[code]}; nothing more was done for it`, { extensions: { code, retryable: true } });
}

const shared = new WeakMap<AbortSignal, GraphQLError>();

/**
 * One error object per stopped request, for every field that is not resolved after the stop. It carries a path
 * already, so graphql-js passes it on as it is instead of wrapping it once per field (a stopped page of 10,000
 * objects made 119,225 errors); the response then keeps one of them (see isStopError, limits.ts).
 */
export function requestStoppedOnce(signal: AbortSignal): GraphQLError {
  let error = shared.get(signal);
  if (!error) {
    const made = requestStopped(signal.reason);
    error = new GraphQLError(made.message, { path: [], extensions: made.extensions });
    shared.set(signal, error);
  }
  return error;
}

const STOP_CODES = new Set(Object.keys(STOPPED));

/**
 * An error that only says the request was stopped: a field or statement refused after the stop, or a statement
 * that PostgreSQL cancelled because of it (SQLSTATE 57014, the driver's error somewhere in the chain).
 */
export function isStopError(error: unknown, stopped: boolean): boolean {
  for (let current = error as { extensions?: { code?: unknown }; originalError?: unknown; driverError?: unknown; code?: unknown } | undefined, depth = 0; current && depth < 5; depth++) {
    if (typeof current.extensions?.code === 'string' && STOP_CODES.has(current.extensions.code)) return true;
    if (stopped && current.code === '57014') return true;
    current = (current.originalError ?? current.driverError) as typeof current;
  }
  return false;
}
