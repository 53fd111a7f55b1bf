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
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}

export const logger = new Logger((process.env.LOG_LEVEL as LogLevel) || 'info');
