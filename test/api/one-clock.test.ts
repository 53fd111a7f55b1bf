import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * One clock: every "today" the read paths judge on comes from the services' clock (the one tests pin), never from
 * `new Date()` in a resolver. The pinned day lies years before the real one, so a resolver that reads the system
 * clock answers differently.
 */
const PINNED = '2024-01-15';

describe('one clock for the read paths', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt(PINNED) });
    const org = await createTestOrg(t.dataSource, 'one-clock');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
  });
  afterAll(() => t.stop());

  it("WarrantyRecord.status without asOf is judged on the clock's day", async () => {
    // A five-year inverter warranty from 2020-06-01: active on the pinned day, long expired by the real one.
    const registered = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { serialNumber expiresAt } userErrors { code message } } }`,
      { input: { serialNumber: 'ONE-CLOCK-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'FR' }, commissioningDate: '2020-06-01' } },
      admin,
    );
    expect(registered.data.registerWarranty.userErrors).toEqual([]);
    expect(registered.data.registerWarranty.warranty.expiresAt < new Date().toISOString().slice(0, 10)).toBe(true);
    const { data } = await t.graphql(
      `query { warranty(serialNumber: "ONE-CLOCK-1") { status onPinned: status(asOf: "${PINNED}") } }`,
      {},
      admin,
    );
    expect(data.warranty).toEqual({ status: 'ACTIVE', onPinned: 'ACTIVE' });
  });
});
