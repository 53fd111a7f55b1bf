import { logger } from '../../src/common/logger';
import type { LogLevel } from '../../src/config';

/**
 * Captures the JSON log lines the app writes to stdout (it logs in-process), so a test can read what a request
 * cost: every GraphQL request logs one 'graphql' line with its requestId and sqlQueries.
 */
export function captureLogs(level: LogLevel = 'info') {
  const lines: Array<Record<string, any>> = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(line));
        continue;
      } catch {
        // not one of ours
      }
    }
    return text.startsWith('{') ? true : (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  logger.setLevel(level);
  return {
    lines,
    /** The request log line of a request id. */
    request(requestId: string) {
      return lines.find((l) => l.msg === 'graphql' && l.requestId === requestId);
    },
    stop() {
      process.stdout.write = write;
      logger.setLevel('silent');
    },
  };
}
