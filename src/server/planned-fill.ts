/**
 * Filling a planned read's response objects (planned-reads.ts says how): each key in plan order, leaves serialised
 * by their GraphQL type as graphql-js does, and a value graphql-js would turn into an error handed over.
 */
import type { WarrantyCheckView } from '../coverage/coverage-check.service';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import type { Projection } from './planned-reads';

/** Thrown inside a projection for a value the executor would have turned into an error: the plan hands over. */
export const HAND_OVER = Symbol('hand over');

/** What a Case's own fields are filled from besides its representation: its unit and the check of it. */
export interface CaseRows {
  record: WarrantyRecord | null;
  check?: WarrantyCheckView | null;
}

const NO_ROWS: CaseRows = { record: null };

/** One response object: its keys in plan order. */
export function fill(fields: readonly Projection[], source: object, rows: CaseRows = NO_ROWS): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    if (field.kind === 'typename') {
      out[field.key] = field.value;
    } else if (field.kind === 'leaf') {
      const value = (source as Record<string, unknown>)[field.property];
      if (value === null || value === undefined) {
        if (field.nonNull) throw HAND_OVER;
        out[field.key] = null;
        continue;
      }
      let serialized: unknown;
      try {
        serialized = field.type.serialize(value);
      } catch {
        throw HAND_OVER;
      }
      if (serialized === null || serialized === undefined) throw HAND_OVER;
      out[field.key] = serialized;
    } else if (field.kind === 'record') {
      out[field.key] = rows.record ? fill(field.fields, rows.record, { record: rows.record }) : null;
    } else if (field.kind === 'check') {
      out[field.key] = rows.check ? fill(field.fields, rows.check) : null;
    } else {
      const value = (source as Record<string, unknown>)[field.property];
      if (value === null || value === undefined) {
        if (field.nonNull) throw HAND_OVER;
        out[field.key] = null;
      } else if (field.list) {
        if (!Array.isArray(value)) throw HAND_OVER;
        const itemNonNull = field.list.itemNonNull;
        out[field.key] = value.map((item) => {
          if (item === null || item === undefined) {
            if (itemNonNull) throw HAND_OVER;
            return null;
          }
          return fill(field.fields, item as object);
        });
      } else {
        out[field.key] = fill(field.fields, value as object);
      }
    }
  }
  return out;
}
