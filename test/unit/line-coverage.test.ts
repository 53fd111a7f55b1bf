import fc from 'fast-check';
import { lineProblems, MAX_TRAVEL_HOURS, minorUnits, priceClaim, type ComponentCover, type LineInput } from '../../src/claims/line-coverage';
import { addServiceHours, type ServiceCalendar } from '../../src/claims/sla-calendar';

/** Claim lines: who pays each and what they add up to, exactly. */

const PAYS_ALL: ComponentCover = { paysParts: true, paysLabour: true, reason: 'STANDARD unit coverage (policy INVERTER UK-IE v1) is active' };
const PARTS_ONLY: ComponentCover = { paysParts: true, paysLabour: false, reason: 'labour ended 2030-01-10 (5 of 10 years)' };
const NOTHING: ComponentCover = { paysParts: false, paysLabour: false, reason: 'the CELLS coverage was voided on 2026-03-01' };

const part = (quantity: string, unitPrice: string, component?: string): LineInput => ({ kind: 'PART', partNumber: 'P-100', quantity, unitPrice, component });
const labour = (hours: string, rate: string): LineInput => ({ kind: 'LABOUR', hours, rate });
const travel = (start: string, end: string, rate?: string): LineInput => ({ kind: 'TRAVEL', startAt: new Date(start), endAt: new Date(end), rate });

