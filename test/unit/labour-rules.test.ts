import { DomainError, DomainErrors } from '../../src/common/errors';
import { normaliseLabourOperation, normaliseLabourOperations, normaliseLabourRate } from '../../src/labour/labour-input';
import { flatRateReason, flatRateSplit, flatRateTermsOf, type FlatRateTerms, type OperationInForce } from '../../src/labour/labour-rules';
import { planVersions, type StoredVersion } from '../../src/labour/labour-versions';
import { priceClaim } from '../../src/claims/line-coverage';

/** Rule 17 without the database: the caps, the reasons, the operation matching and the version plan. */
describe('flatRateSplit: covered hours at most the standard hours, the rate at most the approved rate', () => {
  it.each([
    // hours, rate, standard, approved, digits -> covered, selfPaid, amount
    ['within both', '2', '60', '2.5', '65.00', 2, '120.00', '0.00', '120.00'],
    ['hours capped', '3.5', '60', '2', '65.00', 2, '120.00', '90.00', '210.00'],
    ['rate capped', '2', '80', '2', '65.00', 2, '130.00', '30.00', '160.00'],
    ['both capped', '3', '80', '2', '65.00', 2, '130.00', '110.00', '240.00'],
    ['no approved rate: the rate is not capped', '3', '80', '2', null, 2, '160.00', '80.00', '240.00'],
    ['exactly at the caps', '2', '65', '2', '65', 2, '130.00', '0.00', '130.00'],
    ['rounding half-up at the minor unit', '1.333', '10.01', '1', '10.005', 2, '10.01', '3.33', '13.34'],
    ['JPY has no minor unit', '1.5', '7001', '1', '7000', 0, '7000', '3502', '10502'],
    ['a zero rate costs nothing', '4', '0', '1', '65', 2, '0.00', '0.00', '0.00'],
  ])('%s', (_, hours, rate, standardHours, approvedRate, digits, covered, selfPaid, amount) => {
    const split = flatRateSplit(hours as string, rate as string, { standardHours: standardHours as string, approvedRate: approvedRate as string | null }, digits as number);
    expect({ covered: split.covered, selfPaid: split.selfPaid, amount: split.amount }).toEqual({ covered, selfPaid, amount });
  });

  it('says the excess hours and the excess rate', () => {
    expect(flatRateSplit('3', '80', { standardHours: '2', approvedRate: '65' }, 2)).toMatchObject({
      coveredHours: '2', excessHours: '1', coveredRate: '65', excessRate: '15',
    });
  });
});

describe('flatRateReason', () => {
  const terms: FlatRateTerms = { operationId: 'op', code: 'INV-PB-SWAP', version: 2, standardHours: '2.00', approvedRate: '65.00', region: 'EU', currency: 'EUR' };
  it.each([
    ['within', '2', '60', ['the hours are within the standard hours', 'the rate is within the approved 65.00 EUR per hour for EU'], ['self-paid']],
    ['hours over', '3', '60', ['2 hours covered, the 1 hours above the standard hours self-paid', '60.00 EUR of the line is self-paid'], []],
    ['rate over', '2', '80', ['the 15.00 EUR per hour above it self-paid', '30.00 EUR of the line is self-paid'], []],
  ])('%s', (_, hours, rate, has, hasNot) => {
    const reason = flatRateReason(flatRateSplit(hours as string, rate as string, terms, 2), terms, 2);
    expect(reason).toContain('operation INV-PB-SWAP v2 (2 standard hours)');
    for (const text of has as string[]) expect(reason).toContain(text);
    for (const text of hasNot as string[]) expect(reason).not.toContain(text);
  });
  it('without an approved rate it says so', () => {
    const open = { ...terms, approvedRate: null };
    expect(flatRateReason(flatRateSplit('2', '80', open, 2), open, 2)).toContain('no labour rate is approved for EU in EUR, so the rate is not capped');
  });
});

