import type { SchemaElement } from 'hyparquet-writer';
import { dateOfEpochDay, type IsoDate } from '../common/calendar';
import { scheduleItem, type ServiceItemSchedule } from '../service-items/service-item-status';
import { FleetGroupBuilder, NO_DAY, STATUSES, VALUE_SCALE, type FleetGroup } from './fleet-group';
import { projectUnit, type FleetPlanItem, type FleetUnit } from './fleet-rows';

/**
 * The fleet projection's Parquet columns and schema (shared by the writer and its encoder thread): every column's
 * type is in the file's schema: strings are UTF-8 strings, dates are DATE, km are INT32, the value is DECIMAL(18,4)
 * as stored, and broker stock is a BOOLEAN. Each column's values come from a row group (fleet-group.ts).
 */

/** Rows per row group: big enough to compress well, small enough that memory stays flat. */
export const ROW_GROUP_ROWS = 20_000;
/** Rows of the file's first group, which is small so that the encoder gets to work early. */
export const FIRST_ROW_GROUP_ROWS = 500;

export type Kind = 'string' | 'date' | 'int' | 'bool' | 'decimal';
interface Column {
  name: string;
  kind: Kind;
  nullable: boolean;
  /** The column's physical values for the group's rows, in row order. */
  values(group: FleetGroup): unknown[];
  /**
   * How hyparquet-writer encodes it where its own choice is wrong for this data: a unit's id and serial repeat on each
   * of its rows, which a sample of the group does not see, so a dictionary is asked for; a coverage id is unique.
   */
  encoding?: 'RLE_DICTIONARY' | 'PLAIN';
  /**
   * Snappy-compressed, except the two columns of random UUIDs: Snappy saved 11–16% of their bytes at a quarter of
   * the encoder's time (measured over 200,000 units of the export bench's fleet).
   */
  compressed: boolean;
}

/** `source[index[i]]` for every row, null where the row points at nothing (-1). */
function spread<T>(source: readonly T[], index: Int32Array, rows: number): Array<T | null> {
  const values = new Array<T | null>(rows);
  for (let i = 0; i < rows; i++) {
    const at = index[i];
    values[i] = at < 0 ? null : source[at];
  }
  return values;
}

type Of<Part extends keyof FleetGroup> = (part: FleetGroup[Part]) => readonly unknown[];
const ofUnit = (pick: Of<'units'>) => (g: FleetGroup) => spread(pick(g.units), g.unitOf, g.rows);
const ofItem = (pick: Of<'items'>) => (g: FleetGroup) => spread(pick(g.items), g.itemOf, g.rows);
const ofSchedule = (pick: Of<'schedules'>) => (g: FleetGroup) => spread(pick(g.schedules), g.scheduleOf, g.rows);
const ofCoverage = (pick: Of<'coverages'>) => (g: FleetGroup) => spread(pick(g.coverages), g.coverageOf, g.rows);
const perRow =
  <T>(value: (g: FleetGroup, row: number) => T) =>
  (g: FleetGroup): T[] => {
    const values = new Array<T>(g.rows);
    for (let row = 0; row < g.rows; row++) values[row] = value(g, row);
    return values;
  };

const column = (name: string, kind: Kind, nullable: boolean, values: Column['values'], encoding?: Column['encoding'], compressed = true): Column => ({
  name,
  kind,
  nullable,
  values,
  encoding,
  compressed,
});

