/**
 * What campaigns gives the other modules (rule 19), none of which campaigns imports:
 * - claims' intake reads a campaign's terms for a unit (`campaignClaimTerms`): campaigns sits below claims;
 * - claims' close runs `completeOnClose` (a close hook given at composition, services.ts), which completes the unit;
 * - records' registration runs `joinOnRegistration` (a registration hook given at composition), which adds a new
 *   unit to the campaigns whose SKU ranges affect it.
 * Each answers with a step of the caller's statement (db/one-statement.ts), writing campaigns' own table, the unit's
 * event (audit's step) and CSP's message (the outbox's step), in the caller's transaction.
 */
import type { EntityManager } from 'typeorm';
import { eventsStep } from '../audit/audit.service';
import { DomainError, DomainErrors } from '../common/errors';
import type { WriteStep } from '../db/one-statement';
import { transactionRows } from '../db/row-reader';
import { flatRateTermsIn } from '../labour/labour-terms';
import type { FlatRateTerms } from '../labour/labour-rules';
import { messagesStep } from '../outbox/outbox-writes';
import type { CampaignKind, CampaignUnitStatus, Remedy } from './campaign.entities';
import { inPeriod, normaliseCampaignCode, remedyLines, type RemedyLine } from './campaign-rules';

/** What a campaign claim is made of: the campaign, and its remedy as priced lines (claims prices them as any). */
export interface CampaignClaimTerms {
  campaign: { id: string; code: string; kind: CampaignKind; title: string; currency: string };
  lines: RemedyLine[];
  flatRates: Map<number, FlatRateTerms>;
}

interface TermsRow {
  id: string;
  code: string;
  kind: CampaignKind;
  title: string;
  periodFrom: string;
  periodTo: string | null;
  remedy: Remedy;
  status: CampaignUnitStatus | null;
}

/**
 * The campaign `code` as a claim on the unit sees it (claims' intake, in its transaction): the unit's campaign row is
 * locked, so that a claim and a not-applicable decision on the same unit happen one after the other. Refused at
 * `field`: no such campaign in the organisation (UNKNOWN_CAMPAIGN), a unit it does not affect
 * (CAMPAIGN_UNIT_NOT_AFFECTED), a unit completed already (CAMPAIGN_ALREADY_CLAIMED) or not applicable
 * (CAMPAIGN_UNIT_NOT_OPEN), a repair outside the period (CAMPAIGN_OUT_OF_PERIOD), a currency other than the
 * remedy's, or a remedy that cannot be priced for the unit (rule 17's codes).
 */
