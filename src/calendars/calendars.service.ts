/** Service calendars as data (rule 9): versions published by an administrator, listed, and the one in force. */
import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { compareDates, type IsoDate } from '../common/calendar';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { calendarProblems, changedClosingDays, normaliseCalendar, regionKey, type CalendarInput, type CalendarProblem, type ClosingDayChange, type NormalisedCalendar } from './calendar-rules';
import { DEFAULT_REGION, ServiceCalendarVersion, ServiceClosingDay } from './service-calendar.entity';

export interface ChangeClosingDaysCommand extends ClosingDayChange {
  region?: string | null;
  effectiveFrom: IsoDate;
}

function refuse(problems: readonly CalendarProblem[]): void {
  if (problems.length > 0) throw new DomainErrors(problems.map((p) => new DomainError('BAD_USER_INPUT', p.message, p.field)));
}

export class CalendarsService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A new version of a region's calendar (or the default's), all or nothing: the version row and its closing days
   * in one transaction. Versions are numbered per region and take effect in order; claims already opened keep theirs.
   */
  async publish(actor: Actor, input: CalendarInput): Promise<ServiceCalendarVersion> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'publish a service calendar');
    refuse(calendarProblems(input));
    const calendar = normaliseCalendar(input);
    return this.write(actor, calendar.region, calendar.effectiveFrom, () => calendar);
  }

  /**
   * Adds and removes closing days as a new version of the region's calendar: the latest version's service days and
   * hours, its closing days changed, in force from `effectiveFrom`.
   */
  async changeClosingDays(actor: Actor, command: ChangeClosingDaysCommand): Promise<ServiceCalendarVersion> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'change the closing days of a service calendar');
    const region = regionKey(command.region);
    return this.write(actor, region, command.effectiveFrom, (latest, days) => {
      if (!latest) throw new DomainError('NOT_FOUND', `${region === DEFAULT_REGION ? 'the default calendar' : `region ${region}`} has no calendar yet; publish one`, ['input', 'region']);
      const changed = changedClosingDays(days, command);
      refuse(changed.problems);
      return { serviceDays: latest.serviceDays, opensMinute: latest.opensMinute, closesMinute: latest.closesMinute, closingDays: changed.days };
    });
  }

  /** Writes the next version of a region's calendar, built from the latest version and its days (null: none yet). */
  private async write(
    actor: Actor,
    region: string,
    effectiveFrom: IsoDate,
    build: (latest: ServiceCalendarVersion | null, days: NormalisedCalendar['closingDays']) => Omit<NormalisedCalendar, 'region' | 'effectiveFrom'>,
  ): Promise<ServiceCalendarVersion> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const latest = await manager.findOne(ServiceCalendarVersion, {
          where: { orgId: actor.orgId, region },
          order: { version: 'DESC' },
          lock: { mode: 'pessimistic_write' },
        });
        if (latest && compareDates(effectiveFrom, latest.effectiveFrom) < 0) {
          throw new DomainError('BAD_USER_INPUT', `effectiveFrom ${effectiveFrom} is before version ${latest.version}'s ${latest.effectiveFrom}; versions take effect in order`, ['input', 'effectiveFrom']);
        }
        const { serviceDays, opensMinute, closesMinute, closingDays } = build(latest, latest ? await this.closingDaysOf(manager, latest.orgId, latest.id) : []);
        const version = manager.create(ServiceCalendarVersion, {
          id: randomUUID(),
          orgId: actor.orgId,
          region,
          version: (latest?.version ?? 0) + 1,
          effectiveFrom,
          serviceDays,
          opensMinute,
          closesMinute,
          publishedById: actor.id,
        });
        await manager.insert(ServiceCalendarVersion, version);
        if (closingDays.length > 0) {
          await manager.insert(
            ServiceClosingDay,
            closingDays.map((d) => ({ id: randomUUID(), orgId: actor.orgId, calendarId: version.id, countryCode: d.countryCode, day: d.date, name: d.name })),
          );
        }
        return manager.findOneByOrFail(ServiceCalendarVersion, { orgId: version.orgId, id: version.id });
      });
    } catch (error) {
      // Two administrators publishing the same region at once: the unique version index lets one win.
      if (isUniqueViolation(error, 'ux_service_calendar_version')) {
        throw new DomainError('BAD_USER_INPUT', `another version of the calendar was published at the same time; try again`, ['input', 'region']);
      }
      throw error;
    }
  }

  private async closingDaysOf(manager: EntityManager, orgId: string, calendarId: string): Promise<NormalisedCalendar['closingDays']> {
    const rows = await manager.find(ServiceClosingDay, { where: { orgId, calendarId }, order: { day: 'ASC', countryCode: 'ASC' } });
    return rows.map((r) => ({ date: r.day, name: r.name, countryCode: r.countryCode }));
  }

  /** The organisation's calendar versions, by region (the default first) and version; optionally one region's. */
  async list(orgId: string, filter: { region?: string | null }, page: { first?: number | null; after?: string | null }): Promise<Connection<ServiceCalendarVersion>> {
    const size = pageSize(page.first, 50);
    const after = decodeCursor(page.after, ['positiveInteger']);
    const query = this.dataSource.getRepository(ServiceCalendarVersion).createQueryBuilder('c').where('c.org_id = :orgId', { orgId });
    if (filter.region !== undefined && filter.region !== null) query.andWhere('c.region = :region', { region: regionKey(filter.region) });
    const totalCount = await query.clone().getCount();
    // Calendars are few, so the cursor is the offset.
    const start = after ? Number(after[0]) : 0;
    const rows = await query.orderBy('c.region', 'ASC').addOrderBy('c.version', 'ASC').offset(start).limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (_, index) => [start + index + 1], start > 0);
  }

  /** The version a claim in `region` opened on `asOf` would keep: the region's own in force, else the default's. */
  async inForce(orgId: string, region: string | null | undefined, asOf: IsoDate): Promise<ServiceCalendarVersion | null> {
    const key = regionKey(region);
    return this.dataSource
      .getRepository(ServiceCalendarVersion)
      .createQueryBuilder('c')
      .where('c.org_id = :orgId AND c.region IN (:key, :fallback) AND c.effective_from <= :asOf', { orgId, key, fallback: DEFAULT_REGION, asOf })
      .orderBy(`(c.region = '${DEFAULT_REGION}')`, 'ASC')
      .addOrderBy('c.effective_from', 'DESC')
      .addOrderBy('c.version', 'DESC')
      .limit(1)
      .getOne();
  }
}
