import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`;

describe('warranty, warranties, warrantyHistory and warrantyPolicies', () => {
  let t: TestApp;
  let org: string;
  let agent: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await createTestOrg(t.dataSource, 'queries');
    agent = await tokenFor(org, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const units = [
      { serialNumber: 'Q-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'cust-1', site: { countryCode: 'DE' }, commissioningDate: '2025-01-10' },
      { serialNumber: 'Q-INV-2', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'cust-2', site: { countryCode: 'FR' }, commissioningDate: '2019-01-10' },
      { serialNumber: 'Q-BAT-1', sku: 'SOFAR-PM-V2-10', customerId: 'cust-1', site: { countryCode: 'PL' }, commissioningDate: '2024-01-10' },
      { serialNumber: 'Q-BAT-2', sku: 'SOFAR-BTS-E5', customerId: 'cust-3', site: { countryCode: 'PL' }, registrantRole: 'END_CUSTOMER', supplyChainStage: 'BROKER' },
      { serialNumber: 'Q-BAT-3', sku: 'SOFAR-BTS-E5', customerId: 'cust-3', site: { countryCode: 'GB' }, commissioningDate: '2024-01-10' },
    ];
    for (const input of units) {
      const { data } = await t.graphql(REGISTER, { input }, admin);
      expect(data.registerWarranty.userErrors).toEqual([]);
      ids[input.serialNumber] = data.registerWarranty.warranty.id;
    }
    await t.graphql(`mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "tampered" }) { userErrors { code } } }`, { id: ids['Q-BAT-3'] }, admin);
  });
  afterAll(() => t.stop());

  describe('warranty(serialNumber)', () => {
    it('finds a unit by serial number in any letter case', async () => {
      const { data } = await t.graphql(`{ warranty(serialNumber: " q-inv-1 ") { id serialNumber } }`, {}, agent);
      expect(data.warranty).toEqual({ id: ids['Q-INV-1'], serialNumber: 'Q-INV-1' });
    });

    it('answers null for an unknown serial and for another organisation\'s unit', async () => {
      const other = await tokenFor(await createTestOrg(t.dataSource, 'queries-other'), ['WARRANTY_ADMIN']);
      expect((await t.graphql(`{ warranty(serialNumber: "NOPE-1") { id } }`, {}, agent)).data.warranty).toBeNull();
      const foreign = await t.graphql(`{ warranty(serialNumber: "Q-INV-1") { id } }`, {}, other);
      expect(foreign.errors).toBeUndefined();
      expect(foreign.data.warranty).toBeNull();
    });

    it('shows a customer only their own units', async () => {
      const customer = await tokenFor(org, ['CUSTOMER'], { customerId: 'cust-1' });
      expect((await t.graphql(`{ warranty(serialNumber: "Q-INV-1") { id } }`, {}, customer)).data.warranty).not.toBeNull();
      expect((await t.graphql(`{ warranty(serialNumber: "Q-INV-2") { id } }`, {}, customer)).data.warranty).toBeNull();
      const list = await t.graphql(`{ warranties { totalCount edges { node { serialNumber } } } }`, {}, customer);
      expect(list.data.warranties.edges.map((e: any) => e.node.serialNumber).sort()).toEqual(['Q-BAT-1', 'Q-INV-1']);
    });

    it('answers UNAUTHENTICATED without a token, with no data', async () => {
      const response = await t.graphql(`{ warranty(serialNumber: "Q-INV-1") { id } }`, {});
      expect(response.data?.warranty ?? null).toBeNull();
      expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('warranties connection', () => {
    const LIST = `query($first: Int, $after: String, $filter: WarrantyFilter) {
      warranties(first: $first, after: $after, filter: $filter) {
        totalCount edges { cursor node { serialNumber } } pageInfo { hasNextPage hasPreviousPage endCursor }
      } }`;
    const serials = (data: any) => data.warranties.edges.map((e: any) => e.node.serialNumber);

    it('pages through every unit, newest registration first, without repeats', async () => {
      const first = await t.graphql(LIST, { first: 2 }, agent);
      expect(first.data.warranties.totalCount).toBe(5);
      expect(serials(first.data)).toEqual(['Q-BAT-3', 'Q-BAT-2']);
      expect(first.data.warranties.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      const second = await t.graphql(LIST, { first: 2, after: first.data.warranties.pageInfo.endCursor }, agent);
      expect(serials(second.data)).toEqual(['Q-BAT-1', 'Q-INV-2']);
      const third = await t.graphql(LIST, { first: 2, after: second.data.warranties.pageInfo.endCursor }, agent);
      expect(serials(third.data)).toEqual(['Q-INV-1']);
      expect(third.data.warranties.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    });

    it.each([
      [{ productFamily: 'BATTERY' }, ['Q-BAT-1', 'Q-BAT-2', 'Q-BAT-3']],
      [{ region: 'PL' }, ['Q-BAT-1', 'Q-BAT-2']],
      [{ customerId: 'cust-1' }, ['Q-BAT-1', 'Q-INV-1']],
      [{ startStatus: 'AWAITING_BROKER_INVOICE' }, ['Q-BAT-2']],
      [{ status: 'ACTIVE' }, ['Q-BAT-1', 'Q-INV-1']],
      [{ status: 'EXPIRED' }, ['Q-INV-2']],
      [{ status: 'VOIDED' }, ['Q-BAT-3']],
      [{ status: 'NOT_STARTED' }, ['Q-BAT-2']],
      [{ serialNumberPrefix: 'q-inv' }, ['Q-INV-1', 'Q-INV-2']],
      [{ serialNumberPrefix: 'Q_' }, []],
      [{ productId: 'prod-powermagic-v2' }, ['Q-BAT-1']],
    ])('filters by %j', async (filter, expected) => {
      const { data, errors } = await t.graphql(LIST, { filter }, agent);
      expect(errors).toBeUndefined();
      expect(serials(data).sort()).toEqual(expected);
      expect(data.warranties.totalCount).toBe(expected.length);
    });

    it.each([[0], [101]])('refuses first: %i with BAD_USER_INPUT', async (first) => {
      const response = await t.graphql(LIST, { first }, agent);
      expect(response.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('refuses a cursor it did not issue with BAD_USER_INPUT', async () => {
      const response = await t.graphql(LIST, { after: 'garbage' }, agent);
      expect(response.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    });
  });

  describe('Customer.warranties (federation)', () => {
    it.each([
      ['ACTIVE', '2026-06-01', ['Q-BAT-1', 'Q-INV-1']],
      ['ACTIVE', '2024-06-01', ['Q-BAT-1']],
      ['NOT_STARTED', '2024-06-01', ['Q-INV-1']],
      ['ACTIVE', '2030-01-10', ['Q-BAT-1', 'Q-INV-1']], // Q-INV-1's last day: the end date is inside
      ['EXPIRED', '2030-01-11', ['Q-INV-1']],
      [null, null, ['Q-BAT-1', 'Q-INV-1']],
    ])('filters a customer\'s units by status %s on %s', async (status, asOf, expected) => {
      const { data, errors } = await t.graphql(
        `query($status: WarrantyStatus, $asOf: Date) { _entities(representations: [{ __typename: "Customer", id: "cust-1" }]) {
           ... on Customer { id warranties(status: $status, asOf: $asOf) { totalCount edges { node { serialNumber } } } } } }`,
        { status, asOf },
        agent,
      );
      expect(errors).toBeUndefined();
      expect(data._entities[0].warranties.edges.map((e: any) => e.node.serialNumber).sort()).toEqual(expected);
    });
  });

  describe('warrantyHistory', () => {
    it('lists a record\'s events newest first, in pages', async () => {
      const HISTORY = `query($id: ID!, $after: String) { warrantyHistory(warrantyId: $id, first: 1, after: $after) {
        totalCount edges { node { event } } pageInfo { hasNextPage endCursor } } }`;
      const first = await t.graphql(HISTORY, { id: ids['Q-BAT-3'] }, agent);
      expect(first.data.warrantyHistory.totalCount).toBe(4);
      expect(first.data.warrantyHistory.edges[0].node.event).toBe('WARRANTY_VOIDED');
      const events = [first.data.warrantyHistory.edges[0].node.event];
      let cursor = first.data.warrantyHistory.pageInfo.endCursor;
      while (cursor) {
        const page = await t.graphql(HISTORY, { id: ids['Q-BAT-3'], after: cursor }, agent);
        events.push(...page.data.warrantyHistory.edges.map((e: any) => e.node.event));
        cursor = page.data.warrantyHistory.pageInfo.hasNextPage ? page.data.warrantyHistory.pageInfo.endCursor : null;
      }
      expect(events).toEqual(['WARRANTY_VOIDED', 'COVERAGE_ADDED', 'COVERAGE_ADDED', 'WARRANTY_REGISTERED']);
    });

    it('answers NOT_FOUND for a record the caller cannot see', async () => {
      const customer = await tokenFor(org, ['CUSTOMER'], { customerId: 'cust-9' });
      const response = await t.graphql(`query($id: ID!) { warrantyHistory(warrantyId: $id) { totalCount } }`, { id: ids['Q-INV-1'] }, customer);
      expect(response.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    });
  });

  describe('warrantyPolicies', () => {
    const POLICIES = `query($family: String, $region: String, $asOf: Date, $first: Int, $after: String) {
      warrantyPolicies(productFamily: $family, region: $region, asOf: $asOf, first: $first, after: $after) {
        totalCount edges { node { productFamily region version effectiveFrom termMonths labourMonths sohGuaranteePct
          throughputMwhPerKwh extensionTiers extensionWindowMonths componentScopes } }
        pageInfo { hasNextPage endCursor } } }`;

    it('lists the seeded example policies', async () => {
      const { data } = await t.graphql(POLICIES, { family: 'BATTERY' }, agent);
      const byRegion = Object.fromEntries(data.warrantyPolicies.edges.map((e: any) => [e.node.region, e.node]));
      expect(Object.keys(byRegion).sort()).toEqual(['DE-AT-CH', 'EU', 'PL', 'UK-IE']);
      expect(byRegion['DE-AT-CH']).toMatchObject({ termMonths: 120, sohGuaranteePct: 80, extensionTiers: ['EXTENDED_5Y'] });
      expect(byRegion.EU).toMatchObject({ sohGuaranteePct: 70, extensionTiers: ['EXTENDED_5Y', 'EXTENDED_10Y'], throughputMwhPerKwh: 2.9, componentScopes: ['CELLS'] });
      expect(byRegion.PL).toMatchObject({ extensionWindowMonths: 12 });
      expect(byRegion['UK-IE']).toMatchObject({ termMonths: 120, labourMonths: 60 });
    });

    it('shows the version in force at a date, and every version without one', async () => {
      await t.dataSource.query(
        `INSERT INTO warranty_policy (id, org_id, product_family, region, version, effective_from, term_months)
         VALUES (gen_random_uuid(), $1, 'INVERTER', 'PL', 2, '2026-07-01', 84)`,
        [org],
      );
      const before = await t.graphql(POLICIES, { family: 'INVERTER', region: 'PL', asOf: '2026-06-30' }, agent);
      expect(before.data.warrantyPolicies.edges.map((e: any) => [e.node.version, e.node.termMonths])).toEqual([[1, 60]]);
      const after = await t.graphql(POLICIES, { family: 'INVERTER', region: 'PL', asOf: '2026-07-01' }, agent);
      expect(after.data.warrantyPolicies.edges.map((e: any) => [e.node.version, e.node.termMonths])).toEqual([[2, 84]]);
      const all = await t.graphql(POLICIES, { family: 'INVERTER', region: 'PL' }, agent);
      expect(all.data.warrantyPolicies.totalCount).toBe(2);
    });

    it('pages', async () => {
      const first = await t.graphql(POLICIES, { first: 3 }, agent);
      expect(first.data.warrantyPolicies.edges).toHaveLength(3);
      const rest = await t.graphql(POLICIES, { first: 100, after: first.data.warrantyPolicies.pageInfo.endCursor }, agent);
      expect(rest.data.warrantyPolicies.edges.length + 3).toBe(first.data.warrantyPolicies.totalCount);
    });
  });
});
