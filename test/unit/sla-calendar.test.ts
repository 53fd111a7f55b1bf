import fc from 'fast-check';
import {
  addServiceHours, checkCalendar, mergePauses, serviceHoursBetween, ServiceCalendarError, type ServiceCalendar,
} from '../../src/claims/sla-calendar';

/** Service-hour arithmetic of the claim SLAs (rule 9): table tests, then properties over random instants. */

const BERLIN: ServiceCalendar = {
  timeZone: 'Europe/Berlin',
  opensAtMinute: 9 * 60,
  closesAtMinute: 17 * 60,
  workingDays: [1, 2, 3, 4, 5],
  // Christmas 2026 (Friday) and Boxing Day (Saturday) as public holidays, Christmas Eve as a company day.
  closedDates: new Set(['2026-12-24', '2026-12-25', '2026-12-26']),
};
const LONDON: ServiceCalendar = { ...BERLIN, timeZone: 'Europe/London', closedDates: new Set(['2026-12-25', '2026-12-28']) };
const at = (iso: string) => new Date(iso);

describe('addServiceHours', () => {
  it.each([
    ['inside one day', BERLIN, '2026-11-23T09:00:00Z', 4, '2026-11-23T13:00:00Z'], // Mon 10:00 → 14:00 CET
    ['met exactly at closing time is due then', BERLIN, '2026-11-23T12:00:00Z', 4, '2026-11-23T16:00:00Z'], // 13:00 → 17:00
    ['over the weekend', BERLIN, '2026-11-27T14:00:00Z', 4, '2026-11-30T10:00:00Z'], // Fri 15:00 → Mon 11:00
    ['submitted on a Saturday night', BERLIN, '2026-11-28T19:00:00Z', 4, '2026-11-30T12:00:00Z'], // → Mon 13:00
    ['submitted before opening', BERLIN, '2026-11-24T06:30:00Z', 4, '2026-11-24T12:00:00Z'], // Tue 07:30 → 13:00
    ['submitted after closing', BERLIN, '2026-11-24T17:30:00Z', 1, '2026-11-25T09:00:00Z'], // Tue 18:30 → Wed 10:00
    ['a company day and a public holiday', BERLIN, '2026-12-23T15:00:00Z', 2, '2026-12-28T09:00:00Z'], // Wed 16:00 → Mon 10:00
    ['more than a week of hours', BERLIN, '2026-11-23T08:00:00Z', 48, '2026-11-30T16:00:00Z'], // six 8-hour days → next Mon 17:00
    ['into summer time (29 March)', BERLIN, '2026-03-27T15:00:00Z', 2, '2026-03-30T08:00:00Z'], // Fri 16:00 CET → Mon 10:00 CEST
    ['out of summer time (25 October)', BERLIN, '2026-10-23T14:00:00Z', 2, '2026-10-26T09:00:00Z'], // Fri 16:00 CEST → Mon 10:00 CET
    ['another zone, another holiday list', LONDON, '2026-12-24T16:30:00Z', 1, '2026-12-29T09:30:00Z'], // Thu 16:30 → Tue 09:30
    ['fractions of an hour', BERLIN, '2026-11-23T08:00:00Z', 0.25, '2026-11-23T08:15:00Z'],
    ['zero hours', BERLIN, '2026-11-28T19:00:00Z', 0, '2026-11-28T19:00:00Z'],
  ])('%s', (_label, calendar, start, hours, due) => {
    expect(addServiceHours(calendar, at(start), hours).toISOString()).toBe(at(due).toISOString());
  });

  it('a six-day desk works Saturdays', () => {
    const sixDays = { ...BERLIN, workingDays: [1, 2, 3, 4, 5, 6] };
    expect(addServiceHours(sixDays, at('2026-11-27T14:00:00Z'), 4).toISOString()).toBe('2026-11-28T10:00:00.000Z'); // Sat 11:00
  });

  it('other service hours (08:00–18:00)', () => {
    const longDay = { ...BERLIN, opensAtMinute: 8 * 60, closesAtMinute: 18 * 60 };
    expect(addServiceHours(longDay, at('2026-11-23T16:00:00Z'), 3).toISOString()).toBe('2026-11-24T09:00:00.000Z'); // Mon 17:00 → Tue 10:00
  });

  describe('travel pauses the on-site clock', () => {
    it('a trip across the end of a service day does not count on either day', () => {
      // Mon 09:00 Berlin + 16 service hours; travel Mon 16:00 → Tue 10:00 takes 1 h of each day.
      const pauses = [{ start: at('2026-11-23T15:00:00Z'), end: at('2026-11-24T09:00:00Z') }];
      expect(addServiceHours(BERLIN, at('2026-11-23T08:00:00Z'), 16, pauses).toISOString()).toBe('2026-11-25T10:00:00.000Z'); // Wed 11:00
    });

    it('overlapping and repeated trips count once; trips outside service hours change nothing', () => {
      const pauses = [
        { start: at('2026-11-23T10:00:00Z'), end: at('2026-11-23T11:00:00Z') },
        { start: at('2026-11-23T10:30:00Z'), end: at('2026-11-23T11:30:00Z') },
        { start: at('2026-11-23T10:00:00Z'), end: at('2026-11-23T11:00:00Z') },
        { start: at('2026-11-23T18:00:00Z'), end: at('2026-11-23T20:00:00Z') },
      ];
      // Mon 10:00 + 4 h, less 1.5 h of travel → 15:30.
      expect(addServiceHours(BERLIN, at('2026-11-23T09:00:00Z'), 4, pauses).toISOString()).toBe('2026-11-23T14:30:00.000Z');
    });

    it('a trip that starts before the clock does', () => {
      const pauses = [{ start: at('2026-11-23T07:00:00Z'), end: at('2026-11-23T10:00:00Z') }];
      expect(addServiceHours(BERLIN, at('2026-11-23T08:30:00Z'), 1, pauses).toISOString()).toBe('2026-11-23T11:00:00.000Z');
    });
  });

  it('refuses what it cannot compute', () => {
    expect(() => addServiceHours(BERLIN, at('2026-11-23T08:00:00Z'), -1)).toThrow(ServiceCalendarError);
    expect(() => addServiceHours(BERLIN, at('2026-11-23T08:00:00Z'), Number.NaN)).toThrow(ServiceCalendarError);
    expect(() => addServiceHours({ ...BERLIN, timeZone: 'Mars/Olympus' }, at('2026-11-23T08:00:00Z'), 1)).toThrow(/time zone/);
    expect(() => addServiceHours({ ...BERLIN, workingDays: [] }, at('2026-11-23T08:00:00Z'), 1)).toThrow(/working day/);
    expect(() => addServiceHours({ ...BERLIN, opensAtMinute: 17 * 60, closesAtMinute: 9 * 60 }, at('2026-11-23T08:00:00Z'), 1)).toThrow(/open before/);
    expect(() => checkCalendar({ ...BERLIN, workingDays: [0, 8] })).toThrow(/working day/);
  });
});

