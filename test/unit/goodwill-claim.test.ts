import fc from 'fast-check';
import { checkWarranty, type CheckableCoverage, type CheckableRecord, type CheckRequest } from '../../src/coverage/active-check';
import { isClaimBound, paysForRequest } from '../../src/coverage/claim-bound';
import { addDays, addMonths, daysBetween, type IsoDate } from '../../src/common/calendar';

/**
 * Rule 11: a GOODWILL coverage pays the one claim it was granted for. A check of the unit on a day, or any other
 * claim on the same unit and day, is decided as if the coverage were not there (it is shown, with a CLAIM check
 * that fails and says which claim it belongs to).
 */
const record: CheckableRecord = { serialNumber: 'SN-GW', notStartedReason: null, voidedOn: null, voidReason: null };
const base = {
  scope: 'CELLS', labourEndDate: null, mileageLimitKm: null, engineHoursLimit: null, throughputLimitMwh: null, sohGuaranteePct: null,
  paysParts: true, paysLabour: true, voidReason: null, policyLabel: null,
};
const standard: CheckableCoverage = { ...base, id: 'std', kind: 'STANDARD', startDate: '2024-01-01', endDate: '2034-01-01', voidedOn: '2026-11-01', voidReason: 'missed cell firmware' };
const goodwill = (claimId: string | null, id = 'gw'): CheckableCoverage => ({ ...base, id, kind: 'GOODWILL', startDate: '2026-11-24', endDate: '2026-11-24', labourEndDate: '2026-11-24', voidedOn: null, claimId });
const ask = (claimId?: string | null): CheckRequest => ({ repairDate: '2026-11-24', readings: {}, component: 'CELLS', claimId });

describe('goodwill pays its own claim only (table)', () => {
  it.each([
    ['its own claim', goodwill('claim-a'), 'claim-a', 'COVERED', 'PASS'],
    ['another claim on the same unit and day', goodwill('claim-a'), 'claim-b', 'SELF_PAID', 'FAIL'],
    ['a check of the unit on that day (no claim)', goodwill('claim-a'), undefined, 'SELF_PAID', 'FAIL'],
    ['a check with a null claim', goodwill('claim-a'), null, 'SELF_PAID', 'FAIL'],
    ['a goodwill row whose claim is not known: pays nothing', goodwill(null), 'claim-a', 'SELF_PAID', 'FAIL'],
    ['a goodwill row whose claim is not known, for a check', goodwill(null), undefined, 'SELF_PAID', 'FAIL'],
  ] as const)('%s', (_, coverage, claimId, decision, outcome) => {
    const result = checkWarranty(record, [standard, coverage], ask(claimId));
    expect(result.decision).toBe(decision);
    const shown = result.coverages.find((c) => c.coverage.kind === 'GOODWILL')!;
    expect(shown.checks[0]).toMatchObject({ check: 'CLAIM', outcome });
    expect(shown.active).toBe(outcome === 'PASS');
    if (outcome === 'FAIL' && coverage.claimId) expect(shown.checks[0].reason).toContain(`granted for claim ${coverage.claimId} only`);
  });

  it('an ordinary coverage has no CLAIM check and pays whatever the claim', () => {
    const open = { ...standard, voidedOn: null };
    for (const claimId of [undefined, null, 'claim-a']) {
      const result = checkWarranty(record, [open], ask(claimId));
      expect(result.decision).toBe('COVERED');
      expect(result.coverages[0].checks.map((c) => c.check)).not.toContain('CLAIM');
    }
    expect(isClaimBound(open)).toBe(false);
    expect(isClaimBound(goodwill(null))).toBe(true);
    expect(paysForRequest(goodwill('a'), { claimId: 'a' })).toBe(true);
    expect(paysForRequest(goodwill(null), { claimId: null })).toBe(false);
  });
});

