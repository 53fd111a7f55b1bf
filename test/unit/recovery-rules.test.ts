import fc from 'fast-check';
import { DomainError } from '../../src/common/errors';
import { normaliseContract, planContracts, type ContractInput, type StoredContract } from '../../src/recovery/recovery-input';
import {
  RECOVERY_ACTIONS, RECOVERY_STATUSES, allocate, contractFor, decideRecoveryAnswer, planRecovery, recoveryRate, withinWindow, type ContractTerms, type ClosedLine,
} from '../../src/recovery/recovery-rules';

const contract = (over: Partial<ContractTerms> = {}): ContractTerms => ({
  id: 'k1', code: 'INV-PB', version: 1, supplierId: 'sup-a', partNumbers: ['PB-10K'], component: null, productFamily: null,
  recoverySharePct: '80.00', windowMonths: 24, labourSharePct: null, cap: null, validFrom: '2020-01-01', validTo: null, ...over,
});
const part = (id: string, partNumber: string, covered: string, over: Partial<ClosedLine> = {}): ClosedLine => ({ id, kind: 'PART', partNumber, component: null, coveredAmount: covered, faultDenied: false, ...over });
const labour = (id: string, covered: string): ClosedLine => ({ id, kind: 'LABOUR', partNumber: null, component: null, coveredAmount: covered, faultDenied: false });
const plan = (lines: ClosedLine[], contracts: ContractTerms[], over: { currency?: string; repairDate?: string; warrantyStart?: string | null } = {}) =>
  planRecovery({ currency: over.currency ?? 'EUR', repairDate: over.repairDate ?? '2026-11-20', warrantyStart: over.warrantyStart === undefined ? '2025-06-01' : over.warrantyStart, productFamily: 'INVERTER', lines, contracts });

