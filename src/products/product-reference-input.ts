import { DomainError } from '../common/errors';

/** The most references one call (or one import batch) may carry: one statement, one transaction, bounded. */
export const MAX_REFERENCES_PER_CALL = 1000;
export const MAX_SKU_LENGTH = 100;
export const MAX_PRODUCT_ID_LENGTH = 200;
/** numeric(8,2): six digits before the point, two after. */
export const MAX_CAPACITY_KWH = 999999.99;
/** The least capacity the column keeps above 0 (its check): anything smaller would be stored as 0.00. */
export const MIN_CAPACITY_KWH = 0.01;

/** Same shape as policy families, so every family a reference names can have a policy published for it. */
const FAMILY = /^[A-Z][A-Z0-9_]{1,31}$/;
// NUL cannot be stored in a PostgreSQL text column at all; the other control characters would make SKUs that
// look alike on a screen or in a CSV but never match at registration.
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface ProductReferenceInput {
  sku: string;
  productId: string;
  productFamily: string;
  capacityKwh?: number | null;
}

/** A reference as it will be stored: SKU and product id trimmed, family upper-case, capacity null when absent. */
export interface NormalisedProductReference {
  sku: string;
  productId: string;
  productFamily: string;
  capacityKwh: number | null;
}

function text(value: unknown, name: string, max: number, field: string[]): string {
  if (typeof value !== 'string') throw new DomainError('BAD_USER_INPUT', `${name} must be text`, field);
  const trimmed = value.trim();
  if (trimmed === '') throw new DomainError('BAD_USER_INPUT', `${name} must not be empty`, field);
  if (trimmed.length > max) throw new DomainError('BAD_USER_INPUT', `${name} must be at most ${max} characters (got ${trimmed.length})`, field);
  if (CONTROL.test(trimmed)) throw new DomainError('BAD_USER_INPUT', `${name} must not contain control characters (NUL, tab, line breaks ...)`, field);
  return trimmed;
}

/** Checks and normalises one reference; `path` is where it sits in the input, e.g. ["input","references","3"]. */
export function normaliseProductReference(input: ProductReferenceInput, path: string[]): NormalisedProductReference {
  const sku = text(input.sku, 'sku', MAX_SKU_LENGTH, [...path, 'sku']);
  const productId = text(input.productId, 'productId', MAX_PRODUCT_ID_LENGTH, [...path, 'productId']);
  const productFamily = typeof input.productFamily === 'string' ? input.productFamily.trim().toUpperCase() : '';
  if (!FAMILY.test(productFamily)) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `productFamily must be a family name such as BATTERY: a letter, then letters, digits or _ (2 to 32 characters; got "${String(input.productFamily ?? '')}")`,
      [...path, 'productFamily'],
    );
  }
  const capacityKwh = input.capacityKwh ?? null;
  if (capacityKwh !== null) {
    const field = [...path, 'capacityKwh'];
    if (typeof capacityKwh !== 'number' || !Number.isFinite(capacityKwh) || capacityKwh < MIN_CAPACITY_KWH || capacityKwh > MAX_CAPACITY_KWH) {
      throw new DomainError('BAD_USER_INPUT', `capacityKwh must be a number from ${MIN_CAPACITY_KWH} to ${MAX_CAPACITY_KWH} (got ${String(capacityKwh)})`, field);
    }
    // The column keeps two decimals; refusing more is better than storing a capacity nobody sent.
    if (Math.abs(capacityKwh * 100 - Math.round(capacityKwh * 100)) > 1e-6) {
      throw new DomainError('BAD_USER_INPUT', `capacityKwh may have at most two decimals (got ${capacityKwh})`, field);
    }
  }
  return { sku, productId, productFamily, capacityKwh };
}

/**
 * Checks a whole call: its size, every row, and that no SKU appears twice (after trimming). The first problem is
 * refused with the path of the field at fault; `basePath` is the list's own path, e.g. ["input","references"].
 */
export function normaliseProductReferences(inputs: ProductReferenceInput[], basePath: string[]): NormalisedProductReference[] {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new DomainError('BAD_USER_INPUT', 'references must hold at least one product reference', basePath);
  }
  if (inputs.length > MAX_REFERENCES_PER_CALL) {
    throw new DomainError(
      'BAD_USER_INPUT',
      `references may hold at most ${MAX_REFERENCES_PER_CALL} product references per call (got ${inputs.length}); send them in batches`,
      basePath,
    );
  }
  const firstIndexOfSku = new Map<string, number>();
  return inputs.map((input, index) => {
    const path = [...basePath, String(index)];
    const reference = normaliseProductReference(input, path);
    const earlier = firstIndexOfSku.get(reference.sku);
    if (earlier !== undefined) {
      throw new DomainError('BAD_USER_INPUT', `sku "${reference.sku}" appears twice (references ${earlier} and ${index}); send each SKU once`, [...path, 'sku']);
    }
    firstIndexOfSku.set(reference.sku, index);
    return reference;
  });
}