describe('pricing claim lines', () => {
  it('UK-IE after year 5: the part is covered, labour and travel are self-paid', () => {
    const priced = priceClaim('GBP', [part('2', '149.99'), labour('1.5', '80'), travel('2031-02-03T08:00:00Z', '2031-02-03T09:15:00Z', '40')], null, () => PARTS_ONLY);
    expect(priced.lines.map((l) => [l.kind, l.amount, l.covered])).toEqual([
      ['PART', '299.98', true],
      ['LABOUR', '120.00', false],
      ['TRAVEL', '50.00', false],
    ]);
    expect(priced.lines[1].reason).toBe('labour is self-paid: labour ended 2030-01-10 (5 of 10 years)');
    expect(priced).toMatchObject({ coveredTotal: '299.98', selfPaidTotal: '170.00', total: '469.98', cover: 'PARTLY_COVERED' });
  });

  it('a part line follows the coverage of its own component: voided cells are self-paid, the rest covered', () => {
    const cover = (component: string | null) => (component === 'CELLS' ? NOTHING : PAYS_ALL);
    const priced = priceClaim('EUR', [part('1', '2400', 'CELLS'), part('1', '35.5'), labour('2', '65')], 'BMS', cover);
    expect(priced.lines.map((l) => [l.component, l.covered])).toEqual([['CELLS', false], ['BMS', true], ['BMS', true]]);
    expect(priced.lines[0].reason).toBe('parts of CELLS are self-paid: the CELLS coverage was voided on 2026-03-01');
    expect(priced).toMatchObject({ coveredTotal: '165.50', selfPaidTotal: '2400.00', total: '2565.50', cover: 'PARTLY_COVERED' });
  });

  it('everything covered, nothing covered', () => {
    expect(priceClaim('EUR', [part('1', '10'), labour('1', '50')], null, () => PAYS_ALL)).toMatchObject({ cover: 'COVERED', selfPaidTotal: '0.00' });
    expect(priceClaim('EUR', [part('1', '10'), labour('1', '50')], null, () => NOTHING)).toMatchObject({ cover: 'NOT_COVERED', coveredTotal: '0.00', total: '60.00' });
  });

  it('a claim without lines is as covered as its component', () => {
    expect(priceClaim('EUR', [], null, () => PAYS_ALL).cover).toBe('COVERED');
    expect(priceClaim('EUR', [], null, () => PARTS_ONLY).cover).toBe('PARTLY_COVERED');
    expect(priceClaim('EUR', [], null, () => NOTHING)).toMatchObject({ cover: 'NOT_COVERED', total: '0.00' });
  });

  it('rounds each line half-up to the currency minor unit, and the lines add up to the totals', () => {
    expect(priceClaim('EUR', [part('3', '0.335')], null, () => PAYS_ALL).lines[0].amount).toBe('1.01'); // 1.005 → 1.01
    expect(priceClaim('JPY', [part('3', '333.5')], null, () => PAYS_ALL).lines[0].amount).toBe('1001'); // 1000.5 → 1001
    expect(priceClaim('KWD', [labour('0.3333', '10')], null, () => PAYS_ALL).lines[0].amount).toBe('3.333');
    // 0.1 + 0.2 in floating point is not 0.3; here it is.
    expect(priceClaim('EUR', [part('1', '0.1'), part('1', '0.2')], null, () => PAYS_ALL).total).toBe('0.30');
  });

  it('a trip logged without a rate costs nothing but still appears', () => {
    const priced = priceClaim('EUR', [travel('2026-11-23T08:00:00Z', '2026-11-23T10:00:00Z')], null, () => PAYS_ALL);
    expect(priced.lines[0]).toMatchObject({ kind: 'TRAVEL', amount: '0.00', covered: true });
  });

  it('lines always sum to the totals (property)', () => {
    const amount = fc.integer({ min: 1, max: 10_000_000 }).map((n) => (n / 10_000).toFixed(4).replace(/\.?0+$/, ''));
    const line: fc.Arbitrary<LineInput> = fc.oneof(
      fc.tuple(amount, amount, fc.constantFrom(undefined, 'CELLS')).map(([q, p, c]) => part(q, p, c)),
      fc.tuple(amount, amount).map(([h, r]) => labour(h, r)),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('EUR', 'JPY', 'KWD'), fc.constantFrom(PAYS_ALL, PARTS_ONLY, NOTHING), (lines, currency, cover) => {
        const priced = priceClaim(currency, lines, null, (component) => (component === 'CELLS' ? NOTHING : cover));
        const sum = (ls: typeof priced.lines) => ls.reduce((total, l) => total + BigInt(l.amount.replace('.', '')), 0n);
        const cents = (value: string) => BigInt(value.replace('.', ''));
        expect(sum(priced.lines.filter((l) => l.covered))).toBe(cents(priced.coveredTotal));
        expect(sum(priced.lines.filter((l) => !l.covered))).toBe(cents(priced.selfPaidTotal));
        expect(cents(priced.coveredTotal) + cents(priced.selfPaidTotal)).toBe(cents(priced.total));
        for (const l of priced.lines) expect(l.amount.split('.')[1]?.length ?? 0).toBe(minorUnits(currency));
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });
});

describe('line problems', () => {
  const problems = (lines: LineInput[], currency = 'EUR') => lineProblems(currency, lines, { maxLines: 3 }).map((p) => [p.field.join('.'), p.message]);

  it('accepts good lines', () => {
    expect(problems([part('1', '0'), labour('0.25', '70'), travel('2026-11-23T08:00:00Z', '2026-11-23T08:01:00Z')])).toEqual([]);
  });

  it.each([
    ['a zero quantity', [part('0', '10')], 'lines.0.quantity', 'quantity must be more than zero'],
    ['a negative quantity', [part('-1', '10')], 'lines.0.quantity', 'quantity must be more than zero'],
    ['zero hours', [labour('0.0', '10')], 'lines.0.hours', 'hours must be more than zero'],
    ['a negative rate', [labour('1', '-5')], 'lines.0.rate', 'rate must not be negative'],
    ['an exponent', [part('1e3', '1')], 'lines.0.quantity', 'written plainly'],
    ['too many decimals', [part('1', '0.00001')], 'lines.0.unitPrice', 'more than 4 decimal places'],
    ['too many digits', [part('1', '1234567890123456')], 'lines.0.unitPrice', 'more than 15 digits'],
    ['a trip ending before it starts', [travel('2026-11-23T10:00:00Z', '2026-11-23T09:00:00Z')], 'lines.0.endAt', 'a trip must end after it starts'],
    ['an empty part number', [{ kind: 'PART', partNumber: '  ', quantity: '1', unitPrice: '1' } as LineInput], 'lines.0.partNumber', 'must not be empty'],
    ['too many lines', [part('1', '1'), part('1', '1'), part('1', '1'), part('1', '1')], 'lines', 'at most 3 lines'],
    ['a trip of 20 years', [travel('2026-11-20T08:00:00Z', '2046-11-20T08:00:00Z', '40')], 'lines.0.endAt', 'at most 72 hours'],
    ['a trip one minute over 72 hours', [travel('2026-11-20T08:00:00Z', '2026-11-23T08:01:00Z')], 'lines.0.endAt', 'at most 72 hours'],
    ['quantity × unitPrice past NUMERIC(19,4)', [part('99999999999', '99999999999')], 'lines.0', 'quantity × unitPrice comes to 9999999999800000000001'],
    ['hours × rate past NUMERIC(19,4)', [labour('100', '99999999999999')], 'lines.0', 'hours × rate'],
    ['travel hours × rate past NUMERIC(19,4)', [travel('2026-11-20T08:00:00Z', '2026-11-23T08:00:00Z', '999999999999999')], 'lines.0', 'hours × rate'],
    ['a total past NUMERIC(19,4) of lines that each fit', [part('1', '600000000000000'), part('1', '600000000000000')], 'lines', 'the lines come to 1200000000000000'],
  ])('refuses %s', (_label, lines, field, message) => {
    const found = problems(lines as LineInput[]);
    expect(found).toHaveLength(1);
    expect(found[0][0]).toBe(field);
    expect(found[0][1]).toContain(message);
  });

  it('rounds a line once, exactly: 1.0001 × 1234567890150.9999 = 1234691346940.01499999 is 1234691346940.01, not .02', () => {
    // decimal.js' default 20 significant digits would round the product to …940.015000 first, and half-up then to .02.
    expect(priceClaim('EUR', [part('1.0001', '1234567890150.9999')], null, () => PAYS_ALL).lines[0].amount).toBe('1234691346940.01');
  });

  it('accepts the edges: a trip of exactly 72 hours, a line and a total of exactly the largest amount', () => {
    expect(problems([travel('2026-11-20T08:00:00Z', '2026-11-23T08:00:00Z', '40')])).toEqual([]);
    expect(problems([part('1', '999999999999999.99')])).toEqual([]);
    expect(problems([part('1', '999999999999999'), part('1', '0.99')])).toEqual([]);
  });

  it('every line that passes can be priced into amounts and totals its columns hold (property)', () => {
    const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 15 }))
      .map(([whole, fraction, shift]) => `${(whole >> BigInt(shift * 3)).toString()}.${String(fraction).padStart(4, '0')}`);
    const lineArb = fc.oneof(
      fc.tuple(decimal, decimal).map(([q, p]) => part(q === '0.0000' ? '1' : q, p)),
      fc.tuple(decimal, decimal).map(([h, r]) => labour(h === '0.0000' ? '1' : h, r)),
      fc.tuple(fc.integer({ min: 1, max: 80 * 60 }), decimal).map(([minutes, r]) => travel('2026-11-20T08:00:00Z', new Date(Date.parse('2026-11-20T08:00:00Z') + minutes * 60_000).toISOString(), r)),
    );
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 3 }), fc.constantFrom('EUR', 'JPY', 'BHD'), (lines, currency) => {
        if (lineProblems(currency, lines, { maxLines: 3 }).length > 0) return;
        const priced = priceClaim(currency, lines, null, () => PAYS_ALL);
        const fits = (amount: string) => /^\d{1,15}(\.\d{1,4})?$/.test(amount);
        expect(priced.lines.every((l) => fits(l.amount))).toBe(true);
        expect([priced.total, priced.coveredTotal, priced.selfPaidTotal].every(fits)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an unknown currency', () => {
    expect(problems([], 'XYZ')).toEqual([['currency', '"XYZ" is not an ISO 4217 currency code']]);
    expect(problems([], 'eur')[0][0]).toBe('currency');
  });

  it('names every bad line, not just the first', () => {
    expect(problems([part('0', '1'), labour('1', 'x')]).map(([field]) => field)).toEqual(['lines.0.quantity', 'lines.1.rate']);
  });
});

