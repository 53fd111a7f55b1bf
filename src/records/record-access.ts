/**
 * Which records a caller may see and how a service takes one under lock: the visibility rule (as a TypeORM filter
 * and as SQL) and the lock helpers every module's writes start from. No loaders, no services.
 */
import type { EntityManager, FindOptionsWhere } from 'typeorm';
import { isCustomerOnly, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { transactionQuery } from '../db/row-reader';
import { isUuid } from '../common/ids';
import { normaliseSerialNumber } from './record-inputs';
import { WarrantyRecord } from './warranty-record.entity';

/** The rows a caller may see: their organisation's, and for a customer only their own units. */
export function visibleRecordsWhere(actor: Actor): FindOptionsWhere<WarrantyRecord> {
  return isCustomerOnly(actor) ? { orgId: actor.orgId, customerId: actor.customerId ?? '' } : { orgId: actor.orgId };
}

/**
 * The same rule as SQL for the row reader: `alias.org_id = $1`, and for a customer `alias.customer_id = $3`,
 * with the values to pass after the statement's own `$2`.
 */
export function visibleRecordsSql(actor: Actor, alias: string): { where: string; values: string[] } {
  return isCustomerOnly(actor)
    ? { where: `${alias}.org_id = $1 AND ${alias}.customer_id = $3`, values: [actor.orgId, actor.customerId ?? ''] }
    : { where: `${alias}.org_id = $1`, values: [actor.orgId] };
}

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

/** The same by serial number (trimmed and upper-cased, as stored): a unit given by id or by serial, locked alike. */
export async function lockVisibleRecordBySerial(
  manager: EntityManager,
  actor: Actor,
  serialNumber: string,
  field: string[] = ['input', 'serialNumber'],
): Promise<WarrantyRecord> {
  const serial = normaliseSerialNumber(serialNumber);
  const record = await manager.findOne(WarrantyRecord, { where: { ...visibleRecordsWhere(actor), serialNumber: serial }, lock: { mode: 'pessimistic_write' } });
  if (!record) throw new DomainError('NOT_FOUND', `no warranty for serial number ${serial}`, field);
  return record;
}

/**
 * Locks the visible unit named by `warrantyId` or `serialNumber`, as lockVisibleUnit does (the same refusals), and
 * answers only its keys: for a caller that reads the unit with everything else it needs in a statement of its own
 * after the lock (a claim's intake reads the check's rows). One statement; none for an id that is no UUID.
 */
export async function lockVisibleUnitKeys<Also = never>(
  manager: EntityManager,
  actor: Actor,
  input: { warrantyId?: string | null; serialNumber?: string | null },
  also?: UnitLockAlso,
): Promise<{ id: string; serialNumber: string; also?: Also }> {
  const visible = visibleRecordsSql(actor, 'r');
  const [orgId, ...rest] = visible.values;
  const alsoSelect = also ? `, ${also.select('r', 3 + rest.length)} AS "also"` : '';
  const lock = async (condition: string, key: string) =>
    (await transactionQuery<{ id: string; serialNumber: string; also?: Also }>(
      manager,
      `SELECT r.id, r.serial_number AS "serialNumber"${alsoSelect} FROM warranty_record r WHERE ${visible.where} AND ${condition} FOR UPDATE OF r`,
      [orgId, key, ...rest, ...(also?.values ?? [])],
    ))[0];
  if (input.warrantyId) {
    const found = isUuid(input.warrantyId) ? await lock('r.id = $2::uuid', input.warrantyId) : undefined;
    if (!found) throw new DomainError('NOT_FOUND', `no warranty with id ${input.warrantyId}`, ['input', 'warrantyId']);
    return found;
  }
  const serial = normaliseSerialNumber(input.serialNumber ?? '');
  const found = await lock('r.serial_number = $2', serial);
  if (!found) throw new DomainError('NOT_FOUND', `no warranty for serial number ${serial}`, ['input', 'serialNumber']);
  return found;
}

/**
 * One more value the lock's statement selects about the locked unit (`also`): an expression over the record's alias
 * with its parameters numbered from `firstParam` on. What does not change with the lock's holder (a claim's service
 * calendar in force, claim-intake.ts) can ride in the lock and save a statement; the check's rows cannot (see
 * lockVisibleUnitKeys).
 */
export interface UnitLockAlso {
  select(alias: string, firstParam: number): string;
  values: readonly unknown[];
}

/** A unit named by `warrantyId` or by `serialNumber`, exactly one of them: BAD_USER_INPUT otherwise, before any work. */
export function assertOneUnitKey(input: { warrantyId?: string | null; serialNumber?: string | null }): void {
  if (Boolean(input.warrantyId) === Boolean(input.serialNumber?.trim())) {
    throw new DomainError('BAD_USER_INPUT', 'give the unit by warrantyId or by serialNumber (one of them)', ['input', 'warrantyId']);
  }
}

/** That unit, locked like the two above: readings, item claims and sale documents all take their unit this way. */
export async function lockVisibleUnit(
  manager: EntityManager,
  actor: Actor,
  input: { warrantyId?: string | null; serialNumber?: string | null },
): Promise<WarrantyRecord> {
  return input.warrantyId ? lockVisibleRecord(manager, actor, input.warrantyId, ['input', 'warrantyId']) : lockVisibleRecordBySerial(manager, actor, input.serialNumber ?? '');
}
