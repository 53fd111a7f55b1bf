import {
  deriveWarrantyStart,
  type StartPolicy,
  type StartSource,
  type WarrantyStart,
  type WarrantyStartFacts,
} from '../../src/records/warranty-start';

const NO_CAP: StartPolicy = { lateStartCapMonths: null };
const CAP_3: StartPolicy = { lateStartCapMonths: 3 };

const SHIFT = '2024-05-05';
const ACTIVATION = '2024-04-04';
const SALE_ACTIVATION = '2024-03-03';
const SALE_INVOICE = '2024-02-02';
const BROKER_INVOICE = '2024-01-01';

const ALL_SOURCES: WarrantyStartFacts = {
  warrantyDateShift: SHIFT,
  activationRecordDate: ACTIVATION,
  saleWarrantyActivationDate: SALE_ACTIVATION,
  saleInvoiceDate: SALE_INVOICE,
  brokerInvoiceDate: BROKER_INVOICE,
};

function expectReason(result: WarrantyStart): void {
  expect(typeof result.reason).toBe('string');
  expect(result.reason.trim().length).toBeGreaterThan(0);
}

describe('deriveWarrantyStart (rule 2): priority of the start sources', () => {
  it.each<[string, WarrantyStartFacts, string, StartSource]>([
    ['the date shift alone', { warrantyDateShift: SHIFT }, SHIFT, 'DATE_SHIFT'],
    ['the date shift wins over every other source', ALL_SOURCES, SHIFT, 'DATE_SHIFT'],
    ['the date shift wins even when it is later than the other sources', { ...ALL_SOURCES, warrantyDateShift: '2030-01-01' }, '2030-01-01', 'DATE_SHIFT'],
    ['the date shift wins even when it is earlier than the other sources', { ...ALL_SOURCES, warrantyDateShift: '2020-01-01' }, '2020-01-01', 'DATE_SHIFT'],
    ['the date shift wins in broker stock without a broker invoice', { warrantyDateShift: SHIFT, supplyChainStage: 'BROKER' }, SHIFT, 'DATE_SHIFT'],
    ['the date shift wins in dealer stock without a sale', { warrantyDateShift: SHIFT, supplyChainStage: 'DEALER' }, SHIFT, 'DATE_SHIFT'],
    ['the activation record alone', { activationRecordDate: ACTIVATION }, ACTIVATION, 'ACTIVATION_RECORD'],
    ['the activation record over the sale and invoices', { ...ALL_SOURCES, warrantyDateShift: null }, ACTIVATION, 'ACTIVATION_RECORD'],
    ['the sale warranty-activation date alone', { saleWarrantyActivationDate: SALE_ACTIVATION }, SALE_ACTIVATION, 'SALE_WARRANTY_ACTIVATION'],
    ['the sale warranty-activation date over both invoices', { saleWarrantyActivationDate: SALE_ACTIVATION, saleInvoiceDate: SALE_INVOICE, brokerInvoiceDate: BROKER_INVOICE }, SALE_ACTIVATION, 'SALE_WARRANTY_ACTIVATION'],
    ['the sale invoice alone', { saleInvoiceDate: SALE_INVOICE }, SALE_INVOICE, 'SALE_INVOICE'],
    ['the sale invoice over the broker invoice', { saleInvoiceDate: SALE_INVOICE, brokerInvoiceDate: BROKER_INVOICE }, SALE_INVOICE, 'SALE_INVOICE'],
    ['the broker invoice alone', { brokerInvoiceDate: BROKER_INVOICE }, BROKER_INVOICE, 'BROKER_INVOICE'],
    // "first present", not "earliest"
    ['priority, not the earliest date: an activation after the sale invoice still wins', { activationRecordDate: '2024-09-01', saleInvoiceDate: '2024-03-01' }, '2024-09-01', 'ACTIVATION_RECORD'],
    ['priority, not the earliest date: a sale invoice after the broker invoice still wins', { saleInvoiceDate: '2024-09-01', brokerInvoiceDate: '2024-03-01' }, '2024-09-01', 'SALE_INVOICE'],
    ['priority, not the latest date: the sale activation before its invoice wins', { saleWarrantyActivationDate: '2024-01-10', saleInvoiceDate: '2024-03-01' }, '2024-01-10', 'SALE_WARRANTY_ACTIVATION'],
    // absent values
    ['null sources are skipped', { warrantyDateShift: null, activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: SALE_INVOICE }, SALE_INVOICE, 'SALE_INVOICE'],
    ['undefined sources are skipped', { warrantyDateShift: undefined, activationRecordDate: undefined, brokerInvoiceDate: BROKER_INVOICE }, BROKER_INVOICE, 'BROKER_INVOICE'],
    ['empty-string sources are skipped', { warrantyDateShift: '', activationRecordDate: '', saleWarrantyActivationDate: '', saleInvoiceDate: SALE_INVOICE }, SALE_INVOICE, 'SALE_INVOICE'],
    // once the broker has invoiced, its invoice (or an activation record) starts the warranty
    ['broker stage with a broker invoice', { supplyChainStage: 'BROKER', brokerInvoiceDate: BROKER_INVOICE }, BROKER_INVOICE, 'BROKER_INVOICE'],
    ['broker stage, invoiced, with an activation record', { supplyChainStage: 'BROKER', brokerInvoiceDate: BROKER_INVOICE, activationRecordDate: ACTIVATION }, ACTIVATION, 'ACTIVATION_RECORD'],
    ["broker stage, invoiced: the dealer's sale to the broker never starts it", { supplyChainStage: 'BROKER', brokerInvoiceDate: BROKER_INVOICE, saleInvoiceDate: SALE_INVOICE, saleWarrantyActivationDate: SALE_ACTIVATION }, BROKER_INVOICE, 'BROKER_INVOICE'],
    // a dealer-side stage never blocks a present source
    ['distributor stage with an activation record', { supplyChainStage: 'DISTRIBUTOR', activationRecordDate: ACTIVATION }, ACTIVATION, 'ACTIVATION_RECORD'],
    ['dealer stage with a sale', { supplyChainStage: 'DEALER', saleWarrantyActivationDate: SALE_ACTIVATION, saleInvoiceDate: SALE_INVOICE }, SALE_ACTIVATION, 'SALE_WARRANTY_ACTIVATION'],
    ['sub-dealer stage with a sale invoice', { supplyChainStage: 'SUB_DEALER', saleInvoiceDate: SALE_INVOICE }, SALE_INVOICE, 'SALE_INVOICE'],
    ['dealer stage with a broker invoice', { supplyChainStage: 'DEALER', brokerInvoiceDate: BROKER_INVOICE }, BROKER_INVOICE, 'BROKER_INVOICE'],
    // a production date alone never starts anything without a cap, and never changes a source without one
    ['a production date does not affect the start without a cap', { productionDate: '2020-01-01', activationRecordDate: '2024-06-01' }, '2024-06-01', 'ACTIVATION_RECORD'],
  ])('%s', (_name, facts, date, source) => {
    const result = deriveWarrantyStart(facts, NO_CAP);
    expect(result).toEqual({ status: 'STARTED', date, source, reason: expect.any(String) });
    expectReason(result);
  });
});

