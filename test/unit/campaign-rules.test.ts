import { priceClaim } from '../../src/claims/line-coverage';
import { campaignOrder, checkPublication, inPeriod, monthlyProgress, rangeAffects, remedyLines, unitChangeProblem } from '../../src/campaigns/campaign-rules';
import type { OperationInForce } from '../../src/labour/labour-rules';

/** Rule 19, the pure part: which units a SKU range affects, how a campaign claim is priced by the remedy, and the rest. */
describe('rangeAffects: a SKU range and the production date', () => {
  const range = (producedFrom: string | null, producedTo: string | null) => ({ sku: 'INV-1', producedFrom, producedTo });
  it.each([
    ['within', range('2024-01-01', '2024-06-30'), { sku: 'INV-1', productionDate: '2024-03-15' }, true],
    ['on the first day', range('2024-01-01', '2024-06-30'), { sku: 'INV-1', productionDate: '2024-01-01' }, true],
    ['on the last day', range('2024-01-01', '2024-06-30'), { sku: 'INV-1', productionDate: '2024-06-30' }, true],
    ['a day before', range('2024-01-01', '2024-06-30'), { sku: 'INV-1', productionDate: '2023-12-31' }, false],
    ['a day after', range('2024-01-01', '2024-06-30'), { sku: 'INV-1', productionDate: '2024-07-01' }, false],
    ['another SKU', range('2024-01-01', '2024-06-30'), { sku: 'INV-2', productionDate: '2024-03-15' }, false],
    ['open start', range(null, '2024-06-30'), { sku: 'INV-1', productionDate: '2019-01-01' }, true],
    ['open end', range('2024-01-01', null), { sku: 'INV-1', productionDate: '2030-01-01' }, true],
    ['no production date, bounded range', range('2024-01-01', '2024-06-30'), { sku: 'INV-1', productionDate: null }, false],
    ['no production date, half-open range', range('2024-01-01', null), { sku: 'INV-1', productionDate: null }, false],
    ['no production date, the whole SKU', range(null, null), { sku: 'INV-1', productionDate: null }, true],
    ['the whole SKU', range(null, null), { sku: 'INV-1', productionDate: '2010-05-05' }, true],
  ])('%s', (_, r, unit, expected) => {
    expect(rangeAffects(r, unit)).toBe(expected);
  });
});

describe('remedyLines and priceClaim: a campaign claim priced by the remedy', () => {
  const op = (code: string, hours: string, extra: Partial<OperationInForce> = {}): OperationInForce => ({
    id: `id-${code}`, code, version: 1, productFamily: 'INVERTER', sku: null, standardHours: hours, retired: false, validFrom: '2025-01-01', ...extra,
  });
  const unit = { productFamily: 'INVERTER', sku: 'INV-1', region: 'DE-AT-CH' };
  const pays = () => ({ paysParts: true, paysLabour: true, reason: 'campaign RC-1 pays' });

  it.each([
    ['one operation at the approved rate, one part', ['INV-PB-SWAP'], [op('INV-PB-SWAP', '2.00')], '75.00', [{ partNumber: 'PB', quantity: '1', unitPrice: '120.00' }], 'EUR', ['150.00', '120.00'], '270.00'],
    ['two operations, fractional hours', ['A', 'B'], [op('A', '0.75'), op('B', '1.5')], '65.00', [], 'EUR', ['48.75', '97.50'], '146.25'],
    ['parts only, quantities', [], [], null, [{ partNumber: 'CELL', quantity: '3', unitPrice: '99.99' }, { partNumber: 'SEAL', quantity: '2.5', unitPrice: '0.10' }], 'EUR', ['299.97', '0.25'], '300.22'],
    ['a currency without minor units', ['A'], [op('A', '1.5')], '9000', [{ partNumber: 'P', quantity: '1', unitPrice: '12345' }], 'JPY', ['13500', '12345'], '25845'],
  ])('%s', (_, codes, inForce, rate, parts, currency, amounts, total) => {
    const remedy = { currency, labourOperations: codes, parts };
    const { lines, flatRates, refusals } = remedyLines(remedy, inForce, rate, unit, '2026-11-20');
    expect(refusals).toEqual([]);
    const priced = priceClaim(currency, lines, null, pays, flatRates);
    expect(priced.lines.map((l) => l.amount)).toEqual(amounts);
    expect(priced.lines.every((l) => l.covered && Number(l.selfPaidAmount) === 0)).toBe(true);
    expect(priced.coveredTotal).toBe(total);
    expect(priced.cover).toBe('COVERED');
  });

  it.each([
    ['an operation not in force', ['GONE'], [], '75', 'UNKNOWN_LABOUR_OPERATION'],
    ['a retired operation', ['A'], [op('A', '1', { retired: true, standardHours: null })], '75', 'UNKNOWN_LABOUR_OPERATION'],
    ['an operation for another family', ['B'], [op('B', '1', { productFamily: 'BATTERY' })], '75', 'LABOUR_OPERATION_NOT_FOR_UNIT'],
    ['no approved rate', ['A'], [op('A', '1')], null, 'BAD_USER_INPUT'],
  ])('refuses %s', (_, codes, inForce, rate, code) => {
    const { refusals, lines } = remedyLines({ currency: 'EUR', labourOperations: codes, parts: [] }, inForce, rate, unit, '2026-11-20');
    expect(lines).toEqual([]);
    expect(refusals.map((r) => r.code)).toContain(code);
  });
});

