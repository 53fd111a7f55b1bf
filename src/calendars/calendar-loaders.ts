import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { isUuid } from '../common/ids';
import { calendarsByIds, type CalendarSpec } from './calendar-store';
import { ServiceCalendarVersion, ServiceClosingDay } from './service-calendar.entity';

/**
 * Per-request loaders: calendar versions by id (what a claim keeps), their closing days, and the versions as the
 * SLA arithmetic reads them; each one statement a batch.
 */
export function createCalendarLoaders(dataSource: DataSource, actor: Actor) {
  const calendarById = new DataLoader<string, ServiceCalendarVersion | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length ? await dataSource.getRepository(ServiceCalendarVersion).find({ where: { orgId: actor.orgId, id: In(valid) } }) : [];
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });
  const closingDaysByCalendarId = new DataLoader<string, ServiceClosingDay[]>(async (ids) => {
    const rows = await dataSource.getRepository(ServiceClosingDay).find({ where: { orgId: actor.orgId, calendarId: In([...ids]) }, order: { day: 'ASC', countryCode: 'ASC' } });
    return ids.map((id) => rows.filter((row) => row.calendarId === id));
  });
  const calendarSpecById = new DataLoader<string, CalendarSpec | null>(async (ids) => {
    const found = await calendarsByIds(dataSource.manager, actor.orgId, ids.filter(isUuid));
    return ids.map((id) => found.get(id) ?? null);
  });
  return { calendarById, closingDaysByCalendarId, calendarSpecById };
}

export type CalendarLoaders = ReturnType<typeof createCalendarLoaders>;
