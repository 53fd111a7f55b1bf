import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ClaimLine } from '../claims/claim-line.entity';
import { WarrantyClaim } from '../claims/warranty-claim.entity';

/**
 * A part number that must come back when it is paid under warranty (rule 18): for one product family or one SKU
 * (a SKU's row wins over its family's), with the days the customer's repairer has to return it after the claim is
 * completed. Data an administrator keeps (`setPartReturnRule`); a row set to not required is deleted.
 */
@Entity({ name: 'part_return_rule' })
@Index('ux_part_return_rule', ['orgId', 'partNumber', 'scope', 'scopeValue'], { unique: true })
@Check('ck_part_return_rule_scope', `"scope" IN ('FAMILY', 'SKU')`)
@Check('ck_part_return_rule_window', `"window_days" BETWEEN 1 AND 3650`)
export class PartReturnRule {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  /** As claim lines carry it (claim_line.part_number), compared exactly. */
  @Column({ name: 'part_number', type: 'text' })
  partNumber: string;

  @Column({ type: 'text' })
  scope: 'FAMILY' | 'SKU';

  /** The product family (scope FAMILY) or the SKU (scope SKU). */
  @Column({ name: 'scope_value', type: 'text' })
  scopeValue: string;

  @Column({ name: 'window_days', type: 'int' })
  windowDays: number;

  @Column({ name: 'updated_by_id', type: 'text' })
  updatedById: string;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

export const RETURN_STATUSES = ['AUTHORISED', 'SHIPPED', 'RECEIVED', 'INSPECTED'] as const;
export type ReturnStatus = (typeof RETURN_STATUSES)[number];
export const INSPECTION_OUTCOMES = ['CONFIRMED', 'NO_FAULT_FOUND', 'CUSTOMER_DAMAGE'] as const;
export type InspectionOutcome = (typeof INSPECTION_OUTCOMES)[number];
export type ChargeBackReason = 'NOT_RECEIVED' | 'NO_FAULT_FOUND' | 'CUSTOMER_DAMAGE';

/**
 * The return authorisation of one claim line (rule 18): its RMA number, the window it was authorised with, and the
 * return's steps (shipped, received, inspected with an outcome), and the charge-back if there was one. One per line.
 */
@Entity({ name: 'part_return' })
@Index('ux_part_return_rma', ['orgId', 'rmaNumber'], { unique: true })
@Index('ux_part_return_line', ['orgId', 'claimLineId'], { unique: true })
@Index('ix_part_return_claim', ['orgId', 'claimId'])
@Index('ix_part_return_open', ['orgId', 'status', 'authorisedAt', 'id'], { where: '"charged_back_at" IS NULL' })
@Check('ck_part_return_status', `"status" IN ('AUTHORISED', 'SHIPPED', 'RECEIVED', 'INSPECTED')`)
@Check('ck_part_return_outcome', `"inspection_outcome" IS NULL OR "inspection_outcome" IN ('CONFIRMED', 'NO_FAULT_FOUND', 'CUSTOMER_DAMAGE')`)
@Check('ck_part_return_charge_back', `"charge_back_reason" IS NULL OR "charge_back_reason" IN ('NOT_RECEIVED', 'NO_FAULT_FOUND', 'CUSTOMER_DAMAGE')`)
export class PartReturn {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'claim_id', type: 'uuid' })
  claimId: string;

  @ManyToOne(() => WarrantyClaim, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_part_return_claim' }, { name: 'claim_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_part_return_claim' }])
  claim?: WarrantyClaim;

  @Column({ name: 'claim_line_id', type: 'uuid' })
  claimLineId: string;

  /** A line with a return cannot be deleted: an amendment removing it is refused (claims/claim-amendments.ts). */
  @ManyToOne(() => ClaimLine, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_part_return_line' }, { name: 'claim_line_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_part_return_line' }])
  line?: ClaimLine;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  /** RMA-<year>-<6 digits>, from the organisation's counter: unique per organisation. */
  @Column({ name: 'rma_number', type: 'text' })
  rmaNumber: string;

  @Column({ name: 'part_number', type: 'text' })
  partNumber: string;

  /** The rule's window when the line was authorised: a later change of the rule does not move it. */
  @Column({ name: 'window_days', type: 'int' })
  windowDays: number;

  @Column({ type: 'text', default: 'AUTHORISED' })
  status: ReturnStatus;

  @Column({ name: 'authorised_at', type: 'timestamptz' })
  authorisedAt: Date;

  @Column({ name: 'shipped_at', type: 'timestamptz', nullable: true })
  shippedAt: Date | null;

  @Column({ type: 'text', nullable: true })
  carrier: string | null;

  @Column({ name: 'tracking_number', type: 'text', nullable: true })
  trackingNumber: string | null;

  @Column({ name: 'received_at', type: 'timestamptz', nullable: true })
  receivedAt: Date | null;

  @Column({ name: 'inspected_at', type: 'timestamptz', nullable: true })
  inspectedAt: Date | null;

  @Column({ name: 'inspection_outcome', type: 'text', nullable: true })
  inspectionOutcome: InspectionOutcome | null;

  @Column({ name: 'inspection_note', type: 'text', nullable: true })
  inspectionNote: string | null;

  @Column({ name: 'charged_back_at', type: 'timestamptz', nullable: true })
  chargedBackAt: Date | null;

  @Column({ name: 'charge_back_reason', type: 'text', nullable: true })
  chargeBackReason: ChargeBackReason | null;

  @Column({ name: 'row_version', type: 'int', default: 1 })
  rowVersion: number;
}

/** The last RMA number given per organisation and year: the one row an approval locks to number its returns. */
@Entity({ name: 'rma_counter' })
export class RmaCounter {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @PrimaryColumn({ type: 'int' })
  year: number;

  @Column({ name: 'last_number', type: 'int' })
  lastNumber: number;
}
