import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import type { AuditService, EventInput } from '../audit/audit.service';
import { DomainError } from '../common/errors';
import { isExternalKey } from '../common/ids';
import { priceProblem } from '../common/money';
import { calendarDateOf, compareDates, maxDate, type IsoDate } from '../common/calendar';
import { Coverage, WHOLE_UNIT } from '../coverage/coverage.entity';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { lockVisibleRecord } from '../records/record-access';
import type { Clock } from '../common/clock';
import { deriveWarrantyStart } from '../records/warranty-start';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { ExtensionPurchase } from './extension-purchase.entity';
import { EXTENSION_TIERS, extensionDates, judgeTier, TIER_MONTHS, type ExtensionRecord, type ExtensionTier, type TierVerdict } from './extension-rules';

export interface OfferedTier {
  verdict: TierVerdict;
  price: { amount: string; currency: string } | null;
}

const SELLERS = ['AGENT', 'WARRANTY_ADMIN', 'SERVICE'] as const;

/** Rule 7's facts about a record: its start, its standard end, its expiry, its void and any extension. */
export function extensionRecordOf(record: WarrantyRecord, coverages: readonly Coverage[], policy: WarrantyPolicy): ExtensionRecord {
  const start = deriveWarrantyStart(record, { lateStartCapMonths: policy.lateStartCapMonths });
  const unit = coverages.find((c) => c.kind === 'STANDARD' && c.scope === WHOLE_UNIT && !c.voidedAt);
  const extended = coverages.some((c) => c.kind === 'EXTENDED' && !c.voidedAt);
  return {
    startDate: start.status === 'STARTED' ? start.date : null,
    standardEndDate: unit?.endDate ?? null,
    expiresAt: record.expiresAt,
    voidedOn: record.voidedAt ? calendarDateOf(record.voidedAt, record.siteTimeZone ?? 'UTC') : null,
    extendedWith: extended ? record.tier : null,
  };
}

/** The offer the CSP frontend shows: every tier, bought or not, with its price, its window and why not. */
export function extensionOffer(record: WarrantyRecord, coverages: readonly Coverage[], policy: WarrantyPolicy, on: IsoDate): OfferedTier[] {
  const facts = extensionRecordOf(record, coverages, policy);
  const terms = { tiers: policy.extensionTiers, cliffMonths: policy.extensionCliffMonths, windowMonths: policy.extensionWindowMonths, label: `${policy.productFamily} ${policy.region} v${policy.version}` };
  return EXTENSION_TIERS.map((tier) => ({ verdict: judgeTier(facts, terms, tier, on), price: policy.extensionPrices?.[tier] ?? null }));
}

/**
 * Selling an extension (rule 7), as the offer says: the same rule decides both. The record is locked, so of
 * simultaneous purchases exactly one succeeds (the others find it extended); a repeated order reference returns
 * the first purchase. The sale adds an EXTENDED coverage for the whole unit and for every component the standard
 * warranty carves out (a battery's CELLS, so the extension really pays for cells), each from the day after its
 * standard coverage ends, with that coverage's limits; the record takes the tier and the new end.
 */
