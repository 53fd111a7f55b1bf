import type { DataSource, EntityManager } from 'typeorm';
import { eventsStep } from '../audit/audit.service';
import { assertRole, type Actor } from '../auth/actor';
import type { Clock } from '../common/clock';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { newId } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { writeTogether } from '../db/one-statement';
import { messagesStep } from '../outbox/outbox-writes';
import { lockVisibleUnit } from '../records/record-access';
import { Campaign, CampaignSkuRange, type CampaignKind, type CampaignUnitStatus } from './campaign.entities';
import { unitChangedMessage } from './campaign-claims';
import { campaignEventStep, findCampaign } from './campaign-store';
import { checkPublication, MAX_LISTED_UNKNOWN, MAX_REASON, monthlyProgress, type MonthProgress, type PublishCampaignInput } from './campaign-rules';
import { importCampaignUnits, type ImportSummary } from './campaign-units-import';

const ADMIN = ['WARRANTY_ADMIN'] as const;
/** Who may set a unit aside as not applicable: the desk that hears of it (scrapped, fixed elsewhere) and administrators. */
const DECIDERS = ['WARRANTY_ADMIN', 'AGENT'] as const;

/**
 * Given at composition (services.ts): the claim in progress under a campaign for a unit, from claims (a module above
 * this one), so that a unit being fixed is not set aside meanwhile.
 */
export type CampaignClaimInProgress = (manager: EntityManager, orgId: string, campaignId: string, recordId: string) => Promise<string | null>;

export interface PublishResult {
  campaign: Campaign;
  affectedUnits: number;
  unknownSerialNumbers: string[];
  unknownCount: number;
}

export interface UnitStatusView {
  campaignId: string;
  warrantyRecordId: string;
  serialNumber: string;
  status: CampaignUnitStatus;
  source: string;
  addedAt: Date;
  statusChangedAt: Date | null;
  claimId: string | null;
  reason: string | null;
}

export interface ProgressCounts {
  affected: number;
  completed: number;
  notApplicable: number;
  open: number;
}

export interface CampaignProgress extends ProgressCounts {
  campaign: Campaign;
  byRegion: Array<ProgressCounts & { region: string }>;
  byMonth: MonthProgress[];
}

/**
 * Campaigns (rule 19): publication with the affected units materialised set-based, the import of long serial lists
 * (campaign-units-import.ts), the not-applicable decision and the progress. Every change with its event in one
 * transaction: the campaign's own (campaign_event) for the campaign as a whole, the unit's (warranty_event) for a unit.
 */
