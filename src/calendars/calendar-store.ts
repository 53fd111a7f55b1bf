/**
 * Reading calendar versions the way the claims use them (rule 9): the version in force for a site, and versions by
 * id, each with its closing days, one statement each whatever the number of days or versions.
 */
import type { EntityManager } from 'typeorm';
import type { IsoDate } from '../common/calendar';
import { transactionQuery } from '../db/row-reader';
import { DEFAULT_REGION, EVERY_COUNTRY } from './service-calendar.entity';

/** A calendar version as the SLA arithmetic needs it (the time zone and public holidays are the site's). */
export interface CalendarSpec {
  id: string;
  serviceDays: number[];
  opensMinute: number;
  closesMinute: number;
  /** Closing days with the country each closes (`*`: every country). */
  closingDays: Array<{ date: IsoDate; countryCode: string }>;
}

/** The closing days of a spec that close a site in `countryCode`. */
export function closedDatesFor(spec: CalendarSpec, countryCode: string): IsoDate[] {
  return spec.closingDays.filter((d) => d.countryCode === EVERY_COUNTRY || d.countryCode === countryCode).map((d) => d.date);
}

const SPEC_COLUMNS = `c.id, c.service_days AS "serviceDays", c.opens_minute AS "opensMinute", c.closes_minute AS "closesMinute",
  coalesce((SELECT json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'countryCode', d.country_code) ORDER BY d.day, d.country_code)
            FROM service_calendar_day d WHERE d.org_id = c.org_id AND d.calendar_id = c.id), '[]') AS "closingDays"`;

/**
 * The version in force on `asOf` for a region: the region's own (the latest effectiveFrom on or before the date,
 * the highest version on a tie), else the organisation's default calendar's; null when the organisation has
 * neither (rule 9's standard week applies then). One statement.
 */
export async function calendarInForce(manager: EntityManager, orgId: string, region: string, asOf: IsoDate): Promise<CalendarSpec | null> {
  const rows = await transactionQuery<CalendarSpec>(
    manager,
    `SELECT ${SPEC_COLUMNS} FROM service_calendar c
      WHERE c.org_id = $1 AND c.region IN ($2, $3) AND c.effective_from <= $4
      ORDER BY (c.region = $3), c.effective_from DESC, c.version DESC LIMIT 1`,
    [orgId, region, DEFAULT_REGION, asOf],
  );
  return rows[0] ?? null;
}

/**
 * calendarInForce as an expression of another statement (a claim's unit lock, claim-intake.ts): the version in force
 * (CalendarSpec as JSON, or NULL) for the SQL expressions `org`, `region` and `asOf` (the site's local date).
 */
export function calendarInForceSql(org: string, region: string, asOf: string): string {
  return `(SELECT json_build_object('id', c.id, 'serviceDays', c.service_days, 'opensMinute', c.opens_minute, 'closesMinute', c.closes_minute,
      'closingDays', coalesce((SELECT json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'countryCode', d.country_code) ORDER BY d.day, d.country_code)
                                 FROM service_calendar_day d WHERE d.org_id = c.org_id AND d.calendar_id = c.id), '[]'))
     FROM service_calendar c
     WHERE c.org_id = ${org} AND c.region IN (${region}, '${DEFAULT_REGION}') AND c.effective_from <= ${asOf}
     ORDER BY (c.region = '${DEFAULT_REGION}'), c.effective_from DESC, c.version DESC LIMIT 1)`;
}

/** Versions by id, with their closing days, one statement. */
export async function calendarsByIds(manager: EntityManager, orgId: string, ids: readonly string[]): Promise<Map<string, CalendarSpec>> {
  if (ids.length === 0) return new Map();
  const rows: CalendarSpec[] = await manager.query(`SELECT ${SPEC_COLUMNS} FROM service_calendar c WHERE c.org_id = $1 AND c.id = ANY($2::uuid[])`, [orgId, [...new Set(ids)]]);
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * The standard service week of an organisation that has published no calendar: 09:00–17:00, Monday to Friday, no
 * closing days but the public holidays. A claim opened under it stores no calendar id.
 */
export const STANDARD_WEEK: Omit<CalendarSpec, 'id'> = { serviceDays: [1, 2, 3, 4, 5], opensMinute: 540, closesMinute: 1020, closingDays: [] };
