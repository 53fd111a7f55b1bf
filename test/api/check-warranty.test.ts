import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code message } } }`;
const CHECK = `query($input: CheckWarrantyInput!) {
  checkWarranty(input: $input) {
    decision paysParts paysLabour reason component repairDate
    warranty { serialNumber }
    coverages {
      active paysParts paysLabour
      coverage { kind scope }
      checks { check outcome limit reading reason }
      projectedEnd { date limit calendarEnd effectiveEnd }
    }
  } }`;

describe('checkWarranty', () => {
  let t: TestApp;
  let org: string;
  let agent: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await createTestOrg(t.dataSource, 'check');
    agent = await tokenFor(org, ['AGENT']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const units = [
      { serialNumber: 'CHK-INV-UK', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'GB' }, commissioningDate: '2020-03-01' },
      { serialNumber: 'CHK-BAT-DE', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, commissioningDate: '2024-01-15' },
      { serialNumber: 'CHK-BAT-FR', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'FR' }, commissioningDate: '2024-01-15' },
      { serialNumber: 'WVWZZZCHK0001', sku: 'DEMO-VAN-36', site: { countryCode: 'NL' }, commissioningDate: '2024-01-01' },
    ];
    for (const input of units) {
      const { data } = await t.graphql(REGISTER, { input }, admin);
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
  });
  afterAll(() => t.stop());

  const check = (input: Record<string, unknown>) => t.graphql(CHECK, { input }, agent);

  it('pays parts and labour in year 5 of the UK 5+5 split, parts only in year 6, and says why', async () => {
    const year5 = await check({ serialNumber: 'CHK-INV-UK', repairDate: '2025-03-01' });
    expect(year5.data.checkWarranty).toMatchObject({ decision: 'COVERED', paysParts: true, paysLabour: true });
    expect(year5.data.checkWarranty.reason).toContain('INVERTER UK-IE v1');
    const year6 = await check({ serialNumber: 'CHK-INV-UK', repairDate: '2025-03-02' });
    expect(year6.data.checkWarranty).toMatchObject({ decision: 'PARTIALLY_COVERED', paysParts: true, paysLabour: false });
    expect(year6.data.checkWarranty.reason).toMatch(/labour is paid only until 2025-03-01/);
    const labourOnly = await check({ serialNumber: 'CHK-INV-UK', repairDate: '2025-03-02', costType: 'LABOUR' });
    expect(labourOnly.data.checkWarranty.decision).toBe('SELF_PAID');
  });

  it('decides a battery capacity claim by the regional SOH guarantee: 80 % in DE-AT-CH, 70 % elsewhere in the EU', async () => {
    const readings = { throughputMwh: 12.5, sohPct: 75 };
    const de = await check({ serialNumber: 'CHK-BAT-DE', repairDate: '2026-01-10', readings, component: 'CELLS', capacityClaim: true });
    expect(de.data.checkWarranty.decision).toBe('COVERED');
    const fr = await check({ serialNumber: 'CHK-BAT-FR', repairDate: '2026-01-10', readings, component: 'CELLS', capacityClaim: true });
    expect(fr.data.checkWarranty.decision).toBe('SELF_PAID');
    const soh = fr.data.checkWarranty.coverages[0].checks.find((c: any) => c.check === 'SOH');
    expect(soh).toMatchObject({ outcome: 'FAIL', limit: '< 70 %', reading: '75 %' });
    expect(fr.data.checkWarranty.reason).toMatch(/^self-paid/);
  });

  it('refuses a check without a reading that a set limit needs with READING_REQUIRED', async () => {
    const response = await check({ serialNumber: 'CHK-BAT-DE', repairDate: '2026-01-10' });
    expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'READING_REQUIRED' } });
    expect(response.errors?.[0].message).toContain('throughputMwh');
  });

  it('fails the mileage check one km over the limit and projects when the limit will be reached', async () => {
    const atLimit = await check({ serialNumber: 'WVWZZZCHK0001', repairDate: '2025-01-01', readings: { odometerKm: 100000 } });
    expect(atLimit.data.checkWarranty.decision).toBe('COVERED');
    const over = await check({ serialNumber: 'WVWZZZCHK0001', repairDate: '2025-01-01', readings: { odometerKm: 100001 } });
    expect(over.data.checkWarranty.decision).toBe('SELF_PAID');
    const normal = await check({ serialNumber: 'WVWZZZCHK0001', repairDate: '2025-01-01', readings: { odometerKm: 50000 } });
    expect(normal.data.checkWarranty.coverages[0].projectedEnd).toEqual({
      date: '2026-01-02', limit: 'MILEAGE', calendarEnd: '2027-01-01', effectiveEnd: '2026-01-02',
    });
  });

  it('does not cover the cells once their coverage is voided (§5.5.19), while the rest of the unit stays covered', async () => {
    const { data: found } = await t.graphql(`{ warranty(serialNumber: "CHK-BAT-FR") { id } }`, {}, agent);
    await t.graphql(
      `mutation($id: ID!) { voidWarranty(input: { id: $id, component: "CELLS", reason: "§5.5.19: offline, missed cell firmware 3.2" }) { userErrors { code } } }`,
      { id: found.warranty.id },
      admin,
    );
    const readings = { throughputMwh: 1 };
    const cells = await check({ serialNumber: 'CHK-BAT-FR', repairDate: '2026-06-01', readings, component: 'CELLS' });
    expect(cells.data.checkWarranty.decision).toBe('SELF_PAID');
    expect(cells.data.checkWarranty.reason).toContain('§5.5.19');
    const unit = await check({ serialNumber: 'CHK-BAT-FR', repairDate: '2026-06-01', readings });
    expect(unit.data.checkWarranty.decision).toBe('COVERED');
  });

  it('answers NOT_FOUND for an unknown serial and BAD_USER_INPUT for an impossible reading', async () => {
    expect((await check({ serialNumber: 'NOPE', repairDate: '2026-01-01' })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
    const negative = await check({ serialNumber: 'WVWZZZCHK0001', repairDate: '2025-01-01', readings: { odometerKm: -5 } });
    expect(negative.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
