import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Extension sales over HTTP (rule 7): the offer the CSP frontend shows and the purchase agree; the regional
 * windows, the cliff and the carve-outs hold; a purchase adds EXTENDED coverages that really pay (cells included).
 */
const TODAY = '2026-11-24';
const OFFER = `query($s: String!, $asOf: Date) { warranty(serialNumber: $s) { extensionOffer(asOf: $asOf) { tier price { amount currency } purchasable openUntil code reason } } }`;
const PURCHASE = `mutation($input: PurchaseExtensionInput!) { purchaseExtension(input: $input) {
  warranty { id tier expiresAt coverages { kind scope startDate endDate } }
  purchase { tier orderReference purchaseDate price { amount currency } }
  userErrors { code field message } } }`;

describe('extensions', () => {
  let t: TestApp;
  let agent: string;
  let admin: string;
  let sequence = 0;

  async function register(countryCode: string, sku: string, commissioningDate: string): Promise<{ id: string; serialNumber: string }> {
    const serialNumber = `EXT-${countryCode}-${sequence++}`;
    const { data } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`,
      { input: { serialNumber, sku, site: { countryCode }, commissioningDate } },
      admin,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
    return data.registerWarranty.warranty;
  }
  const offer = async (serialNumber: string, asOf?: string) => (await t.graphql(OFFER, { s: serialNumber, asOf }, agent)).data.warranty.extensionOffer;
  const purchase = async (input: Record<string, unknown>) => (await t.graphql(PURCHASE, { input }, agent)).data.purchaseExtension;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt(TODAY) });
    const org = await createTestOrg(t.dataSource, 'extensions');
    agent = await tokenFor(org, ['AGENT']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
  });
  afterAll(() => t.stop());

  it('the DE-AT-CH battery: 5 years offered at its price, 10 years not offered; buying adds EXTENDED unit and cells', async () => {
    const unit = await register('DE', 'SOFAR-PM-V2-10', '2025-01-10');
    expect(await offer(unit.serialNumber)).toEqual([
      { tier: 'EXTENDED_5Y', price: { amount: '949.00', currency: 'EUR' }, purchasable: true, openUntil: '2034-07-10', code: null, reason: 'can be bought until 2034-07-10' },
      { tier: 'EXTENDED_10Y', price: null, purchasable: false, openUntil: '2034-07-10', code: 'TIER_NOT_OFFERED', reason: 'policy BATTERY DE-AT-CH v1 offers EXTENDED_5Y, not EXTENDED_10Y' },
    ]);
    const refused = await purchase({ id: unit.id, tier: 'EXTENDED_10Y', orderReference: 'SHOP-1', purchaseDate: TODAY, price: { amount: '1599.00', currency: 'EUR' } });
    expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'TIER_NOT_OFFERED', field: ['input', 'tier'] })]);
    const bought = await purchase({ id: unit.id, tier: 'EXTENDED_5Y', orderReference: 'SHOP-2', purchaseDate: TODAY, price: { amount: '949', currency: 'EUR' } });
    expect(bought.userErrors).toEqual([]);
    expect(bought.purchase).toEqual({ tier: 'EXTENDED_5Y', orderReference: 'SHOP-2', purchaseDate: TODAY, price: { amount: '949.00', currency: 'EUR' } });
    expect(bought.warranty).toMatchObject({ tier: 'EXTENDED_5Y', expiresAt: '2040-01-10' });
    expect(bought.warranty.coverages.filter((c: any) => c.kind === 'EXTENDED').sort((a: any, b: any) => a.scope.localeCompare(b.scope))).toEqual([
      { kind: 'EXTENDED', scope: 'CELLS', startDate: '2035-01-11', endDate: '2040-01-10' },
      { kind: 'EXTENDED', scope: 'UNIT', startDate: '2035-01-11', endDate: '2040-01-10' },
    ]);
    // The extension really pays for cells in its years.
    const { data } = await t.graphql(
      `query($s: String!) { checkWarranty(input: { serialNumber: $s, repairDate: "2036-06-01", component: "CELLS", readings: { throughputMwh: 10, sohPct: 90 } }) { decision } }`,
      { s: unit.serialNumber },
      agent,
    );
    // A repair date in the future is fine for a check: it answers what the coverages say on that day.
    expect(data.checkWarranty.decision).toBe('COVERED');
    // Once extended, the offer says so.
    expect((await offer(unit.serialNumber)).map((o: any) => o.code)).toEqual(['ALREADY_EXTENDED', 'ALREADY_EXTENDED']);
    const events = await t.dataSource.query(`SELECT event FROM warranty_event WHERE warranty_record_id = $1 AND event IN ('EXTENSION_PURCHASED', 'COVERAGE_ADDED', 'TIER_CHANGED', 'EXPIRY_CHANGED') ORDER BY id`, [unit.id]);
    expect(events.map((e: any) => e.event)).toEqual(['COVERAGE_ADDED', 'COVERAGE_ADDED', 'EXTENSION_PURCHASED', 'COVERAGE_ADDED', 'COVERAGE_ADDED', 'TIER_CHANGED', 'EXPIRY_CHANGED']);
  });

  it('the 6-month cliff: exactly 6 months left may buy, one day less may not', async () => {
    const unit = await register('FR', 'SOFAR-INV-10KTL-X-G2', '2021-08-15'); // standard end 2026-08-15... too late
    const late = await offer(unit.serialNumber);
    expect(late[0]).toMatchObject({ purchasable: false, code: 'WARRANTY_EXPIRED' });
    const cliff = await register('FR', 'SOFAR-INV-10KTL-X-G2', '2022-05-10'); // end 2027-05-10, cliff 2026-11-10
    expect((await offer(cliff.serialNumber, '2026-11-10'))[0]).toMatchObject({ purchasable: true, openUntil: '2026-11-10' });
    expect((await offer(cliff.serialNumber, '2026-11-11'))[0]).toMatchObject({ purchasable: false, code: 'EXTENSION_CLIFF' });
    expect((await purchase({ id: cliff.id, tier: 'EXTENDED_5Y', orderReference: 'CLIFF-1', purchaseDate: '2026-11-11', price: { amount: '349', currency: 'EUR' } })).userErrors[0].code).toBe('EXTENSION_CLIFF');
    expect((await purchase({ id: cliff.id, tier: 'EXTENDED_5Y', orderReference: 'CLIFF-2', purchaseDate: '2026-11-10', price: { amount: '349', currency: 'EUR' } })).userErrors).toEqual([]);
  });

  it('Poland: an inverter may buy on day 730 after its start, not on day 731; a battery on day 365, not 366', async () => {
    const inverter = await register('PL', 'SOFAR-INV-10KTL-X-G2', '2024-11-23');
    expect((await offer(inverter.serialNumber, '2026-11-23'))[0]).toMatchObject({ purchasable: true, openUntil: '2026-11-23', price: { currency: 'PLN' } });
    expect((await offer(inverter.serialNumber, '2026-11-24'))[0]).toMatchObject({ purchasable: false, code: 'EXTENSION_WINDOW_CLOSED' });
    const battery = await register('PL', 'SOFAR-PM-V2-10', '2025-11-24');
    expect((await offer(battery.serialNumber, '2026-11-24'))[1]).toMatchObject({ purchasable: true, openUntil: '2026-11-24' });
    expect((await offer(battery.serialNumber, '2026-11-25'))[1]).toMatchObject({ purchasable: false, code: 'EXTENSION_WINDOW_CLOSED' });
  });

  it('refusals write nothing: voided, a currency other than the offer, a date before the start or in the future, a reused order', async () => {
    const unit = await register('FR', 'SOFAR-INV-10KTL-X-G2', '2025-06-01');
    const other = await register('FR', 'SOFAR-INV-10KTL-X-G2', '2025-06-01');
    const base = { id: unit.id, tier: 'EXTENDED_10Y', purchaseDate: TODAY, price: { amount: '599', currency: 'EUR' } };
    expect((await purchase({ ...base, orderReference: 'R-1', price: { amount: '599', currency: 'GBP' } })).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'price', 'currency'] });
    expect((await purchase({ ...base, orderReference: 'R-2', purchaseDate: '2025-05-31' })).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'purchaseDate'] });
    expect((await purchase({ ...base, orderReference: 'R-3', purchaseDate: '2026-11-25' })).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'purchaseDate'] });
    expect((await purchase({ ...base, orderReference: 'bad ref' })).userErrors[0].field).toEqual(['input', 'orderReference']);
    // A price the ledger's NUMERIC(19,4) cannot hold or too fine a fraction: refused by the Decimal type, on its
    // variable's field (HTTP 400); an unknown currency: refused on its field by the service.
    for (const amount of ['1234567890123456', '599.00001']) {
      const response = await t.graphql(PURCHASE, { input: { ...base, orderReference: 'R-6', price: { amount, currency: 'EUR' } } }, agent);
      expect([response.status, response.errors?.[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', field: ['input', 'price', 'amount'] }]);
    }
    expect((await purchase({ ...base, orderReference: 'R-6', price: { amount: '599', currency: 'ZZZ' } })).userErrors).toEqual([
      expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'price', 'currency'] }),
    ]);
    const first = await purchase({ ...base, orderReference: 'R-4' });
    expect(first.userErrors).toEqual([]);
    // The same order again returns the first purchase; on another unit it is refused.
    const again = await purchase({ ...base, orderReference: 'R-4', tier: 'EXTENDED_5Y' });
    expect(again).toMatchObject({ userErrors: [], purchase: { tier: 'EXTENDED_10Y', orderReference: 'R-4' } });
    expect((await purchase({ ...base, id: other.id, orderReference: 'R-4' })).userErrors[0]).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'orderReference'] });
    await t.graphql(`mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "fraud" }) { userErrors { code } } }`, { id: other.id }, admin);
    expect((await purchase({ ...base, id: other.id, orderReference: 'R-5' })).userErrors[0].code).toBe('WARRANTY_VOIDED');
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM extension_purchase WHERE warranty_record_id IN ($1, $2)`, [unit.id, other.id]);
    expect(n).toBe(1);
  });

  it('twenty simultaneous purchases on one record: exactly one succeeds, one set of coverages and events', async () => {
    const unit = await register('FR', 'SOFAR-INV-10KTL-X-G2', '2025-06-01');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => purchase({ id: unit.id, tier: i % 2 ? 'EXTENDED_5Y' : 'EXTENDED_10Y', orderReference: `BURST-${i}`, purchaseDate: TODAY, price: { amount: '349', currency: 'EUR' } })),
    );
    expect(answers.filter((a) => a.userErrors.length === 0)).toHaveLength(1);
    expect(answers.filter((a) => a.userErrors[0]?.code === 'ALREADY_EXTENDED')).toHaveLength(19);
    const [{ coverages }] = await t.dataSource.query(`SELECT count(*)::int AS coverages FROM coverage WHERE warranty_record_id = $1 AND kind = 'EXTENDED'`, [unit.id]);
    const [{ events }] = await t.dataSource.query(`SELECT count(*)::int AS events FROM warranty_event WHERE warranty_record_id = $1 AND event = 'EXTENSION_PURCHASED'`, [unit.id]);
    expect({ coverages, events }).toEqual({ coverages: 1, events: 1 });
  });

  it('the offer and the purchase agree on every date around the windows', async () => {
    const dates = ['2025-11-22', '2025-11-23', '2025-11-24', '2026-05-01', '2026-11-22', '2026-11-23', '2026-11-24'];
    for (const [country, sku, start] of [['PL', 'SOFAR-INV-10KTL-X-G2', '2024-11-23'], ['PL', 'SOFAR-PM-V2-10', '2025-11-24'], ['DE', 'SOFAR-PM-V2-10', '2025-11-24'], ['FR', 'SOFAR-INV-10KTL-X-G2', '2021-11-23']]) {
      for (const date of dates) {
        for (const tier of ['EXTENDED_5Y', 'EXTENDED_10Y']) {
          const unit = await register(country, sku, start);
          const shown = (await offer(unit.serialNumber, date)).find((o: any) => o.tier === tier);
          const price = shown.price ?? { amount: '1', currency: 'EUR' };
          const bought = await purchase({ id: unit.id, tier, orderReference: `AGREE-${sequence}`, purchaseDate: date, price });
          const refusedForDate = bought.userErrors[0]?.field?.join('.') === 'input.purchaseDate';
          if (refusedForDate) {
            // Before the start: the purchase names the date; the offer says the warranty had not started.
            expect([country, sku, date, tier, shown.code]).toEqual([country, sku, date, tier, 'WARRANTY_NOT_STARTED']);
            continue;
          }
          expect([country, sku, date, tier, bought.userErrors.length === 0]).toEqual([country, sku, date, tier, shown.purchasable]);
          if (!shown.purchasable) expect(bought.userErrors[0].code).toBe(shown.code);
        }
      }
    }
  });
});
