import { clockAt, createTestOrg, startTestApp, tokenFor, type GraphQLResponse, type TestApp } from '../support/harness';

/**
 * Dates, instants and amounts past what can be stored or meant (issue 17, item 3) are refused by their type, as
 * BAD_USER_INPUT with the field, for variables (HTTP 400, the variable path) and literals (the argument path, in the
 * payload's userErrors) alike; a value computed from several (quantity × unit price, a claim's total) by the domain;
 * and a row stored before the bounds no longer fails its page.
 */
const TODAY = '2026-11-24';

/** The refusal of a request: the GraphQL error's, or the payload's first userError. */
function refusal(response: GraphQLResponse<any>, payload: string): { code?: string; field?: string[]; message?: string } | undefined {
  if (response.errors?.length) {
    const [error] = response.errors;
    return { code: error.extensions?.code, field: (error.extensions?.field as unknown[] | undefined)?.map(String), message: error.message };
  }
  const [userError] = response.data?.[payload]?.userErrors ?? [];
  return userError ? { code: userError.code, field: userError.field?.map(String), message: userError.message } : undefined;
}

describe('bounds by type: dates, observed instants and amounts', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  let service: string;
  let vanId: string;
  let inverterId: string;

  const register = async (input: Record<string, unknown>) => {
    const { data, errors } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code message } } }`,
      { input },
      admin,
    );
    expect(errors).toBeUndefined();
    expect(data.registerWarranty.userErrors).toEqual([]);
    return data.registerWarranty.warranty.id as string;
  };
  const claimCount = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM warranty_claim WHERE org_id = $1`, [org]))[0].n as number;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt(TODAY) });
    org = await createTestOrg(t.dataSource, 'bounds');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    service = await tokenFor(org, ['SERVICE']);
    vanId = await register({ serialNumber: 'BD-VAN-1', sku: 'DEMO-VAN-36', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2025-06-01' });
    await register({ serialNumber: 'BD-VAN-2', sku: 'DEMO-VAN-36', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2025-06-01' });
    inverterId = await register({ serialNumber: 'BD-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' });
    const { data } = await t.graphql(
      `mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { userErrors { code field message } } }`,
      { input: { productFamily: 'VEHICLE', items: [{ code: 'INSPECTION_24M', name: 'Inspection at 24 months', dueMonths: 24, windowBeforeDays: 30, windowAfterDays: 30, value: { amount: '219', currency: 'EUR' } }] } },
      admin,
    );
    expect(data.publishServicePlan.userErrors).toEqual([]);
  });
  afterAll(() => t.stop());

  describe('business dates: 1900-01-01 to 2199-12-31 for every Date and DateTime sent', () => {
    const SHIFT = `mutation($input: ShiftFreeServiceDateInput!) { shiftFreeServiceDate(input: $input) { warranty { freeServiceDateShift } userErrors { code field message } } }`;

    it.each(['9998-12-31', '9999-12-31', '2200-01-01', '1899-12-31'])('shiftFreeServiceDate to %s is refused, as a variable and as a literal', async (date) => {
      const variable = await t.graphql(SHIFT, { input: { id: vanId, date, reason: 'late delivery' } }, admin);
      expect(variable.status).toBe(400);
      expect(refusal(variable, 'shiftFreeServiceDate')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'date'] });
      const literal = await t.graphql(
        `mutation($id: ID!) { shiftFreeServiceDate(input: { id: $id, date: "${date}", reason: "late delivery" }) { userErrors { code field message } } }`,
        { id: vanId },
        admin,
      );
      expect(literal.errors).toBeUndefined();
      expect(refusal(literal, 'shiftFreeServiceDate')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'date'], message: expect.stringContaining('1900-01-01 to 2199-12-31') });
      const [row] = await t.dataSource.query(`SELECT free_service_date_shift FROM warranty_record WHERE id = $1`, [vanId]);
      expect(row.free_service_date_shift).toBeNull();
    });

    it('the last business date is accepted, and every date derived from it can be shown', async () => {
      const { data, errors } = await t.graphql(SHIFT, { input: { id: vanId, date: '2199-12-31', reason: 'late delivery' } }, admin);
      expect(errors).toBeUndefined();
      expect(data.shiftFreeServiceDate).toEqual({ warranty: { freeServiceDateShift: '2199-12-31' }, userErrors: [] });
      const items = await t.graphql(`query { serviceItems(serialNumber: "BD-VAN-1") { freeServiceStartDate items { code dueDate windowEnd status } } }`, {}, agent);
      expect(items.errors).toBeUndefined();
      expect(items.data.serviceItems.items).toEqual([{ code: 'INSPECTION_24M', dueDate: '2201-12-31', windowEnd: '2202-01-30', status: 'UPCOMING' }]);
    });

    it('a shift stored before the bound (9998-12-31) fails no page: its dates past 9999 are none', async () => {
      await t.dataSource.query(`UPDATE warranty_record SET free_service_date_shift = '9998-12-31' WHERE id = $1`, [vanId]);
      const page = await t.graphql(
        `query { warranties(first: 50) { edges { node { serialNumber serviceItems { freeServiceStartDate items { code dueDate windowStart windowEnd status } } } } } }`,
        {},
        agent,
      );
      expect(page.errors).toBeUndefined();
      const nodes = page.data.warranties.edges.map((e: any) => e.node);
      expect(nodes.find((n: any) => n.serialNumber === 'BD-VAN-1').serviceItems).toEqual({
        freeServiceStartDate: '9998-12-31',
        items: [{ code: 'INSPECTION_24M', dueDate: null, windowStart: null, windowEnd: null, status: 'UPCOMING' }],
      });
      expect(nodes.map((n: any) => n.serialNumber).sort()).toEqual(['BD-INV-1', 'BD-VAN-1', 'BD-VAN-2']);
      expect(nodes.every((n: any) => n.serviceItems !== null)).toBe(true);
    });

    it('a unit whose items cannot be worked out fails its own field only, not the page', async () => {
      // A time zone no runtime knows: such a row can only have been written by hand, but the unit's "today" fails.
      await t.dataSource.query(`UPDATE warranty_record SET site_time_zone = 'Mars/Olympus_Mons' WHERE id = $1`, [vanId]);
      const page = await t.graphql(`query { warranties(first: 50) { edges { node { serialNumber serviceItems { items { dueDate } } } } } }`, {}, agent);
      expect(page.data).not.toBeNull();
      const nodes = page.data.warranties.edges.map((e: any) => e.node);
      expect(nodes).toHaveLength(3);
      expect(nodes.find((n: any) => n.serialNumber === 'BD-VAN-1').serviceItems).toBeNull();
      expect(nodes.find((n: any) => n.serialNumber === 'BD-VAN-2').serviceItems).not.toBeNull();
      expect(page.errors?.map((e) => e.path?.slice(-1)[0])).toEqual(['serviceItems']);
      await t.dataSource.query(`UPDATE warranty_record SET site_time_zone = 'Europe/Berlin' WHERE id = $1`, [vanId]);
    });
  });

  describe('observed instants: not later than now plus the clock skew', () => {
    const HEARTBEATS = `mutation($input: RecordHeartbeatsInput!) { recordHeartbeats(input: $input) { userErrors { code field message } } }`;
    const contact = async () => (await t.dataSource.query(`SELECT last_contact_at FROM unit_telemetry WHERE warranty_record_id = $1`, [inverterId]))[0]?.last_contact_at ?? null;

    it('a heartbeat dated 2099 is refused with its field, as a variable and as a literal, and nothing is kept', async () => {
      const variable = await t.graphql(HEARTBEATS, { input: { heartbeats: [{ serialNumber: 'BD-INV-1', at: '2026-11-20T10:00:00Z' }, { serialNumber: 'BD-INV-1', at: '2099-01-01T00:00:00Z' }] } }, service);
      expect(refusal(variable, 'recordHeartbeats')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'heartbeats', '1', 'at'], message: expect.stringContaining('future') });
      const literal = await t.graphql(`mutation { recordHeartbeats(input: { heartbeats: [{ serialNumber: "BD-INV-1", at: "2099-01-01T00:00:00Z" }] }) { userErrors { code field } } }`, {}, service);
      expect(refusal(literal, 'recordHeartbeats')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'heartbeats', '0', 'at'] });
      const firmware = await t.graphql(
        `mutation { recordFirmwareReports(input: { reports: [{ serialNumber: "BD-INV-1", component: "CELLS", version: "3.2", at: "2027-01-01T00:00:00Z" }] }) { userErrors { code field } } }`,
        {},
        service,
      );
      expect(refusal(firmware, 'recordFirmwareReports')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'reports', '0', 'at'] });
      expect(await contact()).toBeNull();
    });

    it('within the skew it is kept, and a later real heartbeat moves the contact on', async () => {
      const soon = new Date(Date.parse(`${TODAY}T12:00:00Z`) + 60_000).toISOString(); // a minute ahead of our clock
      const first = await t.graphql(HEARTBEATS, { input: { heartbeats: [{ serialNumber: 'BD-INV-1', at: '2026-11-20T10:00:00Z' }] } }, service);
      expect(first.errors).toBeUndefined();
      expect(first.data.recordHeartbeats.userErrors).toEqual([]);
      const second = await t.graphql(HEARTBEATS, { input: { heartbeats: [{ serialNumber: 'BD-INV-1', at: soon }] } }, service);
      expect(second.data.recordHeartbeats.userErrors).toEqual([]);
      expect((await contact()).toISOString()).toBe(soon);
    });

    it('every caller of the telemetry service is held to it (the CLOUD stream too)', async () => {
      const actor = { id: 'cloud', orgId: org, roles: ['SERVICE'] } as any;
      await expect(t.app.services.telemetry.recordHeartbeats(actor, [{ serialNumber: 'BD-INV-1', at: new Date('2099-01-01T00:00:00Z') }])).rejects.toMatchObject({
        errors: [expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'heartbeats', '0', 'at'] })],
      });
      expect((await contact()).getUTCFullYear()).toBe(2026);
    });
  });

  describe('a contact stored in the future before the bound', () => {
    it('does not keep an offline unit "online" for rule 8, and the next real heartbeat replaces it', async () => {
      const batteryId = await register({ serialNumber: 'BD-BAT-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' });
      const release = await t.graphql(
        `mutation { publishFirmwareRelease(input: { productFamily: "BATTERY", component: "CELLS", version: "3.2", releasedAt: "2026-06-01T00:00:00Z", graceDays: 30 }) { userErrors { message } } }`,
        {},
        service,
      );
      expect(release.data.publishFirmwareRelease.userErrors).toEqual([]);
      await t.dataSource.query(`INSERT INTO unit_telemetry (warranty_record_id, org_id, last_contact_at) VALUES ($1, $2, '2099-01-01T00:00:00Z')`, [batteryId, org]);

      const evaluation = await t.graphql(`mutation { evaluateTelemetry(input: { dryRun: true }) { decisions { serialNumber outcome reason } userErrors { message } } }`, {}, service);
      expect(evaluation.errors).toBeUndefined();
      expect(evaluation.data.evaluateTelemetry.decisions).toEqual([
        { serialNumber: 'BD-BAT-1', outcome: 'VOIDED', reason: expect.stringContaining('last cloud contact never') },
      ]);

      const heartbeat = await t.graphql(
        `mutation { recordHeartbeats(input: { heartbeats: [{ serialNumber: "BD-BAT-1", at: "2026-06-15T00:00:00Z" }] }) { userErrors { message } } }`,
        {},
        service,
      );
      expect(heartbeat.data.recordHeartbeats.userErrors).toEqual([]);
      const [row] = await t.dataSource.query(`SELECT last_contact_at FROM unit_telemetry WHERE warranty_record_id = $1`, [batteryId]);
      expect(row.last_contact_at.toISOString()).toBe('2026-06-15T00:00:00.000Z');
    });
  });

  describe('claim lines: a trip of at most 72 hours, amounts and totals that fit NUMERIC(19,4)', () => {
    const SUBMIT = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id total { amount } } userErrors { code field message } } }`;
    const claim = (lines: unknown[]) => ({ warrantyId: inverterId, kind: 'REPAIR', repairDate: TODAY, currency: 'EUR', lines });

    it('a TRAVEL line of 20 years is refused on its endAt, writing nothing', async () => {
      const before = await claimCount();
      const response = await t.graphql(SUBMIT, { input: claim([{ kind: 'TRAVEL', startAt: '2026-11-20T08:00:00Z', endAt: '2046-11-20T08:00:00Z', rate: '40' }]) }, agent);
      expect(response.errors).toBeUndefined();
      expect(refusal(response, 'submitClaim')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'lines', '0', 'endAt'], message: expect.stringContaining('at most 72 hours') });
      expect(await claimCount()).toBe(before);
    });

    it('a trip of 72 hours is accepted', async () => {
      const response = await t.graphql(SUBMIT, { input: claim([{ kind: 'TRAVEL', startAt: '2026-11-20T08:00:00Z', endAt: '2026-11-23T08:00:00Z', rate: '40' }]) }, agent);
      expect(response.errors).toBeUndefined();
      expect(response.data.submitClaim).toMatchObject({ claim: { total: { amount: '2880.00' } }, userErrors: [] });
    });

    it('quantity × unitPrice past NUMERIC(19,4) is refused on the line, writing nothing', async () => {
      const before = await claimCount();
      const response = await t.graphql(SUBMIT, { input: claim([{ kind: 'PART', partNumber: 'X', quantity: '99999999999', unitPrice: '99999999999' }]) }, agent);
      expect(response.errors).toBeUndefined();
      expect(refusal(response, 'submitClaim')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'lines', '0'], message: expect.stringContaining('quantity × unitPrice') });
      expect(await claimCount()).toBe(before);
    });

    it('lines that each fit but add up past it are refused on the lines', async () => {
      const response = await t.graphql(SUBMIT, { input: claim([1, 2].map(() => ({ kind: 'PART', partNumber: 'X', quantity: '1', unitPrice: '600000000000000' }))) }, agent);
      expect(response.errors).toBeUndefined();
      expect(refusal(response, 'submitClaim')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'lines'] });
    });

    it('a Decimal past 15 digits before the point or 4 after is refused by its type, variable and literal', async () => {
      const variable = await t.graphql(SUBMIT, { input: claim([{ kind: 'PART', partNumber: 'X', quantity: '1', unitPrice: '1234567890123456' }]) }, agent);
      expect(variable.status).toBe(400);
      expect(refusal(variable, 'submitClaim')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'lines', '0', 'unitPrice'] });
      const literal = await t.graphql(
        `mutation($id: ID!) { submitClaim(input: { warrantyId: $id, kind: REPAIR, repairDate: "${TODAY}", currency: "EUR", lines: [{ kind: PART, partNumber: "X", quantity: "1.00001", unitPrice: "1" }] }) { userErrors { code field message } } }`,
        { id: inverterId },
        agent,
      );
      expect(literal.errors).toBeUndefined();
      expect(refusal(literal, 'submitClaim')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'lines', '0', 'quantity'], message: expect.stringContaining('4 decimal places') });
    });
  });

  describe('service-plan values: money is NUMERIC(19,4) everywhere', () => {
    const PUBLISH = `mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { plan { items { value { amount } } } userErrors { code field message } } }`;
    const plan = (amount: string) => ({ productFamily: 'VEHICLE', sku: 'BD-SKU', items: [{ code: 'BIG', name: 'Big', dueMonths: 12, value: { amount, currency: 'EUR' } }] });

    it('a value of 10,000,000,000 is stored and shown', async () => {
      const { data, errors } = await t.graphql(PUBLISH, { input: plan('10000000000') }, admin);
      expect(errors).toBeUndefined();
      expect(data.publishServicePlan).toEqual({ plan: { items: [{ value: { amount: '10000000000.00' } }] }, userErrors: [] });
    });

    it('a value past 15 digits is refused on its field', async () => {
      const response = await t.graphql(PUBLISH, { input: plan('1000000000000000') }, admin);
      expect(refusal(response, 'publishServicePlan')).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'items', '0', 'value', 'amount'] });
    });
  });
});
