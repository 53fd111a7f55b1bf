import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WarrantyRecord } from '../records/warranty-record.entity';

/**
 * A unit's claim of a free service item. Deleted claims are kept (soft delete) and no longer count: not for the
 * item's status, not for the de facto service start. A unit has at most one claim of an item that is not deleted.
 */
@Entity({ name: 'service_item_claim' })
@Index('ux_service_item_claim_live', ['orgId', 'warrantyRecordId', 'itemCode'], { unique: true, where: '"deleted_at" IS NULL' })
export class ServiceItemClaim {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @ManyToOne(() => WarrantyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_service_item_claim_record' }, { name: 'warranty_record_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_service_item_claim_record' }])
  record?: WarrantyRecord;

  @Column({ name: 'item_code', type: 'text' })
  itemCode: string;

  /** The plan version the item was claimed under. */
  @Column({ name: 'plan_id', type: 'uuid' })
  planId: string;

  @Column({ name: 'claim_date', type: 'date' })
  claimDate: string;

  @Column({ name: 'odometer_km', type: 'int', nullable: true })
  odometerKm: number | null;

  @Column({ name: 'claimed_by_id', type: 'text' })
  claimedById: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'deleted_by_id', type: 'text', nullable: true })
  deletedById: string | null;

  @Column({ name: 'delete_reason', type: 'text', nullable: true })
  deleteReason: string | null;
}
