import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import { numericTransformer } from '../db/transformers';

/**
 * One version of the warranty terms for a product family in a region. Rows are never updated once a record
 * references them: a new version is a new row with a later `effectiveFrom`, so registered units keep their terms.
 */
@Entity({ name: 'warranty_policy' })
@Index('uq_policy_version', ['orgId', 'productFamily', 'region', 'version'], { unique: true })
@Index('ix_policy_lookup', ['orgId', 'productFamily', 'region', 'effectiveFrom'])
@Check('ck_policy_term', '"term_months" > 0')
@Check('ck_policy_labour', '"labour_months" IS NULL OR ("labour_months" >= 0 AND "labour_months" <= "term_months")')
@Check('ck_policy_soh', '"soh_guarantee_pct" IS NULL OR ("soh_guarantee_pct" > 0 AND "soh_guarantee_pct" <= 100)')
@Check('ck_policy_region', `"region" ~ '^[A-Z]{2}(-[A-Z]{2})*$'`)
@Check('ck_policy_amendment_tolerance', '"amendment_tolerance_pct" IS NULL OR ("amendment_tolerance_pct" >= 0 AND "amendment_tolerance_pct" <= 100)')
@Check('ck_policy_tiers', `"extension_tiers" <@ ARRAY['EXTENDED_5Y','EXTENDED_10Y']::text[]`)
export class WarrantyPolicy {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'product_family', type: 'text' })
  productFamily: string;

  @Column({ type: 'text' })
  region: string;

  @Column({ type: 'int' })
  version: number;

  @Column({ name: 'effective_from', type: 'date' })
  effectiveFrom: string;

  @Column({ name: 'term_months', type: 'int' })
  termMonths: number;

  /** Months in which labour is paid; null = the whole term (UK-IE pays labour for 60 of 120 months). */
  @Column({ name: 'labour_months', type: 'int', nullable: true })
  labourMonths: number | null;

  @Column({ name: 'soh_guarantee_pct', type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  sohGuaranteePct: number | null;

  /** Energy throughput cap per kWh of usable capacity; a unit's cap is this times its capacity. */
  @Column({ name: 'throughput_mwh_per_kwh', type: 'numeric', precision: 10, scale: 3, nullable: true, transformer: numericTransformer })
  throughputMwhPerKwh: number | null;

  @Column({ name: 'mileage_limit_km', type: 'int', nullable: true })
  mileageLimitKm: number | null;

  @Column({ name: 'engine_hours_limit', type: 'int', nullable: true })
  engineHoursLimit: number | null;

  /** Components that get a STANDARD coverage of their own, so they can be voided alone (e.g. battery CELLS). */
  @Column({ name: 'component_scopes', type: 'text', array: true, default: () => "'{}'" })
  componentScopes: string[];

  @Column({ name: 'extension_tiers', type: 'text', array: true, default: () => "'{}'" })
  extensionTiers: string[];

  /** The price of each tier offered, exact: `{ "EXTENDED_5Y": { "amount": "349.00", "currency": "EUR" } }`. */
  @Column({ name: 'extension_prices', type: 'jsonb', default: () => "'{}'" })
  extensionPrices: Record<string, { amount: string; currency: string }>;

  /** Extension purchase closes when less than this many months of the standard term remain (§2.4). */
  @Column({ name: 'extension_cliff_months', type: 'int', nullable: true })
  extensionCliffMonths: number | null;

  /** Extension purchase closes this many months after the warranty start (PL). */
  @Column({ name: 'extension_window_months', type: 'int', nullable: true })
  extensionWindowMonths: number | null;

  /** A start that comes from no invoice is at most this many months after the production date. */
  @Column({ name: 'late_start_cap_months', type: 'int', nullable: true })
  lateStartCapMonths: number | null;

  @Column({ name: 'sla_response_hours', type: 'numeric', precision: 6, scale: 2, nullable: true, transformer: numericTransformer })
  slaResponseHours: number | null;

  @Column({ name: 'sla_onsite_hours', type: 'numeric', precision: 6, scale: 2, nullable: true, transformer: numericTransformer })
  slaOnsiteHours: number | null;

  /**
   * Rule 16: the covered total up to which a fully covered claim is approved at intake by the system, per currency
   * (`{ "EUR": "1500.00" }`, exact decimals). A currency without a limit is never approved automatically.
   */
  @Column({ name: 'auto_approval_limits', type: 'jsonb', default: () => "'{}'" })
  autoApprovalLimits: Record<string, string>;

  /**
   * Rule 15: how far amended lines may raise the covered total above the approved one before the claim needs
   * approval again: a percentage of the approved covered total and/or an amount per currency (the smaller of the
   * two when both are set; none set: any rise needs approval).
   */
  @Column({ name: 'amendment_tolerance_pct', type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  amendmentTolerancePct: number | null;

  @Column({ name: 'amendment_tolerance_amounts', type: 'jsonb', default: () => "'{}'" })
  amendmentToleranceAmounts: Record<string, string>;

  /** Who published this version; null for the seeded example rows. */
  @Column({ name: 'published_by_id', type: 'text', nullable: true })
  publishedById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
