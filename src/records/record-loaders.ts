import DataLoader from 'dataloader';
import { In, type DataSource, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { isCustomerOnly, type Actor } from '../auth/actor';
import { Coverage } from '../coverage/coverage.entity';
import { WarrantyRecord } from './warranty-record.entity';
import { DomainError } from '../common/errors';
import { isUuid } from '../common/ids';
import type { Connection } from '../common/pagination';
import type { WarrantyStatus } from '../coverage/coverage-terms';
import { normaliseSerialNumber } from './record-inputs';
import type { RecordsService } from './records.service';



/** The rows a caller may see: their organisation's, and for a customer only their own units. */
export function visibleRecordsWhere(actor: Actor): FindOptionsWhere<WarrantyRecord> {
  return isCustomerOnly(actor) ? { orgId: actor.orgId, customerId: actor.customerId ?? '' } : { orgId: actor.orgId };
}

/**
 * Per-request batching: however many representations or parents a request resolves, each loader issues one
 * SQL query per batch, always scoped to the caller's organisation (`_entities` included).
 */
export function createRecordLoaders(dataSource: DataSource, actor: Actor) {
  const records = dataSource.getRepository(WarrantyRecord);
  const scope = visibleRecordsWhere(actor);

  const byId = new DataLoader<string, WarrantyRecord | null>(async (ids) => {
    const valid = ids.filter((id) => isUuid(id));
    const rows = valid.length ? await records.find({ where: { ...scope, id: In(valid) } }) : [];
    const found = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => found.get(id) ?? null);
  });

  const bySerialNumber = new DataLoader<string, WarrantyRecord | null>(async (serials) => {
    const rows = await records.find({ where: { ...scope, serialNumber: In([...serials]) } });
    const found = new Map(rows.map((r) => [r.serialNumber, r]));
    return serials.map((s) => found.get(s) ?? null);
  });
  const loadBySerial = (serial: string) => bySerialNumber.load(normaliseSerialNumber(serial));

  const coveragesByRecordId = new DataLoader<string, Coverage[]>(async (recordIds) => {
    const rows = await dataSource.getRepository(Coverage).find({
      where: { orgId: actor.orgId, warrantyRecordId: In([...recordIds]) },
      order: { createdAt: 'ASC', scope: 'ASC' },
    });
    const byRecord = new Map<string, Coverage[]>(recordIds.map((id) => [id, []]));
    for (const coverage of rows) byRecord.get(coverage.warrantyRecordId)?.push(coverage);
    return recordIds.map((id) => byRecord.get(id) ?? []);
  });

  return {
    recordById: byId,
    recordBySerialNumber: { load: loadBySerial, loader: bySerialNumber },
    coveragesByRecordId,
    /** Mutations call this so the payload reads what was just written, not what was cached before. */
    forget(record: WarrantyRecord): void {
      byId.clear(record.id);
      bySerialNumber.clear(record.serialNumber);
      coveragesByRecordId.clear(record.id);
    },
  };
}

export type RecordLoaders = ReturnType<typeof createRecordLoaders>;

/** Locks a visible record for the rest of the transaction; invisible and missing records are both NOT_FOUND. */
export async function lockVisibleRecord(
  manager: EntityManager,
  actor: Actor,
  id: string,
  field: string[] = ['input', 'id'],
): Promise<WarrantyRecord> {
  const record = isUuid(id)
    ? await manager.findOne(WarrantyRecord, { where: { ...visibleRecordsWhere(actor), id }, lock: { mode: 'pessimistic_write' } })
    : null;
  if (!record) throw new DomainError('NOT_FOUND', `no warranty with id ${id}`, field);
  return record;
}

export interface CustomerPageKey {
  customerId: string;
  first: number | null | undefined;
  status: WarrantyStatus | null | undefined;
  asOf: string | null;
}

/**
 * `Customer.warranties` for every customer a request resolves, in two SQL statements per distinct set of
 * arguments (see RecordsService.firstPagesByCustomer). Later pages (`after`) go to RecordsService.list.
 */
export function createCustomerWarrantiesLoader(records: RecordsService, actor: Actor) {
  const argsKey = (key: CustomerPageKey) => JSON.stringify([key.first ?? null, key.status ?? null, key.asOf]);
  return new DataLoader<CustomerPageKey, Connection<WarrantyRecord>, string>(
    async (keys) => {
      const groups = new Map<string, CustomerPageKey[]>();
      for (const key of keys) groups.set(argsKey(key), [...(groups.get(argsKey(key)) ?? []), key]);
      const pages = new Map<string, Connection<WarrantyRecord>>();
      for (const [args, group] of groups) {
        const { first, status, asOf } = group[0];
        const byCustomer = await records.firstPagesByCustomer(actor, [...new Set(group.map((k) => k.customerId))], { status, asOf }, first);
        for (const [customerId, page] of byCustomer) pages.set(`${args}|${customerId}`, page);
      }
      return keys.map((key) => pages.get(`${argsKey(key)}|${key.customerId}`)!);
    },
    { cacheKeyFn: (key) => `${argsKey(key)}|${key.customerId}` },
  );
}