describe('the travel bound keeps the SLA clock inside its horizon', () => {
  it('the most travel a claim can log (200 trips of 72 hours, back to back) and the longest on-site target still find their hour', () => {
    // The example policies' desk: Monday to Friday, 09:00–17:00, with ten closed days a year.
    const closed = new Set<string>();
    for (let year = 2026; year <= 2036; year++) for (let day = 1; day <= 10; day++) closed.add(`${year}-12-${String(day + 15).padStart(2, '0')}`);
    const calendar: ServiceCalendar = { timeZone: 'Europe/Berlin', opensAtMinute: 540, closesAtMinute: 1020, workingDays: [1, 2, 3, 4, 5], closedDates: closed };
    const now = new Date('2026-11-24T12:00:00Z');
    const trips = Array.from({ length: 200 }, (_, i) => travel(
      new Date(now.getTime() + i * MAX_TRAVEL_HOURS * 3_600_000).toISOString(),
      new Date(now.getTime() + (i + 1) * MAX_TRAVEL_HOURS * 3_600_000).toISOString(),
    ));
    expect(lineProblems('EUR', trips, { maxLines: 200 })).toEqual([]);
    const pauses = trips.map((t) => ({ start: (t as { startAt: Date }).startAt, end: (t as { endAt: Date }).endAt }));
    // sla_onsite_hours is NUMERIC(6,2): 9,999.99 service hours at most.
    const due = addServiceHours(calendar, now, 9999.99, pauses);
    expect(due.getTime()).toBeGreaterThan(pauses[199].end.getTime());
  });
});
