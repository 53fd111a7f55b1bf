import type { Client } from 'pg';
import type { IsoDate } from '../common/calendar';
import { FleetGroupBuilder } from './fleet-group';
import { FleetParquetWriter } from './fleet-parquet';
import { projectUnit, rememberingSchedule } from './fleet-rows';
import { FIRST_ROW_GROUP_ROWS, ROW_GROUP_ROWS } from './fleet-schema';
import { countUnits, readPlans, readUnits } from './fleet-source';
import { awaitedLater } from '../common/promises';
import { cancelRunningStatement } from '../db/cancel-statement';

/** Units read per cursor round trip. */
export const UNIT_BATCH = 5_000;

export interface ExportSummary {
  units: number;
  serviceItemRows: number;
  coverageRows: number;
  bytes: number;
  seconds: number;
}

/**
 * The export failed or was stopped. `connectionUsable` says whether the connection is fit to go back to a pool: its
 * transaction rolled back, and no cancel request of ours still on its way to it.
 */
export class ExportFailure extends Error {
  constructor(
    readonly cause: unknown,
    readonly connectionUsable: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ExportFailure';
  }
}

/** Why an export was stopped, as an error. */
function stoppedBy(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(`export stopped: ${String(signal.reason)}`);
}

/**
 * The bulk lookup over the fleet (rule 13) as Parquet, handed to `sink` a row group at a time: read through a cursor
 * in one read-only snapshot, each unit's rows made by the same functions as the API's lookup, written as they come.
 * `onProgress` hears the units done after each batch. Memory holds a batch of units and a row group, whatever the
 * fleet's size.
 *
 * Time: the export's transaction runs under the export's own budget (`deadline`, an epoch in milliseconds), not the
 * connection's per-statement timeout. PostgreSQL counts a cursor's reads as one statement until the cursor closes, so
 * a pooled connection's `statement_timeout` would cut any export longer than itself; inside the transaction
 * `statement_timeout` and `idle_in_transaction_session_timeout` are set (SET LOCAL: the connection gets its own back
 * at the end) to what is left until the deadline, so that PostgreSQL stops the work there even if this process does
 * not. `signal` stops it sooner, from here: the statement running is cancelled, the encoder stopped, the cursor
 * closed and the transaction rolled back before this throws. Every failure is an ExportFailure.
 */
export async function exportFleet(
  client: Client,
  options: {
    orgIds: readonly string[] | null;
    asOf: IsoDate;
    sink: (bytes: Uint8Array) => Promise<void>;
    onStart?: (units: number) => void;
    onProgress?: (units: number, rows: number) => void;
    signal?: AbortSignal;
    deadline?: number;
  },
): Promise<ExportSummary> {
  const started = process.hrtime.bigint();
  const { signal } = options;
  if (signal?.aborted) throw new ExportFailure(stoppedBy(signal), true);
  let bytes = 0;
  const writer = new FleetParquetWriter(async (chunk) => {
    bytes += chunk.length;
    await options.sink(chunk);
  });
  const builder = new FleetGroupBuilder(options.asOf, ROW_GROUP_ROWS + 1024);
  let units = 0;
  // Stopped from outside: the statement running now is cancelled (its read rejects), a wait for the encoder ends.
  let cancelled: Promise<boolean> | undefined;
  const stop = () => {
    writer.stop(stoppedBy(signal!));
    cancelled ??= cancelRunningStatement(client);
  };
  signal?.addEventListener('abort', stop, { once: true });
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // PostgreSQL's JIT compiled the units statement for a third of a second before its first row and gained nothing
    // over the whole fleet (measured with COPY of the statement: 1,000,000 units in the same time with it and without).
    // No deadline (0): no limit of PostgreSQL's either, whatever the server's or the role's default.
    const budget = options.deadline === undefined ? 0 : Math.max(1, Math.ceil(options.deadline - Date.now()));
    await client.query(
      `SELECT set_config('jit', 'off', true), set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true)`,
      [String(budget)],
    );
    options.onStart?.(await countUnits(client, options.orgIds));
    const plans = await readPlans(client, options.orgIds);
    // A stop whose cancel came between two statements found nothing to cancel: it is seen here.
    signal?.throwIfAborted();
    const schedule = rememberingSchedule();
    // The next batch is read while this one is turned into rows and encoded: PostgreSQL and this process work side
    // by side (the cursor answers one read at a time, so at most one batch waits). The read is handled from the
    // moment it starts: it may fail (a cancel, a timeout) while this thread is still busy with the batch before.
    const batches = readUnits(client, options.orgIds, UNIT_BATCH)[Symbol.asyncIterator]();
    let next = awaitedLater(batches.next());
    try {
      for (;;) {
        const batch = await next;
        if (batch.done) break;
        signal?.throwIfAborted();
        next = awaitedLater(batches.next());
        for (const unit of batch.value) {
          projectUnit(unit, plans.itemsFor(unit), options.asOf, builder, schedule);
          // A group ends with a whole unit: its rows stay together. The first is small, so that the encoder starts
          // (and warms up) while this thread reads on: 100,000 units 0.1–0.2 s sooner, the same at 1,000,000.
          if (builder.rows >= (writer.rows === 0 ? FIRST_ROW_GROUP_ROWS : ROW_GROUP_ROWS)) await writer.write(builder.take());
        }
        units += batch.value.length;
        options.onProgress?.(units, writer.rows + builder.rows);
      }
    } finally {
      // A read still in flight ends before the cursor closes and the transaction does, and so does a cancel request
      // on its way (it must not meet the statements that close them).
      await next.catch(() => undefined);
      if (cancelled) await cancelled;
      await batches.return?.(undefined);
    }
    await writer.write(builder.take());
    await writer.finish();
    // From here on nothing stops the export (it is whole): a stop that came before ends it as a failure.
    signal?.removeEventListener('abort', stop);
    if (signal?.aborted) throw stoppedBy(signal);
    await client.query('COMMIT');
  } catch (error) {
    signal?.removeEventListener('abort', stop);
    await writer.abandon();
    // A cancel request of ours still on its way must land before anything else is sent on this connection.
    const quiet = cancelled === undefined || (await cancelled);
    const rolledBack = quiet && (await client.query('ROLLBACK').then(() => true, () => false));
    throw new ExportFailure(signal?.aborted ? stoppedBy(signal) : error, rolledBack);
  }
  return { units, serviceItemRows: builder.serviceItemRows, coverageRows: builder.coverageRows, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
