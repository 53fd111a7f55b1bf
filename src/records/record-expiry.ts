import type { EntityManager } from 'typeorm';
import type { EventInput } from '../audit/audit.service';
import { Coverage } from '../coverage/coverage.entity';
import { latestCoverageEnd } from '../coverage/coverage-terms';
import { WarrantyRecord } from './warranty-record.entity';

/**
 * The one way a record row changes: the changed columns in one UPDATE, with the row version bumped and
 * `updated_at` set by the database, both read back into the entity. (TypeORM's `save` writes the in-memory row
 * version back, so an earlier UPDATE in the same transaction was silently undone: ETags, change feeds and
 * optimistic locks would all have missed the change.)
 */
export async function writeRecord(manager: EntityManager, record: WarrantyRecord, patch: Partial<WarrantyRecord>): Promise<void> {
  if (Object.keys(patch).length === 0) return;
  const result = await manager
    .createQueryBuilder()
    .update(WarrantyRecord)
    .set(patch)
    .where('org_id = :orgId AND id = :id', { orgId: record.orgId, id: record.id })
    .returning('row_version, updated_at')
    .execute();
  const written = (result.raw as Array<{ row_version: number; updated_at: Date }>)[0];
  Object.assign(record, patch, { rowVersion: written.row_version, updatedAt: written.updated_at });
}

/**
 * The record's `expiresAt` after a change to its coverages: the latest end of those not voided. Sets it on the
 * entity (without writing) and returns the EXPIRY_CHANGED event when it moved, for the caller's transaction.
 */
export async function nextExpiry(manager: EntityManager, record: WarrantyRecord, actorId: string): Promise<EventInput[]> {
  const coverages = await manager.find(Coverage, { where: { orgId: record.orgId, warrantyRecordId: record.id } });
  const expiresAt = latestCoverageEnd(coverages.map((c) => ({ endDate: c.endDate, voided: c.voidedAt !== null })));
  if (expiresAt === record.expiresAt) return [];
  const event: EventInput = {
    orgId: record.orgId,
    warrantyRecordId: record.id,
    actorId,
    event: 'EXPIRY_CHANGED',
    fromValue: record.expiresAt,
    toValue: expiresAt,
  };
  record.expiresAt = expiresAt;
  return [event];
}

/**
 * nextExpiry, written at once, for changes that reach the record through its coverages. The record row is written
 * even when the expiry stays: a coverage change is a change of the warranty file, so its version moves too.
 */
export async function refreshExpiry(manager: EntityManager, record: WarrantyRecord, actorId: string): Promise<EventInput[]> {
  const events = await nextExpiry(manager, record, actorId);
  await writeRecord(manager, record, { expiresAt: record.expiresAt });
  return events;
}