describe('deriveWarrantyStart (rule 2): not started, and why', () => {
  it.each<[string, WarrantyStartFacts, StartPolicy, WarrantyStart['status']]>([
    ['nothing known', {}, NO_CAP, 'AWAITING_ACTIVATION'],
    ['every source explicitly null', { warrantyDateShift: null, activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: null, brokerInvoiceDate: null, supplyChainStage: null, productionDate: null }, NO_CAP, 'AWAITING_ACTIVATION'],
    ['every source an empty string', { warrantyDateShift: '', activationRecordDate: '', saleWarrantyActivationDate: '', saleInvoiceDate: '', brokerInvoiceDate: '' }, NO_CAP, 'AWAITING_ACTIVATION'],
    ['only a production date, no cap', { productionDate: '2024-01-15' }, NO_CAP, 'AWAITING_ACTIVATION'],
    ['a cap but no production date', {}, CAP_3, 'AWAITING_ACTIVATION'],
    ['sold to a broker who has not invoiced', { supplyChainStage: 'BROKER' }, NO_CAP, 'AWAITING_BROKER_INVOICE'],
    ['sold to a broker, null broker invoice', { supplyChainStage: 'BROKER', brokerInvoiceDate: null }, NO_CAP, 'AWAITING_BROKER_INVOICE'],
    ['sold to a broker, cap without a production date', { supplyChainStage: 'BROKER' }, CAP_3, 'AWAITING_BROKER_INVOICE'],
    ['sold to a broker, production date without a cap', { supplyChainStage: 'BROKER', productionDate: '2024-01-15' }, NO_CAP, 'AWAITING_BROKER_INVOICE'],
    ['sold to a broker: the policy cap does not start broker stock', { supplyChainStage: 'BROKER', productionDate: '2024-01-15' }, CAP_3, 'AWAITING_BROKER_INVOICE'],
    ['sold to a broker: an activation record does not start broker stock', { supplyChainStage: 'BROKER', activationRecordDate: '2024-02-01' }, NO_CAP, 'AWAITING_BROKER_INVOICE'],
    ["sold to a broker: the dealer's sale to the broker does not start it", { supplyChainStage: 'BROKER', saleInvoiceDate: '2024-02-01', saleWarrantyActivationDate: '2024-02-01' }, NO_CAP, 'AWAITING_BROKER_INVOICE'],
    ['in distributor stock', { supplyChainStage: 'DISTRIBUTOR' }, NO_CAP, 'AWAITING_END_CUSTOMER_SALE'],
    ['in dealer stock', { supplyChainStage: 'DEALER' }, NO_CAP, 'AWAITING_END_CUSTOMER_SALE'],
    ['in sub-dealer stock', { supplyChainStage: 'SUB_DEALER' }, NO_CAP, 'AWAITING_END_CUSTOMER_SALE'],
    ['in dealer stock, cap without a production date', { supplyChainStage: 'DEALER' }, CAP_3, 'AWAITING_END_CUSTOMER_SALE'],
    ['in sub-dealer stock, production date without a cap', { supplyChainStage: 'SUB_DEALER', productionDate: '2024-01-15' }, NO_CAP, 'AWAITING_END_CUSTOMER_SALE'],
  ])('%s → %s', (_name, facts, policy, status) => {
    const result = deriveWarrantyStart(facts, policy);
    expect(result).toEqual({ status, date: null, source: null, reason: expect.any(String) });
    expectReason(result);
  });

  it('gives each reason for not starting its own wording', () => {
    const reasons = [
      deriveWarrantyStart({}, NO_CAP).reason,
      deriveWarrantyStart({ supplyChainStage: 'BROKER' }, NO_CAP).reason,
      deriveWarrantyStart({ supplyChainStage: 'DEALER' }, NO_CAP).reason,
    ];
    expect(new Set(reasons).size).toBe(reasons.length);
  });

  it.each([
    ['DISTRIBUTOR', 'distributor'],
    ['DEALER', 'dealer'],
    ['SUB_DEALER', 'sub-dealer'],
  ] as const)('names the %s stock the unit sits in', (stage, words) => {
    expect(deriveWarrantyStart({ supplyChainStage: stage }, NO_CAP).reason).toContain(words);
  });
});

