/**
 * The fleet export's encoder, in a worker thread (fleet-parquet.ts starts it): row groups come in, are spread into
 * the file's columns and encoded, and Parquet bytes go out as each group is done. Encoding is most of the export's
 * CPU; here it runs beside the thread that reads the units and builds the next group.
 */
import { parentPort } from 'node:worker_threads';
import { ByteWriter, ParquetWriter, type Writer } from 'hyparquet-writer';
import type { FleetGroup } from './fleet-group';
import { FLEET_COLUMNS, FLEET_SCHEMA } from './fleet-schema';

export type ToEncoder = { type: 'group'; group: FleetGroup } | { type: 'finish' };
export type FromEncoder = { type: 'bytes'; bytes: Uint8Array } | { type: 'written' } | { type: 'finished' } | { type: 'failed'; message: string };

const port = parentPort!;
const writer = new ByteWriter() as ByteWriter & Writer & { index: number };
const handOn = () => {
  if (writer.index === 0) return;
  const bytes = new Uint8Array(writer.buffer.slice(0, writer.index));
  writer.index = 0;
  port.postMessage({ type: 'bytes', bytes } satisfies FromEncoder, [bytes.buffer]);
};
writer.flush = handOn;
writer.finish = handOn;
const parquet = new ParquetWriter({ writer, schema: FLEET_SCHEMA, createdBy: 'sofar-warranty fleet projection' });

port.on('message', async (message: ToEncoder) => {
  try {
    if (message.type === 'group') {
      const { group } = message;
      // Min/max statistics only where they let a reader skip row groups: the rows are in organisation and unit
      // order, so every group's dates, km and statuses span the fleet's, and only as of (one day) tells anything.
      // Working them out was 7% of the encoder's time; for the strings, a third.
      const columnData = FLEET_COLUMNS.map((c) => ({
        name: c.name,
        data: c.values(group),
        statistics: c.name === 'as_of',
        encoding: c.encoding,
        codec: c.compressed ? 'SNAPPY' : 'UNCOMPRESSED',
      }));
      // One page per column chunk (pageSize 0): a group's column is under a megabyte, and the writer's per-value page
      // size estimate is skipped.
      await parquet.write({ columnData: columnData as never, rowGroupSize: group.rows, pageSize: 0 });
      port.postMessage({ type: 'written' } satisfies FromEncoder);
    } else {
      await parquet.finish();
      port.postMessage({ type: 'finished' } satisfies FromEncoder);
    }
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).message } satisfies FromEncoder);
  }
});
