import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** `countryCode` of a day that closes the desk in every country. */
export const EVERY_COUNTRY = '*';

/**
 * A day the organisation's service desk is closed although it is a working day and not a public holiday (a
 * company shutdown, a works holiday): SLA clocks do not run on it. For one country, or for all when
 * `countryCode` is EVERY_COUNTRY (`*`: a unique key cannot hold a null). Public holidays themselves come from the holiday library (sla-calendars.ts).
 */
@Entity({ name: 'company_day' })
@Index('ux_company_day', ['orgId', 'countryCode', 'day'], { unique: true })
@Check('ck_company_day_country', `"country_code" = '*' OR "country_code" ~ '^[A-Z]{2}$'`)
export class CompanyDay {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId: string;

  /** ISO 3166-1 alpha-2, or `*` for every country the organisation serves. */
  @Column({ name: 'country_code', type: 'text', default: EVERY_COUNTRY })
  countryCode: string;

  @Column({ type: 'date' })
  day: string;

  @Column({ type: 'text' })
  name: string;
}
