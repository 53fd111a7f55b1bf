import { calendarProblems, changedClosingDays, minuteOf, normaliseCalendar, timeOf, type CalendarInput } from '../../src/calendars/calendar-rules';

const VALID: CalendarInput = { region: 'DE-AT-CH', effectiveFrom: '2026-01-01', serviceDays: [1, 2, 3, 4, 5], opensAt: '09:00', closesAt: '17:00', closingDays: [] };

describe('rule 9: a service calendar version', () => {
  it('a valid calendar has no problem, and is stored in minutes with its days sorted', () => {
    const input = { ...VALID, region: null, serviceDays: [6, 1, 3], closesAt: '24:00', closingDays: [{ date: '2026-12-24', name: ' Christmas Eve ', countryCode: 'de' }, { date: '2026-12-24', name: 'Christmas Eve' }] };
    expect(calendarProblems(input)).toEqual([]);
    expect(normaliseCalendar(input)).toEqual({
      region: '*', effectiveFrom: '2026-01-01', serviceDays: [1, 3, 6], opensMinute: 540, closesMinute: 1440,
      closingDays: [{ date: '2026-12-24', name: 'Christmas Eve', countryCode: 'DE' }, { date: '2026-12-24', name: 'Christmas Eve', countryCode: '*' }],
    });
  });

  const cases: Array<[string, Partial<CalendarInput>, string]> = [
    ['closing before opening', { opensAt: '17:00', closesAt: '09:00' }, 'closesAt'],
    ['closing when opening', { opensAt: '09:00', closesAt: '09:00' }, 'closesAt'],
    ['opening at midnight at the end of the day', { opensAt: '24:00', closesAt: '24:00' }, 'opensAt'],
    ['a time without two hour digits', { opensAt: '9:00' }, 'opensAt'],
    ['an hour past 24', { closesAt: '25:00' }, 'closesAt'],
    ['a time past 24:00', { closesAt: '24:30' }, 'closesAt'],
    ['no service day', { serviceDays: [] }, 'serviceDays'],
    ['weekday 0', { serviceDays: [0, 1] }, 'serviceDays.0'],
    ['weekday 8', { serviceDays: [1, 8] }, 'serviceDays.1'],
    ['a fractional weekday', { serviceDays: [1.5] }, 'serviceDays.0'],
    ['a weekday twice', { serviceDays: [1, 2, 1] }, 'serviceDays.2'],
    ['a region that is no region code', { region: 'Europe' }, 'region'],
    ['effectiveFrom before the Date bounds', { effectiveFrom: '1899-12-31' }, 'effectiveFrom'],
    ['a closing day before the Date bounds', { closingDays: [{ date: '1899-12-31', name: 'x' }] }, 'closingDays.0.date'],
    ['a closing day after the Date bounds', { closingDays: [{ date: '2200-01-01', name: 'x' }] }, 'closingDays.0.date'],
    ['a closing day that is no date', { closingDays: [{ date: '2026-02-30', name: 'x' }] }, 'closingDays.0.date'],
    ['a closing day twice', { closingDays: [{ date: '2026-12-24', name: 'a' }, { date: '2026-12-24', name: 'b' }] }, 'closingDays.1.date'],
    ['a closing day twice for one country', { closingDays: [{ date: '2026-12-24', name: 'a', countryCode: 'GB' }, { date: '2026-12-24', name: 'b', countryCode: 'gb' }] }, 'closingDays.1.date'],
    ['a closing day without a name', { closingDays: [{ date: '2026-12-24', name: '  ' }] }, 'closingDays.0.name'],
    ['a closing day of no country', { closingDays: [{ date: '2026-12-24', name: 'x', countryCode: 'DEU' }] }, 'closingDays.0.countryCode'],
  ];
  it.each(cases)('refuses %s, at its field', (_, change, field) => {
    const problems = calendarProblems({ ...VALID, ...change });
    expect(problems.map((p) => p.field.join('.'))).toEqual([`input.${field}`]);
  });

  it('reports every problem at once', () => {
    expect(calendarProblems({ ...VALID, serviceDays: [9], opensAt: 'x', closesAt: 'y' }).map((p) => p.field.join('.'))).toEqual(['input.serviceDays.0', 'input.opensAt', 'input.closesAt']);
  });

  it.each([['00:00', 0], ['09:30', 570], ['24:00', 1440], ['24:01', null], ['9:30', null], ['09:60', null]] as const)('%s is minute %s', (time, minute) => {
    expect(minuteOf(time)).toBe(minute);
    if (minute !== null) expect(timeOf(minute)).toBe(time);
  });
});

describe('rule 9: closing days changed as a new version', () => {
  const current = [{ date: '2026-12-24', name: 'Christmas Eve', countryCode: 'GB' }, { date: '2026-12-28', name: 'Shutdown', countryCode: '*' }];
  const fields = (change: Parameters<typeof changedClosingDays>[1]) => changedClosingDays(current, change).problems.map((p) => p.field.join('.'));

  it('adds and removes, sorted by date', () => {
    expect(changedClosingDays(current, { add: [{ date: '2026-12-31', name: 'New Year’s Eve' }], remove: [{ date: '2026-12-24', countryCode: 'GB' }] })).toEqual({
      days: [{ date: '2026-12-28', name: 'Shutdown', countryCode: '*' }, { date: '2026-12-31', name: 'New Year’s Eve', countryCode: '*' }],
      problems: [],
    });
  });

  it('renames a day by removing and adding it in one change', () => {
    expect(changedClosingDays(current, { add: [{ date: '2026-12-28', name: 'Works holiday' }], remove: [{ date: '2026-12-28' }] }).days).toContainEqual({ date: '2026-12-28', name: 'Works holiday', countryCode: '*' });
  });

  const cases: Array<[string, Parameters<typeof changedClosingDays>[1], string[]]> = [
    ['nothing to change', { add: [], remove: [] }, ['input.add']],
    ['adding a day it already closes', { add: [{ date: '2026-12-28', name: 'again' }], remove: [] }, ['input.add.0.date']],
    ['removing a day it does not close', { add: [], remove: [{ date: '2026-12-25' }] }, ['input.remove.0.date']],
    ['removing a country day as every country’s', { add: [], remove: [{ date: '2026-12-24' }] }, ['input.remove.0.date']],
    ['removing a day twice', { add: [], remove: [{ date: '2026-12-28' }, { date: '2026-12-28' }] }, ['input.remove.1.date']],
    ['adding a day twice', { add: [{ date: '2027-01-02', name: 'a' }, { date: '2027-01-02', name: 'b' }], remove: [] }, ['input.add.1.date']],
    ['adding a day out of the Date bounds', { add: [{ date: '2200-01-01', name: 'a' }], remove: [] }, ['input.add.0.date']],
  ];
  it.each(cases)('refuses %s, at its field', (_, change, expected) => {
    expect(fields(change)).toEqual(expected);
  });
});
