import { authenticated } from '../auth/authenticated';
import { DomainError, mutationPayload, queryResult } from '../common/errors';
import { moneyOf } from '../common/money';
import { decodeCursor, pageSize, toConnection } from '../common/pagination';
import { isoDate } from '../common/validation';
import type { Resolvers } from '../generated/graphql';
import { recordField } from '../records/record-fields';
import type { CampaignKind } from './campaign.entities';
import type { UnitCampaignView } from './campaign-loaders';

/** A decimal as text, without trailing zeros ("2.00" → "2"). */
const plain = (value: string) => String(Number(value)) === value ? value : value.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');

export const campaignResolvers: Resolvers = {
  Query: {
    campaign: (_, { code }, context) => queryResult(() => context.services.campaigns.campaign(authenticated(context).actor, code)),
    campaigns: (_, { kind, first, after }, context) =>
      queryResult(() => context.services.campaigns.list(authenticated(context).actor, { kind: kind as CampaignKind | null }, { first, after })),
    campaignProgress: (_, { code }, context) => queryResult(() => context.services.campaigns.progress(authenticated(context).actor, code)),
  },
  Mutation: {
    publishCampaign: async (_, { input }, context) => {
      const { actor } = authenticated(context);
      const { result, userErrors } = await mutationPayload('result', () =>
        context.services.campaigns.publish(actor, {
          code: input.code,
          title: input.title,
          kind: input.kind as CampaignKind,
          periodFrom: isoDate(input.periodFrom)!,
          periodTo: isoDate(input.periodTo) ?? null,
          remedy: { currency: input.remedy.currency, labourOperations: input.remedy.labourOperations ?? [], parts: input.remedy.parts ?? [] },
          skuRanges: (input.skuRanges ?? []).map((r) => ({ sku: r.sku, producedFrom: isoDate(r.producedFrom) ?? null, producedTo: isoDate(r.producedTo) ?? null })),
          serialNumbers: input.serialNumbers ?? [],
        }),
      );
      return {
        campaign: result?.campaign ?? null,
        affectedUnits: result?.affectedUnits ?? 0,
        unknownSerialNumbers: result?.unknownSerialNumbers ?? [],
        unknownCount: result?.unknownCount ?? 0,
        userErrors,
      };
    },
    markCampaignNotApplicable: async (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      const { unit, userErrors } = await mutationPayload('unit', () => context.services.campaigns.markNotApplicable(actor, input));
      if (!unit) return { unit: null, userErrors };
      const campaign = await loaders.campaigns.campaignById.load(unit.campaignId);
      return { unit: { ...unit, campaign: campaign! }, userErrors };
    },
  },
  // The argument guard answers a refused argument with `{ userErrors }` alone.
  PublishCampaignPayload: {
    affectedUnits: (payload) => payload.affectedUnits ?? 0,
    unknownSerialNumbers: (payload) => payload.unknownSerialNumbers ?? [],
    unknownCount: (payload) => payload.unknownCount ?? 0,
    campaign: (payload) => payload.campaign ?? null,
  },
  Campaign: {
    remedy: ({ remedy }) => ({
      currency: remedy.currency,
      labourOperations: remedy.labourOperations,
      parts: remedy.parts.map((p) => ({ partNumber: p.partNumber, quantity: plain(p.quantity), unitPrice: moneyOf(p.unitPrice, remedy.currency) })),
    }),
    skuRanges: async (campaign, _, context) => {
      authenticated(context);
      return context.services.dataSource.query(
        `SELECT sku, produced_from::text AS "producedFrom", produced_to::text AS "producedTo" FROM campaign_sku_range WHERE org_id = $1 AND campaign_id = $2 ORDER BY sku, produced_from NULLS FIRST`,
        [campaign.orgId, campaign.id],
      );
    },
  },
  CampaignUnit: {
    warranty: (unit, _, context) => authenticated(context).loaders.recordById.load(unit.warrantyRecordId),
    claim: (unit, _, context) => (unit.claimId ? authenticated(context).loaders.claimById.load(unit.claimId) : null),
  },
  WarrantyRecord: {
    campaigns: recordField([], async (record, { status, first, after }, context) =>
      queryResult(async () => {
        const size = pageSize(first, 20);
        const position = decodeCursor(after, ['key']);
        const all = (await authenticated(context).loaders.campaigns.unitsByRecordId.load(record.id)).filter((u) => !status || u.status === status);
        // A unit has a few campaigns: the page is cut from all of them, in their order (safety recalls first).
        const from = position ? all.findIndex((u) => u.campaign.code === position[0]) + 1 : 0;
        if (position && from === 0) throw new DomainError('BAD_USER_INPUT', 'after is not a cursor this list returned', ['after']);
        return toConnection<UnitCampaignView>(all.slice(from, from + size + 1), size, all.length, (u) => [u.campaign.code], from > 0);
      }),
    ),
  },
  Claim: {
    campaign: (claim, _, context) => (claim.campaignId ? authenticated(context).loaders.campaigns.campaignById.load(claim.campaignId) : null),
  },
  Case: {
    openCampaigns: (caseRef, _, context) => {
      const { loaders } = authenticated(context);
      return caseRef.serialNumber ? loaders.campaigns.openBySerialNumber.load(caseRef.serialNumber) : [];
    },
  },
  Product: {
    campaigns: (product, _, context) => authenticated(context).loaders.campaigns.campaignsByProductId.load(product.id),
  },
};
