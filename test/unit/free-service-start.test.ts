import { deriveFreeServiceStart, type FreeServiceFacts } from '../../src/service-items/free-service-start';

const UI = { ignoreBrokerStock: true };
const BULK = { ignoreBrokerStock: false };

/** Every source present: each row below takes away the ones above it, so each source is shown to lose to the one before. */
const ALL: FreeServiceFacts = {
  freeServiceDateShift: '2026-01-01',
  activationRecordDate: '2026-01-02',
  saleWarrantyActivationDate: '2026-01-03',
  saleInvoiceDate: '2026-01-04',
  brokerInvoiceDate: '2026-01-05',
  supplyChainStage: 'DEALER',
  itemClaimDates: ['2026-03-01', '2026-02-01'],
};

describe('deriveFreeServiceStart: the chain in priority order', () => {
  it.each([
    ['a free-service date shift wins over everything', {}, '2026-01-01', 'FREE_SERVICE_DATE_SHIFT'],
    ['then the activation record', { freeServiceDateShift: null }, '2026-01-02', 'ACTIVATION_RECORD'],
    ["then the sale's warranty activation", { freeServiceDateShift: null, activationRecordDate: null }, '2026-01-03', 'SALE_WARRANTY_ACTIVATION'],
    ["then the sale's invoice", { freeServiceDateShift: null, activationRecordDate: null, saleWarrantyActivationDate: null }, '2026-01-04', 'SALE_INVOICE'],
    ["then the broker's invoice", { freeServiceDateShift: null, activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: null }, '2026-01-05', 'BROKER_INVOICE'],
    ['then the de facto date, the earliest item claim', { freeServiceDateShift: null, activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: null, brokerInvoiceDate: null }, '2026-02-01', 'DE_FACTO'],
  ] as const)('%s', (_, change, date, source) => {
    for (const lookup of [UI, BULK]) {
      const start = deriveFreeServiceStart({ ...ALL, ...change }, lookup);
      expect(start).toMatchObject({ date, source, deFactoServiceStartDate: '2026-02-01', brokerStock: false });
    }
  });

  it('no anchor and no claim: no date, no de facto, and the reason says so', () => {
    expect(deriveFreeServiceStart({ supplyChainStage: 'DEALER' }, UI)).toEqual({
      date: null, source: null, deFactoServiceStartDate: null, brokerStock: false, reason: expect.stringContaining('no anchor'),
    });
  });

  it('the de facto date is exposed whenever a claim exists, used or not', () => {
    const used = deriveFreeServiceStart({ itemClaimDates: ['2026-05-10'] }, BULK);
    expect(used).toMatchObject({ date: '2026-05-10', source: 'DE_FACTO', deFactoServiceStartDate: '2026-05-10' });
    const unused = deriveFreeServiceStart({ saleInvoiceDate: '2026-04-01', itemClaimDates: ['2026-05-10'] }, BULK);
    expect(unused).toMatchObject({ date: '2026-04-01', source: 'SALE_INVOICE', deFactoServiceStartDate: '2026-05-10' });
  });

  it('a date shift wins over the de facto date too', () => {
    expect(deriveFreeServiceStart({ freeServiceDateShift: '2026-09-01', itemClaimDates: ['2026-05-10'] }, BULK)).toMatchObject({
      date: '2026-09-01', source: 'FREE_SERVICE_DATE_SHIFT', deFactoServiceStartDate: '2026-05-10',
    });
  });

  it('takes the earliest claim whatever their order', () => {
    expect(deriveFreeServiceStart({ itemClaimDates: ['2026-07-01', '2026-03-15', '2026-05-01'] }, UI).date).toBe('2026-03-15');
  });
});

describe('deriveFreeServiceStart: broker stock, UI against bulk lookup', () => {
  /** Sold to a broker who has not invoiced: the dealer's sale to the broker is on file. */
  const brokerStock: FreeServiceFacts = {
    supplyChainStage: 'BROKER',
    dealerSaleWarrantyActivationDate: '2026-02-10',
    dealerSaleInvoiceDate: '2026-02-08',
  };

  it.each([
    ['the dealer sale (its warranty activation)', {}, { date: '2026-02-10', source: 'DEALER_SALE' }, { date: null, source: null }],
    ['the dealer sale (its invoice, without an activation date)', { dealerSaleWarrantyActivationDate: null }, { date: '2026-02-08', source: 'DEALER_SALE' }, { date: null, source: null }],
    ['the activation record before the dealer sale', { activationRecordDate: '2026-02-20' }, { date: '2026-02-20', source: 'ACTIVATION_RECORD' }, { date: null, source: null }],
    ['nothing on the dealer side', { dealerSaleWarrantyActivationDate: null, dealerSaleInvoiceDate: null }, { date: null, source: null }, { date: null, source: null }],
    ['with an item claim: bulk falls back to de facto, UI keeps the dealer sale', { itemClaimDates: ['2026-04-01'] }, { date: '2026-02-10', source: 'DEALER_SALE' }, { date: '2026-04-01', source: 'DE_FACTO' }],
    ['with an item claim and nothing on the dealer side: de facto in both', { dealerSaleWarrantyActivationDate: null, dealerSaleInvoiceDate: null, itemClaimDates: ['2026-04-01'] }, { date: '2026-04-01', source: 'DE_FACTO' }, { date: '2026-04-01', source: 'DE_FACTO' }],
    ['with a date shift: the shift in both', { freeServiceDateShift: '2026-06-30', itemClaimDates: ['2026-04-01'] }, { date: '2026-06-30', source: 'FREE_SERVICE_DATE_SHIFT' }, { date: '2026-06-30', source: 'FREE_SERVICE_DATE_SHIFT' }],
  ] as const)('%s', (_, change, ui, bulk) => {
    const facts = { ...brokerStock, ...change };
    expect(deriveFreeServiceStart(facts, UI)).toMatchObject({ ...ui, brokerStock: true });
    expect(deriveFreeServiceStart(facts, BULK)).toMatchObject({ ...bulk, brokerStock: true });
  });

  it("ignores an end-customer sale's dates while the broker has not invoiced (that sale is the broker's business)", () => {
    const facts = { ...brokerStock, saleInvoiceDate: '2026-03-01' };
    expect(deriveFreeServiceStart(facts, BULK)).toMatchObject({ date: null, brokerStock: true });
  });

  it("once the broker invoices, the unit leaves broker stock and the regular chain applies, in both lookups", () => {
    const invoiced = { ...brokerStock, brokerInvoiceDate: '2026-03-05' };
    for (const lookup of [UI, BULK]) expect(deriveFreeServiceStart(invoiced, lookup)).toMatchObject({ date: '2026-03-05', source: 'BROKER_INVOICE', brokerStock: false });
  });

  it('the reason names the case', () => {
    expect(deriveFreeServiceStart(brokerStock, BULK).reason).toContain('bulk lookup');
    expect(deriveFreeServiceStart({ ...brokerStock, itemClaimDates: ['2026-04-01'] }, BULK).reason).toContain('broker stock has no anchor in the bulk lookup');
    expect(deriveFreeServiceStart(brokerStock, UI).reason).toContain("dealer's sale to the broker");
  });
});