describe('deriveWarrantyStart (rule 2): the policy cap on a late start', () => {
  // production 2024-01-15 + 3 months = 2024-04-15
  const PRODUCED = '2024-01-15';
  const CAPPED = '2024-04-15';

  it.each<[string, WarrantyStartFacts, StartPolicy, string, StartSource]>([
    ['an activation record after production + cap is capped', { productionDate: PRODUCED, activationRecordDate: '2024-09-01' }, CAP_3, CAPPED, 'PRODUCTION_DATE_CAP'],
    ['an activation record one day after production + cap is capped', { productionDate: PRODUCED, activationRecordDate: '2024-04-16' }, CAP_3, CAPPED, 'PRODUCTION_DATE_CAP'],
    ['an activation record exactly on production + cap is not capped', { productionDate: PRODUCED, activationRecordDate: CAPPED }, CAP_3, CAPPED, 'ACTIVATION_RECORD'],
    ['an activation record one day before production + cap is kept', { productionDate: PRODUCED, activationRecordDate: '2024-04-14' }, CAP_3, '2024-04-14', 'ACTIVATION_RECORD'],
    ['an early activation record is kept', { productionDate: PRODUCED, activationRecordDate: '2024-02-01' }, CAP_3, '2024-02-01', 'ACTIVATION_RECORD'],
    ['an activation record on the production date is kept', { productionDate: PRODUCED, activationRecordDate: PRODUCED }, CAP_3, PRODUCED, 'ACTIVATION_RECORD'],
    ['a late sale warranty-activation date (not an invoice) is capped', { productionDate: PRODUCED, saleWarrantyActivationDate: '2024-09-01' }, CAP_3, CAPPED, 'PRODUCTION_DATE_CAP'],
    ['a sale warranty-activation date exactly on the cap is kept', { productionDate: PRODUCED, saleWarrantyActivationDate: CAPPED }, CAP_3, CAPPED, 'SALE_WARRANTY_ACTIVATION'],
    ['with an invoice on file there is no cap: a late activation record stands', { productionDate: PRODUCED, activationRecordDate: '2024-09-10', saleInvoiceDate: '2024-09-01' }, CAP_3, '2024-09-10', 'ACTIVATION_RECORD'],
    ['with a broker invoice on file there is no cap: a late sale activation stands', { productionDate: PRODUCED, saleWarrantyActivationDate: '2024-09-10', brokerInvoiceDate: '2024-09-01' }, CAP_3, '2024-09-10', 'SALE_WARRANTY_ACTIVATION'],
    ['a late sale invoice is not capped', { productionDate: PRODUCED, saleInvoiceDate: '2024-09-01' }, CAP_3, '2024-09-01', 'SALE_INVOICE'],
    ['a years-late sale invoice is not capped', { productionDate: PRODUCED, saleInvoiceDate: '2027-01-01' }, CAP_3, '2027-01-01', 'SALE_INVOICE'],
    ['a late broker invoice is not capped', { productionDate: PRODUCED, brokerInvoiceDate: '2025-01-01' }, CAP_3, '2025-01-01', 'BROKER_INVOICE'],
    ['a late broker invoice in broker stock is not capped', { productionDate: PRODUCED, supplyChainStage: 'BROKER', brokerInvoiceDate: '2025-01-01' }, CAP_3, '2025-01-01', 'BROKER_INVOICE'],
    ['a late date shift is not capped', { productionDate: PRODUCED, warrantyDateShift: '2026-01-01' }, CAP_3, '2026-01-01', 'DATE_SHIFT'],
    ['a late date shift is not capped even with a late activation', { productionDate: PRODUCED, warrantyDateShift: '2026-01-01', activationRecordDate: '2025-01-01' }, CAP_3, '2026-01-01', 'DATE_SHIFT'],
    ['no source at all → production + cap', { productionDate: PRODUCED }, CAP_3, CAPPED, 'PRODUCTION_DATE_CAP'],
    ['no source, in distributor stock → production + cap', { productionDate: PRODUCED, supplyChainStage: 'DISTRIBUTOR' }, CAP_3, CAPPED, 'PRODUCTION_DATE_CAP'],
    ['no source, in dealer stock → production + cap', { productionDate: PRODUCED, supplyChainStage: 'DEALER' }, CAP_3, CAPPED, 'PRODUCTION_DATE_CAP'],
    ['no source, in sub-dealer stock → production + cap', { productionDate: PRODUCED, supplyChainStage: 'SUB_DEALER' }, CAP_3, CAPPED, 'PRODUCTION_DATE_CAP'],
    ['the cap date clamps the month end: 30 Nov + 3 → 29 Feb', { productionDate: '2023-11-30', activationRecordDate: '2024-03-01' }, CAP_3, '2024-02-29', 'PRODUCTION_DATE_CAP'],
    ['the clamped cap date itself is not capped', { productionDate: '2023-11-30', activationRecordDate: '2024-02-29' }, CAP_3, '2024-02-29', 'ACTIVATION_RECORD'],
    ['cap of 1 month from 31 Jan → 29 Feb', { productionDate: '2024-01-31' }, { lateStartCapMonths: 1 }, '2024-02-29', 'PRODUCTION_DATE_CAP'],
    ['cap of 0 months: the production date itself', { productionDate: PRODUCED, activationRecordDate: '2024-01-16' }, { lateStartCapMonths: 0 }, PRODUCED, 'PRODUCTION_DATE_CAP'],
    ['cap of 6 months across a year', { productionDate: '2024-08-31', activationRecordDate: '2025-06-01' }, { lateStartCapMonths: 6 }, '2025-02-28', 'PRODUCTION_DATE_CAP'],
    ['cap null: a years-late activation is not capped', { productionDate: PRODUCED, activationRecordDate: '2030-01-01' }, NO_CAP, '2030-01-01', 'ACTIVATION_RECORD'],
    ['no production date: a late activation is not capped', { activationRecordDate: '2030-01-01' }, CAP_3, '2030-01-01', 'ACTIVATION_RECORD'],
    ['null production date: a late activation is not capped', { productionDate: null, activationRecordDate: '2030-01-01' }, CAP_3, '2030-01-01', 'ACTIVATION_RECORD'],
  ])('%s', (_name, facts, policy, date, source) => {
    const result = deriveWarrantyStart(facts, policy);
    expect(result).toEqual({ status: 'STARTED', date, source, reason: expect.any(String) });
    expectReason(result);
  });

  it('explains a capped start with the cap and the production date', () => {
    const result = deriveWarrantyStart({ productionDate: PRODUCED, activationRecordDate: '2024-09-01' }, CAP_3);
    expect(result.source).toBe('PRODUCTION_DATE_CAP');
    expect(result.reason).toContain('3 months');
    expect(result.reason).toContain(PRODUCED);
  });
});