describe('recovery amounts (rule 20)', () => {
  it.each([
    // share, labour share, part, labour lines, expected part amount, labour amount, total
    ['80.00', null, '249.99', [], '199.99', '0.00', '199.99'],
    ['100.00', null, '249.99', [], '249.99', '0.00', '249.99'],
    ['0.00', null, '249.99', [], '0.00', '0.00', '0.00'],
    ['33.33', null, '100.00', [], '33.33', '0.00', '33.33'],
    ['50.00', '50.00', '200.00', ['150.00'], '100.00', '75.00', '175.00'],
    ['50.00', '100.00', '200.00', ['150.00', '50.00'], '100.00', '200.00', '300.00'],
    ['12.50', '12.50', '0.04', ['0.04'], '0.01', '0.01', '0.02'],
  ])('share %s %%, labour share %s %% of %s with labour %j: part %s, labour %s, total %s', (share, labourShare, amount, labours, partAmount, labourAmount, total) => {
    const lines = [part('l1', 'PB-10K', amount), ...labours.map((l, i) => labour(`lab${i}`, l))];
    const [supplier] = plan(lines, [contract({ recoverySharePct: share, labourSharePct: labourShare })]);
    expect(supplier.lines[0]).toMatchObject({ partAmount, labourAmount, amount: total, notRecovered: null });
    expect(supplier.claimed).toBe(total);
  });

  it('attributes labour to the parts in proportion to their covered amounts (the parts without a contract take their part)', () => {
    const [supplier] = plan([part('a', 'PB-10K', '300.00'), part('b', 'FAN-1', '100.00'), labour('x', '100.00')], [contract({ labourSharePct: '100.00' })]);
    expect(supplier.lines).toHaveLength(1);
    expect(supplier.lines[0]).toMatchObject({ labourBase: '75.00', labourAmount: '75.00', partAmount: '240.00', amount: '315.00' });
  });

  it('rounds to the currency minor unit: 0 for JPY, 3 for KWD', () => {
    expect(plan([part('a', 'PB-10K', '1001')], [contract({ recoverySharePct: '33.33' })], { currency: 'JPY' })[0].lines[0].amount).toBe('334');
    expect(plan([part('a', 'PB-10K', '10.001')], [contract({ recoverySharePct: '50.00' })], { currency: 'KWD' })[0].lines[0].amount).toBe('5.001');
  });

  it('caps per claim and contract, shared out so the lines add up to the cap exactly', () => {
    const [supplier] = plan([part('a', 'PB-10K', '100.00'), part('b', 'PB-10K', '200.00')], [contract({ recoverySharePct: '100.00', cap: { amount: '100.00', currency: 'EUR' } })]);
    expect(supplier.lines.map((l) => l.amount)).toEqual(['33.33', '66.67']);
    expect(supplier.lines.every((l) => l.capped)).toBe(true);
    expect(supplier.claimed).toBe('100.00');
  });

  it('leaves a cap in another currency than the claim unapplied', () => {
    const [supplier] = plan([part('a', 'PB-10K', '500.00')], [contract({ recoverySharePct: '100.00', cap: { amount: '100.00', currency: 'EUR' } })], { currency: 'PLN' });
    expect(supplier.lines[0]).toMatchObject({ amount: '500.00', capped: false });
  });

  it.each([
    ['2025-06-01', '2027-05-31', true],
    ['2025-06-01', '2027-06-01', false],
    ['2025-06-01', '2025-05-31', false],
    ['2024-01-31', '2026-01-30', true],
    [null, '2026-01-01', false],
  ])('a 24-month window from %s covers a repair on %s: %s', (start, repair, inside) => {
    expect(withinWindow(start, 24, repair)).toBe(inside);
  });

  it('keeps a part outside the window or inspected without a fault as the supplier\'s, not recovered', () => {
    const outside = plan([part('a', 'PB-10K', '100.00')], [contract({ windowMonths: 12 })]);
    expect(outside[0].lines[0].notRecovered).toMatch(/after the 12-month window/);
    expect(outside[0].claimed).toBe('0.00');
    const denied = plan([part('a', 'PB-10K', '100.00', { faultDenied: true })], [contract()]);
    expect(denied[0].lines[0].notRecovered).toMatch(/NO_FAULT_FOUND/);
  });

  it('recovers nothing for a self-paid part or one without a contract in force on the repair date', () => {
    expect(plan([part('a', 'PB-10K', '0')], [contract()])).toEqual([]);
    expect(plan([part('a', 'PB-10K', '10.00')], [contract({ validFrom: '2026-12-01' })])).toEqual([]);
    expect(plan([part('a', 'PB-10K', '10.00')], [contract({ validTo: '2026-11-19' })])).toEqual([]);
  });

  it('makes one plan per supplier', () => {
    const plans = plan([part('a', 'PB-10K', '100.00'), part('b', 'CELL-1', '50.00', { component: 'CELLS' })], [
      contract(), contract({ id: 'k2', code: 'BAT', supplierId: 'sup-b', partNumbers: [], component: 'CELLS', recoverySharePct: '10.00' }),
    ]);
    expect(plans.map((p) => [p.supplierId, p.claimed])).toEqual([['sup-a', '80.00'], ['sup-b', '5.00']]);
  });

  it('sums: the lines of a capped contract never exceed the cap, and each line is its exact share rounded (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 1_000_000 }), (cents, shareBp, capCents) => {
        const lines = cents.map((c, i) => part(`l${i}`, 'PB-10K', (c / 100).toFixed(2)));
        const share = (shareBp / 100).toFixed(2);
        const cap = { amount: (capCents / 100).toFixed(2), currency: 'EUR' };
        const [supplier] = plan(lines, [contract({ recoverySharePct: share, cap })]);
        const total = supplier.lines.reduce((s, l) => s + Math.round(Number(l.amount) * 100), 0);
        expect(total).toBeLessThanOrEqual(capCents);
        expect(Math.round(Number(supplier.claimed) * 100)).toBe(total);
      }),
      { numRuns: 300 },
    );
  });

  it('allocate adds up to the total exactly (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 1_000_000 }), (weights, total) => {
        const shares = allocate((total / 100).toFixed(2), weights.map((w) => (w / 100).toFixed(2)), 2);
        const sum = shares.reduce((s, x) => s + Math.round(Number(x) * 100), 0);
        expect(sum).toBe(weights.every((w) => w === 0) ? 0 : total);
      }),
    );
  });
});

