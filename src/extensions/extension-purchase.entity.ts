import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { WarrantyRecord } from '../records/warranty-record.entity';

/**
 * One extension sold (rule 7): the tier, the shop's order reference (unique in the organisation: a repeated order
 * returns this purchase), the purchase date and the price paid, exact. A record has at most one.
 */
@Entity({ name: 'extension_purchase' })
@Index('ux_extension_order', ['orgId', 'orderReference'], { unique: true })
@Index('ux_extension_record', ['orgId', 'warrantyRecordId'], { unique: true })
@Check('ck_extension_tier', `"tier" IN ('EXTENDED_5Y', 'EXTENDED_10Y')`)
export class ExtensionPurchase {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @ManyToOne(() => WarrantyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_extension_record' }, { name: 'warranty_record_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_extension_record' }])
  record?: WarrantyRecord;

  @Column({ type: 'text' })
  tier: string;

  @Column({ name: 'order_reference', type: 'text' })
  orderReference: string;

  @Column({ name: 'purchase_date', type: 'date' })
  purchaseDate: string;

  @Column({ name: 'price_amount', type: 'numeric', precision: 19, scale: 4 })
  priceAmount: string;

  @Column({ name: 'price_currency', type: 'text' })
  priceCurrency: string;

  @Column({ name: 'purchased_by_id', type: 'text' })
  purchasedById: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
