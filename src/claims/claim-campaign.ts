/**
 * CAMPAIGN claims at intake (rule 19): the campaign pays its remedy on an affected, OPEN unit whatever the unit's
 * warranty says (expired, voided, not started). The campaign's terms and its remedy as lines come from campaigns
 * (campaign-claims.ts, a module below this one); once per unit and campaign is claims' own rule, on its own table.
 */
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors';
import { campaignClaimTerms, type CampaignClaimTerms } from '../campaigns/campaign-claims';
import type { AutoApproval } from './approval-rules';
import type { ComponentCover, LineInput } from './line-coverage';
import type { ClaimKind } from './claim-states';

const FIELD = ['input', 'campaignCode'];

/** The command's problems about campaigns that need no database: a CAMPAIGN claim names its campaign and no lines. */
export function campaignCommandProblems(command: { kind: ClaimKind; campaignCode?: string | null; lines: readonly unknown[] }): DomainError[] {
  const problems: DomainError[] = [];
  if (command.kind === 'CAMPAIGN') {
    if (!command.campaignCode?.trim()) problems.push(new DomainError('BAD_USER_INPUT', 'a CAMPAIGN claim names its campaign (campaignCode)', FIELD));
    if (command.lines.length > 0) problems.push(new DomainError('BAD_USER_INPUT', "a CAMPAIGN claim's lines are its campaign's remedy: send none", ['input', 'lines']));
  } else if (command.campaignCode) {
    problems.push(new DomainError('BAD_USER_INPUT', `a ${command.kind} claim names no campaign (a campaign's remedy is claimed as kind CAMPAIGN)`, FIELD));
  }
  return problems;
}

/** What a campaign claim's intake needs: its terms and lines, the cover that pays every line, and its approval. */
export interface CampaignIntake extends CampaignClaimTerms {
  lines: Array<LineInput & CampaignClaimTerms['lines'][number]>;
  cover: ComponentCover;
  approval(priced: { coveredTotal: string; currency: string }): AutoApproval;
}

/**
 * The campaign claim's terms (campaigns locks the unit's campaign row and refuses what the campaign does not pay), and
 * claims' own rule: one claim per unit and campaign that is not rejected or cancelled (CAMPAIGN_ALREADY_CLAIMED; the
 * unique index ux_claim_campaign_unit holds it under concurrency too).
 */
export async function campaignIntake(
  manager: EntityManager,
  record: { id: string; orgId: string; productFamily: string; sku: string; region: string },
  command: { campaignCode: string; repairDate: string; currency: string },
): Promise<CampaignIntake> {
  const terms = await campaignClaimTerms(
    manager,
    { orgId: record.orgId, code: command.campaignCode, recordId: record.id, unit: record, repairDate: command.repairDate, currency: command.currency },
    FIELD,
  );
  const [earlier] = await manager.query(
    `SELECT id, status FROM warranty_claim WHERE org_id = $1 AND campaign_id = $2 AND warranty_record_id = $3 AND status NOT IN ('REJECTED', 'CANCELLED') LIMIT 1`,
    [record.orgId, terms.campaign.id, record.id],
  );
  if (earlier) throw alreadyClaimed(terms.campaign.code, earlier.id, earlier.status);
  const { code, kind } = terms.campaign;
  const reason = `campaign ${code} (${kind}) pays its remedy on this unit whatever its warranty (rule 19)`;
  return {
    ...terms,
    lines: terms.lines as CampaignIntake['lines'],
    cover: { paysParts: true, paysLabour: true, reason },
    approval: (priced) => ({
      approve: true,
      limit: priced.coveredTotal,
      reason: `rule 19: approved at intake by the system: campaign ${code} pays its published remedy, ${priced.coveredTotal} ${priced.currency}`,
    }),
  };
}

export function alreadyClaimed(code: string, claimId?: string, status?: string): DomainError {
  const which = claimId ? ` (claim ${claimId}, ${status})` : '';
  return new DomainError('CAMPAIGN_ALREADY_CLAIMED', `the unit has a claim under campaign ${code} already${which}: one per unit and campaign`, FIELD);
}

/**
 * The claim in progress under a campaign for a unit (not closed, rejected or cancelled), or null: campaigns asks it
 * before it sets a unit aside as not applicable (given at composition, services.ts, so campaigns imports no claims).
 */
export async function campaignClaimInProgress(manager: EntityManager, orgId: string, campaignId: string, recordId: string): Promise<string | null> {
  const [row] = await manager.query(
    `SELECT id FROM warranty_claim WHERE org_id = $1 AND campaign_id = $2 AND warranty_record_id = $3 AND status NOT IN ('REJECTED', 'CANCELLED', 'CLOSED') LIMIT 1`,
    [orgId, campaignId, recordId],
  );
  return (row?.id as string | undefined) ?? null;
}
