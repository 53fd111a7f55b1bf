import {
  chargeBackOfInspection, chargeBackText, decideStep, isDueWithin, isOverdue, pickRule, returnDueAt, rmaNumber, type ReturnProgress,
} from '../../src/returns/return-rules';

/** Rule 18's pure rules: the RMA number, the window, due and overdue, each step of a return, and the charge-back. */
const COMPLETED = new Date('2026-11-24T12:00:00Z');
const at = (iso: string) => new Date(iso);

describe('rmaNumber', () => {
  it.each([
    [2026, 1, 'RMA-2026-000001'],
    [2026, 123, 'RMA-2026-000123'],
    [2027, 999_999, 'RMA-2027-999999'],
    [2027, 1_234_567, 'RMA-2027-1234567'],
  ])('%i #%i is %s', (year, sequence, expected) => expect(rmaNumber(year, sequence)).toBe(expected));
});

describe('the return window', () => {
  it.each([
    ['not completed: not due', null, 30, null],
    ['30 days after completion', COMPLETED, 30, '2026-12-24T12:00:00.000Z'],
    ['1 day', COMPLETED, 1, '2026-11-25T12:00:00.000Z'],
  ])('%s', (_, completed, days, due) => expect(returnDueAt(completed as Date | null, days as number)?.toISOString() ?? null).toBe(due));

  const facts = (over: Partial<Parameters<typeof isOverdue>[0]> = {}) => ({
    status: 'AUTHORISED' as const, windowDays: 30, receivedAt: null, chargedBackAt: null, completedAt: COMPLETED, ...over,
  });
  it.each([
    ['a day before the due instant', facts(), '2026-12-23T12:00:00Z', false],
    ['at the due instant (still on time)', facts(), '2026-12-24T12:00:00Z', false],
    ['a millisecond after', facts(), '2026-12-24T12:00:00.001Z', true],
    ['received: never overdue', facts({ receivedAt: at('2026-12-01T00:00:00Z') }), '2027-06-01T00:00:00Z', false],
    ['charged back already: not again', facts({ chargedBackAt: at('2026-12-25T00:00:00Z') }), '2027-06-01T00:00:00Z', false],
    ['claim not completed: not due', facts({ completedAt: null }), '2030-01-01T00:00:00Z', false],
  ])('overdue: %s', (_, f, now, expected) => expect(isOverdue(f, at(now))).toBe(expected));

  it.each([
    ['overdue counts as due', facts(), '2027-01-10T00:00:00Z', 0, true],
    ['due in 5 days, asked 7', facts(), '2026-12-19T12:00:00Z', 7, true],
    ['due in 10 days, asked 7', facts(), '2026-12-14T12:00:00Z', 7, false],
    ['received', facts({ receivedAt: COMPLETED }), '2026-12-24T12:00:00Z', 7, false],
    ['not completed', facts({ completedAt: null }), '2026-12-24T12:00:00Z', 3650, false],
  ])('due within: %s', (_, f, now, days, expected) => expect(isDueWithin(f, at(now), days)).toBe(expected));
});

describe('the charge-back decision', () => {
  it.each([
    ['CONFIRMED', null],
    ['NO_FAULT_FOUND', 'NO_FAULT_FOUND'],
    ['CUSTOMER_DAMAGE', 'CUSTOMER_DAMAGE'],
  ] as const)('an inspection %s charges back: %s', (outcome, reason) => expect(chargeBackOfInspection(outcome)).toBe(reason));

  it('says why, with the part and the RMA number', () => {
    expect(chargeBackText('NOT_RECEIVED', 'PB-10K', 'RMA-2026-000001', 30)).toBe('charged back: part PB-10K (RMA-2026-000001) was not received within 30 days of completion');
    expect(chargeBackText('NO_FAULT_FOUND', 'PB-10K', 'RMA-2026-000001', 30)).toMatch(/inspected NO_FAULT_FOUND: no fault was found/);
    expect(chargeBackText('CUSTOMER_DAMAGE', 'PB-10K', 'RMA-2026-000001', 30)).toMatch(/damaged by the customer/);
  });
});