export class ExtensionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock = () => new Date(),
  ) {}

  async purchase(
    actor: Actor,
    input: { id: string; tier: string; orderReference: string; purchaseDate: IsoDate; price: { amount: string; currency: string } },
  ): Promise<{ record: WarrantyRecord; purchase: ExtensionPurchase }> {
    assertRole(actor, SELLERS, 'sell an extension');
    if (!(EXTENSION_TIERS as readonly string[]).includes(input.tier)) {
      throw new DomainError('BAD_USER_INPUT', `an extension is ${EXTENSION_TIERS.join(' or ')}`, ['input', 'tier']);
    }
    const tier = input.tier as ExtensionTier;
    if (!isExternalKey(input.orderReference)) {
      throw new DomainError('BAD_USER_INPUT', 'an order reference is 1 to 200 letters, digits and ._:/-', ['input', 'orderReference']);
    }
    const problem = priceProblem(input.price);
    if (problem) throw new DomainError('BAD_USER_INPUT', problem.message, ['input', 'price', problem.field]);
    return this.dataSource.transaction(async (manager) => {
      const record = await lockVisibleRecord(manager, actor, input.id, ['input', 'id']);
      const earlier = await manager.findOne(ExtensionPurchase, { where: { orgId: actor.orgId, orderReference: input.orderReference } });
      if (earlier) {
        if (earlier.warrantyRecordId !== record.id) {
          throw new DomainError('IDEMPOTENCY_CONFLICT', `order ${input.orderReference} was already used for another unit`, ['input', 'orderReference']);
        }
        return { record, purchase: earlier };
      }
      const policy = await manager.findOneOrFail(WarrantyPolicy, { where: { id: record.policyId, orgId: record.orgId } });
      const coverages = await manager.find(Coverage, { where: { orgId: record.orgId, warrantyRecordId: record.id }, order: { createdAt: 'ASC', scope: 'ASC' } });
      const facts = extensionRecordOf(record, coverages, policy);
      const today = calendarDateOf(this.clock(), record.siteTimeZone ?? 'UTC');
      if (compareDates(input.purchaseDate, today) > 0) {
        throw new DomainError('BAD_USER_INPUT', `purchaseDate ${input.purchaseDate} is in the future (today is ${today} at the site)`, ['input', 'purchaseDate']);
      }
      if (facts.startDate && compareDates(input.purchaseDate, facts.startDate) < 0) {
        throw new DomainError('BAD_USER_INPUT', `purchaseDate ${input.purchaseDate} is before the warranty start ${facts.startDate}`, ['input', 'purchaseDate']);
      }
      const [offered] = extensionOffer(record, coverages, policy, input.purchaseDate).filter((o) => o.verdict.tier === tier);
      if (!offered.verdict.purchasable) throw new DomainError(offered.verdict.code, offered.verdict.reason, ['input', 'tier']);
      if (offered.price && offered.price.currency !== input.price.currency) {
        throw new DomainError('BAD_USER_INPUT', `the offer is priced in ${offered.price.currency}, not ${input.price.currency}`, ['input', 'price', 'currency']);
      }

      const standard = coverages.filter((c) => c.kind === 'STANDARD' && !c.voidedAt && c.endDate);
      const added = standard.map((c) => {
        const dates = extensionDates(c.endDate!, tier);
        return manager.create(Coverage, {
          id: randomUUID(),
          orgId: record.orgId,
          warrantyRecordId: record.id,
          kind: 'EXTENDED',
          scope: c.scope,
          startDate: dates.startDate,
          endDate: dates.endDate,
          labourEndDate: null,
          termMonths: TIER_MONTHS[tier],
          labourMonths: TIER_MONTHS[tier],
          mileageLimitKm: c.mileageLimitKm,
          engineHoursLimit: c.engineHoursLimit,
          throughputLimitMwh: c.throughputLimitMwh,
          sohGuaranteePct: c.sohGuaranteePct,
          paysParts: true,
          paysLabour: true,
          policyId: record.policyId,
          claimId: null,
          voidedAt: null,
          voidReason: null,
        });
      });
      await manager.insert(Coverage, added);
      const expiresAt = maxDate([record.expiresAt, ...added.map((c) => c.endDate)]);
      await manager.update(WarrantyRecord, { id: record.id, orgId: record.orgId }, { tier, expiresAt });
      const purchase = manager.create(ExtensionPurchase, {
        id: randomUUID(),
        orgId: record.orgId,
        warrantyRecordId: record.id,
        tier,
        orderReference: input.orderReference,
        purchaseDate: input.purchaseDate,
        priceAmount: input.price.amount,
        priceCurrency: input.price.currency,
        purchasedById: actor.id,
      });
      await manager.insert(ExtensionPurchase, purchase);
      const base = { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id };
      const events: EventInput[] = [
        { ...base, event: 'EXTENSION_PURCHASED', toValue: tier, detail: { orderReference: input.orderReference, purchaseDate: input.purchaseDate, price: input.price } },
        ...added.map((c) => ({ ...base, event: 'COVERAGE_ADDED', coverageId: c.id, toValue: `EXTENDED ${c.scope}`, detail: { kind: 'EXTENDED', scope: c.scope, startDate: c.startDate, endDate: c.endDate } })),
        { ...base, event: 'TIER_CHANGED', fromValue: record.tier, toValue: tier },
        { ...base, event: 'EXPIRY_CHANGED', fromValue: record.expiresAt, toValue: expiresAt },
      ];
      await this.audit.append(manager, events);
      const updated = await manager.findOneOrFail(WarrantyRecord, { where: { id: record.id, orgId: record.orgId } });
      return { record: updated, purchase };
    });
  }
}
