import type { EntityManager } from 'typeorm';
import type { EventInput } from '../audit/audit.service';
import { Coverage } from '../coverage/coverage.entity';
import { latestCoverageEnd } from '../coverage/coverage-terms';
import { WarrantyRecord } from './warranty-record.entity';

/**
 * Keeps a record's `expiresAt` at the latest end of its coverages that are not voided, after any change to its
 * coverages; returns the EXPIRY_CHANGED event when it moved (none when it did not), for the caller's transaction.
 */
export async function refreshExpiry(manager: EntityManager, record: WarrantyRecord, actorId: string): Promise<EventInput[]> {
  const coverages = await manager.find(Coverage, { where: { warrantyRecordId: record.id } });
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
  await manager.update(WarrantyRecord, { id: record.id }, { expiresAt });
  return [event];
}
