import { Check, Column, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryColumn } from 'typeorm';

/**
 * A free-service plan of an organisation: for a product family, or for one SKU of it (which wins over the family's),
 * in versions. Publishing a plan adds a version; a unit's lookup uses the latest. Claims name an item by its code,
 * so a claim stays with its item across versions.
 */
@Entity({ name: 'service_plan' })
@Index('ux_service_plan_version', ['orgId', 'productFamily', 'sku', 'version'], { unique: true })
export class ServicePlan {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'product_family', type: 'text' })
  productFamily: string;

  /** The SKU the plan is for; '' for the family's plan. */
  @Column({ type: 'text', default: '' })
  sku: string;

  @Column({ type: 'int' })
  version: number;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;

  @Column({ name: 'published_by_id', type: 'text' })
  publishedById: string;

  @OneToMany(() => ServicePlanItem, (item) => item.plan)
  items?: ServicePlanItem[];
}

/** One free service item: due after months and/or km from the anchor, claimable within its window, worth `value`. */
@Entity({ name: 'service_plan_item' })
@Index('ux_service_plan_item_code', ['orgId', 'planId', 'code'], { unique: true })
@Check('ck_service_plan_item_due', '"due_months" IS NOT NULL OR "due_km" IS NOT NULL')
@Check('ck_service_plan_item_window', '"window_before_days" >= 0 AND "window_after_days" >= 0 AND "window_before_km" >= 0 AND "window_after_km" >= 0')
export class ServicePlanItem {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'plan_id', type: 'uuid' })
  planId: string;

  @ManyToOne(() => ServicePlan, (plan) => plan.items, { onDelete: 'CASCADE' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_service_plan_item_plan' }, { name: 'plan_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_service_plan_item_plan' }])
  plan?: ServicePlan;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  /** Stable across versions, e.g. INSPECTION_12M; claims name the item by it. */
  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  name: string;

  /** The item's place in the plan as published. */
  @Column({ type: 'int' })
  position: number;

  @Column({ name: 'due_months', type: 'int', nullable: true })
  dueMonths: number | null;

  @Column({ name: 'due_km', type: 'int', nullable: true })
  dueKm: number | null;

  @Column({ name: 'window_before_days', type: 'int', default: 0 })
  windowBeforeDays: number;

  @Column({ name: 'window_after_days', type: 'int', default: 0 })
  windowAfterDays: number;

  @Column({ name: 'window_before_km', type: 'int', default: 0 })
  windowBeforeKm: number;

  @Column({ name: 'window_after_km', type: 'int', default: 0 })
  windowAfterKm: number;

  /** What the item is worth to finance, exact. */
  @Column({ name: 'value_amount', type: 'numeric', precision: 19, scale: 4 })
  valueAmount: string;

  @Column({ name: 'value_currency', type: 'text' })
  valueCurrency: string;
}
