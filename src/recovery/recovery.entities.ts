import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A supplier the manufacturer recovers warranty cost from (rule 20): its code, name, and where its recovery claims
 * go (its endpoint URL, and the reference of the secret they are signed with: the secret itself is in the
 * environment, OUTBOX_SUPPLIER_SECRET_<secretRef>, never in the database or the API).
 */
@Entity({ name: 'supplier' })
@Index('uq_supplier_code', ['orgId', 'code'], { unique: true })
export class Supplier {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ name: 'endpoint_url', type: 'text', nullable: true })
  endpointUrl: string | null;

  @Column({ name: 'secret_ref', type: 'text', nullable: true })
  secretRef: string | null;

  @Column({ name: 'updated_by_id', type: 'text', nullable: true })
  updatedById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/**
 * One version of a supplier contract (rule 20): the parts (part numbers, or a component, of a family or of all) the
 * supplier answers for, the share of the covered part amount it pays back, the window from the unit's warranty start,
 * the share of labour (null: labour not shared), the cap per claim, and its days (a later version of the same code
 * takes over from its validFrom). Versions are never edited.
 */
@Entity({ name: 'supplier_contract' })
@Index('uq_supplier_contract_version', ['orgId', 'code', 'version'], { unique: true })
@Index('ix_supplier_contract_supplier', ['orgId', 'supplierId'])
@Check('ck_supplier_contract_scope', `(cardinality("part_numbers") > 0) <> ("component" IS NOT NULL)`)
@Check('ck_supplier_contract_share', `"recovery_share_pct" >= 0 AND "recovery_share_pct" <= 100`)
@Check('ck_supplier_contract_labour', `"labour_share_pct" IS NULL OR ("labour_share_pct" >= 0 AND "labour_share_pct" <= 100)`)
@Check('ck_supplier_contract_window', `"window_months" > 0`)
@Check('ck_supplier_contract_cap', `("cap_amount" IS NULL) = ("cap_currency" IS NULL)`)
@Check('ck_supplier_contract_days', `"valid_to" IS NULL OR "valid_to" >= "valid_from"`)
export class SupplierContract {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'int' })
  version: number;

  @Column({ name: 'supplier_id', type: 'uuid' })
  supplierId: string;

  @Column({ name: 'part_numbers', type: 'text', array: true, default: () => "'{}'" })
  partNumbers: string[];

  @Column({ type: 'text', nullable: true })
  component: string | null;

  @Column({ name: 'product_family', type: 'text', nullable: true })
  productFamily: string | null;

  @Column({ name: 'recovery_share_pct', type: 'numeric', precision: 5, scale: 2 })
  recoverySharePct: string;

  @Column({ name: 'window_months', type: 'int' })
  windowMonths: number;

  @Column({ name: 'labour_share_pct', type: 'numeric', precision: 5, scale: 2, nullable: true })
  labourSharePct: string | null;

  @Column({ name: 'cap_amount', type: 'numeric', precision: 19, scale: 4, nullable: true })
  capAmount: string | null;

  @Column({ name: 'cap_currency', type: 'text', nullable: true })
  capCurrency: string | null;

  @Column({ name: 'valid_from', type: 'date' })
  validFrom: string;

  @Column({ name: 'valid_to', type: 'date', nullable: true })
  validTo: string | null;

  @Column({ name: 'published_by_id', type: 'text', nullable: true })
  publishedById: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A recovery claim: what one closed warranty claim asks of one supplier, and where the supplier's answer stands. */