describe('flatRateTermsOf: the operation named must be in force and for the unit', () => {
  const op = (code: string, over: Partial<OperationInForce> = {}): OperationInForce => ({
    id: `id-${code}`, code, version: 1, productFamily: 'INVERTER', sku: null, standardHours: '2.00', retired: false, validFrom: '2020-01-01', ...over,
  });
  const unit = { productFamily: 'INVERTER', sku: 'SOFAR-INV-10KTL-X-G2', region: 'EU' };
  it.each([
    ['family match', op('A'), null],
    ['SKU match', op('A', { productFamily: null, sku: 'SOFAR-INV-10KTL-X-G2' }), null],
    ['other family', op('A', { productFamily: 'BATTERY' }), 'LABOUR_OPERATION_NOT_FOR_UNIT'],
    ['other SKU of the same family', op('A', { productFamily: null, sku: 'SOFAR-INV-5KTLM-G3' }), 'LABOUR_OPERATION_NOT_FOR_UNIT'],
    ['retired', op('A', { retired: true, standardHours: null, version: 2 }), 'UNKNOWN_LABOUR_OPERATION'],
    ['not in force (none found)', null, 'UNKNOWN_LABOUR_OPERATION'],
  ])('%s', (_, found, refusal) => {
    const result = flatRateTermsOf([{ index: 3, code: 'A' }], found ? [found] : [], unit, '65.00', 'EUR', '2026-11-20');
    if (refusal === null) {
      expect(result.refusals).toEqual([]);
      expect(result.terms.get(3)).toMatchObject({ operationId: 'id-A', code: 'A', standardHours: '2.00', approvedRate: '65.00', region: 'EU', currency: 'EUR' });
    } else {
      expect(result.refusals).toEqual([expect.objectContaining({ index: 3, code: refusal })]);
      expect(result.terms.size).toBe(0);
    }
  });
});

describe('planVersions', () => {
  const row = (code: string, version: number, over: Partial<StoredVersion> = {}) => ({
    code, version, description: 'Replace the fan', productFamily: 'INVERTER', sku: null, standardHours: '1.00', validFrom: '2024-01-01', ...over,
  });
  const stored = (code: string, version: number, over: Partial<StoredVersion> = {}): StoredVersion => ({ ...row(code, version), retired: false, ...over });
  const path = (i: number) => ['input', 'operations', String(i)];
  it.each([
    ['a new code at version 1', [], [row('A', 1)], { create: [0], unchanged: [], problems: [] }],
    ['a new code at version 2', [], [row('A', 2)], { create: [], unchanged: [], problems: [['BAD_USER_INPUT', 'version']] }],
    ['the next version', [stored('A', 1)], [row('A', 2, { validFrom: '2025-01-01' })], { create: [0], unchanged: [], problems: [] }],
    ['two versions in one call, sent out of order', [], [row('A', 2, { validFrom: '2025-01-01' }), row('A', 1)], { create: [0, 1], unchanged: [], problems: [] }],
    ['the same version again, same values', [stored('A', 1)], [row('A', 1)], { create: [], unchanged: [0], problems: [] }],
    ['the same version, other hours', [stored('A', 1)], [row('A', 1, { standardHours: '1.50' })], { create: [], unchanged: [], problems: [['DUPLICATE_VERSION', 'version']] }],
    ['a version skipped', [stored('A', 1)], [row('A', 3)], { create: [], unchanged: [], problems: [['BAD_USER_INPUT', 'version']] }],
    ['valid before the previous version', [stored('A', 1)], [row('A', 2, { validFrom: '2023-12-31' })], { create: [], unchanged: [], problems: [['BAD_USER_INPUT', 'validFrom']] }],
    ['after a retirement', [stored('A', 1), stored('A', 2, { retired: true, standardHours: null })], [row('A', 3)], { create: [0], unchanged: [], problems: [] }],
  ])('%s', (_, existing, sent, expected) => {
    const plan = planVersions(existing as StoredVersion[], sent as never, path);
    expect({ create: plan.create, unchanged: plan.unchanged, problems: plan.problems.map((p) => [p.code, p.field!.at(-1)]) }).toEqual(expected);
  });
});

