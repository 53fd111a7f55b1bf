import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { instantProperties, selectList, type RowSource } from '../db/row-reader';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { normaliseSerialNumber } from '../records/record-inputs';
import { visibleRecordsSql } from '../records/record-access';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { Coverage } from './coverage.entity';
import { historyOfRows, type ReadingRow, type ReadingValues, type RecordedReading } from '../readings/readings-history';
import type { ReadingsHistory } from './active-check';
import type { PolicyFacts } from './check-inputs';
import type { RecordProperties, RecordSelection } from '../records/record-selection';

/** Everything the active-warranty check reads about one unit. */
export interface CheckBundle {
  record: WarrantyRecord;
  coverages: Coverage[];
  /** The record's policy version and those of its coverages. */
  policies: WarrantyPolicy[];
  /** The latest recorded value of each reading (the unit's readings history), for a check sent without readings. */
  latestReadings?: ReadingValues;
  /** Each counter's first and latest recorded reading, for the projected end's rate. */
  history?: ReadingsHistory;
  /** The unit's readings history itself, oldest first (a claim's intake refuses readings lower than it). */
  recorded?: RecordedReading[];
  /**
   * Whether `policies` are whole rows (what the policy loader holds) or only the columns the check judges by
   * (PolicyFacts), when the request shows no policy version (record-selection.ts).
   */
  wholePolicies?: boolean;
}

/**
 * Per-request loaders for coverages, batched like the record loaders. `checkBundleBySerialNumber` reads a unit's
 * record, coverages and policy versions in one statement for all the units a request checks (a CSP page of 100
 * cases, or one `checkWarranty`), instead of one statement each for records, coverages and policies.
 */
export function createCoverageLoaders(dataSource: DataSource, reader: RowSource, actor: Actor, selection?: RecordSelection) {
  const coveragesByRecordId = new DataLoader<string, Coverage[]>(async (recordIds) => {
    const rows = await reader.rows<Coverage>(
      `SELECT ${selectList(dataSource, Coverage, 'c')} FROM coverage c
        WHERE c.org_id = $1 AND c.warranty_record_id = ANY($2::uuid[]) ORDER BY c.created_at, c.scope`,
      [actor.orgId, [...recordIds]],
    );
    const byRecord = new Map<string, Coverage[]>(recordIds.map((id) => [id, []]));
    for (const coverage of rows) byRecord.get(coverage.warrantyRecordId)?.push(coverage);
    return recordIds.map((id) => byRecord.get(id) ?? []);
  });

  const visible = visibleRecordsSql(actor, 'r');
  const coverageInstants = instantProperties(dataSource, Coverage);
  const policyInstants = instantProperties(dataSource, WarrantyPolicy);
  const bundleBySerial = new DataLoader<string, CheckBundle | null>(async (serials) => {
    const [orgId, ...rest] = visible.values;
    // Coverages and policies come as JSON arrays of objects keyed by property; PostgreSQL writes dates as
    // 'YYYY-MM-DD' (what the entities hold), numbers as numbers, and instants as text (turned into Dates below).
    const wholePolicies = selection?.policies !== false;
    const rows = await reader.rows<{ coverages: Coverage[]; policies: WarrantyPolicy[]; readings: ReadingRow[] } & WarrantyRecord>(
      checkStatement(dataSource, visible.where, selection?.properties ?? null, wholePolicies),
      [orgId, [...serials], ...rest],
    );
    const found = new Map<string, CheckBundle>();
    for (const { coverages, policies, readings, ...record } of rows) {
      found.set(record.serialNumber, {
        record: record as WarrantyRecord,
        ...historyOfRows(readings),
        coverages: coverages.map((c) => withInstants(c, coverageInstants)),
        policies: wholePolicies ? policies.map((p) => withInstants(p, policyInstants)) : policies,
        wholePolicies,
      });
    }
    return serials.map((serial) => found.get(serial) ?? null);
  });

  return {
    coveragesByRecordId,
    checkBundleBySerialNumber: {
      load: (serial: string) => bundleBySerial.load(normaliseSerialNumber(serial)),
      loader: bundleBySerial,
    },
    forgetCoverages(record: WarrantyRecord): void {
      coveragesByRecordId.clear(record.id);
      bundleBySerial.clear(record.serialNumber);
    },
  };
}

export type CoverageLoaders = ReturnType<typeof createCoverageLoaders>;

function withInstants<T>(row: T, instants: string[]): T {
  const values = row as Record<string, unknown>;
  for (const property of instants) {
    const value = values[property];
    if (typeof value === 'string') values[property] = new Date(value);
  }
  return row;
}

/** The columns of a policy version the check judges by (check-inputs.ts PolicyFacts). */
const CHECK_POLICY_PROPERTIES: ReadonlySet<keyof PolicyFacts> = new Set(['id', 'productFamily', 'region', 'version', 'lateStartCapMonths']);

/**
 * The check's one statement: each unit's record (the columns the request needs, record-selection.ts, or all), its
 * coverages, its policy versions (whole, or only what the check reads) and its readings history. Built once per
 * text (columns, visibility, policies), not per request: the row reader keys its prepared statements by the text.
 */
function checkStatement(dataSource: DataSource, visibleWhere: string, recordProperties: RecordProperties, wholePolicies: boolean): string {
  let byColumns = statements.get(dataSource);
  if (!byColumns) statements.set(dataSource, (byColumns = new WeakMap()));
  const columnsKey = recordProperties ?? ALL_COLUMNS;
  let byWhere = byColumns.get(columnsKey);
  if (!byWhere) byColumns.set(columnsKey, (byWhere = new Map()));
  const key = `${wholePolicies ? 'whole' : 'check'} ${visibleWhere}`;
  let text = byWhere.get(key);
  if (text === undefined) {
    const policyColumns = selectList(dataSource, WarrantyPolicy, 'p', wholePolicies ? undefined : (CHECK_POLICY_PROPERTIES as ReadonlySet<string>));
    text = `SELECT ${selectList(dataSource, WarrantyRecord, 'r', recordProperties ?? undefined)},
        (SELECT coalesce(json_agg(c ORDER BY c."createdAt", c.scope), '[]')
           FROM (SELECT ${selectList(dataSource, Coverage, 'c')} FROM coverage c
                  WHERE c.org_id = r.org_id AND c.warranty_record_id = r.id) c) AS coverages,
        (SELECT coalesce(json_agg(p), '[]')
           FROM (SELECT ${policyColumns} FROM warranty_policy p
                  WHERE p.org_id = r.org_id
                    AND (p.id = r.policy_id OR p.id IN (SELECT c.policy_id FROM coverage c WHERE c.org_id = r.org_id AND c.warranty_record_id = r.id))) p) AS policies,
        (SELECT coalesce(json_agg(json_build_array(u.read_on, u.odometer_km, u.engine_hours, u.throughput_mwh, u.soh_pct) ORDER BY u.read_on, u.id), '[]')
           FROM unit_reading u WHERE u.org_id = r.org_id AND u.warranty_record_id = r.id) AS "readings"
       FROM warranty_record r WHERE ${visibleWhere} AND r.serial_number = ANY($2::text[])`;
    byWhere.set(key, text);
  }
  return text;
}
const statements = new WeakMap<DataSource, WeakMap<object, Map<string, string>>>();
const ALL_COLUMNS = {};
