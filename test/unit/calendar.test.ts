import {
  isCalendarDate,
  addMonths,
  calendarDateOf,
  compareDates,
  daysInMonth,
  isWithin,
  maxDate,
  minDate,
} from '../../src/common/calendar';

describe('addMonths (rule 3: calendar months, the 31st clamps to the last day of the month)', () => {
  it.each([
    // plain arithmetic
    ['same date for +0', '2024-06-15', 0, '2024-06-15'],
    ['same month-end for +0', '2024-12-31', 0, '2024-12-31'],
    ['+1 inside a year', '2024-06-15', 1, '2024-07-15'],
    ['+60 (five-year term)', '2024-01-15', 60, '2029-01-15'],
    ['+120 (ten-year term) from a 31st', '2024-08-31', 120, '2034-08-31'],
    ['+36 (vehicle term)', '2024-03-31', 36, '2027-03-31'],
    // month-end clamping
    ['31 Jan +1 in a leap year → 29 Feb', '2024-01-31', 1, '2024-02-29'],
    ['31 Jan +1 in a common year → 28 Feb', '2023-01-31', 1, '2023-02-28'],
    ['30 Jan +1 in a leap year → 29 Feb', '2024-01-30', 1, '2024-02-29'],
    ['29 Jan +1 in a leap year → 29 Feb (no clamp needed)', '2024-01-29', 1, '2024-02-29'],
    ['29 Jan +1 in a common year → 28 Feb', '2023-01-29', 1, '2023-02-28'],
    ['28 Jan +1 → 28 Feb (no clamp)', '2024-01-28', 1, '2024-02-28'],
    ['31 Mar +1 → 30 Apr', '2024-03-31', 1, '2024-04-30'],
    ['31 May +1 → 30 Jun', '2024-05-31', 1, '2024-06-30'],
    ['31 Aug +1 → 30 Sep', '2024-08-31', 1, '2024-09-30'],
    ['31 Oct +1 → 30 Nov', '2024-10-31', 1, '2024-11-30'],
    ['31 Jul +1 → 31 Aug (both long)', '2024-07-31', 1, '2024-08-31'],
    ['31 Aug +6 → 28 Feb of the next (common) year', '2024-08-31', 6, '2025-02-28'],
    ['30 Apr +1 keeps the 30th (no carry up to 31)', '2024-04-30', 1, '2024-05-30'],
    ['29 Feb +1 → 29 Mar (clamping never carries over)', '2024-02-29', 1, '2024-03-29'],
    // leap years
    ['29 Feb 2024 +12 → 28 Feb 2025', '2024-02-29', 12, '2025-02-28'],
    ['29 Feb 2024 +24 → 28 Feb 2026', '2024-02-29', 24, '2026-02-28'],
    ['29 Feb 2024 +48 → 29 Feb 2028', '2024-02-29', 48, '2028-02-29'],
    ['29 Feb 2024 +1200 → 29 Feb 2124', '2024-02-29', 1200, '2124-02-29'],
    ['31 Jan 2000 +1 → 29 Feb 2000 (divisible by 400: leap)', '2000-01-31', 1, '2000-02-29'],
    ['31 Jan 1900 +1 → 28 Feb 1900 (century: not leap)', '1900-01-31', 1, '1900-02-28'],
    ['31 Jan 2100 +1 → 28 Feb 2100 (century: not leap)', '2100-01-31', 1, '2100-02-28'],
    ['29 Feb 2096 +48 → 28 Feb 2100 (century: not leap)', '2096-02-29', 48, '2100-02-28'],
    // year rollover
    ['15 Dec +1 → 15 Jan of the next year', '2024-12-15', 1, '2025-01-15'],
    ['30 Nov +2 → 30 Jan of the next year', '2024-11-30', 2, '2025-01-30'],
    ['31 Dec +2 → 28 Feb two months later', '2024-12-31', 2, '2025-02-28'],
    ['31 Dec 2099 +1 → 31 Jan 2100', '2099-12-31', 1, '2100-01-31'],
    ['15 Jan +23 → 15 Dec of the next year', '2024-01-15', 23, '2025-12-15'],
    ['15 Jan +24 → 15 Jan two years later', '2024-01-15', 24, '2026-01-15'],
    // negative months
    ['15 Jan −1 → 15 Dec of the previous year', '2024-01-15', -1, '2023-12-15'],
    ['31 Jan −2 → 30 Nov of the previous year', '2024-01-31', -2, '2023-11-30'],
    ['15 Jan −13 → 15 Dec two years back', '2024-01-15', -13, '2022-12-15'],
    ['15 Jan −12 → 15 Jan of the previous year', '2024-01-15', -12, '2023-01-15'],
    ['31 Mar −1 in a leap year → 29 Feb', '2024-03-31', -1, '2024-02-29'],
    ['31 Mar −1 in a common year → 28 Feb', '2023-03-31', -1, '2023-02-28'],
    ['31 Oct −8 → 29 Feb', '2024-10-31', -8, '2024-02-29'],
    ['29 Feb −12 → 28 Feb of the previous year', '2024-02-29', -12, '2023-02-28'],
    ['29 Feb −48 → 29 Feb four years back', '2024-02-29', -48, '2020-02-29'],
    ['1 Jan 0002 −12 → 1 Jan 0001 (four-digit year kept)', '0002-01-01', -12, '0001-01-01'],
  ])('%s: addMonths(%s, %d) = %s', (_name, date, months, expected) => {
    expect(addMonths(date, months)).toBe(expected);
  });

  it('agrees with an independent oracle for every day of 2023–2024 and every offset from −25 to +25 months', () => {
    const mismatches: string[] = [];
    for (let t = Date.UTC(2023, 0, 1); t <= Date.UTC(2024, 11, 31); t += 86_400_000) {
      const d = new Date(t);
      const iso = d.toISOString().slice(0, 10);
      for (let n = -25; n <= 25; n++) {
        // Oracle: first of the target month via Date.UTC, then clamp the day to that month's length.
        const firstOfTarget = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, 1));
        const lastDay = new Date(Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth() + 1, 0)).getUTCDate();
        const expected = new Date(
          Date.UTC(firstOfTarget.getUTCFullYear(), firstOfTarget.getUTCMonth(), Math.min(d.getUTCDate(), lastDay)),
        )
          .toISOString()
          .slice(0, 10);
        const actual = addMonths(iso, n);
        if (actual !== expected) mismatches.push(`${iso} ${n >= 0 ? '+' : ''}${n} → ${actual}, expected ${expected}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it.each([
    ['a fractional number of months', '2024-01-15', 1.5],
    ['a negative fractional number of months', '2024-01-15', -0.5],
    ['NaN months', '2024-01-15', Number.NaN],
    ['infinite months', '2024-01-15', Number.POSITIVE_INFINITY],
  ])('throws a RangeError for %s', (_name, date, months) => {
    expect(() => addMonths(date, months)).toThrow(RangeError);
  });

  it.each([
    ['an empty string', ''],
    ['a non-padded month', '2024-1-15'],
    ['a timestamp', '2024-01-15T00:00:00Z'],
    ['a slash-separated date', '2024/01/15'],
    ['garbage', 'yesterday'],
  ])('throws a RangeError for %s as the date', (_name, date) => {
    expect(() => addMonths(date, 1)).toThrow(RangeError);
  });
});

describe('isCalendarDate', () => {
  it.each([
    ['2026-11-24', true],
    ['2028-02-29', true],
    ['2026-02-29', false],
    ['2026-02-31', false],
    ['2026-13-01', false],
    ['2026-00-10', false],
    ['2026-04-31', false],
    ['2026-04-00', false],
    ['2026-4-01', false],
    ['2026-11-24T00:00:00Z', false],
  ])('%s: %s', (text, expected) => {
    expect(isCalendarDate(text)).toBe(expected);
  });
});

describe('daysInMonth', () => {
  it.each([
    [2024, 1, 31],
    [2024, 2, 29],
    [2023, 2, 28],
    [2000, 2, 29],
    [1900, 2, 28],
    [2100, 2, 28],
    [2024, 4, 30],
    [2024, 6, 30],
    [2024, 9, 30],
    [2024, 11, 30],
    [2024, 12, 31],
  ])('%d-%d has %d days', (year, month, expected) => {
    expect(daysInMonth(year, month)).toBe(expected);
  });
});

describe('compareDates', () => {
  it.each([
    ['earlier day', '2024-01-01', '2024-01-02', -1],
    ['same day', '2024-01-01', '2024-01-01', 0],
    ['later day', '2024-01-02', '2024-01-01', 1],
    ['across a year boundary (later)', '2025-01-01', '2024-12-31', 1],
    ['across a year boundary (earlier)', '2024-12-31', '2025-01-01', -1],
    ['29 Feb before 1 Mar', '2024-02-29', '2024-03-01', -1],
    ['two-digit months compare numerically (Oct after Sep)', '2024-10-01', '2024-09-30', 1],
    ['two-digit days compare numerically (10th after 9th)', '2024-05-10', '2024-05-09', 1],
  ])('%s: sign(compareDates(%s, %s)) = %d', (_name, a, b, sign) => {
    expect(Math.sign(compareDates(a, b))).toBe(sign);
  });
});

describe('minDate', () => {
  it.each([
    ['first is earlier', '2024-01-01', '2024-06-01', '2024-01-01'],
    ['second is earlier', '2024-06-01', '2024-01-01', '2024-01-01'],
    ['equal', '2024-03-15', '2024-03-15', '2024-03-15'],
    ['across a year', '2025-01-01', '2024-12-31', '2024-12-31'],
  ])('%s: minDate(%s, %s) = %s', (_name, a, b, expected) => {
    expect(minDate(a, b)).toBe(expected);
  });
});

describe('maxDate', () => {
  it.each<[string, Array<string | null | undefined>, string | null]>([
    ['empty list', [], null],
    ['only null', [null], null],
    ['only null and undefined', [null, undefined, null], null],
    ['one date', ['2024-01-01'], '2024-01-01'],
    ['latest first', ['2030-01-01', '2024-01-01', '2027-06-30'], '2030-01-01'],
    ['latest last', ['2024-01-01', '2027-06-30', '2030-01-01'], '2030-01-01'],
    ['latest in the middle', ['2024-01-01', '2030-01-01', '2027-06-30'], '2030-01-01'],
    ['nulls ignored', [null, '2024-01-01', undefined, '2025-01-01', null], '2025-01-01'],
    ['duplicates', ['2025-01-01', '2025-01-01'], '2025-01-01'],
    ['across a year boundary', ['2024-12-31', '2025-01-01'], '2025-01-01'],
  ])('%s → %s', (_name, dates, expected) => {
    expect(maxDate(dates)).toBe(expected);
  });
});

describe('isWithin (inclusive on both ends, rule 3)', () => {
  it.each([
    ['on the start date', '2024-01-15', '2024-01-15', '2029-01-15', true],
    ['on the end date', '2029-01-15', '2024-01-15', '2029-01-15', true],
    ['strictly inside', '2026-06-30', '2024-01-15', '2029-01-15', true],
    ['the day before the start', '2024-01-14', '2024-01-15', '2029-01-15', false],
    ['the day after the end', '2029-01-16', '2024-01-15', '2029-01-15', false],
    ['a single-day range, on it', '2024-02-29', '2024-02-29', '2024-02-29', true],
    ['a single-day range, the day after', '2024-03-01', '2024-02-29', '2024-02-29', false],
    ['an inverted range', '2025-01-01', '2026-01-01', '2024-01-01', false],
    ['far before', '1999-12-31', '2024-01-15', '2029-01-15', false],
    ['far after', '2100-01-01', '2024-01-15', '2029-01-15', false],
  ])('%s: isWithin(%s, %s, %s) = %s', (_name, date, start, end, expected) => {
    expect(isWithin(date, start, end)).toBe(expected);
  });
});

describe('calendarDateOf (the calendar date of an instant in a time zone)', () => {
  it.each([
    ['late 31 Dec UTC is 1 Jan in Tokyo', '2024-12-31T20:00:00Z', 'Asia/Tokyo', '2025-01-01'],
    ['the last ms of 31 Dec in Tokyo', '2024-12-31T14:59:59.999Z', 'Asia/Tokyo', '2024-12-31'],
    ['midnight of 1 Jan in Tokyo', '2024-12-31T15:00:00Z', 'Asia/Tokyo', '2025-01-01'],
    ['the same instant in UTC', '2024-12-31T20:00:00Z', 'UTC', '2024-12-31'],
    ['early 1 Jan UTC is still 31 Dec in New York', '2025-01-01T03:00:00Z', 'America/New_York', '2024-12-31'],
    ['midnight of 1 Jan in New York (EST, UTC−5)', '2025-01-01T05:00:00Z', 'America/New_York', '2025-01-01'],
    ['late 29 Feb UTC is 1 Mar in Berlin (CET)', '2024-02-29T23:30:00Z', 'Europe/Berlin', '2024-03-01'],
    ['Berlin, the evening before the spring DST switch (CET, UTC+1)', '2024-03-30T22:30:00Z', 'Europe/Berlin', '2024-03-30'],
    ['Berlin, after the spring DST switch (CEST, UTC+2)', '2024-03-31T22:30:00Z', 'Europe/Berlin', '2024-04-01'],
    ['Berlin, before the autumn DST switch (CEST, UTC+2)', '2024-10-26T22:30:00Z', 'Europe/Berlin', '2024-10-27'],
    ['Berlin, after the autumn DST switch (CET, UTC+1)', '2024-10-27T22:30:00Z', 'Europe/Berlin', '2024-10-27'],
    ['London in summer (BST, UTC+1)', '2024-07-01T23:30:00Z', 'Europe/London', '2024-07-02'],
    ['London in winter (GMT)', '2024-01-01T23:30:00Z', 'Europe/London', '2024-01-01'],
    ['Kiritimati (UTC+14) is already in the new year', '2024-12-31T10:00:00Z', 'Pacific/Kiritimati', '2025-01-01'],
    ['Pago Pago (UTC−11) is still in the old year', '2025-01-01T10:00:00Z', 'Pacific/Pago_Pago', '2024-12-31'],
    ['Kolkata (UTC+5:30), one minute before midnight', '2024-06-30T18:29:00Z', 'Asia/Kolkata', '2024-06-30'],
    ['Kolkata (UTC+5:30), at midnight', '2024-06-30T18:30:00Z', 'Asia/Kolkata', '2024-07-01'],
    ['Sydney (AEST, UTC+10) at midnight', '2024-06-30T14:00:00Z', 'Australia/Sydney', '2024-07-01'],
    ['Etc/GMT+12 (UTC−12)', '2024-03-01T11:59:00Z', 'Etc/GMT+12', '2024-02-29'],
  ])('%s: %s in %s → %s', (_name, instant, timeZone, expected) => {
    expect(calendarDateOf(new Date(instant), timeZone)).toBe(expected);
  });

  it.each([
    ['late evening', '2024-12-31T23:59:59.999Z', '2024-12-31'],
    ['just after midnight', '2025-01-01T00:00:00Z', '2025-01-01'],
    ['29 Feb', '2024-02-29T12:00:00Z', '2024-02-29'],
  ])('defaults to UTC (%s: %s → %s)', (_name, instant, expected) => {
    expect(calendarDateOf(new Date(instant))).toBe(expected);
  });

  it('returns a valid ISO calendar date', () => {
    const result = calendarDateOf(new Date('2024-02-29T12:00:00Z'), 'America/Los_Angeles');
    expect(result).toBe('2024-02-29');
    expect(result).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('throws a RangeError for an unknown time zone', () => {
    expect(() => calendarDateOf(new Date('2024-01-01T00:00:00Z'), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('throws a RangeError for an invalid instant', () => {
    expect(() => calendarDateOf(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});
