/** Reading records: the filtered list and every customer's pages at once. */
import { In, type SelectQueryBuilder } from 'typeorm';
import type { Actor } from '../auth/actor';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import type { IsoDate } from '../common/calendar';
import type { WarrantyStatus } from '../coverage/coverage-terms';
import { normaliseSerialNumber } from './record-inputs';
import { visibleRecordsWhere } from './record-access';
import { WarrantyRecord } from './warranty-record.entity';
import { todayAt, type RecordsDeps } from './record-changes';

export interface WarrantyListFilter {
  customerId?: string | null;
  productId?: string | null;
  productFamily?: string | null;
  region?: string | null;
  tier?: string | null;
  startStatus?: string | null;
  status?: WarrantyStatus | null;
  /** The date `status` is judged on; default today (UTC). */
  asOf?: IsoDate | null;
  serialNumberPrefix?: string | null;
}

export async function listRecords(
  deps: RecordsDeps,
  actor: Actor,
  filter: WarrantyListFilter,
  args: { first?: number | null; after?: string | null },
): Promise<Connection<WarrantyRecord>> {
  const size = pageSize(args.first, 20);
  const after = decodeCursor(args.after, ['timestamp', 'uuid']);
  const query = filteredRecords(deps, actor, filter);
  const totalCount = await query.clone().getCount();
  if (after) {
    query.andWhere('(r.registered_at, r.id) < (:afterAt, :afterId)', { afterAt: after[0], afterId: after[1] });
  }
  const rows = await query.orderBy('r.registered_at', 'DESC').addOrderBy('r.id', 'DESC').limit(size + 1).getMany();
  return toConnection(rows, size, totalCount, recordCursor, after !== null);
}

/**
 * One page of many customers' units in two SQL statements, however many customers and whatever cursor each
 * one is at: a window query counts each customer's units and numbers those after that customer's cursor, then
 * one query loads the rows of every page.
 */
export async function pagesByCustomer(
  deps: RecordsDeps,
  actor: Actor,
  requests: ReadonlyArray<{ customerId: string; after: string | null | undefined }>,
  filter: Omit<WarrantyListFilter, 'customerId'>,
  first: number | null | undefined,
): Promise<Map<string, Connection<WarrantyRecord>>> {
  const size = pageSize(first, 20);
  const cursors = requests.flatMap(({ customerId, after }) => {
    const position = decodeCursor(after, ['timestamp', 'uuid']);
    return position ? [{ customer_id: customerId, after_at: position[0], after_id: position[1] }] : [];
  });
  const numbered = filteredRecords(deps, actor, filter)
    .andWhere('r.customer_id IN (:...customerIds)', { customerIds: [...new Set(requests.map((r) => r.customerId))] })
    .select('r.id', 'id')
    .addSelect('r.customer_id', 'customerId')
    .addSelect('r.registered_at', 'registeredAt')
    .addSelect('count(*) OVER (PARTITION BY r.customer_id)', 'total');
  const [sql, parameters] = numbered.getQueryAndParameters();
  // The count covers all of a customer's units and the numbering only those after the customer's cursor; one
  // row per customer is always kept (any_row = 1) so that a page past the last unit still knows the count.
  const ranked: Array<{ id: string; customerId: string; total: string; position: string; after_ok: boolean }> = await deps.dataSource.query(
    `SELECT * FROM (
       SELECT c.id, c."customerId", c.total, x.after_ok,
              row_number() OVER (PARTITION BY c."customerId", x.after_ok ORDER BY c."registeredAt" DESC, c.id DESC) AS position,
              row_number() OVER (PARTITION BY c."customerId") AS any_row
         FROM (${sql}) c
         LEFT JOIN jsonb_to_recordset($${parameters.length + 1}::jsonb) AS k(customer_id text, after_at timestamptz, after_id uuid)
           ON k.customer_id = c."customerId"
        CROSS JOIN LATERAL (SELECT k.customer_id IS NULL OR (c."registeredAt", c.id) < (k.after_at, k.after_id) AS after_ok) x
     ) numbered WHERE (numbered.after_ok AND numbered.position <= ${size + 1}) OR numbered.any_row = 1`,
    [...parameters, JSON.stringify(cursors)],
  );
  const onPage = ranked.filter((r) => r.after_ok && Number(r.position) <= size + 1);
  const rows = onPage.length
    ? await deps.dataSource.getRepository(WarrantyRecord).find({ where: { orgId: actor.orgId, id: In(onPage.map((r) => r.id)) } })
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const pages = new Map<string, Connection<WarrantyRecord>>();
  for (const { customerId, after } of requests) {
    const mine = onPage.filter((r) => r.customerId === customerId).sort((a, b) => Number(a.position) - Number(b.position));
    const records = mine.map((r) => byId.get(r.id)).filter((r): r is WarrantyRecord => r !== undefined);
    const total = Number(ranked.find((r) => r.customerId === customerId)?.total ?? 0);
    pages.set(customerId, toConnection(records, size, total, recordCursor, Boolean(after)));
  }
  return pages;
}

/** The records a caller may see, narrowed by a filter; the one place list queries are built. */
function filteredRecords(deps: RecordsDeps, actor: Actor, filter: WarrantyListFilter): SelectQueryBuilder<WarrantyRecord> {
  const scope = visibleRecordsWhere(actor);
  const query = deps.dataSource.getRepository(WarrantyRecord).createQueryBuilder('r').where('r.org_id = :orgId', { orgId: actor.orgId });
  if (scope.customerId !== undefined) query.andWhere('r.customer_id = :ownCustomer', { ownCustomer: scope.customerId });
  if (filter.customerId) query.andWhere('r.customer_id = :customerId', { customerId: filter.customerId });
  if (filter.productId) query.andWhere('r.product_id = :productId', { productId: filter.productId });
  if (filter.productFamily) query.andWhere('r.product_family = :family', { family: filter.productFamily });
  if (filter.region) query.andWhere('r.region = :region', { region: filter.region });
  if (filter.tier) query.andWhere('r.tier = :tier', { tier: filter.tier });
  if (filter.startStatus) query.andWhere('r.start_status = :startStatus', { startStatus: filter.startStatus });
  if (filter.serialNumberPrefix) {
    query.andWhere("r.serial_number LIKE :prefix ESCAPE '\\'", { prefix: `${escapeLike(normaliseSerialNumber(filter.serialNumberPrefix))}%` });
  }
  if (filter.status) {
    // A replacement is decided like a void: by its flag, the day taken in UTC (see docs/LEFT-FOR-LATER.md).
    const replaced = "(r.replaced_at IS NOT NULL AND (r.replaced_at AT TIME ZONE 'UTC')::date <= :statusDate)";
    const conditions: Record<WarrantyStatus, string> = {
      VOIDED: 'r.voided_at IS NOT NULL',
      REPLACED: `r.voided_at IS NULL AND ${replaced}`,
      NOT_STARTED: `r.voided_at IS NULL AND NOT ${replaced} AND (r.start_date IS NULL OR r.start_date > :statusDate)`,
      EXPIRED: `r.voided_at IS NULL AND NOT ${replaced} AND r.start_date <= :statusDate AND (r.expires_at IS NULL OR r.expires_at < :statusDate)`,
      ACTIVE: `r.voided_at IS NULL AND NOT ${replaced} AND r.start_date <= :statusDate AND r.expires_at >= :statusDate`,
    };
    query.andWhere(conditions[filter.status], { statusDate: filter.asOf ?? todayAt(deps, ) });
  }
  return query;
}

const recordCursor = (r: WarrantyRecord) => [r.registeredAt.toISOString(), r.id];

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