describe('checkPublication', () => {
  const valid = { code: ' rc-1 ', title: 'T', kind: 'SAFETY_RECALL' as const, periodFrom: '2026-01-01', remedy: { currency: 'eur', labourOperations: ['inv-diag'], parts: [] }, serialNumbers: ['sn-1', 'SN-1 '] };
  it('normalises a good publication', () => {
    const { campaign, problems } = checkPublication(valid);
    expect(problems).toEqual([]);
    expect(campaign).toMatchObject({ code: 'RC-1', periodTo: null, remedy: { currency: 'EUR', labourOperations: ['INV-DIAG'] }, serialNumbers: ['SN-1'] });
  });
  it.each([
    ['no units', { serialNumbers: [] }, 'NO_AFFECTED_UNITS', 'skuRanges'],
    ['a bad code', { code: '--' }, 'BAD_USER_INPUT', 'code'],
    ['an empty remedy', { remedy: { currency: 'EUR', labourOperations: [], parts: [] } }, 'BAD_USER_INPUT', 'remedy'],
    ['an unknown currency', { remedy: { currency: 'XYZ', labourOperations: ['A'], parts: [] } }, 'BAD_USER_INPUT', 'remedy'],
    ['a period ending before it starts', { periodTo: '2025-12-31' }, 'BAD_USER_INPUT', 'periodTo'],
    ['a negative quantity', { remedy: { currency: 'EUR', labourOperations: [], parts: [{ partNumber: 'P', quantity: '-1', unitPrice: '1' }] } }, 'BAD_USER_INPUT', 'remedy'],
    ['a price finer than the currency', { remedy: { currency: 'EUR', labourOperations: [], parts: [{ partNumber: 'P', quantity: '1', unitPrice: '1.001' }] } }, 'BAD_USER_INPUT', 'remedy'],
    ['a range ending before it starts', { skuRanges: [{ sku: 'S', producedFrom: '2024-02-01', producedTo: '2024-01-01' }] }, 'BAD_USER_INPUT', 'skuRanges'],
  ])('refuses %s', (_, change, code, field) => {
    const { campaign, problems } = checkPublication({ ...valid, ...change } as never);
    expect(campaign).toBeNull();
    expect(problems.some((p) => p.code === code && p.field?.[1] === field)).toBe(true);
  });
});

describe('the rest of rule 19', () => {
  it('inPeriod: both ends included, no end is until further notice', () => {
    expect(inPeriod({ periodFrom: '2026-01-01', periodTo: '2026-06-30' }, '2026-06-30')).toBe(true);
    expect(inPeriod({ periodFrom: '2026-01-01', periodTo: '2026-06-30' }, '2026-07-01')).toBe(false);
    expect(inPeriod({ periodFrom: '2026-01-01', periodTo: null }, '2099-01-01')).toBe(true);
    expect(inPeriod({ periodFrom: '2026-01-01', periodTo: null }, '2025-12-31')).toBe(false);
  });
  it('unitChangeProblem: only an OPEN unit is completed or set aside', () => {
    expect(unitChangeProblem('OPEN', 'NOT_APPLICABLE')).toBeNull();
    expect(unitChangeProblem('COMPLETED', 'NOT_APPLICABLE')).toMatch(/COMPLETED/);
    expect(unitChangeProblem('NOT_APPLICABLE', 'NOT_APPLICABLE')).toMatch(/NOT_APPLICABLE/);
  });
  it('campaignOrder: safety recalls first, then by period start and code', () => {
    const list = [
      { kind: 'SERVICE_CAMPAIGN' as const, periodFrom: '2025-01-01', code: 'A' },
      { kind: 'SAFETY_RECALL' as const, periodFrom: '2026-01-01', code: 'B' },
      { kind: 'SAFETY_RECALL' as const, periodFrom: '2025-06-01', code: 'C' },
    ];
    expect([...list].sort(campaignOrder).map((c) => c.code)).toEqual(['C', 'B', 'A']);
  });
  it('monthlyProgress: months filled in, open units at each end', () => {
    expect(monthlyProgress([
      { month: '2026-11', added: 10, completed: 1, notApplicable: 0 },
      { month: '2027-01', added: 0, completed: 3, notApplicable: 2 },
    ])).toEqual([
      { month: '2026-11', added: 10, completed: 1, notApplicable: 0, openAtEnd: 9 },
      { month: '2026-12', added: 0, completed: 0, notApplicable: 0, openAtEnd: 9 },
      { month: '2027-01', added: 0, completed: 3, notApplicable: 2, openAtEnd: 4 },
    ]);
    expect(monthlyProgress([])).toEqual([]);
  });
});
