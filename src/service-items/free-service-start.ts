import { compareDates, type IsoDate } from '../common/calendar';
import type { SupplyChainStage } from '../records/warranty-start';

/**
 * Rule 12 (docs/RULES.md): the Free Service Start Date, the anchor of a unit's free service items, and where it came
 * from. Pure: the facts in, the anchor out.
 */
export interface FreeServiceFacts {
  /** An operator's free-service date shift: wins over everything, de facto included. */
  freeServiceDateShift?: IsoDate | null;
  /** The service activation record (a dealer's activation, an installer's commissioning). */
  activationRecordDate?: IsoDate | null;
  /** The end-customer sale: its warranty-activation date and its invoice date. */
  saleWarrantyActivationDate?: IsoDate | null;
  saleInvoiceDate?: IsoDate | null;
  /** The broker's invoice to its customer. */
  brokerInvoiceDate?: IsoDate | null;
  /** How far down the supply chain the unit has moved (BROKER: sold to a broker). */
  supplyChainStage?: SupplyChainStage | null;
  /** The dealer's own sale to the broker: its warranty-activation date and its invoice date. */
  dealerSaleWarrantyActivationDate?: IsoDate | null;
  dealerSaleInvoiceDate?: IsoDate | null;
  /** The dates of the unit's item claims that are not deleted, used or not. */
  itemClaimDates?: readonly IsoDate[];
}

/**
 * `ignoreBrokerStock` as the two lookups use it: the UI lookup (true) never turns a broker-stock unit away and
 * anchors it on the dealer's side; the bulk lookup (false: the export, finance) gives broker stock no anchor of its
 * own.
 */
export type Lookup = { ignoreBrokerStock: boolean };

export type FreeServiceSource =
  | 'FREE_SERVICE_DATE_SHIFT'
  | 'ACTIVATION_RECORD'
  | 'SALE_WARRANTY_ACTIVATION'
  | 'SALE_INVOICE'
  | 'DEALER_SALE'
  | 'BROKER_INVOICE'
  | 'DE_FACTO';

export interface FreeServiceStart {
  /** The anchor, or null when there is none (the unit gets no service items). */
  date: IsoDate | null;
  source: FreeServiceSource | null;
  /** The earliest non-deleted item claim's date, whenever there is one: shown whether or not it is the anchor. */
  deFactoServiceStartDate: IsoDate | null;
  /** Whether the unit is in broker stock (sold to a broker who has not invoiced yet). */
  brokerStock: boolean;
  reason: string;
}

function earliest(dates: readonly IsoDate[] | undefined): IsoDate | null {
  let first: IsoDate | null = null;
  for (const date of dates ?? []) if (first === null || compareDates(date, first) < 0) first = date;
  return first;
}

type Found = { date: IsoDate; source: FreeServiceSource; reason: string };

/** The regular chain: activation record, then the end-customer sale's activation and invoice, then the broker's invoice. */
function regularChain(facts: FreeServiceFacts): Found | null {
  if (facts.activationRecordDate) return { date: facts.activationRecordDate, source: 'ACTIVATION_RECORD', reason: 'anchored on the service activation record' };
  if (facts.saleWarrantyActivationDate) return { date: facts.saleWarrantyActivationDate, source: 'SALE_WARRANTY_ACTIVATION', reason: "anchored on the end-customer sale's warranty-activation date" };
  if (facts.saleInvoiceDate) return { date: facts.saleInvoiceDate, source: 'SALE_INVOICE', reason: "anchored on the end-customer sale's invoice date" };
  if (facts.brokerInvoiceDate) return { date: facts.brokerInvoiceDate, source: 'BROKER_INVOICE', reason: "anchored on the broker's invoice date to its customer" };
  return null;
}

/**
 * The anchor, in this order:
 * 1. an operator's free-service date shift;
 * 2. broker stock: in the UI lookup the activation record, else the dealer's own sale to the broker (its
 *    warranty-activation date, else its invoice date), so that the dealer can serve the customer while the warranty
 *    itself has not started; in the bulk lookup nothing of its own;
 *    otherwise the regular chain (activation record, sale warranty activation, sale invoice, broker invoice);
 * 3. when nothing above gave a date, the de facto date: the earliest non-deleted item claim, because a claim is
 *    evidence that service began.
 */
export function deriveFreeServiceStart(facts: FreeServiceFacts, lookup: Lookup): FreeServiceStart {
  const deFacto = earliest(facts.itemClaimDates);
  const brokerStock = facts.supplyChainStage === 'BROKER' && !facts.brokerInvoiceDate;
  const answer = (found: Found): FreeServiceStart => ({ date: found.date, source: found.source, deFactoServiceStartDate: deFacto, brokerStock, reason: found.reason });
  if (facts.freeServiceDateShift) {
    return answer({ date: facts.freeServiceDateShift, source: 'FREE_SERVICE_DATE_SHIFT', reason: 'anchored on an operator free-service date shift, which overrides every other source' });
  }
  let found: Found | null = null;
  if (!brokerStock) found = regularChain(facts);
  else if (lookup.ignoreBrokerStock) {
    if (facts.activationRecordDate) found = { date: facts.activationRecordDate, source: 'ACTIVATION_RECORD', reason: 'broker stock, UI lookup: anchored on the service activation record' };
    else if (facts.dealerSaleWarrantyActivationDate) found = { date: facts.dealerSaleWarrantyActivationDate, source: 'DEALER_SALE', reason: "broker stock, UI lookup: anchored on the dealer's sale to the broker (its warranty-activation date)" };
    else if (facts.dealerSaleInvoiceDate) found = { date: facts.dealerSaleInvoiceDate, source: 'DEALER_SALE', reason: "broker stock, UI lookup: anchored on the dealer's sale to the broker (its invoice date)" };
  }
  if (found) return answer(found);
  if (deFacto) {
    const why = brokerStock && !lookup.ignoreBrokerStock ? 'broker stock has no anchor in the bulk lookup' : 'no document gives an anchor';
    return answer({ date: deFacto, source: 'DE_FACTO', reason: `${why}: anchored on the de facto service start, the earliest item claim` });
  }
  const reason = brokerStock
    ? lookup.ignoreBrokerStock
      ? 'no anchor: broker stock with neither an activation record nor a dealer sale on file, and no item claim'
      : 'no anchor: broker stock (the broker has not invoiced yet) has none in the bulk lookup, and there is no item claim'
    : 'no anchor: no activation record, end-customer sale, broker invoice or item claim is known for the unit';
  return { date: null, source: null, deFactoServiceStartDate: null, brokerStock, reason };
}