describe('goodwill pays its own claim only (properties)', () => {
  const dateIn = (from: IsoDate, to: IsoDate) => fc.integer({ min: 0, max: daysBetween(from, to) }).map((n) => addDays(from, n));
  const coverageArb = fc
    .record({
      kind: fc.constantFrom<CheckableCoverage['kind']>('STANDARD', 'EXTENDED', 'PART'),
      scope: fc.constantFrom('UNIT', 'CELLS', 'POWERTRAIN'),
      start: dateIn('2020-01-01', '2027-12-31'),
      months: fc.integer({ min: 1, max: 120 }),
      paysParts: fc.boolean(),
      paysLabour: fc.boolean(),
      voidDays: fc.option(fc.integer({ min: 0, max: 4000 })),
    })
    .map((g): CheckableCoverage => ({
      ...base, id: `c-${g.kind}-${g.scope}-${g.start}-${g.months}`, kind: g.kind, scope: g.scope, startDate: g.start, endDate: addMonths(g.start, g.months),
      paysParts: g.paysParts, paysLabour: g.paysLabour, voidedOn: g.voidDays === null ? null : addDays(g.start, g.voidDays), voidReason: g.voidDays === null ? null : 'void',
    }));
  const goodwillArb = fc.record({
    scope: fc.constantFrom('UNIT', 'CELLS', 'POWERTRAIN'),
    day: dateIn('2020-01-01', '2030-12-31'),
    claimId: fc.option(fc.constantFrom('claim-a', 'claim-b', 'claim-c')),
  }).map((g): CheckableCoverage => ({ ...base, id: `gw-${g.scope}-${g.day}`, kind: 'GOODWILL', scope: g.scope, startDate: g.day, endDate: g.day, labourEndDate: g.day, voidedOn: null, claimId: g.claimId }));

  const requestArb = fc.record({
    repairDate: dateIn('2020-01-01', '2030-12-31'),
    component: fc.constantFrom<string | null>(null, 'UNIT', 'CELLS', 'POWERTRAIN'),
    claimId: fc.option(fc.constantFrom('claim-a', 'claim-b', 'claim-z')),
    costType: fc.constantFrom<'PARTS' | 'LABOUR' | null>(null, 'PARTS', 'LABOUR'),
  });

  it('goodwill granted for other claims changes no decision: the answer is the one without them', () => {
    fc.assert(
      fc.property(fc.array(coverageArb, { maxLength: 4 }), fc.array(goodwillArb, { maxLength: 4 }), requestArb, (coverages, goodwills, r) => {
        const request: CheckRequest = { repairDate: r.repairDate, readings: {}, component: r.component, costType: r.costType, claimId: r.claimId };
        const others = goodwills.filter((g) => g.claimId === null || g.claimId !== r.claimId);
        const withOthers = checkWarranty(record, [...coverages, ...others], request);
        const without = checkWarranty(record, coverages, request);
        expect([withOthers.decision, withOthers.paysParts, withOthers.paysLabour]).toEqual([without.decision, without.paysParts, without.paysLabour]);
        expect(withOthers.coverages.filter((c) => c.coverage.kind === 'GOODWILL').every((c) => !c.active && !c.paysParts && !c.paysLabour)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('no check without a claim is ever paid by a goodwill coverage', () => {
    fc.assert(
      fc.property(fc.array(goodwillArb, { minLength: 1, maxLength: 6 }), requestArb, (goodwills, r) => {
        const result = checkWarranty(record, goodwills, { repairDate: r.repairDate, readings: {}, component: r.component, costType: r.costType });
        expect(result.decision).toBe('SELF_PAID');
      }),
      { numRuns: 400 },
    );
  });

  it('its own claim on its day and component is paid parts and labour', () => {
    fc.assert(
      fc.property(goodwillArb.filter((g) => g.claimId !== null), (g) => {
        const component = g.scope === 'UNIT' ? null : g.scope;
        const result = checkWarranty(record, [g], { repairDate: g.startDate!, readings: {}, component, claimId: g.claimId });
        expect(result.decision).toBe('COVERED');
      }),
      { numRuns: 200 },
    );
  });
});
