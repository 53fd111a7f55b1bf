import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const REGISTER = `
  mutation Register($input: RegisterWarrantyInput!) {
    registerWarranty(input: $input) {
      warranty {
        id serialNumber sku productFamily region tier expiresAt customer { id } installerId registrantRole
        status(asOf: "2026-06-01")
        start { status date source reason }
        policy { region version termMonths labourMonths }
        coverages { kind scope startDate endDate labourEndDate termMonths paysParts paysLabour
                    limits { throughputMwh sohGuaranteePct odometerKm } }
        history { totalCount edges { node { event fromValue toValue actorId detail } } }
      }
      userErrors { code field message }
    }
  }`;

describe('registerWarranty', () => {
  let t: TestApp;
  let org: string;
  let installer: string;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await createTestOrg(t.dataSource, 'register');
    installer = await tokenFor(org, ['INSTALLER'], { sub: 'installer-7' });
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
  });
  afterAll(() => t.stop());

  const register = (input: Record<string, unknown>, token = installer) => t.graphql(REGISTER, { input }, token);
  const countRecords = async (serial: string) =>
    Number((await t.dataSource.query('SELECT count(*) FROM warranty_record WHERE org_id = $1 AND serial_number = $2', [org, serial]))[0].count);
  const countEvents = async () =>
    Number((await t.dataSource.query('SELECT count(*) FROM warranty_event WHERE org_id = $1', [org]))[0].count);

  it('registers an inverter commissioned in Germany under the DE-AT-CH policy, with its events', async () => {
    const { data, errors } = await register({
      serialNumber: 'inv-de-0001',
      sku: 'SOFAR-INV-10KTL-X-G2',
      customerId: 'cust-1',
      site: { countryCode: 'de', timeZone: 'Europe/Berlin' },
      productionDate: '2024-01-10',
      commissioningDate: '2024-03-15',
    });
    expect(errors).toBeUndefined();
    const { warranty, userErrors } = data.registerWarranty;
    expect(userErrors).toEqual([]);
    expect(warranty).toMatchObject({
      serialNumber: 'INV-DE-0001',
      productFamily: 'INVERTER',
      region: 'DE-AT-CH',
      tier: 'STANDARD',
      expiresAt: '2029-03-15',
      status: 'ACTIVE',
      customer: { id: 'cust-1' },
      installerId: 'installer-7',
      registrantRole: 'INSTALLER',
      start: { status: 'STARTED', date: '2024-03-15', source: 'ACTIVATION_RECORD' },
      policy: { region: 'DE-AT-CH', version: 1, termMonths: 60, labourMonths: 60 },
    });
    expect(warranty.coverages).toEqual([
      expect.objectContaining({ kind: 'STANDARD', scope: 'UNIT', startDate: '2024-03-15', endDate: '2029-03-15', labourEndDate: null, paysParts: true, paysLabour: true }),
    ]);
    const events = warranty.history.edges.map((e: any) => e.node.event);
    expect(events).toEqual(['COVERAGE_ADDED', 'WARRANTY_REGISTERED']);
    const registered = warranty.history.edges[1].node;
    expect(registered.actorId).toBe('installer-7');
    expect(registered.detail).toMatchObject({ region: 'DE-AT-CH', policyVersion: 1, start: { source: 'ACTIVATION_RECORD' } });
  });

  it('gives a UK battery a separate CELLS coverage, the 5+5 labour split and a capacity-scaled throughput cap', async () => {
    const { data } = await register({
      serialNumber: 'BAT-GB-0001',
      sku: 'SOFAR-PM-V2-10',
      site: { countryCode: 'GB', timeZone: 'Europe/London' },
      commissioningDate: '2024-02-29',
    });
    const { warranty, userErrors } = data.registerWarranty;
    expect(userErrors).toEqual([]);
    expect(warranty.region).toBe('UK-IE');
    expect(warranty.policy).toMatchObject({ termMonths: 120, labourMonths: 60 });
    expect(warranty.expiresAt).toBe('2034-02-28');
    expect(warranty.coverages.map((c: any) => c.scope)).toEqual(['CELLS', 'UNIT'].sort());
    for (const coverage of warranty.coverages) {
      expect(coverage).toMatchObject({
        startDate: '2024-02-29',
        endDate: '2034-02-28',
        labourEndDate: '2029-02-28',
        paysLabour: true,
        limits: { throughputMwh: 29.696, sohGuaranteePct: 70, odometerKm: null },
      });
    }
  });

  it.each([
    ['FR', 'EU', 'INVERTER'],
    ['NO', 'EU', 'INVERTER'],
    ['AT', 'DE-AT-CH', 'BATTERY'],
    ['CH', 'DE-AT-CH', 'BATTERY'],
    ['PL', 'PL', 'BATTERY'],
    ['IE', 'UK-IE', 'INVERTER'],
  ])('resolves the region of a site in %s to %s', async (country, region, family) => {
    const sku = family === 'BATTERY' ? 'SOFAR-PM-V2-10' : 'SOFAR-INV-10KTL-X-G2';
    const { data } = await register({ serialNumber: `REGION-${country}`, sku, site: { countryCode: country }, commissioningDate: '2025-01-01' });
    expect(data.registerWarranty.userErrors).toEqual([]);
    expect(data.registerWarranty.warranty.region).toBe(region);
    expect(data.registerWarranty.warranty.policy.region).toBe(region);
  });

  it('falls back to the EU policy row when the region has none for the family', async () => {
    const { data } = await register({ serialNumber: 'WVWZZZ1KZAW000001', sku: 'DEMO-VAN-36', site: { countryCode: 'DE' }, commissioningDate: '2025-01-31' });
    const { warranty } = data.registerWarranty;
    expect(warranty.region).toBe('DE-AT-CH');
    expect(warranty.policy.region).toBe('EU');
    expect(warranty.coverages[0]).toMatchObject({ endDate: '2028-01-31', limits: { odometerKm: 100000 } });
  });

  it('defaults an installer registration without a commissioning date to today', async () => {
    const { data } = await register({ serialNumber: 'INV-TODAY', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'NL' } });
    expect(data.registerWarranty.warranty.start).toMatchObject({ status: 'STARTED', date: '2026-06-01', source: 'ACTIVATION_RECORD' });
  });

  it('leaves a broker-stock unit not started, and says why', async () => {
    const { data } = await register(
      { serialNumber: 'BROKER-1', sku: 'SOFAR-BTS-E5', site: { countryCode: 'PL' }, registrantRole: 'END_CUSTOMER', supplyChainStage: 'BROKER' },
      admin,
    );
    const { warranty } = data.registerWarranty;
    expect(warranty.start).toMatchObject({ status: 'AWAITING_BROKER_INVOICE', date: null, source: null });
    expect(warranty.start.reason).toMatch(/broker/);
    expect(warranty.status).toBe('NOT_STARTED');
    expect(warranty.expiresAt).toBeNull();
    expect(warranty.coverages[0]).toMatchObject({ startDate: null, endDate: null });
  });

  it('registers for an end customer from their own token: the customer is the caller, the start the invoice', async () => {
    const customer = await tokenFor(org, ['CUSTOMER'], { sub: 'user-9', customerId: 'cust-9' });
    const { data } = await register(
      { serialNumber: 'CUST-1', sku: 'SOFAR-INV-5KTLM-G3', customerId: 'someone-else', site: { countryCode: 'IT' }, sale: { invoiceDate: '2025-12-24' } },
      customer,
    );
    expect(data.registerWarranty.warranty).toMatchObject({
      registrantRole: 'END_CUSTOMER',
      customer: { id: 'cust-9' },
      installerId: null,
      start: { date: '2025-12-24', source: 'SALE_INVOICE' },
    });
  });

  it('refuses a serial number registered already (any letter case) with DUPLICATE_SERIAL and writes nothing', async () => {
    await register({ serialNumber: 'DUP-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' } });
    const eventsBefore = await countEvents();
    const { data } = await register({ serialNumber: 'dup-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'FR' } });
    expect(data.registerWarranty).toEqual({
      warranty: null,
      userErrors: [{ code: 'DUPLICATE_SERIAL', field: ['input', 'serialNumber'], message: expect.stringContaining('DUP-1') }],
    });
    expect(await countRecords('DUP-1')).toBe(1);
    expect(await countEvents()).toBe(eventsBefore);
  });

  it('lets exactly one of two concurrent registrations of a serial number win; the other gets DUPLICATE_SERIAL', async () => {
    const input = (sku: string) => ({ serialNumber: 'RACE-1', sku, site: { countryCode: 'DE' } });
    const results = await Promise.all([register(input('SOFAR-INV-10KTL-X-G2')), register(input('SOFAR-PM-V2-10'))]);
    const codes = results.map((r) => r.data.registerWarranty.userErrors.map((e: any) => e.code)).sort();
    expect(codes).toEqual([[], ['DUPLICATE_SERIAL']]);
    expect(await countRecords('RACE-1')).toBe(1);
  });

  it('lets two organisations register the same serial number', async () => {
    const otherOrg = await createTestOrg(t.dataSource, 'register-other');
    await register({ serialNumber: 'SHARED-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' } });
    const { data } = await register(
      { serialNumber: 'SHARED-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' } },
      await tokenFor(otherOrg, ['INSTALLER']),
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
  });

  it('gives NO_POLICY for a site outside every region, and writes nothing', async () => {
    const eventsBefore = await countEvents();
    const { data } = await register({ serialNumber: 'US-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'US' } });
    expect(data.registerWarranty.userErrors).toEqual([
      { code: 'NO_POLICY', field: ['input', 'site', 'countryCode'], message: expect.stringContaining('US') },
    ]);
    expect(await countRecords('US-1')).toBe(0);
    expect(await countEvents()).toBe(eventsBefore);
  });

  it('gives NO_POLICY when neither the region nor EU has a policy for the family', async () => {
    await t.dataSource.query(
      `INSERT INTO product_reference (org_id, sku, product_id, product_family) VALUES ($1, 'HP-1', 'prod-hp', 'HEAT_PUMP')`,
      [org],
    );
    const { data } = await register({ serialNumber: 'HP-0001', sku: 'HP-1', site: { countryCode: 'DE' } });
    expect(data.registerWarranty.userErrors[0]).toMatchObject({ code: 'NO_POLICY', message: expect.stringContaining('HEAT_PUMP') });
    expect(await countRecords('HP-0001')).toBe(0);
  });

  it('uses only policy versions already in force on the registration date', async () => {
    const laterOrg = await createTestOrg(t.dataSource, 'register-future');
    await t.dataSource.query(`UPDATE warranty_policy SET effective_from = '2027-01-01' WHERE org_id = $1`, [laterOrg]);
    const { data } = await register(
      { serialNumber: 'EARLY-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' } },
      await tokenFor(laterOrg, ['INSTALLER']),
    );
    expect(data.registerWarranty.userErrors[0].code).toBe('NO_POLICY');
  });

  it.each([
    ['a malformed serial number', { serialNumber: 'a' }, ['input', 'serialNumber']],
    ['a country that is not ISO alpha-2', { site: { countryCode: 'DEU' } }, ['input', 'site', 'countryCode']],
    ['an unknown time zone', { site: { countryCode: 'DE', timeZone: 'Mars/Olympus' } }, ['input', 'site', 'timeZone']],
    ['an unknown SKU', { sku: 'NOPE' }, ['input', 'sku']],
    ['a commissioning date in the future', { commissioningDate: '2026-06-02' }, ['input', 'commissioningDate']],
    ['an invoice before production', { productionDate: '2025-01-01', sale: { invoiceDate: '2024-12-31' } }, ['input', 'sale', 'invoiceDate']],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_, override, field) => {
    const { data } = await register({ serialNumber: 'BAD-INPUT-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' }, ...override });
    expect(data.registerWarranty.warranty).toBeNull();
    expect(data.registerWarranty.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field, message: expect.any(String) }]);
    expect(await countRecords('BAD-INPUT-1')).toBe(0);
  });

  it('rejects a malformed date at the GraphQL layer, without a stack trace', async () => {
    const response = await register({ serialNumber: 'BAD-DATE', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' }, commissioningDate: '2025-02-30' });
    expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(JSON.stringify(response.errors)).not.toMatch(/stacktrace|at .*\.ts/);
  });

  it('refuses a caller whose role may not register (SERVICE) with FORBIDDEN', async () => {
    const service = await tokenFor(org, ['SERVICE']);
    const { data } = await register({ serialNumber: 'SVC-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' } }, service);
    expect(data.registerWarranty.userErrors[0].code).toBe('FORBIDDEN');
    expect(await countRecords('SVC-1')).toBe(0);
  });

  it('answers UNAUTHENTICATED without a token or with a bad one', async () => {
    const input = { serialNumber: 'ANON-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' } };
    for (const token of [null, 'not-a-jwt', `${installer.slice(0, -4)}abcd`]) {
      const response = await register(input, token as string);
      expect(response.status).toBe(401);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await countRecords('ANON-1')).toBe(0);
  });
});
