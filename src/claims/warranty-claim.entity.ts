import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { numericTransformer } from '../db/transformers';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { ServiceCalendarVersion } from '../calendars/service-calendar.entity';
import type { ClaimCover, ClaimKind, ClaimStatus } from './claim-states';

/**
 * A claim against a record (rule 10): what was asked, the check it was decided on (frozen at intake, so a later
 * policy change never alters it), its priced lines (claim-line.entity.ts), where it stands in the state machine
 * (claim-states.ts), and its SLA clocks. Money is NUMERIC read as strings: exact, never a float.
 */
@Entity({ name: 'warranty_claim' })
@Index('ix_claim_record', ['warrantyRecordId'])
@Index('ix_claim_case', ['orgId', 'cspCaseId'])
@Index('ix_claim_org_created', ['orgId', 'createdAt', 'id'])
// claimsAtRisk (claim-queries.ts): the claims whose response or on-site clock still runs, by due instant, so the
// desk's at-risk list reads only those (at ten million units it read every open claim of the organisation).
@Index('ix_claim_response_running', ['orgId', 'responseDueAt'], { where: `"responded_at" IS NULL AND "status" NOT IN ('REJECTED', 'CANCELLED', 'CLOSED')` })
@Index('ix_claim_onsite_running', ['orgId', 'onsiteDueAt'], { where: `"onsite_at" IS NULL AND "status" NOT IN ('REJECTED', 'CANCELLED', 'CLOSED')` })
@Index('ix_claim_awaiting_decision', ['orgId', 'responseDueAt', 'id'], { where: `"status" IN ('SUBMITTED', 'REAPPROVAL_REQUIRED')` })
@Index('ux_claim_exception_reference', ['orgId', 'exceptionReference'], { unique: true, where: '"exception_reference" IS NOT NULL' })
@Index('ux_claim_idempotency', ['orgId', 'idempotencyKey'], { unique: true, where: '"idempotency_key" IS NOT NULL' })
@Index('ux_claim_campaign_unit', ['orgId', 'campaignId', 'warrantyRecordId'], { unique: true, where: `"campaign_id" IS NOT NULL AND "status" NOT IN ('REJECTED', 'CANCELLED')` })
@Check('ck_claim_kind', `"kind" IN ('REPAIR', 'REPLACE', 'REFUND', 'CAMPAIGN')`)
@Check('ck_claim_campaign', `("kind" = 'CAMPAIGN') = ("campaign_id" IS NOT NULL)`)
@Check('ck_claim_status', `"status" IN ('SUBMITTED', 'EXCEPTION_REQUESTED', 'APPROVED', 'REJECTED', 'IN_REPAIR', 'CLOSED', 'CANCELLED', 'REAPPROVAL_REQUIRED')`)
@Check('ck_claim_exception_outcome', `"exception_outcome" IS NULL OR "exception_outcome" IN ('APPROVED', 'REJECTED')`)
@Check('ck_claim_cover', `"cover" IN ('COVERED', 'PARTLY_COVERED', 'NOT_COVERED')`)
export class WarrantyClaim {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @ManyToOne(() => WarrantyRecord, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_claim_record' }, { name: 'warranty_record_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_claim_record' }])
  record?: WarrantyRecord;

  /** The CSP case (rule 14): given at intake, or linked when CSP answers the claim's request to open one. */
  @Column({ name: 'csp_case_id', type: 'text', nullable: true })
  cspCaseId: string | null;

  /** When the claim's case was opened, if it was taken from an existing case: the response clock starts there. */
  @Column({ name: 'case_opened_at', type: 'timestamptz', nullable: true })
  caseOpenedAt: Date | null;

  @Column({ type: 'text' })
  kind: ClaimKind;

  /**
   * A CAMPAIGN claim's campaign (rule 19): the campaign pays it by its remedy. At most one claim per unit and campaign
   * that is not rejected or cancelled (ux_claim_campaign_unit).
   */
  @Column({ name: 'campaign_id', type: 'uuid', nullable: true })
  campaignId: string | null;

  @Column({ type: 'text', default: 'SUBMITTED' })
  status: ClaimStatus;

  @Column({ name: 'submitted_by_id', type: 'text', default: '' })
  submittedById: string;

  @Column({ name: 'decided_by_id', type: 'text', nullable: true })
  decidedById: string | null;

  /** Why the last decision was taken, in the decider's words. */
  @Column({ name: 'decision_reason', type: 'text', nullable: true })
  decisionReason: string | null;

  @Column({ name: 'repair_date', type: 'date' })
  repairDate: string;

  @Column({ type: 'text', nullable: true })
  component: string | null;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ name: 'odometer_km', type: 'int', nullable: true })
  odometerKm: number | null;

  @Column({ name: 'engine_hours', type: 'int', nullable: true })
  engineHours: number | null;

  @Column({ name: 'throughput_mwh', type: 'numeric', precision: 12, scale: 3, nullable: true, transformer: numericTransformer })
  throughputMwh: number | null;

  @Column({ name: 'soh_pct', type: 'numeric', precision: 5, scale: 2, nullable: true, transformer: numericTransformer })
  sohPct: number | null;

  /** The active-warranty check the claim was decided on, frozen at submission (policy versions, every check). */
  @Column({ name: 'validation', type: 'jsonb', nullable: true })
  validation: Record<string, any> | null;

  /** ISO 4217. */
  @Column({ type: 'text', default: 'EUR' })
  currency: string;

  @Column({ type: 'text', default: 'NOT_COVERED' })
  cover: ClaimCover;

  @Column({ name: 'covered_total', type: 'numeric', precision: 19, scale: 4, default: 0 })
  coveredTotal: string;

  @Column({ name: 'self_paid_total', type: 'numeric', precision: 19, scale: 4, default: 0 })
  selfPaidTotal: string;

  @Column({ type: 'numeric', precision: 19, scale: 4, default: 0 })
  total: string;

  /** Rule 15: the totals of the lines sent at intake (the estimate), kept as they were; the totals above are the actuals. */
  @Column({ name: 'estimate_covered_total', type: 'numeric', precision: 19, scale: 4, default: 0 })
  estimateCoveredTotal: string;

  @Column({ name: 'estimate_self_paid_total', type: 'numeric', precision: 19, scale: 4, default: 0 })
  estimateSelfPaidTotal: string;

  @Column({ name: 'estimate_total', type: 'numeric', precision: 19, scale: 4, default: 0 })
  estimateTotal: string;

  /** The covered total at the last approval (by an agent, an exception or the system); null until approved. */
  @Column({ name: 'approved_covered_total', type: 'numeric', precision: 19, scale: 4, nullable: true })
  approvedCoveredTotal: string | null;

  /** A retry with the same key and the same request returns this claim. */
  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  /** SHA-256 of the request as submitted, to tell a retry from a different request under the same key. */
  @Column({ name: 'request_hash', type: 'text', nullable: true })
  requestHash: string | null;

  /** REPLACE claims: the serial number of the unit that replaces this one, and its record once created. */
  @Column({ name: 'replacement_serial_number', type: 'text', nullable: true })
  replacementSerialNumber: string | null;

  @Column({ name: 'replacement_record_id', type: 'uuid', nullable: true })
  replacementRecordId: string | null;

  /** The exception decision from Landray OA (rule 11): its reference, outcome, approver and time. */
  @Column({ name: 'exception_reference', type: 'text', nullable: true })
  exceptionReference: string | null;

  @Column({ name: 'exception_outcome', type: 'text', nullable: true })
  exceptionOutcome: 'APPROVED' | 'REJECTED' | null;

  @Column({ name: 'exception_approver', type: 'text', nullable: true })
  exceptionApprover: string | null;

  @Column({ name: 'exception_decided_at', type: 'timestamptz', nullable: true })
  exceptionDecidedAt: Date | null;

  /**
   * The service calendar version the claim was opened under (rule 9): its SLA hours count on it for good, whatever
   * is published later. Null: the organisation had published none, and the standard week applies.
   */
  @Column({ name: 'service_calendar_id', type: 'uuid', nullable: true })
  serviceCalendarId: string | null;

  @ManyToOne(() => ServiceCalendarVersion, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_claim_service_calendar' }, { name: 'service_calendar_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_claim_service_calendar' }])
  serviceCalendar?: ServiceCalendarVersion;

  @Column({ name: 'response_due_at', type: 'timestamptz', nullable: true })
  responseDueAt: Date | null;

  @Column({ name: 'responded_at', type: 'timestamptz', nullable: true })
  respondedAt: Date | null;

  @Column({ name: 'onsite_due_at', type: 'timestamptz', nullable: true })
  onsiteDueAt: Date | null;

  @Column({ name: 'onsite_at', type: 'timestamptz', nullable: true })
  onsiteAt: Date | null;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  /** Increases with every change of the claim (its lines included). */
  @Column({ name: 'row_version', type: 'int', default: 1 })
  rowVersion: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
