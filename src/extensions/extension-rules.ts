import { addDays, addMonths, compareDates, type IsoDate } from '../common/calendar';

/**
 * Rule 7, pure: whether a record may buy an extension tier on a date, and if not why, in one function that both
 * the offer shown before a sale and the purchase itself ask, so the two can never disagree.
 *
 * A tier is refused, first failure first: the record is voided (WARRANTY_VOIDED), expired on that date
 * (WARRANTY_EXPIRED), not started (WARRANTY_NOT_STARTED), already extended (ALREADY_EXTENDED), the region's
 * policy does not offer the tier (TIER_NOT_OFFERED: the DE-AT-CH battery row offers 5 years only), the policy's
 * purchase window after the start has closed (EXTENSION_WINDOW_CLOSED: Poland's 24 months for inverters, 12 for
 * batteries; open up to and including start + window), or less than the policy's cliff is left of the standard
 * warranty (EXTENSION_CLIFF: exactly 6 months left may still buy, one day less may not). Every number is policy data.
 */
export const EXTENSION_TIERS = ['EXTENDED_5Y', 'EXTENDED_10Y'] as const;
export type ExtensionTier = (typeof EXTENSION_TIERS)[number];

export const TIER_MONTHS: Record<ExtensionTier, number> = { EXTENDED_5Y: 60, EXTENDED_10Y: 120 };

export type ExtensionRefusal =
  | 'WARRANTY_VOIDED'
  | 'WARRANTY_EXPIRED'
  | 'WARRANTY_NOT_STARTED'
  | 'ALREADY_EXTENDED'
  | 'TIER_NOT_OFFERED'
  | 'EXTENSION_WINDOW_CLOSED'
  | 'EXTENSION_CLIFF';

export interface ExtensionPolicy {
  /** Tiers the region's policy offers. */
  tiers: readonly string[];
  /** Purchase closes when less than this many months of the standard term are left. */
  cliffMonths: number | null;
  /** Purchase closes this many months after the warranty start. */
  windowMonths: number | null;
  /** Label for reasons, e.g. "BATTERY DE-AT-CH v1". */
  label: string;
}

export interface ExtensionRecord {
  startDate: IsoDate | null;
  /** End of the standard warranty (the whole-unit STANDARD coverage). */
  standardEndDate: IsoDate | null;
  /** End of the latest coverage (`expiresAt`). */
  expiresAt: IsoDate | null;
  /** The date the record was voided (whole record), if it was. */
  voidedOn: IsoDate | null;
  /** A tier already bought. */
  extendedWith: string | null;
}

export type TierVerdict =
  | { tier: ExtensionTier; purchasable: true; openUntil: IsoDate | null; reason: string }
  | { tier: ExtensionTier; purchasable: false; code: ExtensionRefusal; openUntil: IsoDate | null; reason: string };

/** The last day a purchase is allowed by the window and the cliff (null: neither applies, or no start). */
export function lastPurchaseDay(record: ExtensionRecord, policy: ExtensionPolicy): IsoDate | null {
  const days: IsoDate[] = [];
  if (record.startDate && policy.windowMonths !== null) days.push(addMonths(record.startDate, policy.windowMonths));
  if (record.standardEndDate && policy.cliffMonths !== null) days.push(addMonths(record.standardEndDate, -policy.cliffMonths));
  if (days.length === 0) return null;
  return days.sort(compareDates)[0];
}

/** Rule 7 for one tier on one date. */
export function judgeTier(record: ExtensionRecord, policy: ExtensionPolicy, tier: ExtensionTier, on: IsoDate): TierVerdict {
  const openUntil = lastPurchaseDay(record, policy);
  const refuse = (code: ExtensionRefusal, reason: string): TierVerdict => ({ tier, purchasable: false, code, openUntil, reason });
  if (record.voidedOn !== null && compareDates(record.voidedOn, on) <= 0) return refuse('WARRANTY_VOIDED', `the warranty was voided on ${record.voidedOn}`);
  if (record.startDate === null || record.standardEndDate === null) return refuse('WARRANTY_NOT_STARTED', 'the warranty has not started: there is nothing to extend yet');
  if (compareDates(on, record.startDate) < 0) return refuse('WARRANTY_NOT_STARTED', `the warranty starts on ${record.startDate}`);
  if (record.expiresAt !== null && compareDates(on, record.expiresAt) > 0) return refuse('WARRANTY_EXPIRED', `the warranty expired on ${record.expiresAt}`);
  if (record.extendedWith !== null) return refuse('ALREADY_EXTENDED', `the warranty was already extended (${record.extendedWith}); a record takes one extension`);
  if (!policy.tiers.includes(tier)) {
    return refuse('TIER_NOT_OFFERED', `policy ${policy.label} offers ${policy.tiers.length ? policy.tiers.join(', ') : 'no extension'}, not ${tier}`);
  }
  if (policy.windowMonths !== null) {
    const closes = addMonths(record.startDate, policy.windowMonths);
    if (compareDates(on, closes) > 0) {
      return refuse('EXTENSION_WINDOW_CLOSED', `policy ${policy.label} sells extensions for ${policy.windowMonths} months after the start: the window closed after ${closes}`);
    }
  }
  if (policy.cliffMonths !== null) {
    const cliff = addMonths(record.standardEndDate, -policy.cliffMonths);
    if (compareDates(on, cliff) > 0) {
      return refuse('EXTENSION_CLIFF', `less than ${policy.cliffMonths} months of the standard warranty (ending ${record.standardEndDate}) are left: extensions could be bought until ${cliff}`);
    }
  }
  return {
    tier,
    purchasable: true,
    openUntil,
    reason: openUntil ? `can be bought until ${openUntil}` : 'can be bought while the warranty runs',
  };
}

/** The coverage dates an extension adds after the standard end: from the next day to the end + the tier's years. */
export function extensionDates(standardEndDate: IsoDate, tier: ExtensionTier): { startDate: IsoDate; endDate: IsoDate } {
  return { startDate: addDays(standardEndDate, 1), endDate: addMonths(standardEndDate, TIER_MONTHS[tier]) };
}
