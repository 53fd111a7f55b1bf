import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { FLEET_COLUMNS, physical, ROW_GROUP_ROWS } from './fleet-schema';
import type { FleetRow } from './fleet-rows';
import type { FromEncoder, ToEncoder } from './parquet-worker';

/**
 * The fleet projection as Parquet (hyparquet-writer), a row group at a time: this thread turns rows into a group's
 * columns, an encoder thread (parquet-worker.ts) encodes the group before, and the bytes go to `sink` in order as
 * each group is done. At most two groups are in the encoder's hands; memory holds them and the group being built,
 * never the file.
 */

/** Groups handed to the encoder and not yet encoded before this thread waits. */
const IN_FLIGHT = 2;

function startEncoder(): Worker {
  // Run from TypeScript (npm run export, the tests), the encoder is TypeScript too.
  const typescript = extname(__filename) === '.ts';
  return new Worker(join(__dirname, `parquet-worker${typescript ? '.ts' : '.js'}`), typescript ? { execArgv: ['-r', 'ts-node/register/transpile-only'] } : {});
}

/** Writes projection rows as they come; `finish` writes the footer and stops the encoder. */
export class FleetParquetWriter {
  private readonly encoder = startEncoder();
  private columns: unknown[][] = FLEET_COLUMNS.map(() => []);
  private buffered = 0;
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

  async write(rows: readonly FleetRow[]): Promise<void> {
    this.check();
    for (const row of rows) {
      for (let c = 0; c < FLEET_COLUMNS.length; c++) this.columns[c].push(physical(FLEET_COLUMNS[c].kind, FLEET_COLUMNS[c].value(row)));
    }
    this.buffered += rows.length;
    this.rows += rows.length;
    if (this.buffered >= ROW_GROUP_ROWS) await this.flush();
  }

  async finish(): Promise<void> {
    try {
      await this.flush();
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

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    // Min/max statistics for the dates, numbers and flags a reader filters on; not for the strings, whose UTF-8
    // comparisons were about a third of the encoding time (ids and names are looked up, not ranged over).
    const columnData = FLEET_COLUMNS.map((c, i) => ({ name: c.name, data: this.columns[i], statistics: c.kind !== 'string' }));
    const rows = this.buffered;
    this.columns = FLEET_COLUMNS.map(() => []);
    this.buffered = 0;
    while (this.inFlight >= IN_FLIGHT) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.check();
    }
    this.inFlight += 1;
    this.encoder.postMessage({ type: 'group', columnData, rows } satisfies ToEncoder);
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
