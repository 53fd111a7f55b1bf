import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from '../db/transformers';
import { WarrantyRecord } from '../records/warranty-record.entity';

export const CLAIM_KINDS = ['REPAIR', 'REPLACE', 'REFUND'] as const;
export const CLAIM_STATUSES = [
  'SUBMITTED', 'APPROVED', 'REJECTED', 'EXCEPTION_REQUESTED', 'EXCEPTION_APPROVED', 'EXCEPTION_REJECTED', 'CLOSED',
] as const;

/** A claim against a record. The table exists now; the claim workflow comes with its own issue. */
@Entity({ name: 'warranty_claim' })
@Index('ix_claim_record', ['warrantyRecordId'])
@Index('ix_claim_case', ['orgId', 'cspCaseId'])
@Check('ck_claim_kind', `"kind" IN ('REPAIR', 'REPLACE', 'REFUND')`)
@Check(
  'ck_claim_status',
  `"status" IN ('SUBMITTED', 'APPROVED', 'REJECTED', 'EXCEPTION_REQUESTED', 'EXCEPTION_APPROVED', 'EXCEPTION_REJECTED', 'CLOSED')`,
)
export class WarrantyClaim {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @ManyToOne(() => WarrantyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'warranty_record_id', foreignKeyConstraintName: 'fk_claim_record' })
  record?: WarrantyRecord;

  @Column({ name: 'csp_case_id', type: 'text', nullable: true })
  cspCaseId: string | null;

  @Column({ type: 'text' })
  kind: string;

  @Column({ type: 'text', default: 'SUBMITTED' })
  status: string;

  @Column({ name: 'decided_by_id', type: 'text', nullable: true })
  decidedById: string | null;

  @Column({ name: 'repair_date', type: 'date' })
  repairDate: string;

  @Column({ name: 'odometer_km', type: 'int', nullable: true })
  odometerKm: number | null;

  @Column({ name: 'engine_hours', type: 'int', nullable: true })
  engineHours: number | null;

  @Column({ name: 'throughput_mwh', type: 'numeric', precision: 12, scale: 3, nullable: true, transformer: numericTransformer })
  throughputMwh: number | null;

  @Column({ name: 'soh_pct', type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  sohPct: number | null;

  /** The active-warranty check the claim was decided on, frozen at submission. */
  @Column({ name: 'validation', type: 'jsonb', nullable: true })
  validation: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
