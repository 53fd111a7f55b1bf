import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import type { WriteStep } from '../db/one-statement';
import { WarrantyEvent } from './warranty-event.entity';

export interface EventInput {
  orgId: string;
  warrantyRecordId: string;
  actorId: string;
  event: string;
  fromValue?: string | null;
  toValue?: string | null;
  coverageId?: string | null;
  claimId?: string | null;
  detail?: Record<string, any>;
}

/**
 * `events` as a step of a statement shared with other writes (db/one-statement.ts): one insert, rows in the order
 * given. `name` names the step's expression (unique in the statement). No events, no step.
 */
export function eventsStep(events: readonly EventInput[], name = 'audit_events'): WriteStep | null {
  if (events.length === 0) return null;
  const rows = events.map((e) => ({
    org_id: e.orgId,
    warranty_record_id: e.warrantyRecordId,
    actor_id: e.actorId,
    event: e.event,
    from_value: e.fromValue ?? null,
    to_value: e.toValue ?? null,
    coverage_id: e.coverageId ?? null,
    claim_id: e.claimId ?? null,
    detail: e.detail ?? {},
  }));
  const sql = `INSERT INTO warranty_event (org_id, warranty_record_id, actor_id, event, from_value, to_value, coverage_id, claim_id, detail)
    SELECT e.org_id, e.warranty_record_id, e.actor_id, e.event, e.from_value, e.to_value, e.coverage_id, e.claim_id, e.detail
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (org_id text, warranty_record_id uuid, actor_id text, event text, from_value text,
      to_value text, coverage_id uuid, claim_id uuid, detail jsonb)) WITH ORDINALITY AS e(org_id, warranty_record_id, actor_id, event,
      from_value, to_value, coverage_id, claim_id, detail, n)
    ORDER BY e.n
    RETURNING id`;
  return { ctes: [[name, sql]], params: [JSON.stringify(rows)] };
}

/** Writes events inside the caller's transaction (no change without its event) and pages through them. */
export class AuditService {
  constructor(private readonly dataSource: DataSource) {}

  async append(manager: EntityManager, events: EventInput[]): Promise<void> {
    if (events.length === 0) return;
    await manager.insert(
      WarrantyEvent,
      events.map((e) => ({
        orgId: e.orgId,
        warrantyRecordId: e.warrantyRecordId,
        actorId: e.actorId,
        event: e.event,
        fromValue: e.fromValue ?? null,
        toValue: e.toValue ?? null,
        coverageId: e.coverageId ?? null,
        claimId: e.claimId ?? null,
        detail: e.detail ?? {},
      })),
    );
  }

  /** Newest first; the caller has already checked that the record is visible. */
  async history(
    orgId: string,
    warrantyRecordId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<WarrantyEvent>> {
    const size = pageSize(args.first, 50);
    const after = decodeCursor(args.after, ['bigintId']);
    const query = this.dataSource
      .getRepository(WarrantyEvent)
      .createQueryBuilder('e')
      .where('e.org_id = :orgId AND e.warranty_record_id = :warrantyRecordId', { orgId, warrantyRecordId });
    const totalCount = await query.clone().getCount();
    if (after) query.andWhere('e.id < :afterId', { afterId: String(after[0]) });
    const rows = await query.orderBy('e.id', 'DESC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (e) => [e.id], after !== null);
  }
}
