import fc from 'fast-check';
import { addDays, addMonths, compareDates, daysBetween } from '../../src/common/calendar';
import { extensionDates, judgeTier, lastPurchaseDay, type ExtensionPolicy, type ExtensionRecord } from '../../src/extensions/extension-rules';

/** Rule 7 at its boundaries, and as a property. */

const EU_INVERTER: ExtensionPolicy = { tiers: ['EXTENDED_5Y', 'EXTENDED_10Y'], cliffMonths: 6, windowMonths: null, label: 'INVERTER EU v1' };
const PL_INVERTER: ExtensionPolicy = { ...EU_INVERTER, windowMonths: 24, label: 'INVERTER PL v1' };
const PL_BATTERY: ExtensionPolicy = { ...EU_INVERTER, windowMonths: 12, label: 'BATTERY PL v1' };
const DACH_BATTERY: ExtensionPolicy = { tiers: ['EXTENDED_5Y'], cliffMonths: 6, windowMonths: null, label: 'BATTERY DE-AT-CH v1' };

const started = (start: string, termMonths = 60): ExtensionRecord => ({
  startDate: start,
  standardEndDate: addMonths(start, termMonths),
  expiresAt: addMonths(start, termMonths),
  voidedOn: null,
  extendedWith: null,
});

describe('rule 7 at its boundaries', () => {
  const record = started('2025-03-10'); // standard end 2030-03-10; cliff 2029-09-10

  it('exactly 6 months left may buy; one day less may not', () => {
    expect(judgeTier(record, EU_INVERTER, 'EXTENDED_5Y', '2029-09-10')).toMatchObject({ purchasable: true, openUntil: '2029-09-10' });
    expect(judgeTier(record, EU_INVERTER, 'EXTENDED_5Y', '2029-09-11')).toMatchObject({
      purchasable: false,
      code: 'EXTENSION_CLIFF',
      reason: 'less than 6 months of the standard warranty (ending 2030-03-10) are left: extensions could be bought until 2029-09-10',
    });
  });

  it('PL inverter: day 730 after the start may buy, day 731 may not', () => {
    const pl = started('2025-01-01');
    expect(daysBetween('2025-01-01', addDays('2025-01-01', 730))).toBe(730);
    expect(judgeTier(pl, PL_INVERTER, 'EXTENDED_10Y', addDays('2025-01-01', 730))).toMatchObject({ purchasable: true, openUntil: '2027-01-01' });
    expect(judgeTier(pl, PL_INVERTER, 'EXTENDED_10Y', addDays('2025-01-01', 731))).toMatchObject({
      purchasable: false,
      code: 'EXTENSION_WINDOW_CLOSED',
      reason: 'policy INVERTER PL v1 sells extensions for 24 months after the start: the window closed after 2027-01-01',
    });
  });

  it('PL battery: day 365 after the start may buy, day 366 may not', () => {
    const pl = started('2025-01-01', 120);
    expect(judgeTier(pl, PL_BATTERY, 'EXTENDED_5Y', addDays('2025-01-01', 365))).toMatchObject({ purchasable: true });
    expect(judgeTier(pl, PL_BATTERY, 'EXTENDED_5Y', addDays('2025-01-01', 366))).toMatchObject({ purchasable: false, code: 'EXTENSION_WINDOW_CLOSED' });
  });

  it('the tier a region does not offer: the DE-AT-CH battery row sells 5 years only', () => {
    const dach = started('2025-01-01', 120);
    expect(judgeTier(dach, DACH_BATTERY, 'EXTENDED_5Y', '2026-01-01')).toMatchObject({ purchasable: true });
    expect(judgeTier(dach, DACH_BATTERY, 'EXTENDED_10Y', '2026-01-01')).toMatchObject({
      purchasable: false,
      code: 'TIER_NOT_OFFERED',
      reason: 'policy BATTERY DE-AT-CH v1 offers EXTENDED_5Y, not EXTENDED_10Y',
    });
  });

  it.each<[string, Partial<ExtensionRecord>, string, string]>([
    ['voided', { voidedOn: '2026-01-01' }, '2026-02-01', 'WARRANTY_VOIDED'],
    ['expired', { expiresAt: '2026-01-01' }, '2026-01-02', 'WARRANTY_EXPIRED'],
    ['already extended', { extendedWith: 'EXTENDED_5Y' }, '2026-02-01', 'ALREADY_EXTENDED'],
    ['not started', { startDate: null, standardEndDate: null, expiresAt: null }, '2026-02-01', 'WARRANTY_NOT_STARTED'],
    ['a date before the start', {}, '2025-03-09', 'WARRANTY_NOT_STARTED'],
  ])('refuses: %s', (_label, change, on, code) => {
    expect(judgeTier({ ...record, ...change }, EU_INVERTER, 'EXTENDED_5Y', on)).toMatchObject({ purchasable: false, code });
  });

  it('a void dated after the purchase date does not refuse it; the expiry date itself is still inside', () => {
    expect(judgeTier({ ...record, voidedOn: '2027-01-01' }, EU_INVERTER, 'EXTENDED_5Y', '2026-12-31').purchasable).toBe(true);
    expect(judgeTier({ ...record, expiresAt: '2026-01-01', standardEndDate: '2026-12-01' }, EU_INVERTER, 'EXTENDED_5Y', '2026-01-01').purchasable).toBe(true);
  });

  it('the earliest refusal wins: voided before expired before extended before not offered before the window before the cliff', () => {
    const everything: ExtensionRecord = { startDate: '2020-01-01', standardEndDate: '2025-01-01', expiresAt: '2025-01-01', voidedOn: '2024-01-01', extendedWith: 'EXTENDED_5Y' };
    const tiny: ExtensionPolicy = { tiers: [], cliffMonths: 6, windowMonths: 1, label: 'X' };
    const codes = [];
    let current = everything;
    for (const clear of [{ voidedOn: null }, { expiresAt: '2030-01-01' }, { extendedWith: null }] as Partial<ExtensionRecord>[]) {
      codes.push((judgeTier(current, tiny, 'EXTENDED_5Y', '2026-01-01') as { code: string }).code);
      current = { ...current, ...clear };
    }
    codes.push((judgeTier(current, tiny, 'EXTENDED_5Y', '2026-01-01') as { code: string }).code);
    codes.push((judgeTier(current, { ...tiny, tiers: ['EXTENDED_5Y'] }, 'EXTENDED_5Y', '2026-01-01') as { code: string }).code);
    codes.push((judgeTier(current, { ...tiny, tiers: ['EXTENDED_5Y'], windowMonths: null }, 'EXTENDED_5Y', '2026-01-01') as { code: string }).code);
    expect(codes).toEqual(['WARRANTY_VOIDED', 'WARRANTY_EXPIRED', 'ALREADY_EXTENDED', 'TIER_NOT_OFFERED', 'EXTENSION_WINDOW_CLOSED', 'EXTENSION_CLIFF']);
  });

  it('an extension runs from the day after the standard end for its years', () => {
    expect(extensionDates('2030-03-10', 'EXTENDED_5Y')).toEqual({ startDate: '2030-03-11', endDate: '2035-03-10' });
    expect(extensionDates('2034-02-28', 'EXTENDED_10Y')).toEqual({ startDate: '2034-03-01', endDate: '2044-02-28' });
  });
});

