import fc from 'fast-check';
import Decimal from 'decimal.js';
import { flatRateSplit } from '../../src/labour/labour-rules';

/** Rule 17's caps, for any line: the parts add up to the amount, neither is negative, covered hours ≤ standard hours. */
const decimal = (maxWhole: number, scale: number, min = 0) =>
  fc.tuple(fc.integer({ min, max: maxWhole }), fc.integer({ min: 0, max: 10 ** scale - 1 })).map(([whole, fraction]) => (scale === 0 ? `${whole}` : `${whole}.${String(fraction).padStart(scale, '0')}`));
const positive = (maxWhole: number, scale: number) => decimal(maxWhole, scale).filter((v) => new Decimal(v).greaterThan(0));

describe('flat-rate split (property)', () => {
  it('covered + self-paid = amount; 0 ≤ covered ≤ amount; covered hours ≤ standard hours and ≤ hours', () => {
    fc.assert(
      fc.property(
        positive(200, 4), decimal(10_000, 4), positive(999, 2), fc.option(positive(10_000, 2), { nil: null }), fc.constantFrom(0, 2, 3),
        (hours, rate, standardHours, approvedRate, digits) => {
          const split = flatRateSplit(hours, rate, { standardHours, approvedRate }, digits);
          const amount = new Decimal(split.amount);
          const covered = new Decimal(split.covered);
          const selfPaid = new Decimal(split.selfPaid);
          expect(covered.plus(selfPaid).equals(amount)).toBe(true);
          expect(covered.greaterThanOrEqualTo(0) && selfPaid.greaterThanOrEqualTo(0)).toBe(true);
          expect(new Decimal(split.coveredHours).lessThanOrEqualTo(standardHours)).toBe(true);
          expect(new Decimal(split.coveredHours).lessThanOrEqualTo(hours)).toBe(true);
          if (approvedRate !== null) expect(new Decimal(split.coveredRate).lessThanOrEqualTo(approvedRate)).toBe(true);
          expect(new Decimal(split.coveredHours).plus(split.excessHours).equals(hours)).toBe(true);
          expect(split.amount).toBe(new Decimal(hours).times(rate).toDecimalPlaces(digits, Decimal.ROUND_HALF_UP).toFixed(digits));
        },
      ),
      { numRuns: 500 },
    );
  });
});
