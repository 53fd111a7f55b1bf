import type { DataSource, EntityManager } from 'typeorm';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
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
