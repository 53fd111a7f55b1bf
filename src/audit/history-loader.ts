import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { WarrantyEvent } from './warranty-event.entity';

export interface HistoryPageKey {
  recordId: string;
  first: number | null | undefined;
  after: string | null | undefined;
}

/**
 * `WarrantyRecord.history` for every record a request resolves, each with its own page size and cursor, in two
 * SQL statements per page size: the counts, and every page at once (a LATERAL keyset scan per record). Without
 * it, a list of 100 records asking for their history cost 200 statements.
 * The caller has already checked that each record is visible; the org filter keeps the scan inside the tenant.
 */
export function createHistoryLoader(dataSource: DataSource, actor: Actor) {
  const keyOf = (key: HistoryPageKey) => JSON.stringify([key.recordId, key.first ?? null, key.after ?? null]);
  const metadata = dataSource.getMetadata(WarrantyEvent);

  return new DataLoader<HistoryPageKey, Connection<WarrantyEvent>, string>(
    async (keys) => {
      // Validate every key first: a bad page size or cursor is that field's error, not the whole batch's.
      const parsed = keys.map((key) => {
        try {
          const after = decodeCursor(key.after, ['bigintId']);
          return { key, size: pageSize(key.first, 50), afterId: after ? String(after[0]) : null, error: null };
        } catch (error) {
          return { key, size: 0, afterId: null, error: error as Error };
        }
      });
      const valid = parsed.filter((p) => p.error === null);
      const recordIds = [...new Set(valid.map((p) => p.key.recordId))];
      const totals = new Map<string, number>();
      if (recordIds.length > 0) {
        const counted: Array<{ record_id: string; total: number }> = await dataSource.query(
          `SELECT warranty_record_id AS record_id, count(*)::int AS total FROM warranty_event
            WHERE org_id = $1 AND warranty_record_id = ANY($2::uuid[]) GROUP BY warranty_record_id`,
          [actor.orgId, recordIds],
        );
        for (const row of counted) totals.set(row.record_id, row.total);
      }
      const pages = new Map<string, WarrantyEvent[]>();
      for (const size of new Set(valid.map((p) => p.size))) {
        const group = valid.filter((p) => p.size === size);
        const rows: Array<Record<string, unknown>> = await dataSource.query(
          `SELECT k.slot, e.* FROM unnest($2::uuid[], $3::bigint[]) WITH ORDINALITY AS k(record_id, after_id, slot)
             CROSS JOIN LATERAL (
               SELECT * FROM warranty_event e
                WHERE e.org_id = $1 AND e.warranty_record_id = k.record_id AND (k.after_id IS NULL OR e.id < k.after_id)
                ORDER BY e.id DESC LIMIT $4) e`,
          [actor.orgId, group.map((p) => p.key.recordId), group.map((p) => p.afterId), size + 1],
        );
        for (const row of rows) {
          const slot = keyOf(group[Number(row.slot) - 1].key);
          const page = pages.get(slot);
          if (page) page.push(toEvent(row));
          else pages.set(slot, [toEvent(row)]);
        }
      }
      return parsed.map((p) => {
        if (p.error) return p.error;
        const events = pages.get(keyOf(p.key)) ?? [];
        return toConnection(events, p.size, totals.get(p.key.recordId) ?? 0, (e) => [e.id], p.afterId !== null);
      });
    },
    { cacheKeyFn: keyOf },
  );

  /** Raw columns to the entity, by TypeORM's own column metadata, so a new column cannot be forgotten here. */
  function toEvent(row: Record<string, unknown>): WarrantyEvent {
    const event = new WarrantyEvent();
    for (const column of metadata.columns) {
      const value = row[column.databaseName];
      (event as unknown as Record<string, unknown>)[column.propertyName] = column.databaseName === 'id' ? String(value) : value;
    }
    return event;
  }
}
