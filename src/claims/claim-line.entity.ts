import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { LabourOperation } from '../labour/labour-operation.entity';
import { WarrantyClaim } from './warranty-claim.entity';

/** One priced line of a claim: a part, labour, or a trip; who pays it and why (line-coverage.ts). */
@Entity({ name: 'claim_line' })
@Index('ux_claim_line_position', ['orgId', 'claimId', 'position'], { unique: true })
@Check('ck_claim_line_kind', `"kind" IN ('PART', 'LABOUR', 'TRAVEL')`)
export class ClaimLine {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'claim_id', type: 'uuid' })
  claimId: string;

  @ManyToOne(() => WarrantyClaim, { onDelete: 'CASCADE' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_claim_line_claim' }, { name: 'claim_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_claim_line_claim' }])
  claim?: WarrantyClaim;

  /** Order as submitted, from 0. */
  @Column({ type: 'int' })
  position: number;

  @Column({ type: 'text' })
  kind: string;

  @Column({ name: 'part_number', type: 'text', nullable: true })
  partNumber: string | null;

  @Column({ type: 'text', nullable: true })
  component: string | null;

  @Column({ type: 'numeric', precision: 19, scale: 4, nullable: true })
  quantity: string | null;

  @Column({ name: 'unit_price', type: 'numeric', precision: 19, scale: 4, nullable: true })
  unitPrice: string | null;

  @Column({ type: 'numeric', precision: 19, scale: 4, nullable: true })
  hours: string | null;

  @Column({ type: 'numeric', precision: 19, scale: 4, nullable: true })
  rate: string | null;

  @Column({ name: 'start_at', type: 'timestamptz', nullable: true })
  startAt: Date | null;

  @Column({ name: 'end_at', type: 'timestamptz', nullable: true })
  endAt: Date | null;

  @Column({ type: 'numeric', precision: 19, scale: 4 })
  amount: string;

  /** Whether the warranty pays the line, in whole or (a flat-rate labour line over its caps) in part. */
  @Column({ type: 'boolean' })
  covered: boolean;

  /**
   * The part of a covered line the warranty pays when it is less than the whole (rule 17: hours above the
   * operation's standard hours, a rate above the approved one); null when a covered line is paid whole. A line
   * that is not covered pays nothing, whatever this holds.
   */
  @Column({ name: 'covered_amount', type: 'numeric', precision: 19, scale: 4, nullable: true })
  coveredAmount: string | null;

  /** LABOUR lines: the flat-rate operation version the line was priced under (rule 17). */
  @Column({ name: 'operation_id', type: 'uuid', nullable: true })
  operationId: string | null;

  @ManyToOne(() => LabourOperation, { onDelete: 'RESTRICT' })
  @JoinColumn([{ name: 'org_id', referencedColumnName: 'orgId', foreignKeyConstraintName: 'fk_claim_line_operation' }, { name: 'operation_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_claim_line_operation' }])
  operation?: LabourOperation;

  @Column({ type: 'text' })
  reason: string;

  /** Not a column: the claim's currency, which the lines loader reads with the lines (the amounts' unit). */
  currency?: string;
}