describe('decideStep', () => {
  const progress = (over: Partial<ReturnProgress> = {}): ReturnProgress => ({
    status: 'AUTHORISED', shippedAt: null, carrier: null, trackingNumber: null, receivedAt: null, inspectionOutcome: null, ...over,
  });
  const shipped = progress({ status: 'SHIPPED', shippedAt: COMPLETED, carrier: 'DHL', trackingNumber: 'T1' });
  const received = progress({ status: 'RECEIVED', receivedAt: COMPLETED });
  const inspected = progress({ status: 'INSPECTED', receivedAt: COMPLETED, inspectionOutcome: 'CONFIRMED' });
  const ship = (trackingNumber: string | null, carrier: string | null = 'DHL') => ({ kind: 'SHIPMENT' as const, carrier, trackingNumber });
  const inspect = (outcome: 'CONFIRMED' | 'NO_FAULT_FOUND') => ({ kind: 'INSPECTION' as const, outcome, note: null });

  it.each([
    ['ship an authorised part', progress(), ship('T1'), { ok: true, replay: false, to: 'SHIPPED' }],
    ['ship again, same tracking: a replay', shipped, ship('T1'), { ok: true, replay: true }],
    ['ship again without details: a replay', shipped, ship(null, null), { ok: true, replay: true }],
    ['ship again, other tracking: a conflict', shipped, ship('T2'), { ok: false, code: 'RETURN_STEP_CONFLICT', field: 'trackingNumber' }],
    ['ship after the receipt: refused', received, ship('T1'), { ok: false, code: 'INVALID_TRANSITION' }],
    ['receive an authorised part (no shipment recorded)', progress(), { kind: 'RECEIPT' as const }, { ok: true, replay: false, to: 'RECEIVED' }],
    ['receive a shipped part', shipped, { kind: 'RECEIPT' as const }, { ok: true, replay: false, to: 'RECEIVED' }],
    ['receive again: a replay', received, { kind: 'RECEIPT' as const }, { ok: true, replay: true }],
    ['inspect before the receipt: refused', shipped, inspect('CONFIRMED'), { ok: false, code: 'RETURN_NOT_RECEIVED', field: 'rmaNumber' }],
    ['inspect a received part', received, inspect('NO_FAULT_FOUND'), { ok: true, replay: false, to: 'INSPECTED' }],
    ['inspect again, same outcome: a replay', inspected, inspect('CONFIRMED'), { ok: true, replay: true }],
    ['inspect again, other outcome: a conflict', inspected, inspect('NO_FAULT_FOUND'), { ok: false, code: 'RETURN_STEP_CONFLICT', field: 'outcome' }],
    ['receive an inspected part: a replay', inspected, { kind: 'RECEIPT' as const }, { ok: true, replay: true }],
  ])('%s', (_, current, step, expected) => expect(decideStep(current, step)).toMatchObject(expected));
});

describe('pickRule', () => {
  const rules = [
    { scope: 'FAMILY' as const, scopeValue: 'BATTERY', windowDays: 45 },
    { scope: 'SKU' as const, scopeValue: 'SOFAR-PM-V2-10', windowDays: 21 },
  ];
  it.each([
    ['the SKU wins over the family', { sku: 'SOFAR-PM-V2-10', productFamily: 'BATTERY' }, 21],
    ['the family for another SKU', { sku: 'SOFAR-BTS-E5', productFamily: 'BATTERY' }, 45],
    ['no rule for another family', { sku: 'SOFAR-INV-10KTL-X-G2', productFamily: 'INVERTER' }, null],
  ])('%s', (_, unit, days) => expect(pickRule(rules, unit)?.windowDays ?? null).toBe(days));
});
