import {
  Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn, VersionColumn,
} from 'typeorm';
import { numericTransformer } from '../db/transformers';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { REGISTRANT_ROLES, type RegistrantRole } from './registration';

export const WARRANTY_TIERS = ['STANDARD', 'EXTENDED_5Y', 'EXTENDED_10Y', 'GOODWILL'] as const;
export type WarrantyTier = (typeof WARRANTY_TIERS)[number];
export const START_STATUSES = ['STARTED', 'AWAITING_ACTIVATION', 'AWAITING_END_CUSTOMER_SALE', 'AWAITING_BROKER_INVOICE'] as const;
export type StartStatus = (typeof START_STATUSES)[number];
export const START_SOURCES = [
  'DATE_SHIFT', 'ACTIVATION_RECORD', 'SALE_WARRANTY_ACTIVATION', 'SALE_INVOICE', 'BROKER_INVOICE', 'PRODUCTION_DATE_CAP',
] as const;
export type StartSource = (typeof START_SOURCES)[number];

export const SUPPLY_CHAIN_STAGES = ['DISTRIBUTOR', 'DEALER', 'SUB_DEALER', 'BROKER'] as const;
export type SupplyChainStage = (typeof SUPPLY_CHAIN_STAGES)[number];

const inList = (column: string, values: readonly string[]) =>
  `"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`;

/** The warranty file of one serialized unit, with the facts rule 2 (docs/RULES.md) derives its start from. */
@Entity({ name: 'warranty_record' })
@Index('uq_record_serial', ['orgId', 'serialNumber'], { unique: true })
@Index('ix_record_customer', ['orgId', 'customerId'])
@Index('ix_record_product', ['orgId', 'productId'])
@Index('ix_record_registered', ['orgId', 'registeredAt', 'id'])
// An organisation's units in id order with what the telemetry evaluation reads of them, from the index alone: a chunk
// of the fleet costs its own size, not the fleet's.
@Index('ix_record_org_id', ['orgId', 'id', 'productFamily', 'serialNumber'])
@Check('ck_record_tier', inList('tier', WARRANTY_TIERS))
@Check('ck_record_registrant', inList('registrant_role', REGISTRANT_ROLES))
@Check('ck_record_start_status', inList('start_status', START_STATUSES))
@Check('ck_record_start_source', `"start_source" IS NULL OR ${inList('start_source', START_SOURCES)}`)
@Check('ck_record_stage', `"supply_chain_stage" IS NULL OR ${inList('supply_chain_stage', SUPPLY_CHAIN_STAGES)}`)
@Check('ck_record_started', `("start_status" = 'STARTED') = ("start_date" IS NOT NULL)`)
@Check('ck_record_void', '("voided_at" IS NULL) = ("void_reason" IS NULL)')
@Check('ck_record_country', `"site_country" ~ '^[A-Z]{2}$'`)
export class WarrantyRecord {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'serial_number', type: 'text' })
  serialNumber: string;

  @Column({ name: 'product_id', type: 'text' })
  productId: string;

  @Column({ type: 'text' })
  sku: string;

  @Column({ name: 'product_family', type: 'text' })
  productFamily: string;

  @Column({ name: 'capacity_kwh', type: 'numeric', precision: 8, scale: 2, nullable: true, transformer: numericTransformer })
  capacityKwh: number | null;

  @Column({ name: 'customer_id', type: 'text', nullable: true })
  customerId: string | null;

  @Column({ name: 'installer_id', type: 'text', nullable: true })
  installerId: string | null;

  @Column({ name: 'registrant_role', type: 'text' })
  registrantRole: RegistrantRole;

  @Column({ name: 'registered_by_id', type: 'text' })
  registeredById: string;

  @Column({ name: 'registered_at', type: 'timestamptz' })
  registeredAt: Date;

  /** ISO 3166-1 alpha-2 country of the installation site, snapshotted from Customers at registration. */
  @Column({ name: 'site_country', type: 'text' })
  siteCountry: string;

  @Column({ name: 'site_time_zone', type: 'text', nullable: true })
  siteTimeZone: string | null;

  @Column({ type: 'text' })
  region: string;

  /** The policy version the unit was registered under; never changed by a later policy version. */
  @Column({ name: 'policy_id', type: 'uuid' })
  policyId: string;

  @ManyToOne(() => WarrantyPolicy, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_record_policy' }, { name: 'policy_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_record_policy' }])
  policy?: WarrantyPolicy;

  // ---- the facts rule 2 derives the warranty start from ----
  @Column({ name: 'production_date', type: 'date', nullable: true })
  productionDate: string | null;

  /** A dealer's activation or an installer's commissioning. */
  @Column({ name: 'activation_record_date', type: 'date', nullable: true })
  activationRecordDate: string | null;

  @Column({ name: 'sale_warranty_activation_date', type: 'date', nullable: true })
  saleWarrantyActivationDate: string | null;

  @Column({ name: 'sale_invoice_date', type: 'date', nullable: true })
  saleInvoiceDate: string | null;

  /** Where in the supply chain the unit is, when it has not reached an end customer (rule 2). */
  @Column({ name: 'supply_chain_stage', type: 'text', nullable: true })
  supplyChainStage: SupplyChainStage | null;

  @Column({ name: 'broker_invoice_date', type: 'date', nullable: true })
  brokerInvoiceDate: string | null;

  /** An operator's warranty date shift: wins over every other source. */
  @Column({ name: 'warranty_date_shift', type: 'date', nullable: true })
  warrantyDateShift: string | null;

  /** An operator's free-service date shift (rule 12): the free service items' anchor, over every other source. */
  @Column({ name: 'free_service_date_shift', type: 'date', nullable: true })
  freeServiceDateShift: string | null;

  // ---- derived by rule 2 and stored so reads and filters need no recomputation ----
  @Column({ name: 'start_status', type: 'text' })
  startStatus: StartStatus;

  @Column({ name: 'start_date', type: 'date', nullable: true })
  startDate: string | null;

  @Column({ name: 'start_source', type: 'text', nullable: true })
  startSource: StartSource | null;

  @Column({ type: 'text', default: 'STANDARD' })
  tier: WarrantyTier;

  /** End of the latest coverage; null while the warranty has not started. */
  @Column({ name: 'expires_at', type: 'date', nullable: true })
  expiresAt: string | null;

  @Column({ name: 'voided_at', type: 'timestamptz', nullable: true })
  voidedAt: Date | null;

  @Column({ name: 'void_reason', type: 'text', nullable: true })
  voidReason: string | null;

  /** Replaced under a REPLACE claim (rule 10): when, by which unit; and for a replacement, the unit it replaces. */
  @Column({ name: 'replaced_at', type: 'timestamptz', nullable: true })
  replacedAt: Date | null;

  @Column({ name: 'replaced_by_record_id', type: 'uuid', nullable: true })
  replacedByRecordId: string | null;

  @Column({ name: 'replaced_by_serial_number', type: 'text', nullable: true })
  replacedBySerialNumber: string | null;

  @Column({ name: 'replaces_record_id', type: 'uuid', nullable: true })
  replacesRecordId: string | null;

  @VersionColumn({ name: 'row_version' })
  rowVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
