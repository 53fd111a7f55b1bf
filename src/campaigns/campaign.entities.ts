import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Campaigns (rule 19): a recall or service campaign, the SKU ranges it names, the units it affects and what happened
 * to the campaign itself. Written by the campaigns module alone (campaigns.service.ts, campaign-units-import.ts,
 * campaign-claims.ts); other modules read them through campaigns' functions.
 */

export const CAMPAIGN_KINDS = ['SAFETY_RECALL', 'SERVICE_CAMPAIGN'] as const;
export type CampaignKind = (typeof CAMPAIGN_KINDS)[number];
export const CAMPAIGN_UNIT_STATUSES = ['OPEN', 'COMPLETED', 'NOT_APPLICABLE'] as const;
export type CampaignUnitStatus = (typeof CAMPAIGN_UNIT_STATUSES)[number];
/** How a unit came to be affected: a SKU range at publication, a serial at publication, an import, its registration. */
export const CAMPAIGN_UNIT_SOURCES = ['SKU_RANGE', 'SERIAL_LIST', 'IMPORT', 'REGISTRATION'] as const;
export type CampaignUnitSource = (typeof CAMPAIGN_UNIT_SOURCES)[number];

/** A part of the remedy: what the campaign pays for it, in the remedy's currency. */
export interface RemedyPart {
  partNumber: string;
  /** Exact decimals as text. */
  quantity: string;
  unitPrice: string;
}

/** The remedy as stored: flat-rate labour operation codes (rule 17) and parts, in one currency. */
export interface Remedy {
  currency: string;
  labourOperations: string[];
  parts: RemedyPart[];
}

const inList = (column: string, values: readonly string[]) => `"${column}" IN (${values.map((v) => `'${v}'`).join(', ')})`;

@Entity({ name: 'campaign' })
@Index('uq_campaign_code', ['orgId', 'code'], { unique: true })
@Check('ck_campaign_kind', inList('kind', CAMPAIGN_KINDS))
@Check('ck_campaign_period', `"period_to" IS NULL OR "period_to" >= "period_from"`)
export class Campaign {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  /** Upper-case, unique in the organisation. */
  @Column({ type: 'text' })
  code: string;

  @Column({ type: 'text' })
  title: string;

  @Column({ type: 'text' })
  kind: CampaignKind;

  @Column({ name: 'period_from', type: 'date' })
  periodFrom: string;

  /** Null: until further notice. */
  @Column({ name: 'period_to', type: 'date', nullable: true })
  periodTo: string | null;

  @Column({ type: 'jsonb' })
  remedy: Remedy;

  @Column({ name: 'published_by_id', type: 'text' })
  publishedById: string;

  @Column({ name: 'published_at', type: 'timestamptz' })
  publishedAt: Date;
}

/** A SKU and the production dates of its affected units (either end open); units registered later join by it. */
@Entity({ name: 'campaign_sku_range' })
@Index('ix_campaign_sku_range_sku', ['orgId', 'sku'])
@Index('ix_campaign_sku_range_campaign', ['campaignId'])
@Check('ck_campaign_sku_range', `"produced_from" IS NULL OR "produced_to" IS NULL OR "produced_to" >= "produced_from"`)
export class CampaignSkuRange {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId: string;

  @Column({ type: 'text' })
  sku: string;

  @Column({ name: 'produced_from', type: 'date', nullable: true })
  producedFrom: string | null;

  @Column({ name: 'produced_to', type: 'date', nullable: true })
  producedTo: string | null;
}

/**
 * A unit a campaign affects, and where it stands: OPEN until a campaign claim on it is closed (COMPLETED) or an
 * operator decides it does not apply (NOT_APPLICABLE, with the reason). No foreign keys: every row is made by a join
 * with the campaign and the record it names, and neither is ever deleted; a million-row import checks nothing per row.
 */
@Entity({ name: 'campaign_unit' })
@Index('ix_campaign_unit_record', ['orgId', 'warrantyRecordId'])
@Check('ck_campaign_unit_status', inList('status', CAMPAIGN_UNIT_STATUSES))
@Check('ck_campaign_unit_source', inList('source', CAMPAIGN_UNIT_SOURCES))
@Check('ck_campaign_unit_reason', `("status" = 'NOT_APPLICABLE') = ("reason" IS NOT NULL)`)
export class CampaignUnit {
  @PrimaryColumn({ name: 'campaign_id', type: 'uuid' })
  campaignId: string;

  @PrimaryColumn({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ type: 'text', default: 'OPEN' })
  status: CampaignUnitStatus;

  @Column({ type: 'text' })
  source: CampaignUnitSource;

  @Column({ name: 'added_at', type: 'timestamptz' })
  addedAt: Date;

  /** When it became COMPLETED or NOT_APPLICABLE. */
  @Column({ name: 'status_changed_at', type: 'timestamptz', nullable: true })
  statusChangedAt: Date | null;

  /** The campaign claim whose close completed it. */
  @Column({ name: 'claim_id', type: 'uuid', nullable: true })
  claimId: string | null;

  /** Why it does not apply (NOT_APPLICABLE only). */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** Who completed it or decided it does not apply. */
  @Column({ name: 'decided_by_id', type: 'text', nullable: true })
  decidedById: string | null;
}

/** What happened to a campaign as a whole (published, units imported): the campaign's own history. */
@Entity({ name: 'campaign_event' })
@Index('ix_campaign_event_campaign', ['orgId', 'campaignId', 'id'])
export class CampaignEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'campaign_id', type: 'uuid' })
  campaignId: string;

  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  @Column({ type: 'text' })
  event: string;

  @Column({ type: 'jsonb', default: {} })
  detail: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
