import { DomainError } from './errors';

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

export function decodeCursor(cursor: string | null | undefined, arity: number): unknown[] | null {
  if (cursor === null || cursor === undefined) return null;
  try {
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(position) && position.length === arity) return position;
  } catch {
    // fall through to the typed error
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
