/** A replacement unit's record (rule 10): records writes it and its coverages, in the caller's transaction. */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { Coverage } from '../coverage/coverage.entity';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { deriveWarrantyStart } from './warranty-start';
import { WarrantyRecord } from './warranty-record.entity';

export interface ReplacementCommand {
  orgId: string;
  /** The record of the unit taken out. */
  recordId: string;
  /** The replacement's serial number, already normalised. */
  serialNumber: string;
  registeredById: string;
  /** Read once, after the refusals (a refused replacement does not read the clock). */
  clock: Clock;
  /** The input field a refusal names (the caller's, e.g. the claim's id). */
  field: string[];
}

export interface Replacement {
  /** The old record as it was before (locked by this call). */
  old: WarrantyRecord;
  replacement: WarrantyRecord;
  /** How many coverages were copied to the replacement. */
  coverages: number;
}

/**
 * Registers the replacement of a unit inside the caller's transaction (a claims completion, whose events and
 * outbox message go in the same transaction): the replacement gets a record of its own carrying the rest of the
 * old unit's warranty (the same policy version, start, tier and end dates: each coverage not voided is copied with
 * its dates, terms and limits), the two records are linked both ways and the old one is marked replaced. A unit
 * already replaced refuses (INVALID_TRANSITION), a replacement serial already registered refuses
 * (DUPLICATE_SERIAL), writing nothing. The events are the caller's to write.
 */
/** A replacement's serial number must be no unit of the organisation yet: DUPLICATE_SERIAL at `field` if it is. */
export async function assertReplacementSerialFree(manager: EntityManager, orgId: string, serialNumber: string, field: string[]): Promise<void> {
  if (await manager.exists(WarrantyRecord, { where: { orgId, serialNumber } })) {
    throw new DomainError('DUPLICATE_SERIAL', `the replacement ${serialNumber} is already registered`, field);
  }
}

export async function registerReplacement(manager: EntityManager, command: ReplacementCommand): Promise<Replacement> {
  const { orgId, serialNumber, field } = command;
  const old = await manager.findOne(WarrantyRecord, { where: { id: command.recordId, orgId }, lock: { mode: 'pessimistic_write' } });
  if (!old) throw new Error(`record ${command.recordId} to replace is missing`);
  if (old.replacedAt) throw new DomainError('INVALID_TRANSITION', `unit ${old.serialNumber} was already replaced by ${old.replacedBySerialNumber}`, field);
  await assertReplacementSerialFree(manager, orgId, serialNumber, field);
  const now = command.clock();
  const policy = await manager.findOneOrFail(WarrantyPolicy, { where: { id: old.policyId, orgId: old.orgId } });
  const start = deriveWarrantyStart(old, { lateStartCapMonths: policy.lateStartCapMonths });
  const replacement = manager.create(WarrantyRecord, {
    ...old,
    id: randomUUID(),
    serialNumber,
    registeredById: command.registeredById,
    registeredAt: now,
    // The replacement's warranty starts when the old one did: the operator date shift (which wins over every other
    // start fact) holds the old start, so the same rule gives the same dates.
    warrantyDateShift: start.date,
    replacedAt: null,
    replacedByRecordId: null,
    replacedBySerialNumber: null,
    replacesRecordId: old.id,
    rowVersion: 1,
    createdAt: now,
    updatedAt: now,
  });
  await manager.insert(WarrantyRecord, replacement);
  const coverages = await manager.find(Coverage, { where: { orgId: old.orgId, warrantyRecordId: old.id }, order: { createdAt: 'ASC', scope: 'ASC' } });
  const moved = coverages.filter((c) => !c.voidedAt).map((c) => ({ ...c, id: randomUUID(), warrantyRecordId: replacement.id, createdAt: now }));
  if (moved.length > 0) await manager.insert(Coverage, moved);
  await manager.update(
    WarrantyRecord,
    { id: old.id, orgId: old.orgId },
    // TypeORM's update adds the record's version and update time (its @VersionColumn and @UpdateDateColumn).
    { replacedAt: now, replacedByRecordId: replacement.id, replacedBySerialNumber: serialNumber },
  );
  return { old, replacement, coverages: moved.length };
}
