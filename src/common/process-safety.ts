import { isDatabaseUnavailable } from './db-errors';
import { logger } from './logger';

/**
 * The process-wide safety net of a long-running process (the server, `npm run dispatch`), installed once by its
 * entry point:
 *
 * - A rejected promise nobody handled is logged, one line, and the process goes on. A rejection has already
 *   unwound whatever awaited it: the request it belonged to failed (or will, when it awaits it); nothing is left
 *   half-done by the rejection itself. Node's default (since 15) would end the process.
 * - An uncaught exception from I/O is logged, one line, and the process goes on: an 'error' event that no listener
 *   took (Node marks those), a socket or stream error, a database error. The stream or connection that failed has
 *   already been destroyed when its error is emitted; the request it served fails, the others are not concerned.
 * - Any other uncaught exception is a bug that unwound an unknown part of a callback, and Node's documentation is
 *   clear that the state of the process may then be corrupt: it is logged, one line with its stack, and `onFatal`
 *   stops the process in order (no new requests, those in flight drained, the pool and an embedded PostgreSQL
 *   stopped) and exits non-zero, for the supervisor to start a fresh one.
 */
export interface SafetyNetOptions {
  /** A true uncaught exception (see above): stop in order and exit non-zero. Called once. */
  onFatal(error: unknown): void;
  /** The emitter to listen on (tests); the process by default. */
  target?: NodeJS.EventEmitter;
}

/** Node's codes of errors that belong to a stream, a socket or an aborted operation, rather than to a bug. */
const STREAM_CODES = new Set([
  'ERR_UNHANDLED_ERROR', // an 'error' event without a listener, emitted with something that is not an Error
  'ERR_STREAM_PREMATURE_CLOSE',
  'ERR_STREAM_DESTROYED',
  'ERR_STREAM_WRITE_AFTER_END',
  'ERR_STREAM_PUSH_AFTER_EOF',
  'ERR_STREAM_UNABLE_TO_PIPE',
  'ERR_HTTP_REQUEST_TIMEOUT',
  'ERR_SOCKET_CLOSED',
  'ERR_SOCKET_CLOSED_BEFORE_CONNECTION',
  'ABORT_ERR',
]);

/**
 * Node's events module marks an Error it throws for an 'error' event that had no listener with a symbol of this
 * description (Node 20; its inspector uses it). Without the mark (another Node), such an error is judged by its
 * code alone, and when that says nothing it takes the fatal path: the safe side.
 */
const UNHANDLED_ERROR_EVENT = 'Symbol(kEnhanceStackBeforeInspector)';

type ErrorLike = { code?: unknown; syscall?: unknown; errno?: unknown; severity?: unknown; message?: unknown; name?: unknown };

/** Whether an uncaught exception comes from I/O (a stream, a socket, the database) rather than from a bug. */
export function isOperationalError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const { code, syscall, severity } = error as ErrorLike;
  if (Object.getOwnPropertySymbols(error).some((symbol) => String(symbol) === UNHANDLED_ERROR_EVENT)) return true;
  if (typeof code === 'string' && STREAM_CODES.has(code)) return true;
  // A system error of a socket or a file: ECONNRESET, EPIPE, ETIMEDOUT … with the call that failed.
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code) && typeof syscall === 'string') return true;
  // An error PostgreSQL sent (pg's DatabaseError: a SQLSTATE and a severity), or the connection to it lost.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && typeof severity === 'string') return true;
  return isDatabaseUnavailable(error);
}

/** What a log line says of an error: its code and message, never the object. */
function describe(error: unknown): { code?: string; message: string } {
  const { code, message } = (error ?? {}) as ErrorLike;
  return { ...(typeof code === 'string' ? { code } : {}), message: typeof message === 'string' ? message : String(error) };
}

/** Installs the safety net; returns what removes it (tests). */
export function installProcessSafetyNet(options: SafetyNetOptions): () => void {
  const target = options.target ?? process;
  let fatal = false;
  const onRejection = (reason: unknown) => {
    logger.error('unhandled promise rejection', describe(reason));
  };
  const onException = (error: unknown) => {
    if (isOperationalError(error)) {
      logger.error('uncaught I/O error', { ...describe(error), syscall: (error as ErrorLike).syscall });
      return;
    }
    if (fatal) {
      // Already stopping: the first one said what happened.
      logger.error('uncaught exception while stopping', describe(error));
      return;
    }
    fatal = true;
    logger.error('uncaught exception: stopping', { ...describe(error), stack: (error as { stack?: unknown }).stack });
    options.onFatal(error);
  };
  target.on('unhandledRejection', onRejection);
  target.on('uncaughtException', onException);
  return () => {
    target.off('unhandledRejection', onRejection);
    target.off('uncaughtException', onException);
  };
}
