/**
 * The campaign-units dataset (rule 19) as Parquet: one row per unit and campaign (the campaign, the unit, its region
 * and month keys, its status and when it changed), read through a cursor in one read-only snapshot and written a row
 * group at a time (hyparquet-writer), so memory holds a group whatever the number of units. `npm run export --
 * --dataset campaign-units` and `GET /exports/campaign-units.parquet` share it; DuckDB and other engines read it as is.
 */
import type { Client } from 'pg';
import Cursor from 'pg-cursor';
import { ByteWriter, ParquetWriter, type SchemaElement, type Writer } from 'hyparquet-writer';

const ROW_GROUP = 20_000;

type Kind = 'string' | 'date' | 'timestamp';
const COLUMNS: ReadonlyArray<{ name: string; kind: Kind; nullable: boolean }> = [
  { name: 'org_id', kind: 'string', nullable: false },
  { name: 'campaign_code', kind: 'string', nullable: false },
  { name: 'campaign_kind', kind: 'string', nullable: false },
  { name: 'campaign_title', kind: 'string', nullable: false },
  { name: 'period_from', kind: 'date', nullable: false },
  { name: 'period_to', kind: 'date', nullable: true },
  { name: 'warranty_id', kind: 'string', nullable: false },
  { name: 'serial_number', kind: 'string', nullable: false },
  { name: 'sku', kind: 'string', nullable: false },
  { name: 'product_family', kind: 'string', nullable: false },
  { name: 'region', kind: 'string', nullable: false },
  { name: 'production_date', kind: 'date', nullable: true },
  { name: 'status', kind: 'string', nullable: false },
  { name: 'source', kind: 'string', nullable: false },
  { name: 'added_at', kind: 'timestamp', nullable: false },
  { name: 'added_month', kind: 'string', nullable: false },
  { name: 'status_changed_at', kind: 'timestamp', nullable: true },
  { name: 'status_changed_month', kind: 'string', nullable: true },
  { name: 'claim_id', kind: 'string', nullable: true },
  { name: 'reason', kind: 'string', nullable: true },
];

function element(c: (typeof COLUMNS)[number]): SchemaElement {
  const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
  if (c.kind === 'date') return { name: c.name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type };
  if (c.kind === 'timestamp') return { name: c.name, type: 'INT64', converted_type: 'TIMESTAMP_MILLIS', repetition_type };
  return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
}

export const CAMPAIGN_UNITS_SCHEMA: SchemaElement[] = [{ name: 'root', num_children: COLUMNS.length }, ...COLUMNS.map(element)];

/** Dates as days since 1970-01-01 (Parquet's DATE), so that no time zone is involved. */
const STATEMENT = `SELECT u.org_id, c.code AS campaign_code, c.kind AS campaign_kind, c.title AS campaign_title,
    c.period_from - DATE '1970-01-01' AS period_from, c.period_to - DATE '1970-01-01' AS period_to,
    r.id::text AS warranty_id, r.serial_number, r.sku, r.product_family, r.region, r.production_date - DATE '1970-01-01' AS production_date,
    u.status, u.source, u.added_at, to_char(u.added_at AT TIME ZONE 'UTC', 'YYYY-MM') AS added_month,
    u.status_changed_at, to_char(u.status_changed_at AT TIME ZONE 'UTC', 'YYYY-MM') AS status_changed_month, u.claim_id::text AS claim_id, u.reason
  FROM campaign_unit u JOIN campaign c ON c.id = u.campaign_id AND c.org_id = u.org_id JOIN warranty_record r ON r.id = u.warranty_record_id AND r.org_id = u.org_id
  WHERE $1::text[] IS NULL OR u.org_id = ANY($1::text[])
  ORDER BY u.org_id, c.code, r.serial_number`;

export interface CampaignExportSummary {
  rows: number;
  bytes: number;
  seconds: number;
}

/**
 * Writes the dataset of `orgIds` (null: every organisation) to `sink`, a row group at a time, in one read-only
 * snapshot on `client`. `signal` stops it between groups (the transaction is rolled back).
 */
export async function exportCampaignUnits(
  client: Client,
  options: { orgIds: readonly string[] | null; sink: (bytes: Uint8Array) => Promise<void>; signal?: AbortSignal; onProgress?: (rows: number) => void; deadline?: number },
): Promise<CampaignExportSummary> {
  const started = process.hrtime.bigint();
  let bytes = 0;
  const pending: Uint8Array[] = [];
  const writer = new ByteWriter() as ByteWriter & Writer & { index: number };
  const handOn = () => {
    if (writer.index === 0) return;
    pending.push(new Uint8Array(writer.buffer.slice(0, writer.index)));
    writer.index = 0;
  };
  writer.flush = handOn;
  writer.finish = handOn;
  const parquet = new ParquetWriter({ writer, schema: CAMPAIGN_UNITS_SCHEMA, createdBy: 'sofar-warranty campaign units' });
  const drain = async () => {
    handOn();
    for (const chunk of pending.splice(0)) {
      bytes += chunk.length;
      await options.sink(chunk);
    }
  };
  let rows = 0;
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    // A cursor is one statement until it closes: the export's own deadline, not the pooled connection's statement
    // timeout (as the fleet export, projection/fleet-export.ts); 0 without one.
    const budget = options.deadline === undefined ? 0 : Math.max(1, Math.ceil(options.deadline - Date.now()));
    await client.query(`SELECT set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true)`, [String(budget)]);
    const cursor = client.query(new Cursor(STATEMENT, [options.orgIds]));
    try {
      for (;;) {
        options.signal?.throwIfAborted();
        const batch: Array<Record<string, unknown>> = await cursor.read(ROW_GROUP);
        if (batch.length === 0) break;
        const columnData = COLUMNS.map((c) => ({ name: c.name, data: batch.map((row) => row[c.name] ?? null) }));
        await parquet.write({ columnData: columnData as never, rowGroupSize: batch.length });
        rows += batch.length;
        await drain();
        options.onProgress?.(rows);
      }
    } finally {
      await cursor.close();
    }
    await parquet.finish();
    await drain();
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return { rows, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}
