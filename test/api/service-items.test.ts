import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { captureLogs } from '../support/log-capture';

/**
 * Free service items over HTTP (rule 12): a plan published as data, the anchor and its source in the UI and the bulk
 * lookup, the de facto date from item claims, an operator's date shift over it, the item statuses, and the refusals.
 */
const ITEMS = `serviceItems { freeServiceStartDate source reason deFactoServiceStartDate brokerStock plan { version }
  items { code dueDate windowStart windowEnd dueKm status value { amount currency } claim { claimDate odometerKm } } }`;
const LOOKUP = `query($serial: String!, $ui: Boolean, $asOf: Date) { serviceItems(serialNumber: $serial, ignoreBrokerStock: $ui, asOf: $asOf) {
  freeServiceStartDate source reason deFactoServiceStartDate brokerStock ignoreBrokerStock asOf
  items { code dueDate windowStart windowEnd dueKm windowStartKm windowEndKm status reason claim { claimDate odometerKm } } } }`;
const CLAIM = `mutation($input: ClaimServiceItemInput!) { claimServiceItem(input: $input) { claim { id itemCode claimDate } userErrors { code field message } } }`;

describe('free service items', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  const logs = captureLogs();

  const gql = async (query: string, variables: Record<string, unknown> = {}, token = admin) => {
    const { data, errors } = await t.graphql(query, variables, token);
    expect(errors).toBeUndefined();
    return data;
  };
  const register = async (serialNumber: string, extra: Record<string, unknown>) => {
    const { registerWarranty } = await gql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code message } } }`,
      { input: { serialNumber, sku: 'DEMO-VAN-36', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2025-06-01', ...extra } },
    );
    expect(registerWarranty.userErrors).toEqual([]);
    return registerWarranty.warranty.id as string;
  };
  const lookup = async (serial: string, ui = true, asOf?: string) => (await gql(LOOKUP, { serial, ui, asOf }, agent)).serviceItems;
  const claim = async (input: Record<string, unknown>) => (await gql(CLAIM, { input }, agent)).claimServiceItem;
  const events = async (id: string) => (await t.dataSource.query(`SELECT event, from_value, to_value FROM warranty_event WHERE warranty_record_id = $1 ORDER BY id`, [id])).map((e: any) => e.event);

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    org = await createTestOrg(t.dataSource, 'service');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    const { publishServicePlan } = await gql(
      `mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { plan { version sku items { code dueMonths dueKm value { amount currency } } } userErrors { code field message } } }`,
      {
        input: {
          productFamily: 'vehicle',
          items: [
            { code: 'INSPECTION_12M', name: 'Free inspection at 12 months or 15,000 km', dueMonths: 12, dueKm: 15000, windowBeforeDays: 30, windowAfterDays: 30, windowBeforeKm: 1500, windowAfterKm: 1500, value: { amount: '149', currency: 'EUR' } },
            { code: 'INSPECTION_24M', name: 'Free inspection at 24 months or 30,000 km', dueMonths: 24, dueKm: 30000, windowBeforeDays: 30, windowAfterDays: 30, windowBeforeKm: 1500, windowAfterKm: 1500, value: { amount: '219', currency: 'EUR' } },
          ],
        },
      },
    );
    expect(publishServicePlan.userErrors).toEqual([]);
    expect(publishServicePlan.plan).toMatchObject({ version: 1, sku: null, items: [{ code: 'INSPECTION_12M', value: { amount: '149.00', currency: 'EUR' } }, { code: 'INSPECTION_24M' }] });
  });
  afterAll(async () => {
    logs.stop();
    await t.stop();
  });

  it('a sold vehicle: anchored on its sale invoice, the 12-month inspection claimable today, the 24-month upcoming', async () => {
    await register('FS-SOLD-1', { sale: { invoiceDate: '2025-12-01' } });
    const items = await lookup('FS-SOLD-1');
    expect(items).toMatchObject({ freeServiceStartDate: '2025-12-01', source: 'SALE_INVOICE', deFactoServiceStartDate: null, brokerStock: false, asOf: '2026-11-24' });
    expect(items.items).toEqual([
      expect.objectContaining({ code: 'INSPECTION_12M', dueDate: '2026-12-01', windowStart: '2026-11-01', windowEnd: '2026-12-31', dueKm: 15000, windowStartKm: 13500, windowEndKm: 16500, status: 'CLAIMABLE', claim: null }),
      expect.objectContaining({ code: 'INSPECTION_24M', dueDate: '2027-12-01', status: 'UPCOMING' }),
    ]);
    // The same unit, looked at later and with a reading over the distance window: expired.
    expect((await lookup('FS-SOLD-1', true, '2027-01-01')).items[0].status).toBe('EXPIRED');
  });

  it('broker stock: the UI lookup anchors on the dealer sale, the bulk lookup has nothing until an item claim, then de facto', async () => {
    const id = await register('FS-BROKER-1', { supplyChainStage: 'BROKER', sale: { invoiceDate: '2025-11-20' } });
    expect(await lookup('FS-BROKER-1', true)).toMatchObject({ freeServiceStartDate: '2025-11-20', source: 'DEALER_SALE', brokerStock: true, deFactoServiceStartDate: null });
    const bulk = await lookup('FS-BROKER-1', false);
    expect(bulk).toMatchObject({ freeServiceStartDate: null, source: null, brokerStock: true, items: [] });
    expect(bulk.reason).toContain('bulk lookup');
    // The warranty itself has not started.
    expect((await gql(`{ warranty(serialNumber: "FS-BROKER-1") { start { status } } }`, {}, agent)).warranty.start.status).toBe('AWAITING_BROKER_INVOICE');

    const claimed = await claim({ serialNumber: 'FS-BROKER-1', itemCode: 'INSPECTION_12M', claimDate: '2026-11-20', odometerKm: 14200 });
    expect(claimed.userErrors).toEqual([]);
    expect(await lookup('FS-BROKER-1', false)).toMatchObject({
      freeServiceStartDate: '2026-11-20', source: 'DE_FACTO', deFactoServiceStartDate: '2026-11-20',
      items: [expect.objectContaining({ code: 'INSPECTION_12M', status: 'CLAIMED', claim: { claimDate: '2026-11-20', odometerKm: 14200 } }), expect.objectContaining({ code: 'INSPECTION_24M', dueDate: '2028-11-20' })],
    });
    // The UI lookup keeps the dealer sale and shows the de facto date beside it.
    expect(await lookup('FS-BROKER-1', true)).toMatchObject({ freeServiceStartDate: '2025-11-20', source: 'DEALER_SALE', deFactoServiceStartDate: '2026-11-20' });
    expect(await events(id)).toContain('SERVICE_ITEM_CLAIMED');
    // The odometer went into the unit's readings.
    expect(await t.dataSource.query(`SELECT odometer_km, source FROM unit_reading WHERE warranty_record_id = $1`, [id])).toEqual([{ odometer_km: 14200, source: 'SERVICE_ITEM' }]);
  });

  it("an operator's free-service date shift wins over everything, de facto included; removing it goes back", async () => {
    const { warranty } = await gql(`{ warranty(serialNumber: "FS-BROKER-1") { id } }`, {}, agent);
    const shift = async (date: string | null) =>
      (await gql(`mutation($input: ShiftFreeServiceDateInput!) { shiftFreeServiceDate(input: $input) { warranty { freeServiceDateShift } userErrors { code field } } }`, { input: { id: warranty.id, date, reason: 'customer took delivery late' } })).shiftFreeServiceDate;
    expect(await shift('2026-03-01')).toEqual({ warranty: { freeServiceDateShift: '2026-03-01' }, userErrors: [] });
    for (const ui of [true, false]) expect(await lookup('FS-BROKER-1', ui)).toMatchObject({ freeServiceStartDate: '2026-03-01', source: 'FREE_SERVICE_DATE_SHIFT', deFactoServiceStartDate: '2026-11-20' });
    const [event] = await t.dataSource.query(`SELECT from_value, to_value, detail FROM warranty_event WHERE warranty_record_id = $1 AND event = 'FREE_SERVICE_DATE_SHIFTED'`, [warranty.id]);
    expect(event).toMatchObject({ from_value: null, to_value: '2026-03-01', detail: { reason: 'customer took delivery late' } });
    expect(await shift(null)).toEqual({ warranty: { freeServiceDateShift: null }, userErrors: [] });
    expect(await lookup('FS-BROKER-1', false)).toMatchObject({ source: 'DE_FACTO' });
    const agentShift = await t.graphql(`mutation($input: ShiftFreeServiceDateInput!) { shiftFreeServiceDate(input: $input) { userErrors { code } } }`, { input: { id: warranty.id, date: '2026-01-01', reason: 'x' } }, agent);
    expect(agentShift.data.shiftFreeServiceDate.userErrors[0].code).toBe('FORBIDDEN');
  });

  it('refuses an item the plan does not have, a second live claim, a lower odometer and a future date, writing nothing', async () => {
    const id = await register('FS-REFUSE-1', { sale: { invoiceDate: '2025-10-01' } });
    const written = async () => Number((await t.dataSource.query(`SELECT count(*) FROM service_item_claim WHERE warranty_record_id = $1`, [id]))[0].count);
    expect((await claim({ warrantyId: id, itemCode: 'OIL_CHANGE', claimDate: '2026-11-01' })).userErrors).toEqual([
      { code: 'BAD_USER_INPUT', field: ['input', 'itemCode'], message: expect.stringContaining('INSPECTION_12M, INSPECTION_24M') },
    ]);
    expect((await claim({ warrantyId: id, itemCode: 'INSPECTION_12M', claimDate: '2026-12-01' })).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'claimDate'] });
    expect((await claim({ warrantyId: id, itemCode: 'INSPECTION_12M', claimDate: '2026-10-20', odometerKm: 15000 })).userErrors).toEqual([]);
    expect((await claim({ warrantyId: id, itemCode: 'INSPECTION_12M', claimDate: '2026-11-01' })).userErrors[0]).toMatchObject({ code: 'ALREADY_CLAIMED', field: ['input', 'itemCode'] });
    expect((await claim({ warrantyId: id, itemCode: 'INSPECTION_24M', claimDate: '2026-11-01', odometerKm: 14999 })).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'odometerKm'] });
    expect(await written()).toBe(1);
  });

  it('a deleted claim no longer counts: not for the item, not for the de facto date; the item can be claimed again', async () => {
    await register('FS-DELETE-1', { supplyChainStage: 'BROKER' });
    const first = await claim({ serialNumber: 'FS-DELETE-1', itemCode: 'INSPECTION_12M', claimDate: '2026-09-01' });
    expect(await lookup('FS-DELETE-1', false)).toMatchObject({ source: 'DE_FACTO', deFactoServiceStartDate: '2026-09-01' });
    const remove = async (id: string, token = agent) =>
      (await gql(`mutation($input: DeleteServiceItemClaimInput!) { deleteServiceItemClaim(input: $input) { claim { id } userErrors { code field } } }`, { input: { id, reason: 'claimed on the wrong van' } }, token)).deleteServiceItemClaim;
    expect((await remove(first.claim.id)).userErrors).toEqual([]);
    expect(await lookup('FS-DELETE-1', false)).toMatchObject({ freeServiceStartDate: null, deFactoServiceStartDate: null, items: [] });
    expect((await remove(first.claim.id)).userErrors[0].code).toBe('INVALID_TRANSITION');
    expect((await claim({ serialNumber: 'FS-DELETE-1', itemCode: 'INSPECTION_12M', claimDate: '2026-10-01' })).userErrors).toEqual([]);
    expect(await lookup('FS-DELETE-1', false)).toMatchObject({ deFactoServiceStartDate: '2026-10-01' });
    // Kept on file: both claims, one deleted.
    expect(await t.dataSource.query(`SELECT claim_date::text, deleted_at IS NOT NULL AS deleted FROM service_item_claim c JOIN warranty_record r ON r.org_id = c.org_id AND r.id = c.warranty_record_id WHERE r.serial_number = 'FS-DELETE-1' AND r.org_id = $1 ORDER BY claim_date`, [org])).toEqual([
      { claim_date: '2026-09-01', deleted: true },
      { claim_date: '2026-10-01', deleted: false },
    ]);
  });

  it('a SKU plan wins over the family plan; a new version replaces the old in lookups', async () => {
    const { publishServicePlan } = await gql(
      `mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { plan { version sku } userErrors { code field message } } }`,
      { input: { productFamily: 'VEHICLE', sku: 'DEMO-VAN-36', items: [{ code: 'INSPECTION_12M', name: 'Inspection (van)', dueKm: 10000, windowAfterKm: 1000, value: { amount: '99', currency: 'EUR' } }] } },
    );
    expect(publishServicePlan).toEqual({ plan: { version: 1, sku: 'DEMO-VAN-36' }, userErrors: [] });
    const items = await lookup('FS-SOLD-1');
    expect(items.items).toEqual([expect.objectContaining({ code: 'INSPECTION_12M', dueDate: null, dueKm: 10000 })]);
    const plans = await gql(`{ servicePlans(productFamily: "vehicle") { sku version items { code } } }`, {}, agent);
    expect(plans.servicePlans).toEqual([{ sku: null, version: 1, items: [{ code: 'INSPECTION_12M' }, { code: 'INSPECTION_24M' }] }, { sku: 'DEMO-VAN-36', version: 1, items: [{ code: 'INSPECTION_12M' }] }]);
  });

  it('refuses a plan with bad items, each with its field', async () => {
    const { publishServicePlan } = await gql(
      `mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { plan { id } userErrors { code field } } }`,
      { input: { productFamily: 'VEHICLE', items: [{ code: 'bad code', name: 'x', dueMonths: 12, value: { amount: '1', currency: 'EUR' } }, { code: 'NEVER_DUE', name: 'y', value: { amount: '-1', currency: 'EUR' } }] } },
    );
    expect(publishServicePlan.plan).toBeNull();
    expect(publishServicePlan.userErrors.map((e: any) => e.field)).toEqual([
      ['input', 'items', '0', 'code'],
      ['input', 'items', '1', 'dueMonths'],
      ['input', 'items', '1', 'value', 'amount'],
    ]);
  });

  it('a page of units with their service items costs the same statements however many units', async () => {
    const statements = async (first: number) => {
      const requestId = `service-items-${first}`;
      const response = await fetch(t.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${agent}`, 'x-request-id': requestId },
        body: JSON.stringify({ query: `{ warranties(first: ${first}) { edges { node { serialNumber ${ITEMS} } } } }` }),
      });
      const body = (await response.json()) as { errors?: unknown; data: any };
      expect(body.errors).toBeUndefined();
      expect(body.data.warranties.edges).toHaveLength(first);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return logs.request(requestId)!.sqlQueries;
    };
    expect(await statements(4)).toBe(await statements(2));
  });
});
