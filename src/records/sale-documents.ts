import { compareDates, type IsoDate } from '../common/calendar';
import type { SupplyChainStage } from './warranty-start';

/**
 * A unit's documents along the supply chain (rule 2) and what they say of its start facts: pure. The record keeps
 * those facts in its columns (registration and `updateWarranty` set them); once a unit has documents, its facts are
 * what its documents that are not deleted say, folded here.
 */
export const SALE_DOCUMENT_KINDS = [
  'MANUFACTURER_TO_DISTRIBUTOR',
  'DISTRIBUTOR_TO_DEALER',
  'DEALER_TO_SUB_DEALER',
  'DEALER_TO_BROKER',
  'END_CUSTOMER_SALE',
  'BROKER_INVOICE',
  'SERVICE_ACTIVATION',
] as const;
export type SaleDocumentKind = (typeof SALE_DOCUMENT_KINDS)[number];

/** The supply-chain movements and the stage each brings the unit to, in order: none of them starts a warranty. */
const STAGE_OF: Partial<Record<SaleDocumentKind, SupplyChainStage>> = {
  MANUFACTURER_TO_DISTRIBUTOR: 'DISTRIBUTOR',
  DISTRIBUTOR_TO_DEALER: 'DEALER',
  DEALER_TO_SUB_DEALER: 'SUB_DEALER',
  DEALER_TO_BROKER: 'BROKER',
};
const STAGE_ORDER: SupplyChainStage[] = ['DISTRIBUTOR', 'DEALER', 'SUB_DEALER', 'BROKER'];

/** Kinds that carry a warranty-activation date besides their own date (a sale's delivery may come later). */
export const KINDS_WITH_ACTIVATION: ReadonlySet<SaleDocumentKind> = new Set(['END_CUSTOMER_SALE', 'DEALER_TO_BROKER']);

export interface SaleDocumentFacts {
  kind: SaleDocumentKind;
  /** The invoice date (an activation's date for SERVICE_ACTIVATION); null only for facts carried from the record. */
  date: IsoDate | null;
  warrantyActivationDate: IsoDate | null;
  deleted: boolean;
}

/** The start facts the documents decide. */
export interface ChainFacts {
  activationRecordDate: IsoDate | null;
  saleWarrantyActivationDate: IsoDate | null;
  saleInvoiceDate: IsoDate | null;
  supplyChainStage: SupplyChainStage | null;
  brokerInvoiceDate: IsoDate | null;
}

export const CHAIN_FACT_FIELDS = ['activationRecordDate', 'saleWarrantyActivationDate', 'saleInvoiceDate', 'supplyChainStage', 'brokerInvoiceDate'] as const;

/** Earliest first; a document without a date after those with one. */
function byDate(a: SaleDocumentFacts, b: SaleDocumentFacts): number {
  if (a.date === b.date) return 0;
  if (a.date === null) return 1;
  if (b.date === null) return -1;
  return compareDates(a.date, b.date);
}

/**
 * The facts of the documents that are not deleted:
 * - the activation record: the earliest service activation;
 * - the stage: the furthest movement (a unit sold to a broker is in BROKER stage);
 * - the sale: for a unit in broker stage the dealer's sale to the broker (which rule 2 and rule 12 read as the dealer's
 *   sale, never as an end-customer sale), otherwise the earliest end-customer sale;
 * - the broker's invoice: the earliest.
 */
export function foldSaleDocuments(documents: readonly SaleDocumentFacts[]): ChainFacts {
  const live = documents.filter((d) => !d.deleted).sort(byDate);
  const first = (kind: SaleDocumentKind) => live.find((d) => d.kind === kind) ?? null;
  let stage: SupplyChainStage | null = null;
  for (const d of live) {
    const reached = STAGE_OF[d.kind];
    if (reached && (stage === null || STAGE_ORDER.indexOf(reached) > STAGE_ORDER.indexOf(stage))) stage = reached;
  }
  const sale = stage === 'BROKER' ? first('DEALER_TO_BROKER') : first('END_CUSTOMER_SALE');
  return {
    activationRecordDate: first('SERVICE_ACTIVATION')?.date ?? null,
    saleWarrantyActivationDate: sale?.warrantyActivationDate ?? null,
    saleInvoiceDate: sale?.date ?? null,
    supplyChainStage: stage,
    brokerInvoiceDate: first('BROKER_INVOICE')?.date ?? null,
  };
}

/**
 * The documents that say what the record's facts say, written when its first document arrives so that the facts it
 * was registered with are not lost: folded, they give the same facts back.
 */
export function documentsOfFacts(facts: ChainFacts): Array<Omit<SaleDocumentFacts, 'deleted'>> {
  const documents: Array<Omit<SaleDocumentFacts, 'deleted'>> = [];
  if (facts.activationRecordDate) documents.push({ kind: 'SERVICE_ACTIVATION', date: facts.activationRecordDate, warrantyActivationDate: null });
  const movement = (Object.entries(STAGE_OF) as Array<[SaleDocumentKind, SupplyChainStage]>).find(([, stage]) => stage === facts.supplyChainStage)?.[0];
  const hasSale = Boolean(facts.saleInvoiceDate || facts.saleWarrantyActivationDate);
  if (facts.supplyChainStage === 'BROKER') {
    documents.push({ kind: 'DEALER_TO_BROKER', date: facts.saleInvoiceDate, warrantyActivationDate: facts.saleWarrantyActivationDate });
  } else {
    if (movement) documents.push({ kind: movement, date: null, warrantyActivationDate: null });
    if (hasSale) documents.push({ kind: 'END_CUSTOMER_SALE', date: facts.saleInvoiceDate, warrantyActivationDate: facts.saleWarrantyActivationDate });
  }
  if (facts.brokerInvoiceDate) documents.push({ kind: 'BROKER_INVOICE', date: facts.brokerInvoiceDate, warrantyActivationDate: null });
  return documents;
}

/**
 * Why a new document cannot be taken with the unit's live documents, or null: a broker's invoice needs the dealer's
 * sale to the broker before it; a unit sold to a broker is sold on by the broker's invoice, not by an end-customer
 * sale of the dealer, and the other way round.
 */
export function documentConflict(kind: SaleDocumentKind, live: readonly SaleDocumentFacts[]): string | null {
  const has = (k: SaleDocumentKind) => live.some((d) => !d.deleted && d.kind === k);
  if (kind === 'BROKER_INVOICE' && !has('DEALER_TO_BROKER')) return 'a broker invoice needs the dealer-to-broker sale it follows: record that first';
  if (kind === 'END_CUSTOMER_SALE' && has('DEALER_TO_BROKER')) return "the unit was sold to a broker: its sale to an end customer is the broker's invoice (BROKER_INVOICE)";
  if (kind === 'DEALER_TO_BROKER' && has('END_CUSTOMER_SALE')) return 'the unit was already sold to an end customer';
  return null;
}