/** The file's columns, in order. */
export const FLEET_COLUMNS: readonly Column[] = [
  column('row_kind', 'string', false, perRow((g, row) => (g.itemOf[row] >= 0 ? 'SERVICE_ITEM' : 'COVERAGE'))),
  column('org_id', 'string', false, ofUnit((u) => u.orgId)),
  column('warranty_id', 'string', false, ofUnit((u) => u.warrantyId), 'RLE_DICTIONARY', false),
  column('serial_number', 'string', false, ofUnit((u) => u.serialNumber), 'RLE_DICTIONARY'),
  column('product_family', 'string', false, ofUnit((u) => u.productFamily)),
  column('sku', 'string', false, ofUnit((u) => u.sku)),
  column('region', 'string', false, ofUnit((u) => u.region)),
  column('as_of', 'date', false, (g) => new Array(g.rows).fill(g.asOfDay)),
  column('warranty_start_status', 'string', false, ofUnit((u) => u.startStatus)),
  column('warranty_start_date', 'date', true, ofUnit((u) => u.startDay)),
  column('anchor_date', 'date', true, ofUnit((u) => u.anchorDay)),
  column('anchor_source', 'string', true, ofUnit((u) => u.anchorSource)),
  column('de_facto_date', 'date', true, ofUnit((u) => u.deFactoDay)),
  column('broker_stock', 'bool', false, ofUnit((u) => u.brokerStock)),
  column('item_code', 'string', true, ofItem((i) => i.code)),
  column('item_name', 'string', true, ofItem((i) => i.name)),
  column('coverage_id', 'string', true, ofCoverage((c) => c.id), 'PLAIN', false),
  column('coverage_kind', 'string', true, ofCoverage((c) => c.kind)),
  column('coverage_scope', 'string', true, ofCoverage((c) => c.scope)),
  column('start_date', 'date', true, ofCoverage((c) => c.startDay)),
  column('due_date', 'date', true, ofSchedule((s) => s.dueDay)),
  column('window_start', 'date', true, ofSchedule((s) => s.windowStartDay)),
  column('window_end', 'date', true, ofSchedule((s) => s.windowEndDay)),
  column('due_km', 'int', true, ofSchedule((s) => s.dueKm)),
  column('end_date', 'date', true, ofCoverage((c) => c.endDay)),
  column('labour_end_date', 'date', true, ofCoverage((c) => c.labourEndDay)),
  column('status', 'string', false, perRow((g, row) => STATUSES[g.status[row]])),
  column('claim_date', 'date', true, perRow((g, row) => (g.claimDay[row] === NO_DAY ? null : g.claimDay[row]))),
  column('value_amount', 'decimal', true, ofItem((i) => i.valueUnscaled)),
  column('value_currency', 'string', true, ofItem((i) => i.valueCurrency)),
];

const DECIMAL = { precision: 18, scale: VALUE_SCALE };

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

/** A physical value as a reader shows it: a DATE as 'YYYY-MM-DD', the DECIMAL as '149.0000'. */
function logical(kind: Kind, value: unknown): unknown {
  if (value === null) return null;
  if (kind === 'date') return dateOfEpochDay(value as number);
  if (kind === 'decimal') {
    const unscaledValue = value as bigint;
    const digits = (unscaledValue < 0n ? -unscaledValue : unscaledValue).toString().padStart(VALUE_SCALE + 1, '0');
    return `${unscaledValue < 0n ? '-' : ''}${digits.slice(0, -VALUE_SCALE)}.${digits.slice(-VALUE_SCALE)}`;
  }
  return value;
}

export type FleetRow = Record<string, unknown>;

/** A group's rows as a reader of the file sees them, keyed by column name. */
export function rowsOfGroup(group: FleetGroup): FleetRow[] {
  const columns = FLEET_COLUMNS.map((c) => c.values(group));
  return Array.from({ length: group.rows }, (_, row) => Object.fromEntries(FLEET_COLUMNS.map((c, i) => [c.name, logical(c.kind, columns[i][row])])));
}

/** One unit's rows in the file, by the export's own path (its projection, row group and columns). */
export function fleetRowsOf(
  unit: FleetUnit,
  planItems: readonly FleetPlanItem[],
  asOf: IsoDate,
  schedule: (item: FleetPlanItem, anchor: IsoDate) => ServiceItemSchedule = scheduleItem,
): FleetRow[] {
  const builder = new FleetGroupBuilder(asOf);
  projectUnit(unit, planItems, asOf, builder, schedule);
  return rowsOfGroup(builder.take());
}
