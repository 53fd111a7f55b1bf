import { itemStatus, itemStatusCode, scheduleItem, type ServiceItemTerms } from '../../src/service-items/service-item-status';

/** The free inspection at 12 months or 15,000 km, claimable a month before and after, or 1,500 km either side. */
const INSPECTION: ServiceItemTerms = { dueMonths: 12, dueKm: 15_000, windowBeforeDays: 30, windowAfterDays: 30, windowBeforeKm: 1_500, windowAfterKm: 1_500 };
const ANCHOR = '2026-01-31';

describe('scheduleItem', () => {
  it('due 12 calendar months after the anchor, with its windows', () => {
    expect(scheduleItem(INSPECTION, ANCHOR)).toEqual({
      dueDate: '2027-01-31', windowStart: '2027-01-01', windowEnd: '2027-03-02', dueKm: 15_000, windowStartKm: 13_500, windowEndKm: 16_500,
    });
  });

  it('is total: from an anchor stored before the input bound (9998-12-31), a date past 9999-12-31 is none', () => {
    expect(scheduleItem({ ...INSPECTION, dueMonths: 24 }, '9998-12-31')).toEqual({
      dueDate: null, windowStart: null, windowEnd: null, dueKm: 15_000, windowStartKm: 13_500, windowEndKm: 16_500,
    });
    expect(scheduleItem({ ...INSPECTION, dueMonths: 12, windowAfterDays: 30 }, '9998-12-15')).toMatchObject({ dueDate: '9999-12-15', windowStart: '9999-11-15', windowEnd: null });
    expect(itemStatus(scheduleItem(INSPECTION, '9999-12-31'), '2026-11-24', null, null).status).toBe('UPCOMING');
  });

  it('from any anchor a client may send (up to 2199-12-31) and any plan term, every date can be shown', () => {
    const worst = scheduleItem({ ...INSPECTION, dueMonths: 600, windowAfterDays: 3650 }, '2199-12-31');
    expect(worst.dueDate).toBe('2249-12-31');
    expect(worst.windowEnd).toMatch(/^22\d{2}-/);
  });

  it('clamps the 31st to the month end, as every term does', () => {
    expect(scheduleItem({ ...INSPECTION, dueMonths: 1 }, ANCHOR).dueDate).toBe('2026-02-28');
  });

  it('an item due by time only, or by distance only', () => {
    expect(scheduleItem({ ...INSPECTION, dueKm: null }, ANCHOR)).toMatchObject({ dueKm: null, windowStartKm: null, windowEndKm: null, dueDate: '2027-01-31' });
    expect(scheduleItem({ ...INSPECTION, dueMonths: null }, ANCHOR)).toMatchObject({ dueDate: null, windowStart: null, windowEnd: null, dueKm: 15_000 });
  });

  it('never opens a distance window below 0 km', () => {
    expect(scheduleItem({ ...INSPECTION, dueKm: 1_000 }, ANCHOR).windowStartKm).toBe(0);
  });
});

describe('itemStatus at the window edges', () => {
  const schedule = scheduleItem(INSPECTION, ANCHOR);

  it.each([
    ['the day before the window', '2026-12-31', 1_000, 'UPCOMING'],
    ['the first day of the window', '2027-01-01', 1_000, 'CLAIMABLE'],
    ['the due date', '2027-01-31', 1_000, 'CLAIMABLE'],
    ['the last day of the window', '2027-03-02', 1_000, 'CLAIMABLE'],
    ['the day after the window', '2027-03-03', 1_000, 'EXPIRED'],
    ['one km below the distance window, early', '2026-06-01', 13_499, 'UPCOMING'],
    ['the distance window\'s first km, early', '2026-06-01', 13_500, 'CLAIMABLE'],
    ['the distance window\'s last km', '2026-06-01', 16_500, 'CLAIMABLE'],
    ['one km over the distance window, early', '2026-06-01', 16_501, 'EXPIRED'],
    ['one km over, inside the time window: whichever comes first', '2027-01-31', 16_501, 'EXPIRED'],
    ['no reading, before the window', '2026-12-31', null, 'UPCOMING'],
    ['no reading, inside the window', '2027-01-15', null, 'CLAIMABLE'],
  ] as const)('%s: %s', (_, asOf, odometer, status) => {
    expect(itemStatus(schedule, asOf, odometer, null).status).toBe(status);
    expect(itemStatusCode(schedule, asOf, odometer, null)).toBe(status);
  });

  it('a claim makes it CLAIMED, whatever the window', () => {
    expect(itemStatus(schedule, '2030-01-01', 90_000, { claimDate: '2027-01-20' })).toMatchObject({ status: 'CLAIMED', reason: 'claimed on 2027-01-20' });
  });

  it('a distance-only item never expires by time; a time-only one never by distance', () => {
    const byKm = scheduleItem({ ...INSPECTION, dueMonths: null }, ANCHOR);
    expect(itemStatus(byKm, '2040-01-01', 1_000, null).status).toBe('UPCOMING');
    const byTime = scheduleItem({ ...INSPECTION, dueKm: null }, ANCHOR);
    expect(itemStatus(byTime, '2026-06-01', 900_000, null).status).toBe('UPCOMING');
  });

  it('says why', () => {
    expect(itemStatus(schedule, '2026-12-31', 1_000, null).reason).toBe('claimable from 2027-01-01 or from 13500 km');
    expect(itemStatus(schedule, '2027-03-03', 1_000, null).reason).toBe('its window closed on 2027-03-02');
    expect(itemStatus(schedule, '2026-06-01', 16_501, null).reason).toContain('past its window');
  });
});
