import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const RECORD_FIELDS = `
  id serialNumber expiresAt customer { id } installerId voidedAt voidReason
  status(asOf: "2026-06-01")
  site { countryCode timeZone }
  start { status date source reason }
  startFacts { productionDate activationRecordDate saleInvoiceDate supplyChainStage brokerInvoiceDate warrantyDateShift }
  coverages { scope startDate endDate labourEndDate voidedAt voidReason }
`;
const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { ${RECORD_FIELDS} } userErrors { code field message } } }`;
const UPDATE = `mutation($input: UpdateWarrantyInput!) { updateWarranty(input: $input) { warranty { ${RECORD_FIELDS} } userErrors { code field message } } }`;
const VOID = `mutation($input: VoidWarrantyInput!) { voidWarranty(input: $input) { warranty { ${RECORD_FIELDS} } userErrors { code field message } } }`;
const REINSTATE = `mutation($input: ReinstateWarrantyInput!) { reinstateWarranty(input: $input) { warranty { ${RECORD_FIELDS} } userErrors { code field message } } }`;

describe('updateWarranty, voidWarranty and reinstateWarranty', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  let installer: string;
  let serial = 0;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await createTestOrg(t.dataSource, 'update');
    admin = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'admin-1' });
    agent = await tokenFor(org, ['AGENT'], { sub: 'agent-1' });
    installer = await tokenFor(org, ['INSTALLER']);
  });
  afterAll(() => t.stop());

  async function registerUnit(input: Record<string, unknown> = {}) {
    serial += 1;
    const { data } = await t.graphql(
      REGISTER,
      { input: { serialNumber: `UPD-${serial}`, sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, customerId: 'cust-a', commissioningDate: '2024-05-31', ...input } },
      admin,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
    return data.registerWarranty.warranty;
  }
  const events = async (recordId: string) =>
    t.dataSource.query(
      'SELECT event, from_value AS "from", to_value AS "to", actor_id AS actor, detail FROM warranty_event WHERE warranty_record_id = $1 ORDER BY id',
      [recordId],
    );

  describe('updateWarranty', () => {
    it('changes the customer of record and the site, one event each with from/to values', async () => {
      const unit = await registerUnit();
      const { data } = await t.graphql(UPDATE, { input: { id: unit.id, customerId: 'cust-b', site: { countryCode: 'AT', timeZone: 'Europe/Vienna' }, reason: 'house sold' } }, agent);
      expect(data.updateWarranty.userErrors).toEqual([]);
      expect(data.updateWarranty.warranty).toMatchObject({ customer: { id: 'cust-b' }, site: { countryCode: 'AT', timeZone: 'Europe/Vienna' } });
      const written = (await events(unit.id)).slice(-2);
      expect(written).toEqual([
        { event: 'CUSTOMER_CHANGED', from: 'cust-a', to: 'cust-b', actor: 'agent-1', detail: { field: 'customerId', reason: 'house sold' } },
        { event: 'SITE_CHANGED', from: 'DE (Europe/Berlin)', to: 'AT (Europe/Vienna)', actor: 'agent-1', detail: { field: 'site', reason: 'house sold' } },
      ]);
    });

    it('writes nothing when nothing changes', async () => {
      const unit = await registerUnit();
      const before = (await events(unit.id)).length;
      const { data } = await t.graphql(UPDATE, { input: { id: unit.id, customerId: 'cust-a' } }, agent);
      expect(data.updateWarranty.userErrors).toEqual([]);
      expect((await events(unit.id)).length).toBe(before);
    });

    it('recomputes every coverage when the activation date changes (month end clamps), with events', async () => {
      const unit = await registerUnit();
      const { data } = await t.graphql(UPDATE, { input: { id: unit.id, activationRecordDate: '2024-01-31' } }, agent);
      const warranty = data.updateWarranty.warranty;
      expect(warranty.start).toMatchObject({ date: '2024-01-31', source: 'ACTIVATION_RECORD' });
      expect(warranty.expiresAt).toBe('2034-01-31');
      for (const coverage of warranty.coverages) expect(coverage).toMatchObject({ startDate: '2024-01-31', endDate: '2034-01-31' });
      const written = (await events(unit.id)).map((e: any) => [e.event, e.from, e.to]);
      expect(written.slice(-5)).toEqual([
        ['START_FACT_CHANGED', '2024-05-31', '2024-01-31'],
        ['WARRANTY_START_CHANGED', '2024-05-31', '2024-01-31'],
        ['COVERAGE_DATES_CHANGED', '2024-05-31..2034-05-31', '2024-01-31..2034-01-31'],
        ['COVERAGE_DATES_CHANGED', '2024-05-31..2034-05-31', '2024-01-31..2034-01-31'],
        ['EXPIRY_CHANGED', '2034-05-31', '2034-01-31'],
      ]);
    });

    it('starts a broker-stock unit when the broker invoices', async () => {
      const unit = await registerUnit({ commissioningDate: null, registrantRole: 'END_CUSTOMER', supplyChainStage: 'BROKER' });
      expect(unit.start.status).toBe('AWAITING_BROKER_INVOICE');
      const { data } = await t.graphql(UPDATE, { input: { id: unit.id, brokerInvoiceDate: '2025-03-01' } }, agent);
      expect(data.updateWarranty.warranty).toMatchObject({
        start: { status: 'STARTED', date: '2025-03-01', source: 'BROKER_INVOICE' },
        expiresAt: '2035-03-01',
        status: 'ACTIVE',
      });
    });

    it('lets a WARRANTY_ADMIN shift the warranty date over every other source, and clear it again', async () => {
      const unit = await registerUnit();
      const shifted = await t.graphql(UPDATE, { input: { id: unit.id, warrantyDateShift: '2024-08-01', reason: 'delivery delayed' } }, admin);
      expect(shifted.data.updateWarranty.warranty.start).toMatchObject({ date: '2024-08-01', source: 'DATE_SHIFT' });
      const cleared = await t.graphql(UPDATE, { input: { id: unit.id, warrantyDateShift: null } }, admin);
      expect(cleared.data.updateWarranty.warranty.start).toMatchObject({ date: '2024-05-31', source: 'ACTIVATION_RECORD' });
      expect(cleared.data.updateWarranty.warranty.startFacts.warrantyDateShift).toBeNull();
    });

    it('refuses a date shift from an AGENT with FORBIDDEN and changes nothing', async () => {
      const unit = await registerUnit();
      const before = (await events(unit.id)).length;
      const { data } = await t.graphql(UPDATE, { input: { id: unit.id, warrantyDateShift: '2024-08-01' } }, agent);
      expect(data.updateWarranty.userErrors).toEqual([{ code: 'FORBIDDEN', field: ['input', 'warrantyDateShift'], message: expect.any(String) }]);
      expect((await events(unit.id)).length).toBe(before);
    });

    it('refuses an installer with FORBIDDEN', async () => {
      const unit = await registerUnit();
      const { data } = await t.graphql(UPDATE, { input: { id: unit.id, customerId: 'x' } }, installer);
      expect(data.updateWarranty.userErrors[0].code).toBe('FORBIDDEN');
    });

    it('refuses a future activation date with BAD_USER_INPUT and rolls back every change of the request', async () => {
      const unit = await registerUnit();
      const before = (await events(unit.id)).length;
      const { data } = await t.graphql(UPDATE, { input: { id: unit.id, customerId: 'cust-z', activationRecordDate: '2027-01-01' } }, agent);
      expect(data.updateWarranty.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'activationRecordDate'], message: expect.stringContaining('future') }]);
      expect((await events(unit.id)).length).toBe(before);
      const [row] = await t.dataSource.query('SELECT customer_id FROM warranty_record WHERE id = $1', [unit.id]);
      expect(row.customer_id).toBe('cust-a');
    });

    it('answers NOT_FOUND for a record of another organisation, and for an id that is not one', async () => {
      const otherOrg = await createTestOrg(t.dataSource, 'update-other');
      const otherAgent = await tokenFor(otherOrg, ['AGENT']);
      const unit = await registerUnit();
      for (const [id, token] of [[unit.id, otherAgent], ['not-a-uuid', agent]]) {
        const { data } = await t.graphql(UPDATE, { input: { id, customerId: 'stolen' } }, token);
        expect(data.updateWarranty).toEqual({ warranty: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'id'], message: expect.any(String) }] });
      }
    });
  });

  describe('voidWarranty and reinstateWarranty', () => {
    it('voids the whole unit with a reason, then refuses to void it again', async () => {
      const unit = await registerUnit();
      const { data } = await t.graphql(VOID, { input: { id: unit.id, reason: 'opened by an unauthorised party' } }, admin);
      expect(data.voidWarranty.warranty).toMatchObject({ status: 'VOIDED', voidReason: 'opened by an unauthorised party' });
      expect(data.voidWarranty.warranty.voidedAt).toEqual(expect.any(String));
      expect((await events(unit.id)).at(-1)).toMatchObject({ event: 'WARRANTY_VOIDED', to: 'opened by an unauthorised party', actor: 'admin-1' });

      const again = await t.graphql(VOID, { input: { id: unit.id, reason: 'again' } }, admin);
      expect(again.data.voidWarranty.userErrors[0].code).toBe('WARRANTY_VOIDED');
      const update = await t.graphql(UPDATE, { input: { id: unit.id, customerId: 'x' } }, admin);
      expect(update.data.updateWarranty.userErrors[0].code).toBe('WARRANTY_VOIDED');
    });

    it('voids only the CELLS coverage of a battery and leaves the unit covered', async () => {
      const unit = await registerUnit();
      const { data } = await t.graphql(VOID, { input: { id: unit.id, component: 'cells', reason: 'missed cell firmware 2.1 (§5.5.19)' } }, admin);
      const warranty = data.voidWarranty.warranty;
      expect(warranty.status).toBe('ACTIVE');
      expect(warranty.voidedAt).toBeNull();
      const byScope = Object.fromEntries(warranty.coverages.map((c: any) => [c.scope, c]));
      expect(byScope.CELLS.voidReason).toBe('missed cell firmware 2.1 (§5.5.19)');
      expect(byScope.UNIT.voidedAt).toBeNull();
      expect(warranty.expiresAt).toBe('2034-05-31');
      expect((await events(unit.id)).at(-1)).toMatchObject({ event: 'COVERAGE_VOIDED', detail: { scope: 'CELLS' } });

      const again = await t.graphql(VOID, { input: { id: unit.id, component: 'CELLS', reason: 'again' } }, admin);
      expect(again.data.voidWarranty.userErrors[0]).toMatchObject({ code: 'WARRANTY_VOIDED', field: ['input', 'component'] });
    });

    it('reinstates a voided component and a voided unit, each with an event', async () => {
      const unit = await registerUnit();
      await t.graphql(VOID, { input: { id: unit.id, component: 'CELLS', reason: 'offline' } }, admin);
      const cells = await t.graphql(REINSTATE, { input: { id: unit.id, component: 'CELLS', reason: 'update proven installed' } }, admin);
      expect(cells.data.reinstateWarranty.warranty.coverages.every((c: any) => c.voidedAt === null)).toBe(true);
      expect((await events(unit.id)).at(-1)).toMatchObject({ event: 'COVERAGE_REINSTATED', from: 'offline', detail: { reason: 'update proven installed' } });

      await t.graphql(VOID, { input: { id: unit.id, reason: 'fraud suspected' } }, admin);
      const whole = await t.graphql(REINSTATE, { input: { id: unit.id, reason: 'cleared' } }, admin);
      expect(whole.data.reinstateWarranty.warranty).toMatchObject({ status: 'ACTIVE', voidedAt: null, voidReason: null });
      expect((await events(unit.id)).at(-1)).toMatchObject({ event: 'WARRANTY_REINSTATED', from: 'fraud suspected' });
    });

    it('refuses to reinstate what is not voided, an unknown component, a blank reason and a wrong role', async () => {
      const unit = await registerUnit();
      const before = (await events(unit.id)).length;
      const cases: Array<[string, Record<string, unknown>, string, string]> = [
        [REINSTATE, { id: unit.id, reason: 'nothing to undo' }, admin, 'BAD_USER_INPUT'],
        [VOID, { id: unit.id, component: 'TURBO', reason: 'x' }, admin, 'NOT_FOUND'],
        [VOID, { id: unit.id, reason: '   ' }, admin, 'BAD_USER_INPUT'],
        [VOID, { id: unit.id, reason: 'x' }, agent, 'FORBIDDEN'],
        [REINSTATE, { id: unit.id, reason: 'x' }, await tokenFor(org, ['SERVICE']), 'FORBIDDEN'],
      ];
      for (const [mutation, input, token, code] of cases) {
        const { data } = await t.graphql(mutation, { input }, token);
        const payload = data.voidWarranty ?? data.reinstateWarranty;
        expect(payload.userErrors[0].code).toBe(code);
        expect(payload.warranty).toBeNull();
      }
      expect((await events(unit.id)).length).toBe(before);
    });

    it('lets the SERVICE role (telemetry rules) void a component', async () => {
      const unit = await registerUnit();
      const { data } = await t.graphql(VOID, { input: { id: unit.id, component: 'CELLS', reason: 'telemetry rule' } }, await tokenFor(org, ['SERVICE']));
      expect(data.voidWarranty.userErrors).toEqual([]);
    });
  });
});
