/**
 * The fleet export's encoder, in a worker thread (fleet-parquet.ts starts it): row groups of column values come in,
 * Parquet bytes go out as each group is encoded. Encoding is most of the export's CPU; here it runs beside the
 * thread that reads the units and builds the next group's columns.
 */
import { parentPort } from 'node:worker_threads';
import { ByteWriter, ParquetWriter, type Writer } from 'hyparquet-writer';
import { FLEET_SCHEMA } from './fleet-schema';

export type ToEncoder =
  | { type: 'group'; columnData: Array<{ name: string; data: unknown[]; statistics: boolean }>; rows: number }
  | { type: 'finish' };
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
      await parquet.write({ columnData: message.columnData as never, rowGroupSize: message.rows });
      port.postMessage({ type: 'written' } satisfies FromEncoder);
    } else {
      await parquet.finish();
      port.postMessage({ type: 'finished' } satisfies FromEncoder);
    }
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).message } satisfies FromEncoder);
  }
});