describe('operation and rate input', () => {
  const good = { code: ' inv-fan ', version: 1, description: ' Replace the fan ', productFamily: 'inverter', standardHours: '0.75', validFrom: '2024-01-01' };
  it('normalises a good operation', () => {
    expect(normaliseLabourOperation(good, [])).toEqual({ code: 'INV-FAN', version: 1, description: 'Replace the fan', productFamily: 'INVERTER', sku: null, standardHours: '0.75', validFrom: '2024-01-01' });
  });
  it.each([
    ['negative hours', { standardHours: '-1' }, 'standardHours'],
    ['zero hours', { standardHours: '0' }, 'standardHours'],
    ['three decimals', { standardHours: '1.125' }, 'standardHours'],
    ['too many hours', { standardHours: '1000.01' }, 'standardHours'],
    ['not a number', { standardHours: 'two' }, 'standardHours'],
    ['family and SKU', { sku: 'SOFAR-INV-10KTL-X-G2' }, 'sku'],
    ['neither family nor SKU', { productFamily: null }, 'productFamily'],
    ['bad code', { code: 'a b' }, 'code'],
    ['version 0', { version: 0 }, 'version'],
    ['empty description', { description: '  ' }, 'description'],
    ['no date', { validFrom: '2024-02-30' }, 'validFrom'],
  ])('refuses %s on its field', (_, change, field) => {
    expect(() => normaliseLabourOperation({ ...good, ...change } as never, ['x'])).toThrow(DomainError);
    try {
      normaliseLabourOperation({ ...good, ...change } as never, ['x']);
    } catch (error) {
      expect((error as DomainErrors).errors.map((e) => e.field)).toContainEqual(['x', field]);
    }
  });
  it('reports every bad row of a call, and a code and version sent twice', () => {
    try {
      normaliseLabourOperations([good, { ...good, standardHours: '0' }, good, { ...good, code: '' }], ['input', 'operations']);
      throw new Error('not refused');
    } catch (error) {
      expect((error as DomainErrors).errors.map((e) => [e.code, e.field!.join('.')])).toEqual([
        ['BAD_USER_INPUT', 'input.operations.1.standardHours'],
        ['DUPLICATE_VERSION', 'input.operations.2.version'],
        ['BAD_USER_INPUT', 'input.operations.3.code'],
      ]);
    }
  });
  it.each([
    ['a good rate', { amount: '65.5', currency: 'eur' }, null],
    ['zero', { amount: '0', currency: 'EUR' }, 'amount'],
    ['negative', { amount: '-5', currency: 'EUR' }, 'amount'],
    ['below the minor unit', { amount: '65.555', currency: 'EUR' }, 'amount'],
    ['decimals in JPY', { amount: '7000.5', currency: 'JPY' }, 'amount'],
    ['unknown currency', { amount: '65', currency: 'EUX' }, 'currency'],
  ])('rate: %s', (_, hourlyRate, field) => {
    const run = () => normaliseLabourRate({ region: 'eu', hourlyRate, validFrom: '2024-01-01' }, ['input']);
    if (field === null) expect(run()).toEqual({ region: 'EU', hourlyRate: { amount: '65.50', currency: 'EUR' }, validFrom: '2024-01-01' });
    else expect(() => run()).toThrow(expect.objectContaining({ errors: [expect.objectContaining({ field: ['input', 'hourlyRate', field] })] }));
  });
});

describe('priceClaim with flat-rate lines', () => {
  const covers = { paysParts: true, paysLabour: true, reason: 'within the term' };
  const terms: FlatRateTerms = { operationId: 'op-1', code: 'INV-PB-SWAP', version: 1, standardHours: '2', approvedRate: '65.00', region: 'EU', currency: 'EUR' };
  it('splits the capped line, totals add up, the claim is partly covered', () => {
    const priced = priceClaim('EUR', [
      { kind: 'PART', partNumber: 'PB', quantity: '1', unitPrice: '100' },
      { kind: 'LABOUR', hours: '3', rate: '80', operationCode: 'INV-PB-SWAP' },
      { kind: 'LABOUR', hours: '1', rate: '80' },
    ], null, () => covers, new Map([[1, terms]]));
    expect(priced.lines.map((l) => [l.amount, l.coveredAmount, l.selfPaidAmount, l.covered, l.operationId])).toEqual([
      ['100.00', '100.00', '0.00', true, null],
      ['240.00', '130.00', '110.00', true, 'op-1'],
      ['80.00', '80.00', '0.00', true, null],
    ]);
    expect(priced).toMatchObject({ coveredTotal: '310.00', selfPaidTotal: '110.00', total: '420.00', cover: 'PARTLY_COVERED' });
  });
  it('labour not covered at all: the whole line is self-paid, the operation named', () => {
    const priced = priceClaim('EUR', [{ kind: 'LABOUR', hours: '1', rate: '60', operationCode: 'INV-PB-SWAP' }], null, () => ({ ...covers, paysLabour: false }), new Map([[0, terms]]));
    expect(priced.lines[0]).toMatchObject({ covered: false, coveredAmount: '0.00', selfPaidAmount: '60.00' });
    expect(priced.lines[0].reason).toContain('(operation INV-PB-SWAP v1)');
    expect(priced.cover).toBe('NOT_COVERED');
  });
  it('within the caps: fully covered', () => {
    const priced = priceClaim('EUR', [{ kind: 'LABOUR', hours: '1.5', rate: '60', operationCode: 'INV-PB-SWAP' }], null, () => covers, new Map([[0, terms]]));
    expect(priced).toMatchObject({ cover: 'COVERED', coveredTotal: '90.00', selfPaidTotal: '0.00' });
  });
});
