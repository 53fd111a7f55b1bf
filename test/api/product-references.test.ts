import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const UPSERT = `mutation($input: UpsertProductReferencesInput!) { upsertProductReferences(input: $input) {
  productReferences { sku productId productFamily capacityKwh updatedAt updatedById }
  created updated unchanged userErrors { code field message } } }`;
const LIST = `query($first: Int, $after: String, $skuPrefix: String) { productReferences(first: $first, after: $after, skuPrefix: $skuPrefix) {
  edges { cursor node { sku productId productFamily capacityKwh } } pageInfo { hasNextPage hasPreviousPage endCursor } totalCount } }`;
const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) {
  warranty { id sku productFamily capacityKwh product { id } policy { productFamily version }
             coverages { scope limits { throughputMwh } } }
  userErrors { code field message } } }`;
const WARRANTY = `query($serialNumber: String!) { warranty(serialNumber: $serialNumber) {
  productFamily capacityKwh product { id } policy { productFamily } coverages { scope limits { throughputMwh } } } }`;

/** An organisation with the example policies but no product reference at all, as a new customer starts. */
async function orgWithoutReferences(t: TestApp, label: string): Promise<string> {
  const org = await createTestOrg(t.dataSource, label);
  await t.dataSource.query('DELETE FROM product_reference WHERE org_id = $1', [org]);
  return org;
}

describe('product references', () => {
  let t: TestApp;
  let org: string;
  let admin: string;

  const upsert = (references: unknown[], token = admin) => t.graphql(UPSERT, { input: { references } }, token);
  const register = (input: Record<string, unknown>, token = admin) =>
    t.graphql(REGISTER, { input: { site: { countryCode: 'DE' }, commissioningDate: '2026-05-01', ...input } }, token);
  const stored = async (orgId = org) =>
    (await t.dataSource.query(
      'SELECT sku, product_id, product_family, capacity_kwh::float AS capacity, updated_by_id FROM product_reference WHERE org_id = $1 ORDER BY sku',
      [orgId],
    )) as Array<{ sku: string; product_id: string; product_family: string; capacity: number | null; updated_by_id: string | null }>;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await orgWithoutReferences(t, 'products');
    admin = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'catalogue-admin' });
  });
  afterAll(() => t.stop());

  it('lets a new organisation register a unit once its admin has upserted the SKU', async () => {
    const refused = await register({ serialNumber: 'NEW-BAT-1', sku: 'NB-BAT-10' }, await tokenFor(org, ['INSTALLER']));
    expect(refused.data.registerWarranty.userErrors).toEqual([
      { code: 'BAD_USER_INPUT', field: ['input', 'sku'], message: expect.stringContaining('NB-BAT-10') },
    ]);

    const { data } = await upsert([{ sku: '  NB-BAT-10 ', productId: 'prod-nb-bat', productFamily: 'battery', capacityKwh: 10 }]);
    expect(data.upsertProductReferences).toMatchObject({
      created: 1, updated: 0, unchanged: 0, userErrors: [],
      productReferences: [{ sku: 'NB-BAT-10', productId: 'prod-nb-bat', productFamily: 'BATTERY', capacityKwh: 10, updatedById: 'catalogue-admin' }],
    });

    const registered = await register({ serialNumber: 'NEW-BAT-1', sku: 'NB-BAT-10' }, await tokenFor(org, ['INSTALLER']));
    expect(registered.data.registerWarranty.userErrors).toEqual([]);
    expect(registered.data.registerWarranty.warranty).toMatchObject({
      sku: 'NB-BAT-10', productFamily: 'BATTERY', capacityKwh: 10, product: { id: 'prod-nb-bat' },
      policy: { productFamily: 'BATTERY', version: 1 },
    });
    // The battery policy's throughput cap is per kWh of capacity (2.9 MWh/kWh): the upserted capacity is used.
    expect(registered.data.registerWarranty.warranty.coverages).toEqual(
      expect.arrayContaining([{ scope: 'UNIT', limits: { throughputMwh: 29 } }]),
    );
  });

  it('tells created from updated from unchanged, and keeps who changed a row last', async () => {
    const first = await upsert([
      { sku: 'CNT-A', productId: 'prod-a', productFamily: 'INVERTER' },
      { sku: 'CNT-B', productId: 'prod-b', productFamily: 'INVERTER' },
    ]);
    expect(first.data.upsertProductReferences).toMatchObject({ created: 2, updated: 0, unchanged: 0 });

    const other = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'second-admin' });
    const { data } = await upsert(
      [
        { sku: 'CNT-C', productId: 'prod-c', productFamily: 'INVERTER' },
        { sku: 'CNT-A', productId: 'prod-a', productFamily: 'INVERTER' },
        { sku: 'CNT-B', productId: 'prod-b2', productFamily: 'INVERTER', capacityKwh: 1.5 },
      ],
      other,
    );
    expect(data.upsertProductReferences).toMatchObject({ created: 1, updated: 1, unchanged: 1, userErrors: [] });
    // In the order sent; the unchanged row still names its first author.
    expect(data.upsertProductReferences.productReferences.map((r: any) => [r.sku, r.productId, r.capacityKwh, r.updatedById])).toEqual([
      ['CNT-C', 'prod-c', null, 'second-admin'],
      ['CNT-A', 'prod-a', null, 'catalogue-admin'],
      ['CNT-B', 'prod-b2', 1.5, 'second-admin'],
    ]);

    // Sending a capacity of null clears it.
    const cleared = await upsert([{ sku: 'CNT-B', productId: 'prod-b2', productFamily: 'INVERTER', capacityKwh: null }]);
    expect(cleared.data.upsertProductReferences).toMatchObject({ created: 0, updated: 1, unchanged: 0 });
    expect((await stored()).find((r) => r.sku === 'CNT-B')).toMatchObject({ capacity: null, updated_by_id: 'catalogue-admin' });
  });

  it.each([['AGENT'], ['INSTALLER'], ['CUSTOMER'], ['SERVICE']] as const)('refuses role %s with FORBIDDEN and writes nothing', async (role) => {
    const before = await stored();
    const { data } = await upsert([{ sku: 'FORBIDDEN-1', productId: 'p', productFamily: 'INVERTER' }], await tokenFor(org, [role]));
    expect(data.upsertProductReferences).toEqual({
      productReferences: null, created: 0, updated: 0, unchanged: 0,
      userErrors: [{ code: 'FORBIDDEN', field: null, message: expect.stringContaining('WARRANTY_ADMIN') }],
    });
    expect(await stored()).toEqual(before);
  });

  it('refuses a request without a token', async () => {
    const response = await t.graphql(UPSERT, { input: { references: [{ sku: 'X', productId: 'p', productFamily: 'INVERTER' }] } }, null);
    expect(response.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  const valid = { sku: 'VAL-OK', productId: 'prod-ok', productFamily: 'INVERTER', capacityKwh: 5 };
  it.each([
    ['an empty SKU', { sku: '' }, 'sku'],
    ['a SKU of spaces', { sku: '   ' }, 'sku'],
    ['a SKU with a NUL byte', { sku: 'AB\u0000C' }, 'sku'],
    ['a SKU with a line break', { sku: 'AB\nC' }, 'sku'],
    ['a SKU over 100 characters', { sku: 'S'.repeat(101) }, 'sku'],
    ['an empty product id', { productId: ' ' }, 'productId'],
    ['a family that is not an identifier', { productFamily: 'HEAT PUMP' }, 'productFamily'],
    ['a family starting with a digit', { productFamily: '2WHEELER' }, 'productFamily'],
    ['a zero capacity', { capacityKwh: 0 }, 'capacityKwh'],
    ['a negative capacity', { capacityKwh: -5 }, 'capacityKwh'],
    ['a capacity beyond numeric(8,2)', { capacityKwh: 1000000 }, 'capacityKwh'],
    ['a capacity with three decimals', { capacityKwh: 10.125 }, 'capacityKwh'],
  ])('refuses %s with the path of the field, and writes nothing of the call', async (_, override, field) => {
    const before = await stored();
    // The bad row comes third: the two good rows before it must not be written either.
    const { data } = await upsert([
      { ...valid, sku: 'VAL-1' },
      { ...valid, sku: 'VAL-2' },
      { ...valid, sku: 'VAL-3', ...override },
    ]);
    expect(data.upsertProductReferences.userErrors).toEqual([
      { code: 'BAD_USER_INPUT', field: ['input', 'references', '2', field], message: expect.any(String) },
    ]);
    expect(data.upsertProductReferences.productReferences).toBeNull();
    expect(await stored()).toEqual(before);
  });

  it('accepts the largest capacity the column holds and two decimals', async () => {
    const { data } = await upsert([{ ...valid, sku: 'CAP-MAX', capacityKwh: 999999.99 }, { ...valid, sku: 'CAP-2D', capacityKwh: 10.05 }]);
    expect(data.upsertProductReferences.productReferences.map((r: any) => r.capacityKwh)).toEqual([999999.99, 10.05]);
  });

  it('refuses a SKU sent twice in one call, naming the second one (after trimming)', async () => {
    const { data } = await upsert([
      { ...valid, sku: 'DUP-A' },
      { ...valid, sku: 'DUP-B' },
      { ...valid, sku: 'DUP-C' },
      { ...valid, sku: ' DUP-B ' },
    ]);
    expect(data.upsertProductReferences.userErrors).toEqual([
      { code: 'BAD_USER_INPUT', field: ['input', 'references', '3', 'sku'], message: expect.stringContaining('DUP-B') },
    ]);
    expect((await stored()).filter((r) => r.sku.startsWith('DUP-'))).toEqual([]);
  });

  it('takes up to 1,000 references in one call and refuses 1,001 or none, naming the list', async () => {
    const rows = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ sku: `${prefix}-${String(i).padStart(4, '0')}`, productId: `prod-${i}`, productFamily: 'INVERTER' }));
    const many = await upsert(rows(1000, 'BULK'));
    expect(many.data.upsertProductReferences).toMatchObject({ created: 1000, updated: 0, userErrors: [] });
    expect(many.data.upsertProductReferences.productReferences).toHaveLength(1000);

    const tooMany = await upsert(rows(1001, 'OVER'));
    expect(tooMany.data.upsertProductReferences.userErrors).toEqual([
      { code: 'BAD_USER_INPUT', field: ['input', 'references'], message: expect.stringContaining('1000') },
    ]);
    expect((await stored()).filter((r) => r.sku.startsWith('OVER-'))).toEqual([]);

    const none = await upsert([]);
    expect(none.data.upsertProductReferences.userErrors).toEqual([
      { code: 'BAD_USER_INPUT', field: ['input', 'references'], message: expect.any(String) },
    ]);
  });

  it('lets two admins upsert overlapping lists at the same time, in opposite orders', async () => {
    const list = Array.from({ length: 500 }, (_, i) => ({ sku: `RACE-${String(i).padStart(3, '0')}`, productId: `p-${i}`, productFamily: 'INVERTER' }));
    const other = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'racing-admin' });
    // Half the rows exist already, so the calls both insert and update (lock) rows the other one touches.
    await upsert(list.filter((_, i) => i % 2 === 0));
    const results = await Promise.all(
      [0, 1, 2, 3].map((round) =>
        upsert(
          round % 2 ? [...list].reverse().map((r) => ({ ...r, productId: `${r.productId}-r${round}` })) : list.map((r) => ({ ...r, productId: `${r.productId}-r${round}` })),
          round % 2 ? other : admin,
        ),
      ),
    );
    for (const { data, errors } of results) {
      expect(errors).toBeUndefined();
      expect(data.upsertProductReferences.userErrors).toEqual([]);
    }
    expect(results.reduce((sum, { data }) => sum + data.upsertProductReferences.created, 0)).toBe(250);
    expect((await stored()).filter((r) => r.sku.startsWith('RACE-'))).toHaveLength(500);
  });

  it('keeps registered units on the family, capacity and policy they were registered under', async () => {
    await upsert([{ sku: 'KEEP-BAT', productId: 'prod-keep', productFamily: 'BATTERY', capacityKwh: 5 }]);
    const before = await register({ serialNumber: 'KEEP-1', sku: 'KEEP-BAT' });
    expect(before.data.registerWarranty.userErrors).toEqual([]);

    const { data } = await upsert([{ sku: 'KEEP-BAT', productId: 'prod-keep-2', productFamily: 'BATTERY', capacityKwh: 20 }]);
    expect(data.upsertProductReferences).toMatchObject({ created: 0, updated: 1 });

    const old = await t.graphql(WARRANTY, { serialNumber: 'KEEP-1' }, admin);
    expect(old.data.warranty).toMatchObject({ productFamily: 'BATTERY', capacityKwh: 5, product: { id: 'prod-keep' } });
    expect(old.data.warranty.coverages).toEqual(expect.arrayContaining([{ scope: 'UNIT', limits: { throughputMwh: 14.5 } }]));

    const after = await register({ serialNumber: 'KEEP-2', sku: 'KEEP-BAT' });
    expect(after.data.registerWarranty.warranty).toMatchObject({ capacityKwh: 20, product: { id: 'prod-keep-2' } });

    // A family change too: the unit stays a battery under the battery policy.
    await upsert([{ sku: 'KEEP-BAT', productId: 'prod-keep-2', productFamily: 'INVERTER' }]);
    const still = await t.graphql(WARRANTY, { serialNumber: 'KEEP-1' }, admin);
    expect(still.data.warranty).toMatchObject({ productFamily: 'BATTERY', capacityKwh: 5, policy: { productFamily: 'BATTERY' } });
  });

  it('accepts a family with no policy yet; registering it then answers NO_POLICY', async () => {
    const { data } = await upsert([{ sku: 'HP-NEW', productId: 'prod-hp', productFamily: 'HEAT_PUMP' }]);
    expect(data.upsertProductReferences).toMatchObject({ created: 1, userErrors: [] });
    const registered = await register({ serialNumber: 'HP-NEW-1', sku: 'HP-NEW' });
    expect(registered.data.registerWarranty.userErrors[0]).toMatchObject({ code: 'NO_POLICY', message: expect.stringContaining('HEAT_PUMP') });
  });

  describe('productReferences', () => {
    let listOrg: string;
    let reader: string;
    beforeAll(async () => {
      listOrg = await orgWithoutReferences(t, 'products-list');
      const listAdmin = await tokenFor(listOrg, ['WARRANTY_ADMIN']);
      await upsert(
        ['LST-C', 'LST-A', 'OTHER-1', 'LST-B', 'LST-D', 'PCT%1', 'PCTX1'].map((sku) => ({ sku, productId: `p-${sku}`, productFamily: 'INVERTER' })),
        listAdmin,
      );
      reader = await tokenFor(listOrg, ['CUSTOMER'], { customerId: 'cust-1' });
    });

    it('pages through the organisation\'s references by SKU, for any role', async () => {
      const page1 = await t.graphql(LIST, { first: 2 }, reader);
      expect(page1.data.productReferences.edges.map((e: any) => e.node.sku)).toEqual(['LST-A', 'LST-B']);
      expect(page1.data.productReferences).toMatchObject({ totalCount: 7, pageInfo: { hasNextPage: true, hasPreviousPage: false } });

      const page2 = await t.graphql(LIST, { first: 3, after: page1.data.productReferences.pageInfo.endCursor }, reader);
      expect(page2.data.productReferences.edges.map((e: any) => e.node.sku)).toEqual(['LST-C', 'LST-D', 'OTHER-1']);
      expect(page2.data.productReferences.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    });

    it('filters by SKU prefix, taking % and _ literally', async () => {
      const lst = await t.graphql(LIST, { skuPrefix: 'LST-' }, reader);
      expect(lst.data.productReferences.edges.map((e: any) => e.node.sku)).toEqual(['LST-A', 'LST-B', 'LST-C', 'LST-D']);
      expect(lst.data.productReferences.totalCount).toBe(4);
      const literal = await t.graphql(LIST, { skuPrefix: 'PCT%' }, reader);
      expect(literal.data.productReferences.edges.map((e: any) => e.node.sku)).toEqual(['PCT%1']);
    });

    it('refuses a page size out of bounds and a foreign cursor', async () => {
      expect((await t.graphql(LIST, { first: 101 }, reader)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((await t.graphql(LIST, { first: 0 }, reader)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect((await t.graphql(LIST, { after: 'not-a-cursor' }, reader)).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('keeps organisations apart: another organisation neither sees nor changes them', async () => {
      const strangerAdmin = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'stranger' });
      const seen = await t.graphql(LIST, { skuPrefix: 'LST' }, strangerAdmin);
      expect(seen.data.productReferences).toMatchObject({ edges: [], totalCount: 0 });

      // The same SKU upserted by the other organisation is a reference of its own.
      const { data } = await upsert([{ sku: 'LST-A', productId: 'stranger-product', productFamily: 'BATTERY', capacityKwh: 3 }], strangerAdmin);
      expect(data.upsertProductReferences).toMatchObject({ created: 1, updated: 0 });
      expect((await stored(listOrg)).find((r) => r.sku === 'LST-A')).toMatchObject({ product_id: 'p-LST-A', product_family: 'INVERTER', capacity: null });
      const mine = await t.graphql(LIST, { skuPrefix: 'LST-A' }, reader);
      expect(mine.data.productReferences.edges.map((e: any) => e.node.productId)).toEqual(['p-LST-A']);
    });
  });
});
