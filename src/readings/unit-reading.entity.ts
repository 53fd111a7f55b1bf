import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';
import { numericTransformer } from '../db/transformers';
import { WarrantyRecord } from '../records/warranty-record.entity';

/**
 * A unit's readings history: odometer, engine hours, energy throughput and state of health as reported with a
 * claim or a check that asked to record them. Counters never go down (a lower one is refused); the latest row
 * answers checks that bring no readings, and the history's rate projects when a limit will be reached.
 */
@Entity({ name: 'unit_reading' })
@Index('ix_reading_record', ['warrantyRecordId', 'readOn', 'id'])
@Check('ck_reading_source', `"source" IN ('CLAIM', 'REPORTED', 'SERVICE_ITEM')`)
export class UnitReading {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @ManyToOne(() => WarrantyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_reading_record' }, { name: 'warranty_record_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_reading_record' }])
  record?: WarrantyRecord;

  /** The local date the readings were taken on (a claim's repair date). */
  @Column({ name: 'read_on', type: 'date' })
  readOn: string;

  @Column({ name: 'odometer_km', type: 'int', nullable: true })
  odometerKm: number | null;

  @Column({ name: 'engine_hours', type: 'int', nullable: true })
  engineHours: number | null;

  @Column({ name: 'throughput_mwh', type: 'numeric', precision: 12, scale: 3, nullable: true, transformer: numericTransformer })
  throughputMwh: number | null;

  @Column({ name: 'soh_pct', type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  sohPct: number | null;

  @Column({ type: 'text' })
  source: string;

  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId: string | null;

  @Column({ name: 'recorded_by_id', type: 'text' })
  recordedById: string;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;
}