export async function campaignClaimTerms(
  manager: EntityManager,
  query: { orgId: string; code: string; recordId: string; unit: { productFamily: string; sku: string; region: string }; repairDate: string; currency: string },
  field: string[],
): Promise<CampaignClaimTerms> {
  const code = normaliseCampaignCode(query.code);
  if (code === null) throw new DomainError('UNKNOWN_CAMPAIGN', `no campaign ${JSON.stringify(query.code.slice(0, 40))}`, field);
  const rows = transactionRows(manager);
  const [found] = await rows.rows<TermsRow>(
    `SELECT c.id, c.code, c.kind, c.title, c.period_from::text AS "periodFrom", c.period_to::text AS "periodTo", c.remedy, u.status
       FROM campaign c LEFT JOIN LATERAL (
         SELECT status FROM campaign_unit WHERE campaign_id = c.id AND warranty_record_id = $3 AND org_id = c.org_id FOR UPDATE
       ) u ON true
      WHERE c.org_id = $1 AND c.code = $2`,
    [query.orgId, code, query.recordId],
  );
  if (!found) throw new DomainError('UNKNOWN_CAMPAIGN', `no campaign ${code} in your organisation`, field);
  if (found.status === null) throw new DomainError('CAMPAIGN_UNIT_NOT_AFFECTED', `campaign ${code} does not affect this unit`, field);
  if (found.status === 'COMPLETED') throw new DomainError('CAMPAIGN_ALREADY_CLAIMED', `the unit has been fixed under campaign ${code} already (COMPLETED)`, field);
  if (found.status === 'NOT_APPLICABLE') throw new DomainError('CAMPAIGN_UNIT_NOT_OPEN', `campaign ${code} was decided not to apply to this unit (NOT_APPLICABLE)`, field);
  if (!inPeriod(found, query.repairDate)) {
    throw new DomainError('CAMPAIGN_OUT_OF_PERIOD', `the repair date ${query.repairDate} is outside campaign ${code}'s period (${found.periodFrom} to ${found.periodTo ?? 'further notice'})`, ['input', 'repairDate']);
  }
  if (query.currency !== found.remedy.currency) {
    throw new DomainError('BAD_USER_INPUT', `campaign ${code} pays its remedy in ${found.remedy.currency}; the claim's currency must be it (got ${query.currency})`, ['input', 'currency']);
  }
  const terms = found.remedy.labourOperations.length
    ? await flatRateTermsIn(rows, { orgId: query.orgId, codes: found.remedy.labourOperations, asOf: query.repairDate, region: query.unit.region, currency: found.remedy.currency })
    : { operations: [], approvedRate: null };
  const priced = remedyLines(found.remedy, terms.operations, terms.approvedRate, query.unit, query.repairDate);
  if (priced.refusals.length > 0) throw new DomainErrors(priced.refusals.map((r) => new DomainError(r.code, r.message, field)));
  return {
    campaign: { id: found.id, code: found.code, kind: found.kind, title: found.title, currency: found.remedy.currency },
    lines: priced.lines,
    flatRates: priced.flatRates,
  };
}

/** The claim as claims' close hook hands it over (claims/claim-hooks.ts ClaimClosedHook; the type is not imported). */
interface ClosedClaim {
  id: string;
  orgId: string;
  warrantyRecordId: string;
  kind: string;
  closedAt: Date;
  campaignId: string | null;
}

/**
 * Claims' close hook: a closed CAMPAIGN claim completes its unit in the campaign (OPEN → COMPLETED, naming the claim),
 * with the unit's event and CSP's message (`campaign.unit_changed`), in the close's statement. Any other claim: nothing,
 * and no statement. A unit that is not OPEN any more is left as it is.
 */
export async function completeOnClose(manager: EntityManager, claim: ClosedClaim, actorId: string): Promise<WriteStep | null> {
  if (claim.kind !== 'CAMPAIGN' || !claim.campaignId) return null;
  const [unit] = await transactionRows(manager).rows<{ status: CampaignUnitStatus; code: string; kind: CampaignKind; serialNumber: string }>(
    `SELECT u.status, c.code, c.kind, r.serial_number AS "serialNumber"
       FROM campaign_unit u JOIN campaign c ON c.org_id = u.org_id AND c.id = u.campaign_id JOIN warranty_record r ON r.org_id = u.org_id AND r.id = u.warranty_record_id
      WHERE u.org_id = $1 AND u.campaign_id = $2 AND u.warranty_record_id = $3 FOR UPDATE OF u`,
    [claim.orgId, claim.campaignId, claim.warrantyRecordId],
  );
  if (!unit || unit.status !== 'OPEN') return null;
  const detail = { campaignId: claim.campaignId, campaignCode: unit.code, kind: unit.kind };
  return join([
    {
      ctes: [[
        'campaign_unit_completed',
        `UPDATE campaign_unit SET status = 'COMPLETED', status_changed_at = $4, claim_id = $5, decided_by_id = $6
          WHERE org_id = $1 AND campaign_id = $2 AND warranty_record_id = $3 AND status = 'OPEN' RETURNING campaign_id`,
      ]],
      params: [claim.orgId, claim.campaignId, claim.warrantyRecordId, claim.closedAt, claim.id, actorId],
    },
    eventsStep([{ orgId: claim.orgId, warrantyRecordId: claim.warrantyRecordId, actorId, event: 'CAMPAIGN_UNIT_COMPLETED', fromValue: 'OPEN', toValue: 'COMPLETED', claimId: claim.id, detail }], 'campaign_unit_completed_events'),
    messagesStep([unitChangedMessage(claim.orgId, claim.campaignId, { ...detail, warrantyId: claim.warrantyRecordId, serialNumber: unit.serialNumber, status: 'COMPLETED', claimId: claim.id, at: claim.closedAt.toISOString() })], 'campaign_unit_completed_messages'),
  ]);
}

