import { addMonths, compareDates, type IsoDate } from '../common/calendar';

/**
 * Rule 2 (docs/RULES.md): when a unit's warranty starts. Supply-chain movements (manufacturer→distributor,
 * distributor→dealer, dealer→sub-dealer, dealer→broker) are deliberately absent from the inputs: they never
 * start a warranty.
 */
export interface WarrantyStartFacts {
  /** An operator's warranty date shift: wins over everything. */
  warrantyDateShift?: IsoDate | null;
  /** A dealer's activation or an installer's commissioning. */
  activationRecordDate?: IsoDate | null;
  saleWarrantyActivationDate?: IsoDate | null;
  saleInvoiceDate?: IsoDate | null;
  /** How far down the supply chain the unit has moved; movements themselves never start a warranty. */
  supplyChainStage?: SupplyChainStage | null;
  brokerInvoiceDate?: IsoDate | null;
  productionDate?: IsoDate | null;
}

export type SupplyChainStage = 'DISTRIBUTOR' | 'DEALER' | 'SUB_DEALER' | 'BROKER';

export interface StartPolicy {
  /** A start not taken from an invoice is at most this many months after production; null = no cap. */
  lateStartCapMonths: number | null;
}

export type StartSource =
  | 'DATE_SHIFT'
  | 'ACTIVATION_RECORD'
  | 'SALE_WARRANTY_ACTIVATION'
  | 'SALE_INVOICE'
  | 'BROKER_INVOICE'
  | 'PRODUCTION_DATE_CAP';

export type WarrantyStart =
  | { status: 'STARTED'; date: IsoDate; source: StartSource; reason: string }
  | {
      status: 'AWAITING_ACTIVATION' | 'AWAITING_END_CUSTOMER_SALE' | 'AWAITING_BROKER_INVOICE';
      date: null;
      source: null;
      reason: string;
    };

function firstPresentSource(facts: WarrantyStartFacts): { date: IsoDate; source: StartSource; reason: string } | null {
  if (facts.activationRecordDate) {
    return { date: facts.activationRecordDate, source: 'ACTIVATION_RECORD', reason: 'started on the activation record (dealer activation or installer commissioning)' };
  }
  if (facts.saleWarrantyActivationDate) {
    return { date: facts.saleWarrantyActivationDate, source: 'SALE_WARRANTY_ACTIVATION', reason: "started on the end-customer sale's warranty-activation date" };
  }
  if (facts.saleInvoiceDate) {
    return { date: facts.saleInvoiceDate, source: 'SALE_INVOICE', reason: "started on the end-customer sale's invoice date" };
  }
  if (facts.brokerInvoiceDate) {
    return { date: facts.brokerInvoiceDate, source: 'BROKER_INVOICE', reason: "started on the broker's invoice date to its customer" };
  }
  return null;
}

/**
 * The first present source wins (a date shift over everything). Two readings of rule 2 are fixed here:
 * - Broker stock (stage BROKER, no broker invoice) has not started, whatever else is known: the sale on file is
 *   the dealer's sale to the broker, a supply-chain movement. Only a date shift starts it.
 * - The policy's late-start cap ("an inverter with no invoice starts at most N months after production") applies
 *   only while no invoice (end-customer sale or broker) is on file, and never to broker stock.
 */
export function deriveWarrantyStart(facts: WarrantyStartFacts, policy: StartPolicy): WarrantyStart {
  if (facts.warrantyDateShift) {
    return { status: 'STARTED', date: facts.warrantyDateShift, source: 'DATE_SHIFT', reason: 'started on an operator warranty date shift, which overrides every other source' };
  }
  const inBrokerStock = facts.supplyChainStage === 'BROKER' && !facts.brokerInvoiceDate;
  if (inBrokerStock) {
    return { status: 'AWAITING_BROKER_INVOICE', date: null, source: null, reason: 'not started: the unit was sold to a broker who has not invoiced its customer yet' };
  }
  const found = firstPresentSource(
    facts.supplyChainStage === 'BROKER'
      ? { activationRecordDate: facts.activationRecordDate, brokerInvoiceDate: facts.brokerInvoiceDate }
      : facts,
  );
  const hasInvoice = Boolean(facts.saleInvoiceDate || facts.brokerInvoiceDate);
  const cap =
    policy.lateStartCapMonths !== null && facts.productionDate && !hasInvoice
      ? addMonths(facts.productionDate, policy.lateStartCapMonths)
      : null;

  if (found && (cap === null || compareDates(found.date, cap) <= 0)) {
    return { status: 'STARTED', ...found };
  }
  if (cap !== null) {
    // Without an invoice the policy does not let the warranty start later than production + cap, even when
    // the unit has not been activated yet.
    return {
      status: 'STARTED',
      date: cap,
      source: 'PRODUCTION_DATE_CAP',
      reason: `started at the latest start the policy allows without an invoice: ${policy.lateStartCapMonths} months after production on ${facts.productionDate}`,
    };
  }
  if (facts.supplyChainStage) {
    return { status: 'AWAITING_END_CUSTOMER_SALE', date: null, source: null, reason: `not started: the unit is in ${facts.supplyChainStage.toLowerCase().replace('_', '-')} stock and has not been sold to an end customer yet` };
  }
  return { status: 'AWAITING_ACTIVATION', date: null, source: null, reason: 'not started: no activation record, end-customer sale or invoice is known for the unit yet' };
}
