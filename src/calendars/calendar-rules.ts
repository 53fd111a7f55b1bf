/**
 * The input rules of a service calendar version (rule 9), without the database: service hours as local wall times
 * `HH:MM` (closing after opening, `24:00` for midnight at the end of the day), service days as ISO weekdays 1–7 each
 * at most once, closing days as dates a client may send, each date at most once per country. Each problem names its
 * field under `input`.
 */
import { isCalendarDate, type IsoDate } from '../common/calendar';
import { isInputDate, INPUT_DATE_PROBLEM } from '../common/input-guards';
import { DEFAULT_REGION, EVERY_COUNTRY } from './service-calendar.entity';

export interface ClosingDayInput {
  date: IsoDate;
  name: string;
  /** ISO 3166-1 alpha-2 of the one country it closes; null or absent: every country of the region. */
  countryCode?: string | null;
}

export interface CalendarInput {
  /** A warranty region (EU, DE-AT-CH …); null or absent: the organisation's default calendar. */
  region?: string | null;
  effectiveFrom: IsoDate;
  serviceDays: number[];
  opensAt: string;
  closesAt: string;
  closingDays: ClosingDayInput[];
}

export interface CalendarProblem {
  field: string[];
  message: string;
}

/** A calendar as stored: region `*` for the default, minutes after midnight, days sorted. */
export interface NormalisedCalendar {
  region: string;
  effectiveFrom: IsoDate;
  serviceDays: number[];
  opensMinute: number;
  closesMinute: number;
  closingDays: Array<{ date: IsoDate; name: string; countryCode: string }>;
}

export const MAX_CLOSING_DAYS = 1_000;
const MAX_NAME = 200;
const REGION = /^[A-Z]{2}(-[A-Z]{2})*$/;
const COUNTRY = /^[A-Z]{2}$/;
const TIME = /^([01]\d|2[0-4]):([0-5]\d)$/;

/** Minutes after midnight of a wall time `HH:MM` (00:00 … 24:00), or null when it is not one. */
export function minuteOf(time: string): number | null {
  const match = TIME.exec(time);
  if (!match) return null;
  const minute = Number(match[1]) * 60 + Number(match[2]);
  return minute <= 24 * 60 ? minute : null;
}

/** `HH:MM` of minutes after midnight. */
export function timeOf(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** The stored region of an input region: `*` for none (the default calendar), upper case otherwise. */
export function regionKey(region: string | null | undefined): string {
  const trimmed = region?.trim().toUpperCase();
  return trimmed ? trimmed : DEFAULT_REGION;
}

function closingDayProblems(days: readonly ClosingDayInput[], at: (index: number, name: string) => string[]): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  if (days.length > MAX_CLOSING_DAYS) problems.push({ field: at(MAX_CLOSING_DAYS, 'date').slice(0, -2), message: `at most ${MAX_CLOSING_DAYS} closing days` });
  const seen = new Set<string>();
  days.forEach((day, index) => {
    if (!isCalendarDate(day.date) || !isInputDate(day.date)) problems.push({ field: at(index, 'date'), message: `a closing day ${INPUT_DATE_PROBLEM}` });
    const name = day.name.trim();
    if (!name || name.length > MAX_NAME) problems.push({ field: at(index, 'name'), message: `a closing day has a name of 1 to ${MAX_NAME} characters` });
    const country = day.countryCode?.trim().toUpperCase() || EVERY_COUNTRY;
    if (country !== EVERY_COUNTRY && !COUNTRY.test(country)) problems.push({ field: at(index, 'countryCode'), message: 'an ISO 3166-1 alpha-2 country code such as DE' });
    const key = `${country}|${day.date}`;
    if (seen.has(key)) problems.push({ field: at(index, 'date'), message: `${day.date} is given twice${country === EVERY_COUNTRY ? '' : ` for ${country}`}` });
    seen.add(key);
  });
  return problems;
}

