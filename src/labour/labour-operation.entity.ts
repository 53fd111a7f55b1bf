import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One version of a flat-rate labour operation (rule 17): what the job is, which units it is for (a product family
 * or one SKU) and the standard hours the warranty pays for it. Versions are never edited: a new version is a new
 * row, in force from its `validFrom`; a retirement is a version too (no hours), so a claim priced on a repair date
 * finds the version in force on that day.
 */
@Entity({ name: 'labour_operation' })
@Index('uq_labour_operation_version', ['orgId', 'code', 'version'], { unique: true })
@Index('ix_labour_operation_lookup', ['orgId', 'code', 'validFrom'])
@Check('ck_labour_operation_scope', `("product_family" IS NULL) <> ("sku" IS NULL)`)
@Check('ck_labour_operation_hours', `("retired" AND "standard_hours" IS NULL) OR (NOT "retired" AND "standard_hours" > 0)`)
@Check('ck_labour_operation_version', `"version" > 0`)
export class LabourOperation {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  /** Upper-case, e.g. INV-PB-SWAP: what a claim line and a campaign name. */
  @Column({ type: 'text' })
  code: string;

  /** 1, 2, ... per code, in the order published. */
  @Column({ type: 'int' })
  version: number;

  @Column({ type: 'text' })
  description: string;

  /** The family the operation is for (exactly one of family and SKU). */
  @Column({ name: 'product_family', type: 'text', nullable: true })
  productFamily: string | null;

  @Column({ type: 'text', nullable: true })
  sku: string | null;

  /** Decimal hours (1.50 = an hour and a half), two decimals; null for a retirement. Kept as text: exact. */
  @Column({ name: 'standard_hours', type: 'numeric', precision: 7, scale: 2, nullable: true })
  standardHours: string | null;

  /** From `validFrom` on, the operation may no longer be named on a claim. */
  @Column({ type: 'boolean', default: false })
  retired: boolean;

  @Column({ name: 'valid_from', type: 'date' })
  validFrom: string;

  /** Who published the version; null for the seeded examples. */
  @Column({ name: 'published_by_id', type: 'text', nullable: true })
  publishedById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
