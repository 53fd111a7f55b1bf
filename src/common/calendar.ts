/**
 * Calendar-date arithmetic on ISO `YYYY-MM-DD` strings. Warranty dates are calendar dates, not instants: doing
 * the arithmetic on strings keeps server time zones and daylight-saving shifts out of the rules.
 */
export type IsoDate = string;

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function parts(date: IsoDate): [number, number, number] {
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`not an ISO calendar date: "${date}"`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function format(year: number, month: number, day: number): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Whether `text` is a real calendar date `YYYY-MM-DD`: no 31 February, no month 13 (JavaScript's Date rolls both over). */
export function isCalendarDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Adds calendar months (rule 3). A day that does not exist in the target month clamps to that month's last
 * day: 2024-01-31 + 1 month = 2024-02-29, 2024-02-29 + 12 months = 2025-02-28.
 */
export function addMonths(date: IsoDate, months: number): IsoDate {
  if (!Number.isInteger(months)) throw new RangeError(`months must be a whole number (got ${months})`);
  const [year, month, day] = parts(date);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  return format(targetYear, targetMonth, Math.min(day, daysInMonth(targetYear, targetMonth)));
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01, negative before it (also Parquet's DATE). */
export function epochDay(date: IsoDate): number {
  const [year, month, day] = parts(date);
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

/** The calendar date `day` days after 1970-01-01. */
export function dateOfEpochDay(day: number): IsoDate {
  const instant = new Date(day * DAY_MS);
  return format(instant.getUTCFullYear(), instant.getUTCMonth() + 1, instant.getUTCDate());
}

/** Whole days from a to b: positive when b is later. */
export function daysBetween(a: IsoDate, b: IsoDate): number {
  return epochDay(b) - epochDay(a);
}

export function addDays(date: IsoDate, days: number): IsoDate {
  const [year, month, day] = parts(date);
  // Within the month, no Date is needed (the fleet export adds days to millions of dates).
  const target = day + days;
  if (target >= 1 && target <= 28) return format(year, month, target);
  return dateOfEpochDay(Date.UTC(year, month - 1, day) / DAY_MS + days);
}

/** Negative when a is before b, zero when equal, positive when after (ISO strings sort chronologically). */
export function compareDates(a: IsoDate, b: IsoDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function minDate(a: IsoDate, b: IsoDate): IsoDate {
  return compareDates(a, b) <= 0 ? a : b;
}

export function maxDate(dates: Array<IsoDate | null | undefined>): IsoDate | null {
  let latest: IsoDate | null = null;
  for (const date of dates) if (date && (latest === null || compareDates(date, latest) > 0)) latest = date;
  return latest;
}

/** Inclusive on both ends: a repair dated on the end date is still inside (rule 3). */
export function isWithin(date: IsoDate, start: IsoDate, end: IsoDate): boolean {
  return compareDates(start, date) <= 0 && compareDates(date, end) <= 0;
}

// Building an Intl.DateTimeFormat costs far more than using one; status fields ask for "today" per record.
const formatters = new Map<string, Intl.DateTimeFormat>();

/** The calendar date of an instant in a time zone (the site's, so "today" matches what the customer sees). */
export function calendarDateOf(instant: Date, timeZone = 'UTC'): IsoDate {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  // formatToParts, not format(): the order and separators of a formatted date depend on the ICU data.
  const parts = formatter.formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return format(part('year'), part('month'), part('day'));
}
