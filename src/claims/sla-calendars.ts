import type Holidays from 'date-holidays';
import type { EntityManager } from 'typeorm';
import type { IsoDate } from '../common/calendar';
import { calendarInForceSql, calendarsByIds, closedDatesFor, STANDARD_WEEK, type CalendarSpec } from '../calendars/calendar-store';
import type { UnitLockAlso } from '../records/record-access';
import type { ServiceCalendar } from './sla-calendar';

/**
 * Where a claim's service calendar comes from (rule 9): the calendar version it keeps (service days, hours and
 * closing days: the `calendars` module's data, or the standard week when its organisation had published none), the
 * site's time zone, and the public holidays of the site's country (the `date-holidays` library, nationwide `public`
 * and `bank` days).
 */
const HOLIDAY_TYPES = new Set(['public', 'bank']);
/** Holiday lists per country and year, built once per process (the library computes them from rules). */
const holidayCache = new Map<string, readonly IsoDate[]>();

/**
 * The library, loaded on first use: it reads every country's rules (about 65 ms here), which a process that
 * answers no claim need not pay at start-up.
 */
let library: typeof Holidays | undefined;
function holidaysLibrary(): typeof Holidays {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (library ??= require('date-holidays') as typeof Holidays);
}

export function publicHolidays(countryCode: string, year: number): readonly IsoDate[] {
  const key = `${countryCode}/${year}`;
  let dates = holidayCache.get(key);
  if (!dates) {
    const calendar = new (holidaysLibrary())(countryCode);
    const found = calendar.getHolidays(year) || [];
    dates = found.filter((h) => HOLIDAY_TYPES.has(h.type)).map((h) => h.date.slice(0, 10));
    holidayCache.set(key, dates);
  }
  return dates;
}

export interface CalendarSite {
  countryCode: string;
  timeZone: string;
}

/** The calendar of a site under a calendar version (null: the standard week), closed days from `fromYear` on. */
export function calendarOf(site: CalendarSite, spec: Omit<CalendarSpec, 'id'> | null, fromYear: number): ServiceCalendar {
  const version = spec ?? STANDARD_WEEK;
  const closed = new Set<IsoDate>(closedDatesFor({ id: '', ...version }, site.countryCode));
  for (let year = fromYear; year <= fromYear + 2; year++) for (const day of publicHolidays(site.countryCode, year)) closed.add(day);
  return {
    timeZone: site.timeZone,
    opensAtMinute: version.opensMinute,
    closesAtMinute: version.closesMinute,
    workingDays: version.serviceDays,
    closedDates: closed,
  };
}

/**
 * A new claim's calendar version read in the statement that locks its unit (records' lockVisibleUnitKeys): the
 * version in force on the site's local date at `now` for the unit's region, as intakeCalendar reads it, without a
 * statement of its own. The calendars are not what the lock guards (a claim's transaction does not write them).
 */
export function calendarWithUnitLock(now: Date): UnitLockAlso {
  return {
    select: (r, n) => calendarInForceSql(`${r}.org_id`, `${r}.region`, `(($${n}::timestamptz AT TIME ZONE coalesce(${r}.site_time_zone, 'UTC'))::date)`),
    values: [now],
  };
}

/** A new claim's calendar from the version read with its unit's lock (calendarWithUnitLock), with its id to keep. */
export function intakeCalendarOf(spec: CalendarSpec | null | undefined, site: CalendarSite, fromYear: number): { calendarId: string | null; calendar: ServiceCalendar } {
  return { calendarId: spec?.id ?? null, calendar: calendarOf(site, spec ?? null, fromYear) };
}

/** The calendar a claim keeps (its version, else the standard week), at its site; one statement, none for the week. */
export async function keptCalendar(manager: EntityManager, claim: { orgId: string; serviceCalendarId: string | null }, site: CalendarSite, fromYear: number): Promise<ServiceCalendar> {
  if (!claim.serviceCalendarId) return calendarOf(site, null, fromYear);
  const spec = (await calendarsByIds(manager, claim.orgId, [claim.serviceCalendarId])).get(claim.serviceCalendarId);
  if (!spec) throw new Error(`service calendar ${claim.serviceCalendarId} of a claim is missing`);
  return calendarOf(site, spec, fromYear);
}
