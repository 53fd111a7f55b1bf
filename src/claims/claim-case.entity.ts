import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Who a CSP case id belongs to (rule 14): one row per case id, naming the organisation whose claim first used it
 * (at intake, or when CSP's answer linked it). The key is the case id alone, so a second organisation's claim
 * meets the first's row and is refused, even when both arrive at once. The claims of a case carry its id
 * (warranty_claim.csp_case_id); this row only says whose it is.
 */
@Entity({ name: 'claim_case' })
export class ClaimCase {
  @PrimaryColumn({ name: 'case_id', type: 'text', primaryKeyConstraintName: 'pk_claim_case' })
  caseId: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
