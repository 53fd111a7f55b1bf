import type { IsoDate } from '../common/calendar';
import type { SupplyChainStage } from '../records/warranty-start';
import { deriveFreeServiceStart, type FreeServiceFacts, type FreeServiceStart, type Lookup } from './free-service-start';
import { itemStatus, itemStatusCode, scheduleItem, type ServiceItemSchedule, type ServiceItemState, type ServiceItemStatus, type ServiceItemTerms } from './service-item-status';

/**
 * A unit's free service items as one lookup answers them (rule 12): the anchor and its source, then each item of the
 * unit's plan with its due date and km, window and status. Pure, so that the API and the fleet export give the same
 * answer for the same unit.
 */

/** What the record knows of the unit's documents, as stored on it. */
export interface RecordServiceFacts {
  supplyChainStage: SupplyChainStage | null;
  activationRecordDate: IsoDate | null;
  saleWarrantyActivationDate: IsoDate | null;
  saleInvoiceDate: IsoDate | null;
  brokerInvoiceDate: IsoDate | null;
  freeServiceDateShift: IsoDate | null;
}

export interface PlanItemTerms extends ServiceItemTerms {
  code: string;
}

export interface LiveItemClaim {
  itemCode: string;
  claimDate: IsoDate;
}

/**
 * The record's facts as the anchor rule reads them. A record in broker stage keeps the dealer's sale to the broker in
 * its sale dates (registration and `updateWarranty` record it there): for rule 12 that is the dealer sale, not an
 * end-customer sale.
 */
export function freeServiceFactsOf(record: RecordServiceFacts, claims: readonly LiveItemClaim[]): FreeServiceFacts {
  const broker = record.supplyChainStage === 'BROKER';
  return {
    freeServiceDateShift: record.freeServiceDateShift,
    activationRecordDate: record.activationRecordDate,
    saleWarrantyActivationDate: broker ? null : record.saleWarrantyActivationDate,
    saleInvoiceDate: broker ? null : record.saleInvoiceDate,
    brokerInvoiceDate: record.brokerInvoiceDate,
    supplyChainStage: record.supplyChainStage,
    dealerSaleWarrantyActivationDate: broker ? record.saleWarrantyActivationDate : null,
    dealerSaleInvoiceDate: broker ? record.saleInvoiceDate : null,
    itemClaimDates: claims.map((claim) => claim.claimDate),
  };
}

export interface ServiceItemsLookup<Item extends PlanItemTerms, Claim extends LiveItemClaim> {
  start: FreeServiceStart;
  /** Empty without an anchor: nothing to project the items from (and no claim, or the claim would be the anchor). */
  items: Array<{ item: Item; state: ServiceItemState; claim: Claim | null }>;
}

/** The unit's live claim of the item, if any (a unit has a handful of claims at most). */
function claimOfItem<Claim extends LiveItemClaim>(liveClaims: readonly Claim[], code: string): Claim | null {
  for (const claim of liveClaims) if (claim.itemCode === code) return claim;
  return null;
}

/**
 * Each item of the unit's plan from its anchor: its schedule, its status and the unit's claim of it, handed to `visit`
 * in the plan's order; nothing without an anchor. The API's lookup and the fleet export both go through here.
 */
export function eachServiceItem<Item extends PlanItemTerms, Claim extends LiveItemClaim>(
  start: Pick<FreeServiceStart, 'date'>,
  planItems: readonly Item[],
  liveClaims: readonly Claim[],
  odometerKm: number | null,
  asOf: IsoDate,
  schedule: (item: Item, anchor: IsoDate) => ServiceItemSchedule,
  visit: (item: Item, schedule: ServiceItemSchedule, status: ServiceItemStatus, claim: Claim | null) => void,
): void {
  const anchor = start.date;
  if (anchor === null) return;
  for (const item of planItems) {
    const claim = claimOfItem(liveClaims, item.code);
    const itemSchedule = schedule(item, anchor);
    visit(item, itemSchedule, itemStatusCode(itemSchedule, asOf, odometerKm, claim), claim);
  }
}

export function lookupServiceItems<Item extends PlanItemTerms, Claim extends LiveItemClaim>(
  record: RecordServiceFacts,
  planItems: readonly Item[],
  liveClaims: readonly Claim[],
  odometerKm: number | null,
  lookup: Lookup,
  asOf: IsoDate,
  schedule: (item: Item, anchor: IsoDate) => ServiceItemSchedule = scheduleItem,
): ServiceItemsLookup<Item, Claim> {
  const start = deriveFreeServiceStart(freeServiceFactsOf(record, liveClaims), lookup);
  const items: ServiceItemsLookup<Item, Claim>['items'] = [];
  eachServiceItem(start, planItems, liveClaims, odometerKm, asOf, schedule, (item, itemSchedule, _status, claim) => {
    items.push({ item, claim, state: itemStatus(itemSchedule, asOf, odometerKm, claim) });
  });
  return { start, items };
}