describe('rule 7 as a property', () => {
  const date = fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2032-12-31') }).map((ms) => new Date(ms).toISOString().slice(0, 10));
  const policy = fc.record({
    tiers: fc.subarray(['EXTENDED_5Y', 'EXTENDED_10Y']),
    cliffMonths: fc.option(fc.integer({ min: 0, max: 24 }), { nil: null }),
    windowMonths: fc.option(fc.integer({ min: 1, max: 36 }), { nil: null }),
    label: fc.constant('P'),
  });

  it('a live, unextended record may buy an offered tier exactly up to the last purchase day the offer shows', () => {
    fc.assert(
      fc.property(date, fc.integer({ min: 12, max: 120 }), policy, date, fc.constantFrom('EXTENDED_5Y', 'EXTENDED_10Y') as fc.Arbitrary<'EXTENDED_5Y' | 'EXTENDED_10Y'>, (start, term, p, on, tier) => {
        const record = started(start, term);
        const verdict = judgeTier(record, p, tier, on);
        const last = lastPurchaseDay(record, p);
        const inTerm = compareDates(on, start) >= 0 && compareDates(on, record.expiresAt!) <= 0;
        const open = last === null || compareDates(on, last) <= 0;
        expect(verdict.purchasable).toBe(inTerm && p.tiers.includes(tier) && open);
        expect(verdict.openUntil).toBe(last);
      }),
      { numRuns: 2000, seed: 20261124 },
    );
  });
});
