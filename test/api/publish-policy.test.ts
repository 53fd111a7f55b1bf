import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const PUBLISH = `mutation($input: PublishWarrantyPolicyInput!) { publishWarrantyPolicy(input: $input) {
  policy { id productFamily region version effectiveFrom termMonths labourMonths componentScopes extensionTiers publishedById publishedAt }
  userErrors { code field message } } }`;
const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) {
  warranty { id expiresAt policy { version termMonths } } userErrors { code message } } }`;

describe('publishWarrantyPolicy', () => {
  let t: TestApp;
  let org: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await createTestOrg(t.dataSource, 'publish');
    admin = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'policy-admin' });
  });
  afterAll(() => t.stop());

  it('publishes version 2, which new registrations get while registered units keep version 1', async () => {
    const before = await t.graphql(REGISTER, { input: { serialNumber: 'PUB-OLD', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' }, commissioningDate: '2026-05-01' } }, admin);
    expect(before.data.registerWarranty.warranty.policy).toEqual({ version: 1, termMonths: 60 });

    const { data } = await t.graphql(PUBLISH, { input: { productFamily: 'inverter', region: 'de-at-ch', effectiveFrom: '2026-06-01', termMonths: 84, labourMonths: 60, extensionTiers: ['EXTENDED_5Y'] } }, admin);
    expect(data.publishWarrantyPolicy.userErrors).toEqual([]);
    expect(data.publishWarrantyPolicy.policy).toMatchObject({
      productFamily: 'INVERTER', region: 'DE-AT-CH', version: 2, effectiveFrom: '2026-06-01', termMonths: 84, labourMonths: 60,
      componentScopes: [], extensionTiers: ['EXTENDED_5Y'], publishedById: 'policy-admin',
    });

    const after = await t.graphql(REGISTER, { input: { serialNumber: 'PUB-NEW', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'AT' }, commissioningDate: '2026-05-01' } }, admin);
    expect(after.data.registerWarranty.warranty).toMatchObject({ expiresAt: '2033-05-01', policy: { version: 2, termMonths: 84 } });
    const old = await t.graphql(`{ warranty(serialNumber: "PUB-OLD") { expiresAt policy { version } } }`, {}, admin);
    expect(old.data.warranty).toEqual({ expiresAt: '2031-05-01', policy: { version: 1 } });

    const inForce = await t.graphql(`{ warrantyPolicies(productFamily: "INVERTER", region: "DE-AT-CH", asOf: "2026-05-31") { edges { node { version } } } }`, {}, admin);
    expect(inForce.data.warrantyPolicies.edges).toEqual([{ node: { version: 1 } }]);
  });

  it.each([
    ['an effective date before the latest version', { effectiveFrom: '2026-01-01' }, ['input', 'effectiveFrom']],
    ['labour longer than the term', { labourMonths: 90 }, ['input', 'labourMonths']],
    ['a zero term', { termMonths: 0 }, ['input', 'termMonths']],
    ['a region that is not a code', { region: 'Europe' }, ['input', 'region']],
    ['an SOH guarantee over 100 %', { sohGuaranteePct: 120 }, ['input', 'sohGuaranteePct']],
  ])('refuses %s with BAD_USER_INPUT and writes nothing', async (_, override, field) => {
    const count = async () => Number((await t.dataSource.query('SELECT count(*) FROM warranty_policy WHERE org_id = $1', [org]))[0].count);
    const before = await count();
    const { data } = await t.graphql(PUBLISH, { input: { productFamily: 'INVERTER', region: 'DE-AT-CH', effectiveFrom: '2026-07-01', termMonths: 84, ...override } }, admin);
    expect(data.publishWarrantyPolicy.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field, message: expect.any(String) }]);
    expect(await count()).toBe(before);
  });

  it('lets only a WARRANTY_ADMIN publish', async () => {
    const { data } = await t.graphql(PUBLISH, { input: { productFamily: 'INVERTER', region: 'PL', effectiveFrom: '2026-07-01', termMonths: 84 } }, await tokenFor(org, ['AGENT']));
    expect(data.publishWarrantyPolicy.userErrors[0].code).toBe('FORBIDDEN');
  });

  it('starts a new family and region at version 1', async () => {
    const { data } = await t.graphql(PUBLISH, { input: { productFamily: 'HEAT_PUMP', region: 'EU', effectiveFrom: '2026-01-01', termMonths: 24, engineHoursLimit: 20000 } }, admin);
    expect(data.publishWarrantyPolicy.policy).toMatchObject({ productFamily: 'HEAT_PUMP', version: 1 });
  });

  it('publishes extension prices with the tiers they price; a price for a tier not offered is refused', async () => {
    const PRICED = `mutation($input: PublishWarrantyPolicyInput!) { publishWarrantyPolicy(input: $input) { policy { version extensionPrices { tier price { amount currency } } } userErrors { code field } } }`;
    const base = { productFamily: 'BATTERY', region: 'PL', effectiveFrom: '2026-07-01', termMonths: 120, extensionTiers: ['EXTENDED_5Y'] };
    const priced = await t.graphql(PRICED, { input: { ...base, extensionPrices: [{ tier: 'EXTENDED_5Y', price: { amount: '3999.5', currency: 'PLN' } }] } }, admin);
    expect(priced.data.publishWarrantyPolicy).toEqual({ policy: { version: 2, extensionPrices: [{ tier: 'EXTENDED_5Y', price: { amount: '3999.50', currency: 'PLN' } }] }, userErrors: [] });
    const notOffered = await t.graphql(PRICED, { input: { ...base, effectiveFrom: '2026-08-01', extensionPrices: [{ tier: 'EXTENDED_10Y', price: { amount: '1', currency: 'PLN' } }] } }, admin);
    expect(notOffered.data.publishWarrantyPolicy.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'extensionPrices', '0', 'tier'] }]);
    const badCurrency = await t.graphql(PRICED, { input: { ...base, effectiveFrom: '2026-08-01', extensionPrices: [{ tier: 'EXTENDED_5Y', price: { amount: '1', currency: 'ZZZ' } }] } }, admin);
    expect(badCurrency.data.publishWarrantyPolicy.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'extensionPrices', '0', 'price', 'currency'] }]);
    const tooLarge = await t.graphql(PRICED, { input: { ...base, effectiveFrom: '2026-08-01', extensionPrices: [{ tier: 'EXTENDED_5Y', price: { amount: '1234567890123456', currency: 'PLN' } }] } }, admin);
    // Refused by the Decimal type (what NUMERIC(19,4) holds), on its variable's field.
    expect([tooLarge.status, tooLarge.errors?.[0].extensions]).toEqual([400, { code: 'BAD_USER_INPUT', field: ['input', 'extensionPrices', '0', 'price', 'amount'] }]);
  });

  it('publishes the auto-approval limits and the amendment tolerance with the version (rules 15, 16), refusing a bad amount or a currency twice', async () => {
    const input = {
      productFamily: 'VEHICLE', region: 'EU', effectiveFrom: '2026-06-01', termMonths: 36,
      autoApprovalLimits: [{ amount: '800', currency: 'EUR' }, { amount: '700.50', currency: 'GBP' }],
      amendmentTolerancePct: 5, amendmentToleranceAmounts: [{ amount: '40', currency: 'EUR' }],
    };
    const { data } = await t.graphql(
      `mutation($input: PublishWarrantyPolicyInput!) { publishWarrantyPolicy(input: $input) {
        policy { version autoApprovalLimits { amount currency } amendmentTolerancePct amendmentToleranceAmounts { amount currency } } userErrors { code field message } } }`,
      { input },
      admin,
    );
    expect(data.publishWarrantyPolicy).toEqual({
      policy: {
        version: 2,
        autoApprovalLimits: [{ amount: '800.00', currency: 'EUR' }, { amount: '700.50', currency: 'GBP' }],
        amendmentTolerancePct: 5,
        amendmentToleranceAmounts: [{ amount: '40.00', currency: 'EUR' }],
      },
      userErrors: [],
    });
    const refusals: Array<[Record<string, unknown>, string[]]> = [
      [{ autoApprovalLimits: [{ amount: '-1', currency: 'EUR' }] }, ['input', 'autoApprovalLimits', '0', 'amount']],
      [{ autoApprovalLimits: [{ amount: '1', currency: 'XXY' }] }, ['input', 'autoApprovalLimits', '0', 'currency']],
      [{ amendmentToleranceAmounts: [{ amount: '1', currency: 'EUR' }, { amount: '2', currency: 'EUR' }] }, ['input', 'amendmentToleranceAmounts', '1', 'currency']],
      [{ amendmentTolerancePct: 101 }, ['input', 'amendmentTolerancePct']],
    ];
    for (const [change, field] of refusals) {
      const refused = await t.graphql(PUBLISH, { input: { ...input, ...change } }, admin);
      expect(refused.data.publishWarrantyPolicy).toEqual({ policy: null, userErrors: [expect.objectContaining({ code: 'BAD_USER_INPUT', field })] });
    }
  });
});
