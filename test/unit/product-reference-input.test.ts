import { DomainError } from '../../src/common/errors';
import { normaliseProductReference } from '../../src/products/product-reference-input';

/**
 * The capacity a reference may carry is what numeric(8,2) keeps above 0 (the column's check): a positive capacity
 * that rounds to 0.00 was accepted and then refused by the check constraint, an INTERNAL_SERVER_ERROR (found by
 * the fuzz: `capacityKwh: 3.5e-232`).
 */
describe('normaliseProductReference capacity', () => {
  const reference = (capacityKwh: number) => ({ sku: 'B-1', productId: 'p1', productFamily: 'BATTERY', capacityKwh });
  const refusal = (capacityKwh: number) => {
    try {
      normaliseProductReference(reference(capacityKwh), ['input', 'references', '0']);
    } catch (error) {
      return error instanceof DomainError ? { code: error.code, field: error.field } : error;
    }
    return null;
  };

  it.each([3.5e-232, 5e-324, 1e-9, 0.004999999, 0.001])('refuses %p, which the column would keep as 0.00, with its field', (capacityKwh) => {
    expect(refusal(capacityKwh)).toEqual({ code: 'BAD_USER_INPUT', field: ['input', 'references', '0', 'capacityKwh'] });
  });

  it.each([0.01, 10.24, 999999.99])('keeps %p', (capacityKwh) => {
    expect(normaliseProductReference(reference(capacityKwh), []).capacityKwh).toBe(capacityKwh);
  });
});
