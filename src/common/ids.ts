import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are not UUIDs cannot name a row; checking first keeps a typo from becoming an SQL error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export const newId = randomUUID;

/**
 * Keys other systems give us (order references, idempotency keys, CSP case ids, OA references): 1 to 200 letters,
 * digits and ._:/-, starting with a letter or digit, so they are safe to store, log and show.
 */
export function isExternalKey(value: string): boolean {
  return EXTERNAL_KEY.test(value);
}
const EXTERNAL_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/;

const MAX_BIGINT = 9223372036854775807n;

/** A bigint identity (events, outbox messages) as TypeORM reads it: a digit string from 1 to PostgreSQL's bigint maximum. */
export function isBigintId(value: string): boolean {
  return /^[1-9]\d{0,18}$/.test(value) && BigInt(value) <= MAX_BIGINT;
}
