import { DateTime } from 'luxon';
import { addDays, calendarDateOf, type IsoDate } from '../common/calendar';

/**
 * Service-hour arithmetic for the claim SLAs (rule 9): response and on-site targets count only the hours the
 * service desk works, in the site's own time zone: a window each working day (09:00–17:00, Monday to Friday in
 * the example policies), less the days it is closed (the country's public holidays and the company's own days,
 * both given here as dates). Logged travel pauses the on-site clock: time inside a pause does not count.
 *
 * Pure: no database, no GraphQL, no holiday library (the caller turns those into `closedDates`). Instants are
 * `Date`s; wall times are turned into instants in the calendar's zone, so a day that changes to or from summer
 * time has its own length, and a window is always 09:00–17:00 on the clock on the wall.
 */
export interface ServiceCalendar {
  /** IANA time zone of the site, e.g. Europe/Berlin. */
  timeZone: string;
  /** Minutes after local midnight at which service starts and ends each working day (540 and 1020: 09:00–17:00). */
  opensAtMinute: number;
  closesAtMinute: number;
  /** ISO weekdays the desk works: 1 Monday … 7 Sunday. */
  workingDays: readonly number[];
  /** Local dates it does not work although they are working days: public holidays and company days. */
  closedDates: ReadonlySet<IsoDate>;
}

export interface Interval {
  start: Date;
  end: Date;
}

const HOUR_MS = 3_600_000;
/** No target spans more than this many calendar days: a calendar that never opens is a configuration error. */
const MAX_DAYS = 3_660;

export class ServiceCalendarError extends Error {}

/** Calendars already checked, and zones known to be valid: checking costs more than the arithmetic it guards. */
const checkedCalendars = new WeakSet<ServiceCalendar>();
const validZones = new Set<string>();

/** Checks a calendar once, before any arithmetic: a bad one would otherwise loop or answer nonsense. */
export function checkCalendar(calendar: ServiceCalendar): void {
  if (checkedCalendars.has(calendar)) return;
  if (!validZones.has(calendar.timeZone)) {
    if (!DateTime.local().setZone(calendar.timeZone).isValid) throw new ServiceCalendarError(`unknown time zone ${calendar.timeZone}`);
    validZones.add(calendar.timeZone);
  }
  const { opensAtMinute: opens, closesAtMinute: closes } = calendar;
  if (!Number.isInteger(opens) || !Number.isInteger(closes) || opens < 0 || closes > 24 * 60 || opens >= closes) {
    throw new ServiceCalendarError(`service hours must open before they close within one day (got ${opens}–${closes} minutes)`);
  }
  if (!calendar.workingDays.some((day) => Number.isInteger(day) && day >= 1 && day <= 7)) {
    throw new ServiceCalendarError('a service calendar needs at least one working day');
  }
  checkedCalendars.add(calendar);
}

/** The service windows that end after `from`, in order, clipped to start no earlier than `from`. */
export function* serviceWindows(calendar: ServiceCalendar, from: Date): Generator<Interval> {
  checkCalendar(calendar);
  let date = calendarDateOf(from, calendar.timeZone);
  for (let count = 0; count < MAX_DAYS; count++, date = addDays(date, 1)) {
    const window = windowOn(calendar, date);
    if (!window || window.end.getTime() <= from.getTime()) continue;
    yield window.start.getTime() < from.getTime() ? { start: from, end: window.end } : window;
  }
  throw new ServiceCalendarError(`no service hours within ${MAX_DAYS} days of ${from.toISOString()}`);
}

/**
 * The service window of one local date, or null on a day the desk does not work; remembered per calendar, since
 * turning wall times into instants costs more than everything else here and a page of claims shares its days.
 */
const windowsByCalendar = new WeakMap<ServiceCalendar, Map<IsoDate, Interval | null>>();

