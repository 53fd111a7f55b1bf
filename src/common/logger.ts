import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { LogLevel } from '../config';

/**
 * One JSON object per line on stdout, written by pino. The request id travels in async-local storage so that every
 * line written while serving a request (SQL counts included) can be joined back to that request.
 */
export interface RequestScope {
  requestId: string;
  sqlQueries: number;
  /** Aborted at the request's deadline or when its client goes away: no further SQL is sent for it. */
  signal?: AbortSignal;
  /** SQL statements the request may run before it is stopped. */
  maxSqlQueries?: number;
}

export const requestScope = new AsyncLocalStorage<RequestScope>();

/**
 * Secrets never reach a log line: a bearer token, a cookie, a webhook signature, a secret, a password or a token,
 * as a line's own field or where the code keeps them (request headers, the configuration). Explicit paths, no
 * wildcards: pino's redaction with wildcards cost more than the rest of a request's log line.
 */
export const REDACTED_PATHS = [
  'authorization',
  'secret',
  'password',
  'token',
  'jwtSecret',
  'headers.authorization',
  'headers.cookie',
  'headers["x-sofar-signature"]',
  'config.secret',
  'config.password',
  'config.jwtSecret',
  'auth.jwtSecret',
  'webhook.secret',
];

/**
 * Where the lines go: stdout, looked up per write (a test may replace `process.stdout.write`). Info and debug lines
 * wait up to BATCH_MS (or until BATCH_BYTES are waiting) and go out in one write: stdout is a pipe or a file,
 * written synchronously, and a write per request was a tenth of a planned read's CPU (a system call and a wake-up
 * of the reader each), and still 6 % of a single check's with one write per turn of the event loop. Warnings and
 * errors go out at once, with anything waiting before them, and whatever waits is written when the process exits;
 * a process killed outright loses at most BATCH_MS of info lines. `batchFor(0)` writes at the end of the turn instead
 * (tests that read the lines of the request they just sent).
 */
class BatchedStdout implements DestinationStream {
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private scheduledAsTimeout = false;
  batchMs = BATCH_MS;

  write(line: string): void {
    this.pending.push(line);
    this.pendingBytes += line.length;
    // pino writes the level as its label first: `{"level":"warn"` or `{"level":"error"`.
    if (line.startsWith('{"level":"warn"') || line.startsWith('{"level":"error"') || this.pendingBytes >= BATCH_BYTES) {
      this.flush();
    } else if (this.scheduled === null) {
      // Unreferenced: waiting lines never keep the process alive (the exit handler writes them).
      this.scheduledAsTimeout = this.batchMs > 0;
      this.scheduled = this.scheduledAsTimeout ? setTimeout(this.flush, this.batchMs).unref() : setImmediate(this.flush).unref();
    }
  }

  readonly flush = (): void => {
    // An early flush (a warning, a full batch, a new window) takes back the timer of the lines it wrote: left due, it
    // would write the lines that come after them before their own window (a window of minutes after one of 20 ms).
    if (this.scheduled !== null) {
      if (this.scheduledAsTimeout) clearTimeout(this.scheduled as NodeJS.Timeout);
      else clearImmediate(this.scheduled as NodeJS.Immediate);
    }
    this.scheduled = null;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    process.stdout.write(text);
  };
}

/** How long info lines may wait to go out together, and how much may wait. */
const BATCH_MS = 20;
const BATCH_BYTES = 64 * 1024;

/** pino, as the subgraph uses it: level labels, ISO times, no pid/hostname, the request id of the current scope. */
export function createPino(level: LogLevel, destination: DestinationStream): PinoLogger {
  return pino(
    {
      level,
      base: undefined,
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      mixin() {
        const scope = requestScope.getStore();
        return scope ? { requestId: scope.requestId } : {};
      },
    },
    destination,
  );
}

const frameworkLevel = (level: LogLevel): LogLevel => (level === 'error' || level === 'silent' ? level : 'warn');

/** The subgraph's logger: a message and its fields, the API the code has always used, over one pino instance. */
export class Logger {
  private readonly destination = new BatchedStdout();
  readonly pino: PinoLogger;
  /**
   * Fastify's logger: its own lines are warnings and errors only (a framework failure); the request lines are ours
   * (request-log.ts), with the operation, the SQL count and the status.
   */
  readonly framework: PinoLogger;

  constructor(level: LogLevel = 'info') {
    this.pino = createPino(level, this.destination);
    this.framework = this.pino.child({ component: 'http' }, { level: frameworkLevel(level) });
  }

  get level(): LogLevel {
    return this.pino.level as LogLevel;
  }

  setLevel(level: LogLevel): void {
    this.pino.level = level;
    this.framework.level = frameworkLevel(level);
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.pino.debug(fields ?? {}, message);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.pino.info(fields ?? {}, message);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.pino.warn(fields ?? {}, message);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.pino.error(fields ?? {}, message);
  }

  /** Writes the lines waiting, if any. */
  readonly flush = (): void => this.destination.flush();

  /** How long info lines may wait to go out together (0: until the end of the current turn). Returns the previous. */
  batchFor(ms: number): number {
    const previous = this.destination.batchMs;
    this.flush();
    this.destination.batchMs = ms;
    return previous;
  }
}

export const logger = new Logger((process.env.LOG_LEVEL as LogLevel) || 'info');
process.on('exit', logger.flush);
