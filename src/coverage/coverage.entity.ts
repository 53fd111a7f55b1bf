import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { numericTransformer } from '../db/transformers';
import { WarrantyClaim } from '../claims/warranty-claim.entity';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { WarrantyRecord } from '../records/warranty-record.entity';

export const COVERAGE_KINDS = ['STANDARD', 'EXTENDED', 'PART', 'GOODWILL'] as const;
export type CoverageKind = (typeof COVERAGE_KINDS)[number];
/** The scope of a coverage that covers the whole unit rather than one component. */
export const WHOLE_UNIT = 'UNIT';

/** One contract on a warranty record: its dates, usage limits, what it pays and its own void state. */
@Entity({ name: 'coverage' })
@Index('ix_coverage_record', ['warrantyRecordId'])
@Check('ck_coverage_kind', `"kind" IN ('STANDARD', 'EXTENDED', 'PART', 'GOODWILL')`)
@Check('ck_coverage_dates', '"start_date" IS NULL OR "end_date" IS NULL OR "end_date" >= "start_date"')
@Check('ck_coverage_void', '("voided_at" IS NULL) = ("void_reason" IS NULL)')
@Check('ck_coverage_claim', `"claim_id" IS NULL OR "kind" = 'GOODWILL'`)
@Index('ix_coverage_claim', ['orgId', 'claimId'], { where: '"claim_id" IS NOT NULL' })
export class Coverage {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @ManyToOne(() => WarrantyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_coverage_record' }, { name: 'warranty_record_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_coverage_record' }])
  record?: WarrantyRecord;

  @Column({ type: 'text' })
  kind: CoverageKind;

  /** `UNIT` for the whole unit, else the component or part it covers (e.g. `CELLS`). */
  @Column({ type: 'text', default: WHOLE_UNIT })
  scope: string;

  /** Null while the warranty has not started (rule 2). */
  @Column({ name: 'start_date', type: 'date', nullable: true })
  startDate: string | null;

  @Column({ name: 'end_date', type: 'date', nullable: true })
  endDate: string | null;

  /** Last day labour is paid; null = same as the end date (rule 6). */
  @Column({ name: 'labour_end_date', type: 'date', nullable: true })
  labourEndDate: string | null;

  @Column({ name: 'term_months', type: 'int' })
  termMonths: number;

  @Column({ name: 'labour_months', type: 'int', nullable: true })
  labourMonths: number | null;

  @Column({ name: 'mileage_limit_km', type: 'int', nullable: true })
  mileageLimitKm: number | null;

  @Column({ name: 'engine_hours_limit', type: 'int', nullable: true })
  engineHoursLimit: number | null;

  @Column({ name: 'throughput_limit_mwh', type: 'numeric', precision: 12, scale: 3, nullable: true, transformer: numericTransformer })
  throughputLimitMwh: number | null;

  @Column({ name: 'soh_guarantee_pct', type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  sohGuaranteePct: number | null;

  @Column({ name: 'pays_parts', type: 'boolean', default: true })
  paysParts: boolean;

  @Column({ name: 'pays_labour', type: 'boolean', default: true })
  paysLabour: boolean;

  @Column({ name: 'policy_id', type: 'uuid', nullable: true })
  policyId: string | null;

  @ManyToOne(() => WarrantyPolicy, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_coverage_policy' }, { name: 'policy_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_coverage_policy' }])
  policy?: WarrantyPolicy;

  /**
   * A GOODWILL coverage's claim: the exception approval it was granted for (rule 11). It pays that claim and no
   * other claim or check (active-check.ts); only GOODWILL coverages carry one.
   */
  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId: string | null;

  @ManyToOne(() => WarrantyClaim, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_coverage_claim' }, { name: 'claim_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_coverage_claim' }])
  claim?: WarrantyClaim;

  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt: Date | null;

  @Column({ name: 'void_reason', type: 'text', nullable: true })
  voidReason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
