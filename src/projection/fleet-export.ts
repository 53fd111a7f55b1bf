import type { Client } from 'pg';
import type { IsoDate } from '../coverage/calendar';
import { FleetParquetWriter } from './fleet-parquet';
import { fleetRowsOf, rememberingSchedule } from './fleet-rows';
import { countUnits, readPlans, readUnits } from './fleet-source';

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
 * The bulk lookup over the fleet (rule 13) as Parquet, handed to `sink` a row group at a time: read through a cursor
 * in one read-only snapshot, each unit's rows made by the same functions as the API's lookup, written as they come.
 * `onProgress` hears the units done after each batch. Memory holds a batch of units and a row group, whatever the
 * fleet's size.
 */
export async function exportFleet(
  client: Client,
  options: { orgIds: readonly string[] | null; asOf: IsoDate; sink: (bytes: Uint8Array) => Promise<void>; onStart?: (units: number) => void; onProgress?: (units: number, rows: number) => void },
): Promise<ExportSummary> {
  const started = process.hrtime.bigint();
  let bytes = 0;
  const writer = new FleetParquetWriter(async (chunk) => {
    bytes += chunk.length;
    await options.sink(chunk);
  });
  const summary = { units: 0, serviceItemRows: 0, coverageRows: 0 };
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    options.onStart?.(await countUnits(client, options.orgIds));
    const plans = await readPlans(client, options.orgIds);
    const schedule = rememberingSchedule();
    // The next batch is read while this one is turned into rows and encoded: PostgreSQL and this process work side
    // by side (the cursor answers one read at a time, so at most one batch waits).
    const batches = readUnits(client, options.orgIds, UNIT_BATCH)[Symbol.asyncIterator]();
    let next = batches.next();
    try {
      for (;;) {
        const batch = await next;
        if (batch.done) break;
        next = batches.next();
        const units = batch.value;
        const rows = units.flatMap((unit) => fleetRowsOf(unit, plans.itemsFor(unit), options.asOf, schedule));
        for (const row of rows) {
          if (row.rowKind === 'SERVICE_ITEM') summary.serviceItemRows += 1;
          else summary.coverageRows += 1;
        }
        await writer.write(rows);
        summary.units += units.length;
        options.onProgress?.(summary.units, writer.rows);
      }
    } finally {
      // A read still in flight ends before the cursor closes and the transaction does.
      await next.catch(() => undefined);
      await batches.return?.(undefined);
    }
    await writer.finish();
    await client.query('COMMIT');
  } catch (error) {
    await writer.abandon();
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { ...summary, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
