import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One version of the approved hourly labour rate for a warranty region in a currency (rule 17): the most the
 * warranty pays per hour of a flat-rate operation there. Versions are numbered per (region, currency), never
 * edited, and take effect in order from `validFrom`.
 */
@Entity({ name: 'labour_rate' })
@Index('uq_labour_rate_version', ['orgId', 'region', 'currency', 'version'], { unique: true })
@Check('ck_labour_rate_positive', `"hourly_rate" > 0`)
@Check('ck_labour_rate_region', `"region" ~ '^[A-Z]{2}(-[A-Z]{2})*$'`)
@Check('ck_labour_rate_version', `"version" > 0`)
export class LabourRate {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  /** A warranty region as policies name them (EU, DE-AT-CH, PL, UK-IE). */
  @Column({ type: 'text' })
  region: string;

  /** ISO 4217. */
  @Column({ type: 'text' })
  currency: string;

  @Column({ type: 'int' })
  version: number;

  /** Exact decimal, at most the currency's minor unit digits. */
  @Column({ name: 'hourly_rate', type: 'numeric', precision: 19, scale: 4 })
  hourlyRate: string;

  @Column({ name: 'valid_from', type: 'date' })
  validFrom: string;

  @Column({ name: 'published_by_id', type: 'text', nullable: true })
  publishedById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
