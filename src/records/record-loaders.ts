import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { WarrantyRecord } from './warranty-record.entity';
import { isUuid } from '../common/ids';
import { selectList, type RowReader } from '../db/row-reader';
import type { Connection } from '../common/pagination';
import type { WarrantyStatus } from '../coverage/coverage-terms';
import { normaliseSerialNumber } from './record-inputs';
import type { RecordSelection } from './record-selection';
import type { RecordsService } from './records.service';
import { visibleRecordsSql } from './record-access';

/**
 * Per-request batching: however many representations or parents a request resolves, each loader issues one
 * SQL statement per batch, always scoped to the caller's organisation (`_entities` included). Records are read
 * by the row reader with only the columns the operation needs (see record-selection.ts).
 */
export function createRecordLoaders(dataSource: DataSource, reader: RowReader, actor: Actor, selection: RecordSelection) {
  const visible = visibleRecordsSql(actor, 'r');
  const select = () => selectList(dataSource, WarrantyRecord, 'r', selection.properties ?? undefined);
  const read = (keyColumn: string, keyType: string, keys: string[]) => {
    const [orgId, ...rest] = visible.values;
    // `__typename` comes with the row, so that `_entities` finds it there instead of adding it to each object.
    return reader.rows<WarrantyRecord>(
      `SELECT ${select()}, 'WarrantyRecord' AS "__typename" FROM warranty_record r WHERE ${visible.where} AND r.${keyColumn} = ANY($2::${keyType}[])`,
      [orgId, keys, ...rest],
    );
  };

  /** Visible records by id (ids that are not UUIDs match nothing), one statement. */
  const readByIds = async (ids: readonly string[]): Promise<Map<string, WarrantyRecord>> => {
    const valid = ids.filter((id) => isUuid(id));
    const rows = valid.length ? await read('id', 'uuid', valid) : [];
    return new Map(rows.map((r) => [r.id, r]));
  };
  /** Visible records by normalised serial number, one statement. */
  const readBySerialNumbers = async (serials: readonly string[]): Promise<Map<string, WarrantyRecord>> => {
    const rows = await read('serial_number', 'text', [...serials]);
    return new Map(rows.map((r) => [r.serialNumber, r]));
  };

  const byId = new DataLoader<string, WarrantyRecord | null>(async (ids) => {
    const found = await readByIds(ids);
    return ids.map((id) => found.get(id) ?? null);
  });
  const bySerialNumber = new DataLoader<string, WarrantyRecord | null>(async (serials) => {
    const found = await readBySerialNumbers(serials);
    return serials.map((s) => found.get(s) ?? null);
  });
  const loadBySerial = (serial: string) => bySerialNumber.load(normaliseSerialNumber(serial));

  return {
    recordById: byId,
    recordBySerialNumber: { load: loadBySerial, loader: bySerialNumber },
    /**
     * The loaders' own statements, for a caller that reads each key once and keeps the rows itself (the planned
     * reads: 100 DataLoader promises per request were measurable there), with `prime` to hand what it read to
     * the loaders, so that nothing is read twice if the general path takes over. Serial numbers normalised.
     */
    recordRows: {
      readByIds,
      readBySerialNumbers,
      /** What was read for these keys, or the error reading them failed with (the loaders then reject alike). */
      prime(ids: Iterable<string>, serials: Iterable<string>, found: { byId: ReadonlyMap<string, WarrantyRecord> | Error; bySerial: ReadonlyMap<string, WarrantyRecord> | Error }) {
        const { byId: idRows, bySerial: serialRows } = found;
        for (const id of ids) byId.prime(id, idRows instanceof Error ? idRows : (idRows.get(id) ?? null));
        for (const serial of serials) bySerialNumber.prime(serial, serialRows instanceof Error ? serialRows : (serialRows.get(serial) ?? null));
      },
    },
    /** Mutations call this so the payload reads what was just written, not what was cached before. */
    forgetRecord(record: WarrantyRecord): void {
      byId.clear(record.id);
      bySerialNumber.clear(record.serialNumber);
    },
  };
}

export type RecordLoaders = ReturnType<typeof createRecordLoaders>;

export interface CustomerPageKey {
  customerId: string;
  first: number | null | undefined;
  after: string | null | undefined;
  status: WarrantyStatus | null | undefined;
  asOf: string | null;
}

/**
 * `Customer.warranties` for every customer a request resolves, first pages and later ones alike, in two SQL
 * statements per distinct set of arguments (see RecordsService.pagesByCustomer). The same customer asked at two
 * cursors (aliases) goes into a second round, as each round numbers a customer's units once.
 */
export function createCustomerWarrantiesLoader(records: RecordsService, actor: Actor) {
  const argsKey = (key: CustomerPageKey) => JSON.stringify([key.first ?? null, key.status ?? null, key.asOf]);
  const keyOf = (key: CustomerPageKey) => `${argsKey(key)}|${key.after ?? ''}|${key.customerId}`;
  return new DataLoader<CustomerPageKey, Connection<WarrantyRecord>, string>(
    async (keys) => {
      const rounds = new Map<string, CustomerPageKey[][]>();
      for (const key of keys) {
        const group = rounds.get(argsKey(key)) ?? [];
        const round = group.find((r) => !r.some((k) => k.customerId === key.customerId));
        if (round) round.push(key);
        else group.push([key]);
        rounds.set(argsKey(key), group);
      }
      const pages = new Map<string, Connection<WarrantyRecord> | Error>();
      for (const group of rounds.values()) {
        for (const round of group) {
          const { first, status, asOf } = round[0];
          try {
            const byCustomer = await records.pagesByCustomer(actor, round, { status, asOf }, first);
            for (const key of round) pages.set(keyOf(key), byCustomer.get(key.customerId)!);
          } catch (error) {
            // A bad cursor or page size is the error of the fields that asked for it.
            for (const key of round) pages.set(keyOf(key), error as Error);
          }
        }
      }
      return keys.map((key) => pages.get(keyOf(key))!);
    },
    { cacheKeyFn: keyOf },
  );
}
