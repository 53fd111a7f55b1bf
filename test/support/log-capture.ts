import { logger } from '../../src/common/logger';
import type { LogLevel } from '../../src/config';

/**
 * Captures the JSON log lines the app writes to stdout (it logs in-process), so a test can read what a request
 * cost: every GraphQL request logs one 'graphql' line with its requestId and sqlQueries.
 */
/** Captures running (not yet stopped) in this test file. */
let active = 0;

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
  // A capture started inside another (a test's own, within a file's) gives the outer one its level back when it stops.
  const before = logger.level;
  active += 1;
  logger.setLevel(level);
  // The lines of a request are read as soon as its answer is in: written at the end of the turn, not batched.
  const batchMs = logger.batchFor(0);
  return {
    lines,
    /** The request log line of a request id. */
    request(requestId: string) {
      return lines.find((l) => l.msg === 'graphql' && l.requestId === requestId);
    },
    stop() {
      logger.batchFor(batchMs);
      process.stdout.write = write;
      active -= 1;
      logger.setLevel(active > 0 ? before : 'silent');
    },
  };
}
