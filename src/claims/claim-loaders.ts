import DataLoader from 'dataloader';
import type { DataSource, EntityManager } from 'typeorm';
import { isCustomerOnly, type Actor } from '../auth/actor';
import { isUuid } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { latestReadings, type ReadingKind, type RecordedReading } from '../readings/readings-history';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { UnitReading } from '../readings/unit-reading.entity';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { ClaimLine } from './claim-line.entity';
import type { ServiceCalendar } from './sla-calendar';
import { WarrantyClaim } from './warranty-claim.entity';

/** The claims a caller may see: their organisation's, and for a customer only their own units'. */
export function visibleClaims(manager: EntityManager, actor: Actor) {
  const query = manager.createQueryBuilder(WarrantyClaim, 'c').where('c.org_id = :orgId', { orgId: actor.orgId });
  if (isCustomerOnly(actor)) {
    query.innerJoin(WarrantyRecord, 'r', 'r.org_id = c.org_id AND r.id = c.warranty_record_id AND r.customer_id = :customerId', { customerId: actor.customerId ?? '' });
  }
  return query;
}

export interface ClaimPageKey {
  recordId: string;
  first?: number | null;
  after?: string | null;
}

export interface CaseClaimPageKey {
  caseId: string;
  first?: number | null;
  after?: string | null;
}

/** `Case.claims` without `first`: as the schema's default. */
const CASE_CLAIMS_PAGE = 10;

export type LatestReadings = Record<ReadingKind, number | null>;

/**
 * Per-request loaders for claims, each one statement per batch however many parents, scoped to the caller's
 * organisation (and for a customer to their own units).
 */