describe('deriveWarrantyStart: every result says why', () => {
  it('gives each start source its own wording', () => {
    const bySource = new Map<string, string>([
      ['DATE_SHIFT', deriveWarrantyStart({ warrantyDateShift: SHIFT }, NO_CAP).reason],
      ['ACTIVATION_RECORD', deriveWarrantyStart({ activationRecordDate: ACTIVATION }, NO_CAP).reason],
      ['SALE_WARRANTY_ACTIVATION', deriveWarrantyStart({ saleWarrantyActivationDate: SALE_ACTIVATION }, NO_CAP).reason],
      ['SALE_INVOICE', deriveWarrantyStart({ saleInvoiceDate: SALE_INVOICE }, NO_CAP).reason],
      ['BROKER_INVOICE', deriveWarrantyStart({ brokerInvoiceDate: BROKER_INVOICE }, NO_CAP).reason],
      ['PRODUCTION_DATE_CAP', deriveWarrantyStart({ productionDate: '2024-01-15' }, CAP_3).reason],
    ]);
    for (const reason of bySource.values()) expect(reason.trim().length).toBeGreaterThan(0);
    expect(new Set(bySource.values()).size).toBe(bySource.size);
  });

  it('does not mutate the facts or the policy', () => {
    const facts: WarrantyStartFacts = { productionDate: '2024-01-15', activationRecordDate: '2024-09-01', supplyChainStage: 'DEALER' };
    const policy: StartPolicy = { lateStartCapMonths: 3 };
    const factsCopy = { ...facts };
    deriveWarrantyStart(facts, policy);
    expect(facts).toEqual(factsCopy);
    expect(policy).toEqual({ lateStartCapMonths: 3 });
  });
});