describe('which contract answers for a part', () => {
  const byPart = contract();
  const byComponent = contract({ id: 'k2', code: 'C', partNumbers: [], component: 'POWER_BOARD', supplierId: 'sup-b' });
  const byFamilyComponent = contract({ id: 'k3', code: 'CF', partNumbers: [], component: 'POWER_BOARD', productFamily: 'INVERTER', supplierId: 'sup-c' });
  it.each([
    ['PB-10K', 'POWER_BOARD', 'k1'],
    ['PB-OTHER', 'POWER_BOARD', 'k3'],
    ['PB-OTHER', null, null],
  ])('%s (%s) is answered for by %s', (partNumber, component, id) => {
    expect(contractFor([byPart, byComponent, byFamilyComponent], { partNumber, component, productFamily: 'INVERTER' }, '2026-01-01')?.id ?? null).toBe(id);
  });
  it('a later version takes over from its validFrom', () => {
    const v2 = contract({ id: 'k1v2', version: 2, validFrom: '2026-01-01', recoverySharePct: '50.00' });
    expect(contractFor([byPart, v2], { partNumber: 'PB-10K', component: null, productFamily: 'INVERTER' }, '2025-12-31')?.id).toBe('k1');
    expect(contractFor([byPart, v2], { partNumber: 'PB-10K', component: null, productFamily: 'INVERTER' }, '2026-01-01')?.id).toBe('k1v2');
  });
});

describe('recovery claim states', () => {
  const state = (status: (typeof RECOVERY_STATUSES)[number], accepted: string | null = null, paid: string | null = null) => ({ status, claimed: '100.00', accepted, paid, currency: 'EUR' });
  const legal: Record<string, string> = {
    'OPEN/SUBMIT': 'SUBMITTED', 'SUBMITTED/ACCEPT': 'ACCEPTED', 'SUBMITTED/REJECT': 'REJECTED', 'ACCEPTED/PAY': 'PAID', 'ACCEPTED/WRITE_OFF': 'WRITTEN_OFF', 'REJECTED/WRITE_OFF': 'WRITTEN_OFF',
  };
  const table = RECOVERY_STATUSES.flatMap((status) => RECOVERY_ACTIONS.map((action) => [status, action] as const));
  it.each(table)('%s + %s', (status, action) => {
    const decision = decideRecoveryAnswer(state(status, status === 'ACCEPTED' || status === 'PAID' ? '100.00' : null, status === 'PAID' ? '100.00' : null), action, null);
    const to = legal[`${status}/${action}`];
    if (to) expect(decision).toMatchObject({ ok: true, replay: false, to });
    else if (decision.ok) expect(decision.replay).toBe(true);
    else expect(decision).toMatchObject({ ok: false, code: 'INVALID_TRANSITION', field: 'action' });
  });
  it('accepts part of the claimed amount, refuses more', () => {
    expect(decideRecoveryAnswer(state('SUBMITTED'), 'ACCEPT', '60.5')).toMatchObject({ ok: true, to: 'ACCEPTED', accepted: '60.50' });
    expect(decideRecoveryAnswer(state('SUBMITTED'), 'ACCEPT', '100.01')).toMatchObject({ ok: false, code: 'BAD_USER_INPUT', field: 'amount' });
    expect(decideRecoveryAnswer(state('SUBMITTED'), 'ACCEPT', '0')).toMatchObject({ ok: false, field: 'amount' });
    expect(decideRecoveryAnswer(state('SUBMITTED'), 'ACCEPT', '1.001')).toMatchObject({ ok: false, field: 'amount' });
    expect(decideRecoveryAnswer(state('ACCEPTED', '60.00'), 'PAY', '60.01')).toMatchObject({ ok: false, field: 'amount' });
    expect(decideRecoveryAnswer(state('ACCEPTED', '60.00'), 'PAY', null)).toMatchObject({ ok: true, to: 'PAID', paid: '60.00' });
  });
  it('the same answer again is a replay; another amount is refused', () => {
    expect(decideRecoveryAnswer(state('ACCEPTED', '60.00'), 'ACCEPT', '60')).toEqual({ ok: true, replay: true });
    expect(decideRecoveryAnswer(state('ACCEPTED', '60.00'), 'ACCEPT', '70')).toMatchObject({ ok: false, code: 'INVALID_TRANSITION' });
  });
  it('the rate is paid over warranty paid', () => {
    expect(recoveryRate('25.00', '100.00')).toBe('0.2500');
    expect(recoveryRate('0', '0')).toBeNull();
  });
});

