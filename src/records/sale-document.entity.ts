import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WarrantyRecord } from './warranty-record.entity';

/**
 * One document of a unit along the supply chain (rule 2): a movement, the sale to the end customer, the broker's
 * invoice, or a service activation, with its date. Deleted softly: a deleted document stays on file and no longer
 * counts. Once a unit has documents, its start facts are what its live documents say (sale-documents.ts).
 */
@Entity({ name: 'sale_document' })
@Index('ix_sale_document_record', ['warrantyRecordId', 'id'])
@Check(
  'ck_sale_document_kind',
  `"kind" IN ('MANUFACTURER_TO_DISTRIBUTOR', 'DISTRIBUTOR_TO_DEALER', 'DEALER_TO_SUB_DEALER', 'DEALER_TO_BROKER', 'END_CUSTOMER_SALE', 'BROKER_INVOICE', 'SERVICE_ACTIVATION')`,
)
export class SaleDocument {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @ManyToOne(() => WarrantyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_sale_document_record' }, { name: 'warranty_record_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_sale_document_record' }])
  record?: WarrantyRecord;

  @Column({ type: 'text' })
  kind: string;

  /** The invoice date (the activation date of a service activation); null only for a fact carried from the record. */
  @Column({ name: 'document_date', type: 'date', nullable: true })
  documentDate: string | null;

  /** A sale's warranty-activation date, when the unit was handed over later than invoiced. */
  @Column({ name: 'warranty_activation_date', type: 'date', nullable: true })
  warrantyActivationDate: string | null;

  /** The invoice's or the activation's number, as the sender knows it. */
  @Column({ type: 'text', nullable: true })
  reference: string | null;

  /** Written from the record's own facts when its first document arrived, so that they are not lost. */
  @Column({ name: 'carried_from_record', type: 'boolean', default: false })
  carriedFromRecord: boolean;

  @Column({ name: 'recorded_by_id', type: 'text' })
  recordedById: string;

  @CreateDateColumn({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt: Date;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt: Date | null;

  @Column({ name: 'deleted_by_id', type: 'text', nullable: true })
  deletedById: string | null;

  @Column({ name: 'delete_reason', type: 'text', nullable: true })
  deleteReason: string | null;
}
