import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FleetGroup } from './fleet-group';
import type { FromEncoder, ToEncoder } from './parquet-worker';

/**
 * The fleet projection as Parquet (hyparquet-writer), a row group at a time: this thread builds a group
 * (fleet-group.ts), an encoder thread (parquet-worker.ts) spreads it into the file's columns and encodes it while the
 * next is built, and the bytes go to `sink` in order as each group is done. At most one group is in the encoder's
 * hands; memory holds it and the group being built, never the file.
 */

/**
 * Groups handed to the encoder and not yet encoded before this thread waits. One: the encoder is the slower of the
 * two threads, so a second group waiting would only lengthen the wait for the last groups at the end.
 */
const IN_FLIGHT = 1;

/** The encoder thread's young generation (V8's default is a few megabytes). */
const ENCODER_YOUNG_GENERATION_MB = 96;

function startEncoder(): Worker {
  // Run from TypeScript (npm run export, the tests), the encoder is TypeScript too.
  const typescript = extname(__filename) === '.ts';
  // Encoding a group makes short-lived arrays by the megabyte: a young generation bigger than V8's default lets them
  // die there (1,000,000 units: 19.5 s to 17.8 s, for about 60 MB more at the peak).
  const resourceLimits = { maxYoungGenerationSizeMb: ENCODER_YOUNG_GENERATION_MB };
  return new Worker(join(__dirname, `parquet-worker${typescript ? '.ts' : '.js'}`), typescript ? { resourceLimits, execArgv: ['-r', 'ts-node/register/transpile-only'] } : { resourceLimits });
}

/** Writes row groups as they come, as fast as the sink takes them; `finish` writes the footer and stops the encoder. */
export class FleetParquetWriter {
  private readonly encoder = startEncoder();
  private inFlight = 0;
  private delivered: Promise<void> = Promise.resolve();
  private waiting: Array<() => void> = [];
  private finished: (() => void) | null = null;
  private failure: Error | null = null;
  rows = 0;

  constructor(private readonly sink: (bytes: Uint8Array) => Promise<void>) {
    this.encoder.on('message', (message: FromEncoder) => {
      if (message.type === 'bytes') {
        // In the order encoded, each after the one before.
        this.delivered = this.delivered.then(() => this.sink(message.bytes));
        this.delivered.catch((error: Error) => this.fail(error));
      } else if (message.type === 'written') {
        this.inFlight -= 1;
        this.waiting.shift()?.();
      } else if (message.type === 'finished') this.finished?.();
      else this.fail(new Error(`encoding the Parquet file failed: ${message.message}`));
    });
    this.encoder.on('error', (error) => this.fail(error));
  }

  /** Hands a row group to the encoder; waits while it still has one. */
  async write(group: FleetGroup): Promise<void> {
    this.check();
    if (group.rows === 0) return;
    while (this.inFlight >= IN_FLIGHT) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.check();
    }
    // What was encoded before has been taken by the sink: a client that reads slowly (or not at all) holds back the
    // encoder and the reading, rather than every group encoded meanwhile waiting in memory.
    await this.delivered.catch(() => undefined);
    this.check();
    this.inFlight += 1;
    this.rows += group.rows;
    // The typed arrays are handed over, not copied.
    const transfer = [group.unitOf, group.itemOf, group.scheduleOf, group.coverageOf, group.status, group.claimDay].map((array) => array.buffer as ArrayBuffer);
    this.encoder.postMessage({ type: 'group', group } satisfies ToEncoder, transfer);
  }

  async finish(): Promise<void> {
    try {
      await new Promise<void>((resolve) => {
        this.finished = resolve;
        this.encoder.postMessage({ type: 'finish' } satisfies ToEncoder);
      });
      this.check();
      await this.delivered;
      this.check();
    } finally {
      await this.encoder.terminate();
    }
  }

  /** Stops the encoder without a footer (the export failed). */
  async abandon(): Promise<void> {
    await this.encoder.terminate();
  }

  /** The export was stopped (its deadline, its client gone): a wait for the encoder ends now, with `error`. */
  stop(error: Error): void {
    this.fail(error);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const resolve of this.waiting.splice(0)) resolve();
    this.finished?.();
  }

  private check(): void {
    if (this.failure) throw this.failure;
  }
}
