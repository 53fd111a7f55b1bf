import { deriveWarrantyStart } from '../../src/records/warranty-start';
import { documentConflict, documentsOfFacts, foldSaleDocuments, type ChainFacts, type SaleDocumentFacts } from '../../src/records/sale-documents';

const doc = (kind: SaleDocumentFacts['kind'], date: string | null, extra: Partial<SaleDocumentFacts> = {}): SaleDocumentFacts => ({ kind, date, warrantyActivationDate: null, deleted: false, ...extra });
const NONE: ChainFacts = { activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: null, supplyChainStage: null, brokerInvoiceDate: null };

describe('foldSaleDocuments', () => {
  it('movements never start a warranty: they only move the stage, to the furthest reached', () => {
    const facts = foldSaleDocuments([doc('MANUFACTURER_TO_DISTRIBUTOR', '2026-01-05'), doc('DEALER_TO_SUB_DEALER', '2026-02-01'), doc('DISTRIBUTOR_TO_DEALER', '2026-01-20')]);
    expect(facts).toEqual({ ...NONE, supplyChainStage: 'SUB_DEALER' });
    expect(deriveWarrantyStart(facts, { lateStartCapMonths: null })).toMatchObject({ status: 'AWAITING_END_CUSTOMER_SALE' });
  });

  it('the end-customer sale gives the sale dates; the earliest of several', () => {
    const facts = foldSaleDocuments([doc('DISTRIBUTOR_TO_DEALER', '2026-01-20'), doc('END_CUSTOMER_SALE', '2026-04-01', { warrantyActivationDate: '2026-04-10' }), doc('END_CUSTOMER_SALE', '2026-03-01')]);
    expect(facts).toEqual({ ...NONE, supplyChainStage: 'DEALER', saleInvoiceDate: '2026-03-01' });
  });

  it("in broker stage the sale is the dealer's sale to the broker, and the broker's invoice comes on top", () => {
    const docs = [doc('DISTRIBUTOR_TO_DEALER', '2026-01-20'), doc('DEALER_TO_BROKER', '2026-02-10', { warrantyActivationDate: '2026-02-12' })];
    expect(foldSaleDocuments(docs)).toEqual({ ...NONE, supplyChainStage: 'BROKER', saleInvoiceDate: '2026-02-10', saleWarrantyActivationDate: '2026-02-12' });
    expect(deriveWarrantyStart(foldSaleDocuments(docs), { lateStartCapMonths: null })).toMatchObject({ status: 'AWAITING_BROKER_INVOICE' });
    const invoiced = foldSaleDocuments([...docs, doc('BROKER_INVOICE', '2026-05-01')]);
    expect(invoiced.brokerInvoiceDate).toBe('2026-05-01');
    expect(deriveWarrantyStart(invoiced, { lateStartCapMonths: null })).toMatchObject({ status: 'STARTED', date: '2026-05-01', source: 'BROKER_INVOICE' });
  });

  it('the earliest service activation is the activation record, and wins in rule 2', () => {
    const facts = foldSaleDocuments([doc('END_CUSTOMER_SALE', '2026-03-01'), doc('SERVICE_ACTIVATION', '2026-03-20'), doc('SERVICE_ACTIVATION', '2026-03-15')]);
    expect(facts.activationRecordDate).toBe('2026-03-15');
    expect(deriveWarrantyStart(facts, { lateStartCapMonths: null })).toMatchObject({ date: '2026-03-15', source: 'ACTIVATION_RECORD' });
  });

  it('a deleted document no longer counts', () => {
    const facts = foldSaleDocuments([doc('END_CUSTOMER_SALE', '2026-03-01', { deleted: true }), doc('END_CUSTOMER_SALE', '2026-06-01'), doc('DEALER_TO_BROKER', '2026-01-01', { deleted: true })]);
    expect(facts).toEqual({ ...NONE, saleInvoiceDate: '2026-06-01' });
    expect(foldSaleDocuments([doc('SERVICE_ACTIVATION', '2026-03-15', { deleted: true })])).toEqual(NONE);
  });
});

describe("documentsOfFacts: a record's facts carried into documents when its first one arrives", () => {
  it.each<[string, ChainFacts]>([
    ['nothing', NONE],
    ['an installer commissioning', { ...NONE, activationRecordDate: '2026-02-01' }],
    ['dealer stock', { ...NONE, supplyChainStage: 'DEALER' }],
    ['a sale with its activation date', { ...NONE, saleInvoiceDate: '2026-03-01', saleWarrantyActivationDate: '2026-03-05' }],
    ['a sale out of sub-dealer stock', { ...NONE, supplyChainStage: 'SUB_DEALER', saleInvoiceDate: '2026-03-01' }],
    ['broker stock with the dealer sale', { ...NONE, supplyChainStage: 'BROKER', saleInvoiceDate: '2026-02-10', saleWarrantyActivationDate: '2026-02-12' }],
    ['broker stock without dates', { ...NONE, supplyChainStage: 'BROKER' }],
    ['a broker unit invoiced', { ...NONE, supplyChainStage: 'BROKER', saleInvoiceDate: '2026-02-10', brokerInvoiceDate: '2026-05-01' }],
    ['everything at once', { activationRecordDate: '2026-01-15', saleWarrantyActivationDate: '2026-02-01', saleInvoiceDate: '2026-01-31', supplyChainStage: 'DEALER', brokerInvoiceDate: null }],
  ])('%s folds back to the same facts', (_, facts) => {
    expect(foldSaleDocuments(documentsOfFacts(facts).map((d) => ({ ...d, deleted: false })))).toEqual(facts);
  });
});

describe('documentConflict', () => {
  it('a broker invoice needs a live dealer-to-broker sale', () => {
    expect(documentConflict('BROKER_INVOICE', [])).toContain('dealer-to-broker sale');
    expect(documentConflict('BROKER_INVOICE', [doc('DEALER_TO_BROKER', '2026-01-01', { deleted: true })])).toContain('dealer-to-broker sale');
    expect(documentConflict('BROKER_INVOICE', [doc('DEALER_TO_BROKER', '2026-01-01')])).toBeNull();
  });

  it('a broker unit is not sold to an end customer by the dealer, nor the other way round', () => {
    expect(documentConflict('END_CUSTOMER_SALE', [doc('DEALER_TO_BROKER', '2026-01-01')])).toContain('BROKER_INVOICE');
    expect(documentConflict('DEALER_TO_BROKER', [doc('END_CUSTOMER_SALE', '2026-01-01')])).toContain('already sold');
    expect(documentConflict('END_CUSTOMER_SALE', [doc('DISTRIBUTOR_TO_DEALER', '2026-01-01')])).toBeNull();
  });
});