describe('serviceHoursBetween', () => {
  it.each([
    ['inside one day', '2026-11-23T09:00:00Z', '2026-11-23T13:30:00Z', 4.5],
    ['over a weekend', '2026-11-27T15:00:00Z', '2026-11-30T09:00:00Z', 2], // Fri 16:00 → Mon 10:00
    ['entirely out of hours', '2026-11-28T08:00:00Z', '2026-11-29T20:00:00Z', 0],
    ['over the Christmas closures', '2026-12-23T08:00:00Z', '2026-12-29T08:00:00Z', 16], // Wed, Mon
    ['the wrong way round', '2026-11-24T09:00:00Z', '2026-11-23T09:00:00Z', 0],
    ['across the change to summer time', '2026-03-27T08:00:00Z', '2026-03-30T15:00:00Z', 16], // Fri 09–17 CET, Mon 09–17 CEST
  ])('%s', (_label, from, to, hours) => {
    expect(serviceHoursBetween(BERLIN, at(from), at(to))).toBeCloseTo(hours, 9);
  });

  it('less the pauses', () => {
    const pauses = [{ start: at('2026-11-23T15:00:00Z'), end: at('2026-11-24T09:00:00Z') }];
    expect(serviceHoursBetween(BERLIN, at('2026-11-23T08:00:00Z'), at('2026-11-24T16:00:00Z'), pauses)).toBeCloseTo(14, 9);
  });
});

describe('properties', () => {
  const instant = fc.integer({ min: Date.parse('2025-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') }).map((ms) => new Date(ms));
  const pause = fc.tuple(instant, fc.integer({ min: 0, max: 3 * 24 * 60 })).map(([start, minutes]) => ({ start, end: new Date(start.getTime() + minutes * 60_000) }));
  const calendars = fc.constantFrom(BERLIN, LONDON, { ...BERLIN, timeZone: 'America/New_York', closedDates: new Set<string>() });

  it('the hours between a start and its due instant are the hours added', () => {
    fc.assert(
      fc.property(calendars, instant, fc.integer({ min: 1, max: 200 * 4 }).map((quarters) => quarters / 4), fc.array(pause, { maxLength: 3 }), (calendar, start, hours, pauses) => {
        const due = addServiceHours(calendar, start, hours, pauses);
        expect(due.getTime()).toBeGreaterThan(start.getTime());
        expect(serviceHoursBetween(calendar, start, due, pauses)).toBeCloseTo(hours, 6);
        // And not a moment earlier: just before the due instant, less has passed.
        expect(serviceHoursBetween(calendar, start, new Date(due.getTime() - 1000), pauses)).toBeLessThan(hours);
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });

  it('merged pauses are sorted, disjoint and cover the same time', () => {
    fc.assert(
      fc.property(fc.array(pause, { maxLength: 8 }), (pauses) => {
        const merged = mergePauses(pauses);
        for (let i = 1; i < merged.length; i++) expect(merged[i].start.getTime()).toBeGreaterThan(merged[i - 1].end.getTime());
        const covered = (list: typeof pauses, t: number) => list.some((p) => p.start.getTime() <= t && t < p.end.getTime());
        for (const p of pauses) {
          for (const t of [p.start.getTime(), p.end.getTime() - 1]) {
            if (p.end.getTime() > p.start.getTime()) expect(covered(merged, t)).toBe(true);
          }
        }
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });
});