/** Every problem of a calendar version's input; none: the input is a calendar. */
export function calendarProblems(input: CalendarInput): CalendarProblem[] {
  const problems: CalendarProblem[] = [];
  const refuse = (field: string[], message: string) => problems.push({ field: ['input', ...field], message });
  if (input.region != null && input.region.trim() !== '' && !REGION.test(input.region.trim().toUpperCase())) refuse(['region'], 'a region code such as EU or DE-AT-CH (none: the default calendar)');
  if (!isCalendarDate(input.effectiveFrom) || !isInputDate(input.effectiveFrom)) refuse(['effectiveFrom'], INPUT_DATE_PROBLEM);
  if (input.serviceDays.length === 0) refuse(['serviceDays'], 'at least one service day (1 Monday … 7 Sunday)');
  input.serviceDays.forEach((day, index) => {
    if (!Number.isInteger(day) || day < 1 || day > 7) refuse(['serviceDays', String(index)], 'an ISO weekday: 1 Monday … 7 Sunday');
    else if (input.serviceDays.indexOf(day) !== index) refuse(['serviceDays', String(index)], `weekday ${day} is given twice`);
  });
  const wall = minuteOf(input.opensAt);
  const opens = wall === 24 * 60 ? null : wall;
  const closes = minuteOf(input.closesAt);
  if (opens === null) refuse(['opensAt'], 'a local time HH:MM from 00:00 to 23:59');
  if (closes === null) refuse(['closesAt'], 'a local time HH:MM from 00:01 to 24:00');
  else if (opens !== null && closes <= opens) refuse(['closesAt'], `service closes after it opens (${input.opensAt})`);
  for (const p of closingDayProblems(input.closingDays, (index, name) => ['closingDays', String(index), name])) refuse(p.field, p.message);
  return problems;
}

/** The input as stored; call after `calendarProblems` found none. */
export function normaliseCalendar(input: CalendarInput): NormalisedCalendar {
  return {
    region: regionKey(input.region),
    effectiveFrom: input.effectiveFrom,
    serviceDays: [...input.serviceDays].sort((a, b) => a - b),
    opensMinute: minuteOf(input.opensAt)!,
    closesMinute: minuteOf(input.closesAt)!,
    closingDays: input.closingDays.map((d) => ({ date: d.date, name: d.name.trim(), countryCode: d.countryCode?.trim().toUpperCase() || EVERY_COUNTRY })),
  };
}

export interface ClosingDayChange {
  add: ClosingDayInput[];
  /** Dates to remove, each with the country it was given for (none: the day of every country). */
  remove: Array<{ date: IsoDate; countryCode?: string | null }>;
}

/**
 * The closing days of the next version: the current ones less those removed, plus those added. A date removed
 * that the calendar does not close, or added that it already closes, is refused (a manager who meant another date
 * should know), as is a change that adds and removes nothing.
 */
export function changedClosingDays(
  current: ReadonlyArray<{ date: IsoDate; name: string; countryCode: string }>,
  change: ClosingDayChange,
): { days: Array<{ date: IsoDate; name: string; countryCode: string }>; problems: CalendarProblem[] } {
  const problems: CalendarProblem[] = closingDayProblems(change.add, (index, name) => ['input', 'add', String(index), name]);
  const key = (date: string, country: string | null | undefined) => `${country?.trim().toUpperCase() || EVERY_COUNTRY}|${date}`;
  if (change.add.length === 0 && change.remove.length === 0) problems.push({ field: ['input', 'add'], message: 'add or remove at least one closing day' });
  const byKey = new Map(current.map((d) => [key(d.date, d.countryCode), d]));
  const removed = new Set<string>();
  change.remove.forEach((day, index) => {
    const k = key(day.date, day.countryCode);
    if (!byKey.has(k)) problems.push({ field: ['input', 'remove', String(index), 'date'], message: `${day.date} is not a closing day of the calendar${day.countryCode ? ` for ${day.countryCode}` : ''}` });
    else if (removed.has(k)) problems.push({ field: ['input', 'remove', String(index), 'date'], message: `${day.date} is removed twice` });
    removed.add(k);
  });
  change.add.forEach((day, index) => {
    const k = key(day.date, day.countryCode);
    if (byKey.has(k) && !removed.has(k)) problems.push({ field: ['input', 'add', String(index), 'date'], message: `${day.date} is already a closing day of the calendar` });
  });
  const kept = current.filter((d) => !removed.has(key(d.date, d.countryCode)));
  const added = change.add.map((d) => ({ date: d.date, name: d.name.trim(), countryCode: d.countryCode?.trim().toUpperCase() || EVERY_COUNTRY }));
  const days = [...kept, ...added].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.countryCode < b.countryCode ? -1 : 1));
  if (problems.length === 0 && days.length > MAX_CLOSING_DAYS) problems.push({ field: ['input', 'add'], message: `a calendar has at most ${MAX_CLOSING_DAYS} closing days` });
  return { days, problems };
}