export function createClaimLoaders(dataSource: DataSource, actor: Actor) {
  const claims = () => visibleClaims(dataSource.manager, actor);

  const claimById = new DataLoader<string, WarrantyClaim | null>(async (ids) => {
    const valid = ids.filter((id) => isUuid(id));
    const rows = valid.length ? await claims().andWhere('c.id IN (:...ids)', { ids: valid }).getMany() : [];
    const found = new Map(rows.map((c) => [c.id, c]));
    return ids.map((id) => found.get(id) ?? null);
  });

  /** Lines of many claims, each with its claim's currency (the amounts' unit). */
  const linesByClaimId = new DataLoader<string, ClaimLine[]>(async (claimIds) => {
    const rows = await dataSource
      .getRepository(ClaimLine)
      .createQueryBuilder('l')
      .innerJoin(WarrantyClaim, 'c', 'c.org_id = l.org_id AND c.id = l.claim_id')
      .addSelect('c.currency', 'currency')
      .where('l.org_id = :orgId AND l.claim_id IN (:...claimIds)', { orgId: actor.orgId, claimIds: [...claimIds] })
      .orderBy('l.claim_id')
      .addOrderBy('l.position')
      .getRawAndEntities();
    const byClaim = new Map<string, ClaimLine[]>(claimIds.map((id) => [id, []]));
    rows.entities.forEach((line, index) => byClaim.get(line.claimId)?.push(Object.assign(line, { currency: rows.raw[index].currency as string })));
    return claimIds.map((id) => byClaim.get(id) ?? []);
  });

  /** A page of each record's claims, newest first; pages of one size and cursor share one statement. */
  const claimsByRecord = new DataLoader<ClaimPageKey, Connection<WarrantyClaim>, string>(
    async (keys) => {
      const pages = new Map<string, Connection<WarrantyClaim> | Error>();
      for (const group of samePage(keys)) {
        try {
          const size = pageSize(group[0].first, 20);
          const after = decodeCursor(group[0].after, ['timestamp', 'uuid']);
          const recordIds = group.map((k) => k.recordId).filter((id) => isUuid(id));
          const query = claims()
            .andWhere('c.warranty_record_id IN (:...recordIds)', { recordIds: recordIds.length ? recordIds : ['00000000-0000-0000-0000-000000000000'] })
            .orderBy('c.created_at', 'DESC')
            .addOrderBy('c.id', 'DESC');
          if (after) query.andWhere('(c.created_at, c.id) < (:afterAt, :afterId)', { afterAt: after[0], afterId: after[1] });
          // Every claim of these records after the cursor, cut to each record's page below: a unit has a handful
          // of claims in its life, so this stays small (a window per record would cost a second statement).
          const rows = await query.getMany();
          const counts = await claims()
            .select('c.warranty_record_id', 'recordId')
            .addSelect('count(*)::int', 'count')
            .andWhere('c.warranty_record_id IN (:...recordIds)', { recordIds: recordIds.length ? recordIds : ['00000000-0000-0000-0000-000000000000'] })
            .groupBy('c.warranty_record_id')
            .getRawMany<{ recordId: string; count: number }>();
          const countOf = new Map(counts.map((c) => [c.recordId, c.count]));
          for (const key of group) {
            const mine = rows.filter((c) => c.warrantyRecordId === key.recordId).slice(0, size + 1);
            pages.set(pageKey(key), toConnection(mine, size, countOf.get(key.recordId) ?? 0, (c) => [c.createdAt.toISOString(), c.id], after !== null));
          }
        } catch (error) {
          for (const key of group) pages.set(pageKey(key), error as Error);
        }
      }
      return keys.map((key) => pages.get(pageKey(key))!);
    },
    { cacheKeyFn: (key) => pageKey(key) },
  );

  const latestReadingsByRecordId = new DataLoader<string, LatestReadings>(async (recordIds) => {
    const valid = recordIds.filter((id) => isUuid(id));
    const rows = valid.length
      ? await dataSource
          .getRepository(UnitReading)
          .createQueryBuilder('u')
          .where('u.org_id = :orgId AND u.warranty_record_id IN (:...ids)', { orgId: actor.orgId, ids: valid })
          .getMany()
      : [];
    const byRecord = new Map<string, RecordedReading[]>();
    for (const row of rows) {
      const list = byRecord.get(row.warrantyRecordId) ?? [];
      list.push({ readOn: row.readOn, sequence: Number(row.id), odometerKm: row.odometerKm, engineHours: row.engineHours, throughputMwh: row.throughputMwh, sohPct: row.sohPct });
      byRecord.set(row.warrantyRecordId, list);
    }
    return recordIds.map((id) => {
      const latest = latestReadings(byRecord.get(id) ?? []);
      return {
        odometerKm: latest.odometerKm?.value ?? null,
        engineHours: latest.engineHours?.value ?? null,
        throughputMwh: latest.throughputMwh?.value ?? null,
        sohPct: latest.sohPct?.value ?? null,
      };
    });
  });

  /**
   * A page of each CSP case's claims, oldest first: the page's rows in one statement (ranked per case in SQL, so a
   * busy case costs its page, not all its claims), and the cases' counts in a second; pages of one size and
   * cursor share them.
   */
  const claimsByCaseId = new DataLoader<CaseClaimPageKey, Connection<WarrantyClaim>, string>(
    async (keys) => {
      const pages = new Map<string, Connection<WarrantyClaim> | Error>();
      for (const group of samePage(keys)) {
        try {
          const size = pageSize(group[0].first, CASE_CLAIMS_PAGE);
          const after = decodeCursor(group[0].after, ['timestamp', 'uuid']);
          const caseIds = [...new Set(group.map((k) => k.caseId))];
          const visible = isCustomerOnly(actor)
            ? 'AND EXISTS (SELECT 1 FROM warranty_record r WHERE r.org_id = w.org_id AND r.id = w.warranty_record_id AND r.customer_id = :customerId)'
            : '';
          const afterCondition = after ? 'AND (w.created_at, w.id) > (:afterAt, :afterId)' : '';
          const rows = await claims()
            .andWhere(
              `c.id IN (SELECT p.id FROM (SELECT w.id, row_number() OVER (PARTITION BY w.csp_case_id ORDER BY w.created_at, w.id) AS rank
                 FROM warranty_claim w WHERE w.org_id = :orgId AND w.csp_case_id IN (:...caseIds) ${visible} ${afterCondition}) p
               WHERE p.rank <= :limit)`,
              { caseIds, limit: size + 1, customerId: actor.customerId ?? '', ...(after ? { afterAt: after[0], afterId: after[1] } : {}) },
            )
            .orderBy('c.created_at')
            .addOrderBy('c.id')
            .getMany();
          const counts = await claims()
            .select('c.csp_case_id', 'caseId')
            .addSelect('count(*)::int', 'count')
            .andWhere('c.csp_case_id IN (:...caseIds)', { caseIds })
            .groupBy('c.csp_case_id')
            .getRawMany<{ caseId: string; count: number }>();
          const countOf = new Map(counts.map((c) => [c.caseId, c.count]));
          for (const key of group) {
            const mine = rows.filter((c) => c.cspCaseId === key.caseId);
            pages.set(casePageKey(key), toConnection(mine, size, countOf.get(key.caseId) ?? 0, (c) => [c.createdAt.toISOString(), c.id], after !== null));
          }
        } catch (error) {
          for (const key of group) pages.set(casePageKey(key), error as Error);
        }
      }
      return keys.map((key) => pages.get(casePageKey(key))!);
    },
    { cacheKeyFn: (key) => casePageKey(key) },
  );

  /** The outbox messages of many claims, one statement, in order. */
  const messagesByClaimId = new DataLoader<string, OutboxMessage[]>(async (claimIds) => {
    const rows = await dataSource
      .getRepository(OutboxMessage)
      .createQueryBuilder('m')
      .where('m.org_id = :orgId AND m.aggregate_id IN (:...claimIds)', { orgId: actor.orgId, claimIds: [...claimIds] })
      .orderBy('m.id')
      .getMany();
    const byClaim = new Map<string, OutboxMessage[]>(claimIds.map((id) => [id, []]));
    for (const message of rows) byClaim.get(message.aggregateId)?.push(message);
    return claimIds.map((id) => byClaim.get(id) ?? []);
  });

  const calendars = new Map<string, ServiceCalendar>();

  return { claimById, linesByClaimId, claimsByRecord, latestReadingsByRecordId, claimsByCaseId, messagesByClaimId, calendars };
}

const casePageKey = (key: CaseClaimPageKey) => `${key.first ?? ''}|${key.after ?? ''}|${key.caseId}`;
const pageKey = (key: ClaimPageKey) => `${key.first ?? ''}|${key.after ?? ''}|${key.recordId}`;

export type ClaimLoaders = ReturnType<typeof createClaimLoaders>;

/** Keys asking for the same page (size and cursor), which one statement serves together. */
function samePage<K extends { first?: number | null; after?: string | null }>(keys: readonly K[]): K[][] {
  const groups = new Map<string, K[]>();
  for (const key of keys) {
    const group = `${key.first ?? ''}|${key.after ?? ''}`;
    const members = groups.get(group);
    if (members) members.push(key);
    else groups.set(group, [key]);
  }
  return [...groups.values()];
}
