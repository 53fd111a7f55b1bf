import type Holidays from 'date-holidays';
import type { EntityManager } from 'typeorm';
import type { IsoDate } from '../common/calendar';
import type { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { CompanyDay, EVERY_COUNTRY } from './company-day.entity';
import type { ServiceCalendar } from './sla-calendar';

/**
 * Where a claim's service calendar comes from: the policy's service day (policy data), the site's time zone, the
 * public holidays of the site's country (the `date-holidays` library, nationwide `public` and `bank` days) and the
 * organisation's company days for that country or for all (the `company_day` table).
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
  orgId: string;
  countryCode: string;
  timeZone: string;
}

/** The calendar of a site under a policy, given the organisation's company days (any years). */
export function calendarOf(site: CalendarSite, policy: Pick<WarrantyPolicy, 'serviceOpensMinute' | 'serviceClosesMinute' | 'serviceDays'>, companyDays: Iterable<IsoDate>, fromYear: number): ServiceCalendar {
  const closed = new Set<IsoDate>(companyDays);
  for (let year = fromYear; year <= fromYear + 2; year++) for (const day of publicHolidays(site.countryCode, year)) closed.add(day);
  return {
    timeZone: site.timeZone,
    opensAtMinute: policy.serviceOpensMinute,
    closesAtMinute: policy.serviceClosesMinute,
    workingDays: policy.serviceDays,
    closedDates: closed,
  };
}

/** The organisation's company days for a country (its own and those for every country), one statement. */
export async function companyDaysOf(manager: EntityManager, orgId: string, countryCode: string): Promise<IsoDate[]> {
  const rows = await manager
    .createQueryBuilder(CompanyDay, 'd')
    .select("to_char(d.day, 'YYYY-MM-DD')", 'day')
    .where('d.org_id = :orgId AND d.country_code IN (:...countries)', { orgId, countries: [countryCode, EVERY_COUNTRY] })
    .getRawMany<{ day: string }>();
  return rows.map((r) => r.day);
}

/** The calendar of a site under a policy, with closed days for `fromYear` and the two years after it. */
export async function serviceCalendarFor(manager: EntityManager, site: CalendarSite, policy: WarrantyPolicy, fromYear: number): Promise<ServiceCalendar> {
  return calendarOf(site, policy, await companyDaysOf(manager, site.orgId, site.countryCode), fromYear);
}
