import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';

/** `region` of an organisation's default calendar: the one every region without a calendar of its own works by. */
export const DEFAULT_REGION = '*';
/** `countryCode` of a closing day that closes the desk in every country of its calendar's region. */
export const EVERY_COUNTRY = '*';

/**
 * One version of an organisation's service calendar for a region (rule 9): the weekdays and the hours the service
 * desk works, in each site's own time zone, and its closing days (service_calendar_day). Versions are numbered per
 * (organisation, region), never edited, and in force from `effectiveFrom`; a claim keeps the version it was opened
 * under (warranty_claim.service_calendar_id).
 */
@Entity({ name: 'service_calendar' })
@Index('ux_service_calendar_version', ['orgId', 'region', 'version'], { unique: true })
@Index('ix_service_calendar_lookup', ['orgId', 'region', 'effectiveFrom'])
@Check('ck_service_calendar_hours', `"opens_minute" >= 0 AND "opens_minute" < "closes_minute" AND "closes_minute" <= 1440`)
@Check('ck_service_calendar_days', `cardinality("service_days") BETWEEN 1 AND 7 AND "service_days" <@ ARRAY[1,2,3,4,5,6,7]::smallint[]`)
@Check('ck_service_calendar_region', `"region" = '*' OR "region" ~ '^[A-Z]{2}(-[A-Z]{2})*$'`)
export class ServiceCalendarVersion {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  /** A warranty region as the policies name them (EU, DE-AT-CH …), or `*` for the organisation's default. */
  @Column({ type: 'text' })
  region: string;

  @Column({ type: 'int' })
  version: number;

  @Column({ name: 'effective_from', type: 'date' })
  effectiveFrom: string;

  /** ISO weekdays of service (1 Monday … 7 Sunday), ascending. */
  @Column({ name: 'service_days', type: 'smallint', array: true })
  serviceDays: number[];

  /** Minutes after local midnight at which service starts and ends each service day (540 and 1020: 09:00–17:00). */
  @Column({ name: 'opens_minute', type: 'smallint' })
  opensMinute: number;

  @Column({ name: 'closes_minute', type: 'smallint' })
  closesMinute: number;

  /** Who published this version; null for the rows the migration made from the former policy columns. */
  @Column({ name: 'published_by_id', type: 'text', nullable: true })
  publishedById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/**
 * A day a calendar version's desk is closed although it is a service day and not a public holiday (a company
 * shutdown, a works holiday), for one country of the region or for all (`*`). Public holidays themselves come from
 * the holiday library (claims/sla-calendars.ts). Rows belong to one version and are never edited: adding or
 * removing closing days publishes a new version.
 */
@Entity({ name: 'service_calendar_day' })
@Index('ux_service_calendar_day', ['orgId', 'calendarId', 'countryCode', 'day'], { unique: true })
@Check('ck_service_calendar_day_country', `"country_code" = '*' OR "country_code" ~ '^[A-Z]{2}$'`)
export class ServiceClosingDay {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'calendar_id', type: 'uuid' })
  calendarId: string;

  @ManyToOne(() => ServiceCalendarVersion, { onDelete: 'CASCADE' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_service_calendar_day_calendar' }, { name: 'calendar_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_service_calendar_day_calendar' }])
  calendar?: ServiceCalendarVersion;

  @Column({ name: 'country_code', type: 'text', default: EVERY_COUNTRY })
  countryCode: string;

  @Column({ type: 'date' })
  day: string;

  @Column({ type: 'text' })
  name: string;
}
