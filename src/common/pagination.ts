import { DomainError } from './errors';
import { isBigintId, isUuid } from './ids';
import { isInstantInRange } from './input-guards';

/** Relay connection pieces shared by every list. Cursors are opaque base64url JSON of the keyset position. */
export interface Edge<T> {
  cursor: string;
  node: T;
}
export interface Connection<T> {
  edges: Edge<T>[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount: number;
}

export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, fallback: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new DomainError('BAD_USER_INPUT', `first must be from 1 to ${MAX_PAGE_SIZE} (got ${size})`, ['first']);
  }
  return size;
}

export function encodeCursor(position: unknown[]): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/**
 * What each position of a list's cursor holds. A cursor is opaque to clients but not to us: each element is
 * checked before it reaches SQL, so a forged or corrupted cursor is the client's BAD_USER_INPUT, not a cast error.
 */
export type CursorElement =
  /** An instant as `Date.toISOString()` writes it (records: registration time). */
  | 'timestamp'
  /** A row id (records). */
  | 'uuid'
  /** A positive whole number JavaScript holds exactly (policies: an offset). */
  | 'positiveInteger'
  /** A bigint identity (events): TypeORM reads bigint as a digit string; up to PostgreSQL's bigint maximum. */
  | 'bigintId'
  /** A short key such as a SKU: a string of at most 200 characters without control characters. */
  | 'key';

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function isElement(kind: CursorElement, value: unknown): boolean {
  switch (kind) {
    case 'timestamp':
      return typeof value === 'string' && ISO_TIMESTAMP.test(value) && isInstantInRange(new Date(value)) && new Date(value).toISOString() === value;
    case 'uuid':
      return typeof value === 'string' && isUuid(value);
    case 'positiveInteger':
      return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
    case 'key':
      return typeof value === 'string' && value.length <= 200 && !/[\u0000-\u001f]/.test(value);
    case 'bigintId':
      if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0;
      return typeof value === 'string' && isBigintId(value);
  }
}

/** The position a cursor names, checked element by element against the list's shape; null without a cursor. */
export function decodeCursor(cursor: string | null | undefined, shape: readonly CursorElement[]): unknown[] | null {
  if (cursor === null || cursor === undefined) return null;
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    position = undefined;
  }
  if (Array.isArray(position) && position.length === shape.length && shape.every((kind, i) => isElement(kind, position[i]))) {
    return position;
  }
  throw new DomainError('BAD_USER_INPUT', 'after is not a cursor this list returned', ['after']);
}

/**
 * Builds a connection from rows fetched with LIMIT size + 1: the extra row only tells whether a next page exists.
 */
export function toConnection<T>(
  rows: T[],
  size: number,
  totalCount: number,
  position: (row: T, index: number) => unknown[],
  hasPreviousPage: boolean,
): Connection<T> {
  const page = rows.slice(0, size);
  const edges = page.map((node, index) => ({ cursor: encodeCursor(position(node, index)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > size,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount,
  };
}