@Entity({ name: 'recovery_claim' })
@Index('uq_recovery_claim_per_supplier', ['orgId', 'claimId', 'supplierId'], { unique: true })
@Index('ix_recovery_claim_supplier', ['orgId', 'supplierId', 'claimClosedAt'])
@Index('ix_recovery_claim_status', ['orgId', 'status', 'createdAt'])
@Check('ck_recovery_claim_status', `"status" IN ('OPEN', 'SUBMITTED', 'ACCEPTED', 'REJECTED', 'PAID', 'WRITTEN_OFF', 'WITHDRAWN')`)
@Check('ck_recovery_claim_amounts', `"claimed_amount" >= 0 AND ("accepted_amount" IS NULL OR "accepted_amount" <= "claimed_amount") AND ("paid_amount" IS NULL OR "accepted_amount" IS NOT NULL)`)
export class RecoveryClaim {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'supplier_id', type: 'uuid' })
  supplierId: string;

  /** The warranty claim it recovers (claims' row; no foreign key across modules' ownership is needed to read it). */
  @Column({ name: 'claim_id', type: 'uuid' })
  claimId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @Column({ type: 'text' })
  currency: string;

  @Column({ type: 'text' })
  status: string;

  @Column({ name: 'repair_date', type: 'date' })
  repairDate: string;

  @Column({ name: 'claim_closed_at', type: 'timestamptz' })
  claimClosedAt: Date;

  @Column({ name: 'claimed_amount', type: 'numeric', precision: 19, scale: 4 })
  claimedAmount: string;

  @Column({ name: 'accepted_amount', type: 'numeric', precision: 19, scale: 4, nullable: true })
  acceptedAmount: string | null;

  @Column({ name: 'paid_amount', type: 'numeric', precision: 19, scale: 4, nullable: true })
  paidAmount: string | null;

  /** The supplier's reference of its last answer (its credit note, its case). */
  @Column({ name: 'supplier_reference', type: 'text', nullable: true })
  supplierReference: string | null;

  @Column({ name: 'last_reason', type: 'text', nullable: true })
  lastReason: string | null;

  @Column({ name: 'row_version', type: 'int', default: 1 })
  rowVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}

/**
 * One covered part line of a closed claim whose part has a supplier contract: what warranty paid for it and what is
 * recovered. A line not recovered (outside the window, no fault found) is kept without a recovery claim, so finance
 * sees what the supplier's parts cost; a line withdrawn later (its part charged back, rule 18) keeps its amounts and
 * says when and why.
 */
@Entity({ name: 'recovery_line' })
@Index('uq_recovery_line_claim_line', ['orgId', 'claimLineId'], { unique: true })
@Index('ix_recovery_line_claim', ['recoveryClaimId'])
@Index('ix_recovery_line_supplier', ['orgId', 'supplierId', 'claimClosedAt'])
export class RecoveryLine {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'recovery_claim_id', type: 'uuid', nullable: true })
  recoveryClaimId: string | null;

  @Column({ name: 'supplier_id', type: 'uuid' })
  supplierId: string;

  @Column({ name: 'contract_id', type: 'uuid' })
  contractId: string;

  @Column({ name: 'claim_id', type: 'uuid' })
  claimId: string;

  @Column({ name: 'claim_line_id', type: 'uuid' })
  claimLineId: string;

  @Column({ name: 'part_number', type: 'text' })
  partNumber: string;

  @Column({ type: 'text' })
  currency: string;

  @Column({ name: 'claim_closed_at', type: 'timestamptz' })
  claimClosedAt: Date;

  @Column({ name: 'part_base', type: 'numeric', precision: 19, scale: 4 })
  partBase: string;

  @Column({ name: 'labour_base', type: 'numeric', precision: 19, scale: 4 })
  labourBase: string;

  @Column({ name: 'part_amount', type: 'numeric', precision: 19, scale: 4 })
  partAmount: string;

  @Column({ name: 'labour_amount', type: 'numeric', precision: 19, scale: 4 })
  labourAmount: string;

  @Column({ type: 'numeric', precision: 19, scale: 4 })
  amount: string;

  @Column({ type: 'boolean', default: false })
  capped: boolean;

  @Column({ name: 'not_recovered', type: 'text', nullable: true })
  notRecovered: string | null;

  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;

  @Column({ name: 'withdrawn_reason', type: 'text', nullable: true })
  withdrawnReason: string | null;
}