export class CampaignsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly claimInProgress: CampaignClaimInProgress,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /** Publishes a campaign and the units it affects now; refused whole when it affects none (NO_AFFECTED_UNITS). */
  async publish(actor: Actor, input: PublishCampaignInput): Promise<PublishResult> {
    assertRole(actor, ADMIN, 'publish a campaign');
    const { campaign: given, problems } = checkPublication(input);
    if (!given) throw new DomainErrors(problems);
    try {
      return await this.dataSource.transaction(async (manager) => {
        const orgId = actor.orgId;
        const taken = await manager.query(`SELECT 1 FROM campaign WHERE org_id = $1 AND code = $2`, [orgId, given.code]);
        if (taken.length) throw codeTaken(given.code);
        await this.assertKnown(manager, orgId, given.skuRanges.map((r) => r.sku), given.remedy.labourOperations);
        const now = this.clock();
        const campaign = manager.create(Campaign, {
          id: newId(), orgId, code: given.code, title: given.title, kind: given.kind, periodFrom: given.periodFrom, periodTo: given.periodTo,
          remedy: given.remedy, publishedById: actor.id, publishedAt: now,
        });
        await manager.insert(Campaign, campaign);
        if (given.skuRanges.length) {
          await manager.insert(CampaignSkuRange, given.skuRanges.map((r) => ({ id: newId(), orgId, campaignId: campaign.id, ...r })));
        }
        // The units the ranges affect (campaign-rules.ts rangeAffects, in SQL), then the serials named: set-based.
        const [byRange] = await manager.query(
          `WITH added AS (
             INSERT INTO campaign_unit (org_id, campaign_id, warranty_record_id, status, source, added_at)
             SELECT DISTINCT $1, $2::uuid, r.id, 'OPEN', 'SKU_RANGE', $3::timestamptz
               FROM campaign_sku_range g JOIN warranty_record r ON r.org_id = g.org_id AND r.sku = g.sku
              WHERE g.campaign_id = $2 AND ((g.produced_from IS NULL AND g.produced_to IS NULL)
                 OR (r.production_date IS NOT NULL AND (g.produced_from IS NULL OR r.production_date >= g.produced_from)
                     AND (g.produced_to IS NULL OR r.production_date <= g.produced_to)))
             ON CONFLICT DO NOTHING RETURNING 1)
           SELECT count(*)::int AS n FROM added`,
          [orgId, campaign.id, now],
        );
        const [bySerial] = await manager.query(
          `WITH given AS (SELECT s, n FROM unnest($3::text[]) WITH ORDINALITY AS g(s, n)),
                found AS (SELECT given.s, given.n, r.id FROM given LEFT JOIN warranty_record r ON r.org_id = $1 AND r.serial_number = given.s),
                added AS (INSERT INTO campaign_unit (org_id, campaign_id, warranty_record_id, status, source, added_at)
                          SELECT $1, $2::uuid, id, 'OPEN', 'SERIAL_LIST', $4::timestamptz FROM found WHERE id IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1)
           SELECT (SELECT count(*) FROM added)::int AS added, (SELECT count(*) FROM found WHERE id IS NULL)::int AS unknown,
                  ARRAY(SELECT s FROM found WHERE id IS NULL ORDER BY n LIMIT $5) AS "unknownSample"`,
          [orgId, campaign.id, given.serialNumbers, now, MAX_LISTED_UNKNOWN],
        );
        const affectedUnits = byRange.n + bySerial.added;
        if (affectedUnits === 0) {
          const why = given.skuRanges.length ? 'no registered unit matches its SKU ranges' : '';
          const serials = given.serialNumbers.length ? `none of its ${given.serialNumbers.length} serials is a registered unit` : '';
          throw new DomainError('NO_AFFECTED_UNITS', `campaign ${given.code} would affect no unit: ${[why, serials].filter(Boolean).join(', and ')}`, ['input', given.skuRanges.length ? 'skuRanges' : 'serialNumbers']);
        }
        const counts = { affectedUnits, bySkuRange: byRange.n, bySerial: bySerial.added, unknownSerials: bySerial.unknown };
        await writeTogether(manager, [
          campaignEventStep({ orgId, campaignId: campaign.id, actorId: actor.id, event: 'CAMPAIGN_PUBLISHED', detail: { code: given.code, kind: given.kind, ...counts, unknownSample: bySerial.unknownSample } }),
          messagesStep([{
            orgId, destination: 'CSP', topic: 'campaign.published', aggregateId: campaign.id,
            payload: { campaignId: campaign.id, code: given.code, title: given.title, kind: given.kind, periodFrom: given.periodFrom, periodTo: given.periodTo, affectedUnits },
          }]),
        ]);
        return { campaign, affectedUnits, unknownSerialNumbers: bySerial.unknownSample, unknownCount: bySerial.unknown };
      });
    } catch (error) {
      if (isUniqueViolation(error, 'uq_campaign_code')) throw codeTaken(given.code);
      throw error;
    }
  }

  /** SKUs need a product reference; remedy operations must have been published (a version in force is checked per claim). */
  private async assertKnown(manager: EntityManager, orgId: string, skus: string[], operations: string[]): Promise<void> {
    const known: Array<{ kind: string; value: string }> = await manager.query(
      `SELECT 'SKU' AS kind, sku AS value FROM product_reference WHERE org_id = $1 AND sku = ANY($2::text[])
       UNION SELECT DISTINCT 'OPERATION', code FROM labour_operation WHERE org_id = $1 AND code = ANY($3::text[])`,
      [orgId, skus, operations],
    );
    const has = (kind: string, value: string) => known.some((k) => k.kind === kind && k.value === value);
    const problems: DomainError[] = [];
    skus.forEach((sku, i) => {
      if (!has('SKU', sku)) problems.push(new DomainError('BAD_USER_INPUT', `unknown SKU ${sku}: no product reference for it`, ['input', 'skuRanges', String(i), 'sku']));
    });
    operations.forEach((code, i) => {
      if (!has('OPERATION', code)) problems.push(new DomainError('UNKNOWN_LABOUR_OPERATION', `no labour operation ${code} is published`, ['input', 'remedy', 'labourOperations', String(i)]));
    });
    if (problems.length) throw new DomainErrors(problems);
  }

  /** The import of a long serial list (campaign-units-import.ts), for the command and the endpoint. */
  importUnits(actor: Actor, code: string, lines: AsyncIterable<string[]>, options: { onProgress?: (received: number) => void; signal?: AbortSignal; deadline?: number } = {}): Promise<ImportSummary> {
    assertRole(actor, ADMIN, "import a campaign's units");
    return importCampaignUnits(this.dataSource, actor, code, lines, { ...options, now: this.clock });
  }

  /** An operator's decision that the campaign does not apply to a unit (scrapped, fixed elsewhere), with the reason. */
  async markNotApplicable(actor: Actor, input: { campaignCode: string; warrantyId?: string | null; serialNumber?: string | null; reason: string }): Promise<UnitStatusView> {
    assertRole(actor, DECIDERS, 'mark a campaign not applicable to a unit');
    const reason = input.reason.trim();
    const problems: DomainError[] = [];
    if (!reason) problems.push(new DomainError('BAD_USER_INPUT', 'say why the campaign does not apply (reason must not be empty)', ['input', 'reason']));
    else if (reason.length > MAX_REASON) problems.push(new DomainError('BAD_USER_INPUT', `reason: at most ${MAX_REASON} characters`, ['input', 'reason']));
    if (Boolean(input.warrantyId) === Boolean(input.serialNumber?.trim())) problems.push(new DomainError('BAD_USER_INPUT', 'give the unit by warrantyId or by serialNumber (one of them)', ['input', 'warrantyId']));
    if (problems.length) throw new DomainErrors(problems);
    return this.dataSource.transaction(async (manager) => {
      const campaign = await findCampaign(manager, actor.orgId, input.campaignCode, ['input', 'campaignCode']);
      // The record first, then its campaign row: the order claims' intake takes them in.
      const record = await lockVisibleUnit(manager, actor, input);
      const [unit] = await manager.query(
        `SELECT status FROM campaign_unit WHERE org_id = $1 AND campaign_id = $2 AND warranty_record_id = $3 FOR UPDATE`,
        [actor.orgId, campaign.id, record.id],
      );
      if (!unit) throw new DomainError('CAMPAIGN_UNIT_NOT_AFFECTED', `campaign ${campaign.code} does not affect ${record.serialNumber}`, ['input', 'campaignCode']);
      if (unit.status !== 'OPEN') throw new DomainError('CAMPAIGN_UNIT_NOT_OPEN', `${record.serialNumber} is ${unit.status} in campaign ${campaign.code} already`, ['input', 'campaignCode']);
      const claimId = await this.claimInProgress(manager, actor.orgId, campaign.id, record.id);
      if (claimId) throw new DomainError('CAMPAIGN_ALREADY_CLAIMED', `claim ${claimId} is fixing ${record.serialNumber} under campaign ${campaign.code}: decide it first`, ['input', 'campaignCode']);
      const now = this.clock();
      const detail = { campaignId: campaign.id, campaignCode: campaign.code, kind: campaign.kind, reason };
      await writeTogether(manager, [
        {
          ctes: [['campaign_unit_set_aside', `UPDATE campaign_unit SET status = 'NOT_APPLICABLE', status_changed_at = $4, reason = $5, decided_by_id = $6
            WHERE org_id = $1 AND campaign_id = $2 AND warranty_record_id = $3 RETURNING 1`]],
          params: [actor.orgId, campaign.id, record.id, now, reason, actor.id],
        },
        eventsStep([{ orgId: actor.orgId, warrantyRecordId: record.id, actorId: actor.id, event: 'CAMPAIGN_UNIT_NOT_APPLICABLE', fromValue: 'OPEN', toValue: 'NOT_APPLICABLE', detail }]),
        messagesStep([unitChangedMessage(actor.orgId, campaign.id, { ...detail, warrantyId: record.id, serialNumber: record.serialNumber, status: 'NOT_APPLICABLE', at: now.toISOString() })]),
      ]);
      const [view] = await manager.query(`SELECT ${UNIT_COLUMNS} FROM campaign_unit u JOIN warranty_record r ON r.org_id = u.org_id AND r.id = u.warranty_record_id WHERE u.org_id = $1 AND u.campaign_id = $2 AND u.warranty_record_id = $3`, [actor.orgId, campaign.id, record.id]);
      return view as UnitStatusView;
    });
  }

  /** A campaign of the caller's organisation by code, or UNKNOWN_CAMPAIGN at `code`. */
  campaign(actor: Actor, code: string): Promise<Campaign> {
    return findCampaign(this.dataSource.manager, actor.orgId, code, ['code']);
  }

  /** The organisation's campaigns by code, optionally of one kind. */
  async list(actor: Actor, filter: { kind?: CampaignKind | null }, page: { first?: number | null; after?: string | null }): Promise<Connection<Campaign>> {
    const size = pageSize(page.first, 20);
    const after = decodeCursor(page.after, ['key']);
    const query = this.dataSource.getRepository(Campaign).createQueryBuilder('c').where('c.org_id = :orgId', { orgId: actor.orgId });
    if (filter.kind) query.andWhere('c.kind = :kind', { kind: filter.kind });
    const totalCount = await query.clone().getCount();
    if (after) query.andWhere('c.code > :after', { after: after[0] });
    const rows = await query.orderBy('c.code', 'ASC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (c) => [c.code], after !== null);
  }

  /** Affected, completed, not applicable and open units, in all and by region; by month of each change (rule 19). */
  async progress(actor: Actor, code: string): Promise<CampaignProgress> {
    assertRole(actor, DECIDERS, "read a campaign's progress");
    const campaign = await findCampaign(this.dataSource.manager, actor.orgId, code, ['code']);
    const counted = `count(*)::int AS affected, (count(*) FILTER (WHERE u.status = 'COMPLETED'))::int AS completed,
      (count(*) FILTER (WHERE u.status = 'NOT_APPLICABLE'))::int AS "notApplicable", (count(*) FILTER (WHERE u.status = 'OPEN'))::int AS open`;
    const regions: Array<ProgressCounts & { region: string | null }> = await this.dataSource.query(
      `SELECT r.region, ${counted} FROM campaign_unit u JOIN warranty_record r ON r.org_id = u.org_id AND r.id = u.warranty_record_id
        WHERE u.org_id = $1 AND u.campaign_id = $2 GROUP BY GROUPING SETS ((r.region), ()) ORDER BY r.region NULLS FIRST`,
      [actor.orgId, campaign.id],
    );
    const months: Array<{ month: string; added: number; completed: number; notApplicable: number }> = await this.dataSource.query(
      `SELECT month, sum(added)::int AS added, sum(completed)::int AS completed, sum(na)::int AS "notApplicable" FROM (
         SELECT to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM') AS month, 1 AS added, 0 AS completed, 0 AS na FROM campaign_unit WHERE org_id = $1 AND campaign_id = $2
         UNION ALL
         SELECT to_char(status_changed_at AT TIME ZONE 'UTC', 'YYYY-MM'), 0, (status = 'COMPLETED')::int, (status = 'NOT_APPLICABLE')::int
           FROM campaign_unit WHERE org_id = $1 AND campaign_id = $2 AND status_changed_at IS NOT NULL) m
       GROUP BY month ORDER BY month`,
      [actor.orgId, campaign.id],
    );
    const total = regions.find((r) => r.region === null) ?? { affected: 0, completed: 0, notApplicable: 0, open: 0 };
    return {
      campaign,
      affected: total.affected, completed: total.completed, notApplicable: total.notApplicable, open: total.open,
      byRegion: regions.filter((r): r is ProgressCounts & { region: string } => r.region !== null),
      byMonth: monthlyProgress(months),
    };
  }
}

/** A unit's campaign row as the API shows it (with its serial number). */
export const UNIT_COLUMNS = `u.campaign_id AS "campaignId", u.warranty_record_id AS "warrantyRecordId", r.serial_number AS "serialNumber", u.status, u.source,
  u.added_at AS "addedAt", u.status_changed_at AS "statusChangedAt", u.claim_id AS "claimId", u.reason`;

function codeTaken(code: string): DomainError {
  return new DomainError('CAMPAIGN_CODE_TAKEN', `campaign ${code} is published already in your organisation (codes compare upper-case)`, ['input', 'code']);
}
