/** Reads and writes of campaigns' own tables that the service, the import and the loaders share. */
import type { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors';
import type { WriteStep } from '../db/one-statement';
import { Campaign } from './campaign.entities';
import { normaliseCampaignCode } from './campaign-rules';

/** The organisation's campaign `code` (compared upper-case), or UNKNOWN_CAMPAIGN at `field`: another's is not found. */
export async function findCampaign(manager: EntityManager, orgId: string, code: string, field: string[], lock = false): Promise<Campaign> {
  const normalised = normaliseCampaignCode(code);
  const found = normalised
    ? await manager.findOne(Campaign, { where: { orgId, code: normalised }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) })
    : null;
  if (!found) throw new DomainError('UNKNOWN_CAMPAIGN', `no campaign ${JSON.stringify(code.slice(0, 40))} in your organisation`, field);
  return found;
}

/** A campaign-level event (published, units imported) as a step of the change's statement. */
export function campaignEventStep(event: { orgId: string; campaignId: string; actorId: string; event: string; detail: Record<string, unknown> }): WriteStep {
  return {
    ctes: [['campaign_events', `INSERT INTO campaign_event (org_id, campaign_id, actor_id, event, detail) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id`]],
    params: [event.orgId, event.campaignId, event.actorId, event.event, JSON.stringify(event.detail)],
  };
}