function windowOn(calendar: ServiceCalendar, date: IsoDate): Interval | null {
  let byDate = windowsByCalendar.get(calendar);
  if (!byDate) windowsByCalendar.set(calendar, (byDate = new Map()));
  let window = byDate.get(date);
  if (window === undefined) {
    if (!calendar.workingDays.includes(isoWeekday(date)) || calendar.closedDates.has(date)) {
      window = null;
    } else {
      // Wall-clock times of that local day (Luxon moves a time that falls into a spring-forward gap forward).
      const day = DateTime.fromISO(date, { zone: calendar.timeZone });
      window = { start: wallTime(day, calendar.opensAtMinute), end: wallTime(day, calendar.closesAtMinute) };
    }
    byDate.set(date, window);
  }
  return window;
}

/** 1 Monday … 7 Sunday, of a calendar date. */
function isoWeekday(date: IsoDate): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The instant of a local wall time `minute` minutes after midnight of `day` (24:00 is the next midnight). */
function wallTime(day: DateTime, minute: number): Date {
  if (minute === 24 * 60) return day.plus({ days: 1 }).startOf('day').toJSDate();
  return day.set({ hour: Math.floor(minute / 60), minute: minute % 60, second: 0, millisecond: 0 }).toJSDate();
}

/** `window` less the pauses (sorted, merged), as the parts that count. */
function countedParts(window: Interval, pauses: readonly Interval[]): Interval[] {
  const parts: Interval[] = [];
  let cursor = window.start.getTime();
  const end = window.end.getTime();
  for (const pause of pauses) {
    const pauseStart = pause.start.getTime();
    const pauseEnd = pause.end.getTime();
    if (pauseEnd <= cursor || pauseStart >= end) continue;
    if (pauseStart > cursor) parts.push({ start: new Date(cursor), end: new Date(pauseStart) });
    cursor = Math.max(cursor, pauseEnd);
    if (cursor >= end) break;
  }
  if (cursor < end) parts.push({ start: new Date(cursor), end: new Date(end) });
  return parts;
}

/** Pauses sorted by start and overlapping ones merged; empty or inverted intervals dropped. */
export function mergePauses(pauses: readonly Interval[]): Interval[] {
  const sorted = pauses.filter((p) => p.end.getTime() > p.start.getTime()).sort((a, b) => a.start.getTime() - b.start.getTime());
  const merged: Interval[] = [];
  for (const pause of sorted) {
    const last = merged[merged.length - 1];
    if (last && pause.start.getTime() <= last.end.getTime()) {
      if (pause.end.getTime() > last.end.getTime()) merged[merged.length - 1] = { start: last.start, end: pause.end };
    } else {
      merged.push(pause);
    }
  }
  return merged;
}

/**
 * The instant at which `hours` service hours have passed since `start`, not counting the pauses. A target met
 * exactly at closing time is due then, not at the next opening. Zero hours: `start` itself.
 */
export function addServiceHours(calendar: ServiceCalendar, start: Date, hours: number, pauses: readonly Interval[] = []): Date {
  if (!(hours >= 0) || !Number.isFinite(hours)) throw new ServiceCalendarError(`service hours must be a finite number ≥ 0 (got ${hours})`);
  let remaining = Math.round(hours * HOUR_MS);
  if (remaining === 0) return start;
  const merged = mergePauses(pauses);
  for (const window of serviceWindows(calendar, start)) {
    for (const part of countedParts(window, merged)) {
      const length = part.end.getTime() - part.start.getTime();
      if (remaining <= length) return new Date(part.start.getTime() + remaining);
      remaining -= length;
    }
  }
  /* c8 ignore next */
  throw new ServiceCalendarError('unreachable: serviceWindows ends by throwing');
}

/** Service hours between two instants, not counting the pauses (0 when `to` is not after `from`). */
export function serviceHoursBetween(calendar: ServiceCalendar, from: Date, to: Date, pauses: readonly Interval[] = []): number {
  if (to.getTime() <= from.getTime()) return 0;
  const merged = mergePauses(pauses);
  let counted = 0;
  for (const window of serviceWindows(calendar, from)) {
    if (window.start.getTime() >= to.getTime()) break;
    const clipped = { start: window.start, end: new Date(Math.min(window.end.getTime(), to.getTime())) };
    for (const part of countedParts(clipped, merged)) counted += part.end.getTime() - part.start.getTime();
  }
  return counted / HOUR_MS;
}
