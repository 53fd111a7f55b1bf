import type { SchemaElement } from 'hyparquet-writer';
import type { FleetRow } from './fleet-rows';

/**
 * The fleet projection's Parquet columns and schema (shared by the writer and its encoder thread): every column's
 * type is in the file's schema: strings are UTF-8 strings, dates are DATE, km are INT32, the value is DECIMAL(18,4)
 * as stored, and broker stock is a BOOLEAN.
 */

/** Rows per row group: big enough to compress well, small enough that memory stays flat. */
export const ROW_GROUP_ROWS = 20_000;

export type Kind = 'string' | 'date' | 'int' | 'bool' | 'decimal';
interface Column {
  name: string;
  kind: Kind;
  nullable: boolean;
  value(row: FleetRow): string | number | boolean | null;
}

const column = (name: string, kind: Kind, nullable: boolean, value: Column['value']): Column => ({ name, kind, nullable, value });

/** The file's columns, in order. */
export const FLEET_COLUMNS: readonly Column[] = [
  column('row_kind', 'string', false, (r) => r.rowKind),
  column('org_id', 'string', false, (r) => r.orgId),
  column('warranty_id', 'string', false, (r) => r.warrantyId),
  column('serial_number', 'string', false, (r) => r.serialNumber),
  column('product_family', 'string', false, (r) => r.productFamily),
  column('sku', 'string', false, (r) => r.sku),
  column('region', 'string', false, (r) => r.region),
  column('as_of', 'date', false, (r) => r.asOf),
  column('warranty_start_status', 'string', false, (r) => r.warrantyStartStatus),
  column('warranty_start_date', 'date', true, (r) => r.warrantyStartDate),
  column('anchor_date', 'date', true, (r) => r.anchorDate),
  column('anchor_source', 'string', true, (r) => r.anchorSource),
  column('de_facto_date', 'date', true, (r) => r.deFactoDate),
  column('broker_stock', 'bool', false, (r) => r.brokerStock),
  column('item_code', 'string', true, (r) => r.itemCode),
  column('item_name', 'string', true, (r) => r.itemName),
  column('coverage_id', 'string', true, (r) => r.coverageId),
  column('coverage_kind', 'string', true, (r) => r.coverageKind),
  column('coverage_scope', 'string', true, (r) => r.coverageScope),
  column('start_date', 'date', true, (r) => r.startDate),
  column('due_date', 'date', true, (r) => r.dueDate),
  column('window_start', 'date', true, (r) => r.windowStart),
  column('window_end', 'date', true, (r) => r.windowEnd),
  column('due_km', 'int', true, (r) => r.dueKm),
  column('end_date', 'date', true, (r) => r.endDate),
  column('labour_end_date', 'date', true, (r) => r.labourEndDate),
  column('status', 'string', false, (r) => r.status),
  column('claim_date', 'date', true, (r) => r.claimDate),
  column('value_amount', 'decimal', true, (r) => r.valueAmount),
  column('value_currency', 'string', true, (r) => r.valueCurrency),
];

const DECIMAL = { precision: 18, scale: 4 };
const DAY_MS = 86_400_000;

function schemaElement(c: Column): SchemaElement {
  const repetition_type = c.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (c.kind) {
    case 'string':
      return { name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type };
    case 'date':
      return { name: c.name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type };
    case 'int':
      return { name: c.name, type: 'INT32', repetition_type };
    case 'bool':
      return { name: c.name, type: 'BOOLEAN', repetition_type };
    case 'decimal':
      return { name: c.name, type: 'INT64', converted_type: 'DECIMAL', ...DECIMAL, logical_type: { type: 'DECIMAL', ...DECIMAL }, repetition_type };
  }
}

export const FLEET_SCHEMA: SchemaElement[] = [{ name: 'root', num_children: FLEET_COLUMNS.length }, ...FLEET_COLUMNS.map(schemaElement)];

/** Dates repeat across a fleet (a day's sales, a plan's due dates): each is converted once, up to this many kept. */
const DAY_CACHE_LIMIT = 200_000;
const dayCache = new Map<string, number>();

/** 'YYYY-MM-DD' as days since 1970-01-01, exact (DATE's physical value). */
function days(date: string): number {
  let value = dayCache.get(date);
  if (value === undefined) {
    value = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / DAY_MS;
    if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.clear();
    dayCache.set(date, value);
  }
  return value;
}

/** '149.0000' (NUMERIC as PostgreSQL gives it) as the DECIMAL's unscaled integer, exact. */
function unscaled(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole + fraction.padEnd(DECIMAL.scale, '0').slice(0, DECIMAL.scale));
}

export function physical(kind: Kind, value: string | number | boolean | null): unknown {
  if (value === null) return null;
  if (kind === 'date') return days(value as string);
  if (kind === 'decimal') return unscaled(value as string);
  return value;
}
