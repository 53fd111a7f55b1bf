import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { numericTransformer } from '../db/transformers';

/**
 * The local copy of what the Products subgraph knows about a SKU that policy matching needs (its family and,
 * for batteries, its usable capacity). Registration reads this table, never the Products subgraph, so it keeps
 * working while Products is down.
 */
@Entity({ name: 'product_reference' })
@Index('ix_product_reference_product', ['orgId', 'productId'])
@Check('ck_product_capacity', '"capacity_kwh" IS NULL OR "capacity_kwh" > 0')
export class ProductReference {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @PrimaryColumn({ type: 'text' })
  sku: string;

  @Column({ name: 'product_id', type: 'text' })
  productId: string;

  @Column({ name: 'product_family', type: 'text' })
  productFamily: string;

  @Column({ name: 'capacity_kwh', type: 'numeric', precision: 8, scale: 2, nullable: true, transformer: numericTransformer })
  capacityKwh: number | null;

  /** When the row last changed (the migration's time for rows that predate the admin mutation). */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;

  /** Who last changed it through upsertProductReferences; null for rows seeded by a migration. */
  @Column({ name: 'updated_by_id', type: 'text', nullable: true })
  updatedById: string | null;
}
