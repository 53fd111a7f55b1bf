import { AsyncLocalStorage } from 'node:async_hooks';
import type { LogLevel } from '../config';

/**
 * One JSON object per line on stdout. The request id travels in async-local storage so that every line written
 * while serving a request (SQL counts included) can be joined back to that request.
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

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export class Logger {
  constructor(private level: LogLevel = 'info') {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  debug(message: string, fields?: Record<string, unknown>): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: Record<string, unknown>): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: Record<string, unknown>): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: Record<string, unknown>): void {
    this.write('error', message, fields);
  }

  /**
   * Info and debug lines wait for the end of the current turn of the event loop and go out in one write: stdout
   * is a pipe or a file, written synchronously, and one write per request was a tenth of a planned read's CPU
   * (a system call and a wake-up of the reader each). Warnings and errors go out at once, with anything waiting
   * before them, and whatever waits is written when the process exits.
   */
  private pending: string[] = [];
  private flushScheduled = false;

  private write(level: LogLevel, message: string, fields?: Record<string, unknown>): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const scope = requestScope.getStore();
    const line = {
      time: new Date().toISOString(),
      level,
      msg: message,
      ...(scope ? { requestId: scope.requestId } : {}),
      ...fields,
    };
    this.pending.push(`${JSON.stringify(line)}\n`);
    if (ORDER[level] >= ORDER.warn) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Writes the lines waiting, if any. */
  readonly flush = (): void => {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.length === 1 ? this.pending[0] : this.pending.join('');
    this.pending = [];
    process.stdout.write(text);
  };
}

export const logger = new Logger((process.env.LOG_LEVEL as LogLevel) || 'info');
process.on('exit', logger.flush);
