import { randomUUID } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids that are not UUIDs cannot name a row; checking first keeps a typo from becoming an SQL error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export const newId = randomUUID;