/** CSP's message when a unit's campaign status changes (completed, not applicable): CSP can close its outreach task. */
export function unitChangedMessage(orgId: string, campaignId: string, payload: Record<string, unknown>) {
  return { orgId, destination: 'CSP' as const, topic: 'campaign.unit_changed', aggregateId: campaignId, payload };
}

/** Several steps as one (their parameters renumbered as db/one-statement.ts does across steps). */
export function join(steps: ReadonlyArray<WriteStep | null>): WriteStep {
  const ctes: Array<readonly [string, string]> = [];
  const params: unknown[] = [];
  for (const step of steps) {
    if (!step) continue;
    const offset = params.length;
    for (const [name, sql] of step.ctes) ctes.push([name, sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)]);
    params.push(...step.params);
  }
  return { ctes, params };
}

/** The record as records' registration hook hands it over (the type is not imported). */
interface RegisteredUnit {
  id: string;
  orgId: string;
  sku: string;
  productionDate: string | null;
  serialNumber: string;
}

/**
 * Records' registration hook: a unit registered after a campaign was published joins it when one of its SKU ranges
 * affects the unit (campaign-rules.ts rangeAffects, here in SQL) and the campaign's period has not ended on the
 * registration day: what a recall manager expects of a lot still in the channel. One read (the matching campaigns,
 * by the SKU index), and when there are some, a step with the rows and one event per campaign on the unit's history.
 */
export async function joinOnRegistration(manager: EntityManager, record: RegisteredUnit, actorId: string, today: string, at: Date): Promise<WriteStep | null> {
  const matches = await transactionRows(manager).rows<{ id: string; code: string; kind: CampaignKind }>(
    `SELECT DISTINCT c.id, c.code, c.kind FROM campaign_sku_range s JOIN campaign c ON c.id = s.campaign_id AND c.org_id = s.org_id
      WHERE s.org_id = $1 AND s.sku = $2 AND (c.period_to IS NULL OR c.period_to >= $4::date)
        AND ((s.produced_from IS NULL AND s.produced_to IS NULL)
          OR ($3::date IS NOT NULL AND (s.produced_from IS NULL OR $3::date >= s.produced_from) AND (s.produced_to IS NULL OR $3::date <= s.produced_to)))
      ORDER BY c.code`,
    [record.orgId, record.sku, record.productionDate, today],
  );
  if (matches.length === 0) return null;
  return join([
    {
      ctes: [[
        'campaign_units_joined',
        `INSERT INTO campaign_unit (org_id, campaign_id, warranty_record_id, status, source, added_at)
         SELECT $1, c, $2, 'OPEN', 'REGISTRATION', $4 FROM unnest($3::uuid[]) AS c ON CONFLICT DO NOTHING RETURNING campaign_id`,
      ]],
      params: [record.orgId, record.id, matches.map((m) => m.id), at],
    },
    eventsStep(
      matches.map((m) => ({
        orgId: record.orgId, warrantyRecordId: record.id, actorId, event: 'CAMPAIGN_UNIT_ADDED', toValue: m.code,
        detail: { campaignId: m.id, campaignCode: m.code, kind: m.kind, source: 'REGISTRATION', sku: record.sku, productionDate: record.productionDate },
      })),
      'campaign_units_joined_events',
    ),
  ]);
}
