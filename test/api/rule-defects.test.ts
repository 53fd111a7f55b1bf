import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/** The four rule defects a review found, each through the API as a client would meet it. */
const FIELDS = `id serialNumber registrantRole version updatedAt start { status date source } startFacts { activationRecordDate } expiresAt`;
const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { ${FIELDS} } userErrors { code field message } } }`;
const UPDATE = `mutation($input: UpdateWarrantyInput!) { updateWarranty(input: $input) { warranty { ${FIELDS} } userErrors { code field message } } }`;
const VOID = `mutation($input: VoidWarrantyInput!) { voidWarranty(input: $input) { warranty { ${FIELDS} } userErrors { code field message } } }`;
const LOOKUP = `query($s: String!) { warranty(serialNumber: $s) { ${FIELDS} } }`;
const CHECK = `query($input: CheckWarrantyInput!) { checkWarranty(input: $input) { decision component reason coverages { coverage { scope } checks { check outcome } } } }`;

const SITE = { countryCode: 'DE', timeZone: 'Europe/Berlin' };
const TODAY = '2026-06-01';

describe('rule defects found in review', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  let installer: string;
  let customer: string;
  let serial = 0;
  const next = () => `DEF-${++serial}`;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt(TODAY) });
    org = await createTestOrg(t.dataSource, 'defects');
    admin = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'admin-1' });
    agent = await tokenFor(org, ['AGENT'], { sub: 'agent-1' });
    installer = await tokenFor(org, ['INSTALLER'], { sub: 'installer-1' });
    customer = await tokenFor(org, ['CUSTOMER'], { sub: 'cust-9' });
  });
  afterAll(() => t.stop());

  async function register(input: Record<string, unknown>, token = agent) {
    const { data, errors } = await t.graphql(REGISTER, { input: { serialNumber: next(), sku: 'SOFAR-PM-V2-10', site: SITE, ...input } }, token);
    expect(errors).toBeUndefined();
    expect(data.registerWarranty.userErrors).toEqual([]);
    return data.registerWarranty.warranty;
  }

  describe('1. registration never invents a commissioning date', () => {
    it('an agent registering dealer stock starts nothing: awaiting the end-customer sale', async () => {
      const unit = await register({ supplyChainStage: 'DEALER' });
      expect(unit.registrantRole).toBe('AGENT');
      expect(unit.startFacts.activationRecordDate).toBeNull();
      expect(unit.start).toEqual({ status: 'AWAITING_END_CUSTOMER_SALE', date: null, source: null });
      expect(unit.expiresAt).toBeNull();
    });

    it('an agent registering a sold unit starts it on the invoice date, not today', async () => {
      const unit = await register({ sale: { invoiceDate: '2025-02-14' } });
      expect(unit.start).toEqual({ status: 'STARTED', date: '2025-02-14', source: 'SALE_INVOICE' });
      expect(unit.expiresAt).toBe('2035-02-14');
    });

    it.each(['DEALER', 'DISTRIBUTOR', 'AGENT', 'INSTALLER'])('registering as %s on someone\'s behalf records the role and no activation', async (role) => {
      const unit = await register({ registrantRole: role });
      expect(unit.registrantRole).toBe(role);
      expect(unit.startFacts.activationRecordDate).toBeNull();
      expect(unit.start.status).toBe('AWAITING_ACTIVATION');
    });

    it('a commissioning date sent by anyone is the activation record', async () => {
      const unit = await register({ registrantRole: 'DEALER', commissioningDate: '2025-09-03' });
      expect(unit.start).toEqual({ status: 'STARTED', date: '2025-09-03', source: 'ACTIVATION_RECORD' });
    });

    it('an installer commissioning the unit is the activation record, dated today in the site time zone', async () => {
      const unit = await register({}, installer);
      expect(unit.registrantRole).toBe('INSTALLER');
      expect(unit.start).toEqual({ status: 'STARTED', date: TODAY, source: 'ACTIVATION_RECORD' });
    });

    it('a customer registering for themselves is END_CUSTOMER and starts nothing without a sale', async () => {
      const unit = await register({}, customer);
      expect(unit.registrantRole).toBe('END_CUSTOMER');
      expect(unit.start.status).toBe('AWAITING_ACTIVATION');
    });
  });

  describe('2. a cells void decides a capacity claim however it is phrased', () => {
    let serialNumber: string;
    beforeAll(async () => {
      const unit = await register({ commissioningDate: '2024-01-15' });
      serialNumber = unit.serialNumber;
      const { data } = await t.graphql(VOID, { input: { id: unit.id, component: 'CELLS', reason: '§5.5.19: offline, missed cell firmware 2.1' } }, admin);
      expect(data.voidWarranty.userErrors).toEqual([]);
    });

    it.each([
      ['no component', {}],
      ['component UNIT', { component: 'UNIT' }],
      ['component INVERTER', { component: 'INVERTER' }],
      ['component CELLS', { component: 'CELLS' }],
    ])('capacityClaim with %s → SELF_PAID by the CELLS void', async (_name, extra) => {
      const { data, errors } = await t.graphql(
        CHECK,
        { input: { serialNumber, repairDate: '2026-06-15', capacityClaim: true, readings: { throughputMwh: 3, sohPct: 61 }, ...extra } },
        agent,
      );
      expect(errors).toBeUndefined();
      expect(data.checkWarranty.decision).toBe('SELF_PAID');
      expect(data.checkWarranty.component).toBe('CELLS');
      expect(data.checkWarranty.coverages.map((c: any) => c.coverage.scope)).toEqual(['CELLS']);
      expect(data.checkWarranty.reason).toContain('§5.5.19');
    });

    it('a repair that is not a capacity claim is still covered by the whole-unit coverage', async () => {
      const { data } = await t.graphql(CHECK, { input: { serialNumber, repairDate: '2026-06-15', readings: { throughputMwh: 3 } } }, agent);
      expect(data.checkWarranty.decision).toBe('COVERED');
    });
  });

  describe('3. serials are trimmed before they are validated', () => {
    it('" def-trim-1 " registers as DEF-TRIM-1 and is found by either spelling', async () => {
      const unit = await register({ serialNumber: ' def-trim-1 ', sku: ' SOFAR-PM-V2-10 ' });
      expect(unit.serialNumber).toBe('DEF-TRIM-1');
      for (const s of ['DEF-TRIM-1', ' def-trim-1 ']) {
        const { data } = await t.graphql(LOOKUP, { s }, agent);
        expect(data.warranty.id).toBe(unit.id);
      }
    });

    it('a serial that is only blanks is still refused, naming the field', async () => {
      const { data } = await t.graphql(REGISTER, { input: { serialNumber: '   ', sku: 'SOFAR-PM-V2-10', site: SITE } }, agent);
      expect(data.registerWarranty.userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'serialNumber'] })]);
    });
  });

  describe('4. every change moves the record version and updatedAt', () => {
    it('21 updates that move the start → version 22, updatedAt later than registration, as stored', async () => {
      const unit = await register({ commissioningDate: '2024-01-01' });
      expect(unit.version).toBe(1);
      let last = unit;
      for (let i = 0; i < 21; i++) {
        const { data } = await t.graphql(UPDATE, { input: { id: unit.id, activationRecordDate: `2024-02-${String(i + 1).padStart(2, '0')}` } }, agent);
        expect(data.updateWarranty.userErrors).toEqual([]);
        expect(data.updateWarranty.warranty.version).toBe(last.version + 1);
        last = data.updateWarranty.warranty;
      }
      expect(last.version).toBe(22);
      const [stored] = await t.dataSource.query('SELECT row_version, updated_at, created_at FROM warranty_record WHERE id = $1', [unit.id]);
      expect(stored.row_version).toBe(22);
      expect(stored.updated_at.getTime()).toBeGreaterThan(stored.created_at.getTime());
      expect(new Date(last.updatedAt).getTime()).toBe(stored.updated_at.getTime());
    });

    it('a component void (the record row itself unchanged) moves the version too', async () => {
      const unit = await register({ commissioningDate: '2024-01-01' });
      const { data } = await t.graphql(VOID, { input: { id: unit.id, component: 'CELLS', reason: 'test' } }, admin);
      expect(data.voidWarranty.warranty.version).toBe(2);
      const whole = await t.graphql(VOID, { input: { id: unit.id, reason: 'fraud' } }, admin);
      expect(whole.data.voidWarranty.warranty.version).toBe(3);
    });
  });
});
