import { autoApproval, toleranceJudgement } from '../../src/claims/approval-rules';
import type { ClaimCover } from '../../src/claims/claim-states';

const LIMITS = { autoApprovalLimits: { EUR: '500.00', JPY: '50000' } };

describe('rule 16: approval at intake', () => {
  const cases: Array<[string, ClaimCover, string, string, boolean, string | null]> = [
    ['covered, below the limit', 'COVERED', '240.00', 'EUR', true, '500.00'],
    ['covered, exactly the limit', 'COVERED', '500.00', 'EUR', true, '500.00'],
    ['covered, a cent above', 'COVERED', '500.01', 'EUR', false, '500.00'],
    ['covered, nothing to pay', 'COVERED', '0.00', 'EUR', true, '500.00'],
    ['covered, another currency with a limit', 'COVERED', '49999', 'JPY', true, '50000'],
    ['covered, a currency without a limit', 'COVERED', '1.00', 'GBP', false, null],
    ['partly covered, however small', 'PARTLY_COVERED', '1.00', 'EUR', false, '500.00'],
    ['not covered', 'NOT_COVERED', '0.00', 'EUR', false, '500.00'],
  ];
  it.each(cases)('%s', (_, cover, coveredTotal, currency, approve, limit) => {
    const result = autoApproval({ cover, coveredTotal, currency }, LIMITS, 'INVERTER EU v1');
    expect(result).toMatchObject({ approve, limit });
    expect(result.reason).toMatch(/^rule 16: /);
  });

  it('cites the total, the limit and the policy version when it approves', () => {
    expect(autoApproval({ cover: 'COVERED', coveredTotal: '240.00', currency: 'EUR' }, LIMITS, 'INVERTER EU v3').reason).toBe(
      'rule 16: approved at intake by the system: fully covered, covered total 240.00 EUR within the auto-approval limit 500.00 EUR of INVERTER EU v3',
    );
  });
});

describe('rule 15: the amendment tolerance', () => {
  const terms = (pct: number | null, amounts: Record<string, string> = {}) => ({ amendmentTolerancePct: pct, amendmentToleranceAmounts: amounts });
  const cases: Array<[string, string | null, string, ReturnType<typeof terms>, boolean, string | null]> = [
    ['not approved yet: nothing to exceed', null, '9999.00', terms(0), false, null],
    ['10 %: a rise of exactly 10 % is within', '200.00', '220.00', terms(10), false, '20.00'],
    ['10 %: a cent more needs approval', '200.00', '220.01', terms(10), true, '20.00'],
    ['10 % capped at 50: the cap applies', '1000.00', '1050.00', terms(10, { EUR: '50.00' }), false, '50.00'],
    ['10 % capped at 50: past the cap', '1000.00', '1050.01', terms(10, { EUR: '50.00' }), true, '50.00'],
    ['10 % and 50: the percentage is smaller', '100.00', '110.01', terms(10, { EUR: '50.00' }), true, '10.00'],
    ['an amount only', '100.00', '125.00', terms(null, { EUR: '25.00' }), false, '25.00'],
    ['an amount for another currency only: none for this one', '100.00', '100.01', terms(null, { GBP: '25.00' }), true, '0.00'],
    ['no tolerance: any rise needs approval', '100.00', '100.01', terms(null), true, '0.00'],
    ['no tolerance: no rise is fine', '100.00', '100.00', terms(null), false, '0.00'],
    ['a fall never needs approval', '100.00', '10.00', terms(null), false, '0.00'],
    ['the percentage rounds down to the minor unit', '33.33', '36.66', terms(10), false, '3.33'],
    ['the percentage rounds down: 3.334 is 3.33', '33.34', '36.68', terms(10), true, '3.33'],
  ];
  it.each(cases)('%s', (_, approved, covered, given, exceeded, allowance) => {
    const result = toleranceJudgement(approved, covered, 'EUR', given, 2);
    expect(result).toMatchObject({ exceeded, allowance });
    if (approved !== null) expect(result.reason).toMatch(/^rule 15: /);
  });

  it('says by how much it rose, against what', () => {
    expect(toleranceJudgement('240.00', '265.00', 'EUR', terms(10, { EUR: '50.00' }), 2)).toEqual({
      exceeded: true,
      allowance: '24.00',
      rise: '25.00',
      reason: 'rule 15: the covered total 265.00 EUR is 25.00 EUR above the approved 240.00 EUR, more than the tolerance 24.00 EUR (10 %, at most 50.00 EUR); the claim needs approval again',
    });
  });
});