describe('contract versions as sent', () => {
  const input = (over: Partial<ContractInput> = {}): ContractInput => ({
    code: 'inv-pb', version: 1, supplierCode: 'acme', partNumbers: ['PB-10K'], recoverySharePct: '80', windowMonths: 24, validFrom: '2020-01-01', ...over,
  });
  const errors = (over: Partial<ContractInput>) => {
    const problems: DomainError[] = [];
    normaliseContract(input(over), ['input', 'contracts', '0'], problems);
    return problems.map((p) => [p.code, p.field!.slice(3).join('.')]);
  };
  it.each([
    [{ recoverySharePct: '100.01' }, 'recoverySharePct'],
    [{ recoverySharePct: '-1' }, 'recoverySharePct'],
    [{ recoverySharePct: '12.345' }, 'recoverySharePct'],
    [{ labourSharePct: '101' }, 'labourSharePct'],
    [{ windowMonths: 0 }, 'windowMonths'],
    [{ partNumbers: [], component: null }, 'component'],
    [{ component: 'CELLS' }, 'partNumbers'],
    [{ capPerClaim: { amount: '10.001', currency: 'EUR' } }, 'capPerClaim.amount'],
    [{ capPerClaim: { amount: '10', currency: 'XXY' } }, 'capPerClaim.currency'],
    [{ validTo: '2019-12-31' }, 'validTo'],
  ])('%j is refused at %s', (over, field) => {
    expect(errors(over)).toEqual([['BAD_USER_INPUT', field]]);
  });
  it('normalises codes, shares and part numbers', () => {
    const problems: DomainError[] = [];
    expect(normaliseContract(input({ partNumbers: [' PB-2', 'PB-1', 'PB-1'] }), [], problems)).toMatchObject({ code: 'INV-PB', supplierCode: 'ACME', recoverySharePct: '80.00', partNumbers: ['PB-1', 'PB-2'] });
  });
  const stored = (over: Partial<StoredContract> = {}): StoredContract => ({ ...contract({ code: 'INV-PB', recoverySharePct: '80.00' }), supplierCode: 'ACME', ...over });
  const norm = (over: Partial<ContractInput>) => normaliseContract(input(over), [], [])!;
  const path = (i: number) => ['input', 'contracts', String(i)];
  it.each([
    ['unchanged', [stored()], [norm({})], { create: [], unchanged: [0], codes: [] }],
    ['the next version', [stored()], [norm({ version: 2, validFrom: '2026-01-01' })], { create: [0], unchanged: [], codes: [] }],
    ['an edited version', [stored()], [norm({ recoverySharePct: '50' })], { create: [], unchanged: [], codes: ['DUPLICATE_VERSION'] }],
    ['a skipped version', [stored()], [norm({ version: 3 })], { create: [], unchanged: [], codes: ['BAD_USER_INPUT'] }],
    ['another contract for the same part on common days', [stored()], [norm({ code: 'OTHER' })], { create: [], unchanged: [], codes: ['CONTRACT_OVERLAP'] }],
    ['another contract for the same part after the first ends', [stored({ validTo: '2025-12-31' })], [norm({ code: 'OTHER', validFrom: '2026-01-01' })], { create: [0], unchanged: [], codes: [] }],
    ['another contract for another part', [stored()], [norm({ code: 'OTHER', partNumbers: ['FAN-1'] })], { create: [0], unchanged: [], codes: [] }],
  ])('%s', (_, storedRows, sent, expected) => {
    const result = planContracts(storedRows, sent, path);
    expect({ create: result.create, unchanged: result.unchanged, codes: result.problems.map((p) => p.code) }).toEqual(expected);
  });
});
