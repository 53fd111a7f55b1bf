import type { ApolloServer } from '@apollo/server';
import { loadContractSchema } from '../../src/schema-parts';
import { CSP_SDL, CUSTOMERS_SDL, PRODUCTS_SDL } from '../support/sibling-subgraphs';
import { startGateway, startStub, type GatewayContext, type Stub } from '../support/gateway';
import { createTestOrg, postGraphQL, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * The whole federation path over real HTTP: a real @apollo/gateway in front of the real warranty subgraph and
 * stub Products, Customers and CSP subgraphs. The gateway forwards the caller's bearer token to every subgraph.
 */


const PRODUCTS = [
  { id: 'prod-inv-10ktl', name: 'Sofar 10KTL-X G2', sku: 'SOFAR-INV-10KTL-X-G2' },
  { id: 'prod-powermagic-v2', name: 'PowerMagic V2 10', sku: 'SOFAR-PM-V2-10' },
  { id: 'prod-demo-van', name: 'Demo van', sku: 'DEMO-VAN-36' },
];
const CUSTOMERS = [
  { id: 'fed-c1', name: 'Customer One' },
  { id: 'fed-c2', name: 'Customer Two' },
  { id: 'fed-c3', name: 'Customer Three' },
];
const CASES = [
  { id: 'case-1', serialNumber: 'FED-A-INV-1', title: 'Inverter fault', openedAt: '2025-06-01T09:00:00Z' },
  { id: 'case-2', serialNumber: 'FED-A-BAT-1', title: 'Battery capacity', openedAt: '2025-06-01T09:00:00Z' },
  { id: 'case-3', serialNumber: 'FED-B-INV-1', title: 'Another org unit' },
  { id: 'case-4', serialNumber: 'FED-UNKNOWN-1', title: 'Never registered' },
  { id: 'case-5', serialNumber: null, title: 'No serial yet' },
];

const REGISTER = `mutation($input: RegisterWarrantyInput!) {
  registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } }
}`;

// A fixed asOf keeps the status independent of the day the test runs (units commissioned 2024-03-01).
const CASES_QUERY = `{ cases { id serialNumber warranty { serialNumber region status(asOf: "2025-06-01") coverages { scope } } } }`;

describe('gateway end to end', () => {
  let app: TestApp;
  let stubs: Stub[] = [];
  let gatewayServer: ApolloServer<GatewayContext> | undefined;
  let gatewayUrl: string;
  let orgA: string;
  let orgB: string;
  let tokenA: string;
  let tokenB: string;

  async function register(token: string, input: Record<string, unknown>): Promise<void> {
    const response = await app.graphql(REGISTER, {
      input: { site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2024-03-01', ...input },
    }, token);
    expect(response.errors).toBeUndefined();
    expect(response.data.registerWarranty.userErrors).toEqual([]);
  }

  beforeAll(async () => {
    app = await startTestApp();
    orgA = await createTestOrg(app.dataSource, 'fed-a');
    orgB = await createTestOrg(app.dataSource, 'fed-b');
    tokenA = await tokenFor(orgA, ['WARRANTY_ADMIN']);
    tokenB = await tokenFor(orgB, ['WARRANTY_ADMIN']);

    await Promise.all([
      register(tokenA, { serialNumber: 'FED-A-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'fed-c1' }),
      register(tokenA, { serialNumber: 'FED-A-BAT-1', sku: 'SOFAR-PM-V2-10', customerId: 'fed-c2' }),
      register(tokenA, { serialNumber: 'FED-A-INV-2', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'fed-c1' }),
      // Org B: its own unit, and one for the same customer id, which org A must not see.
      register(tokenB, { serialNumber: 'FED-B-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'fed-c1' }),
    ]);

    const products = await startStub(PRODUCTS_SDL, {
      Query: { products: () => PRODUCTS },
      Product: { __resolveReference: (ref: { id: string }) => PRODUCTS.find((p) => p.id === ref.id) ?? null },
    });
    const customers = await startStub(CUSTOMERS_SDL, {
      Query: { customers: () => CUSTOMERS },
      Customer: { __resolveReference: (ref: { id: string }) => CUSTOMERS.find((c) => c.id === ref.id) ?? null },
    });
    const csp = await startStub(CSP_SDL, {
      Query: { cases: () => CASES },
      Case: { __resolveReference: (ref: { id: string }) => CASES.find((c) => c.id === ref.id) ?? null },
    });
    stubs = [products, customers, csp];

    const gateway = await startGateway([
      { name: 'warranty', url: app.url, sdl: loadContractSchema() },
      { name: 'products', url: products.url, sdl: PRODUCTS_SDL },
      { name: 'customers', url: customers.url, sdl: CUSTOMERS_SDL },
      { name: 'csp', url: csp.url, sdl: CSP_SDL },
    ]);
    gatewayServer = gateway.server;
    gatewayUrl = gateway.url;
  });

  afterAll(async () => {
    await gatewayServer?.stop();
    await Promise.all(stubs.map((stub) => stub.server.stop()));
    await app?.stop();
  });

  it('resolves each case’s warranty inline for the caller’s organisation only', async () => {
    const response = await postGraphQL(gatewayUrl, CASES_QUERY, undefined, tokenA);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data.cases).toEqual([
      {
        id: 'case-1',
        serialNumber: 'FED-A-INV-1',
        warranty: { serialNumber: 'FED-A-INV-1', region: 'DE-AT-CH', status: 'ACTIVE', coverages: [{ scope: 'UNIT' }] },
      },
      {
        id: 'case-2',
        serialNumber: 'FED-A-BAT-1',
        warranty: {
          serialNumber: 'FED-A-BAT-1',
          region: 'DE-AT-CH',
          status: 'ACTIVE',
          coverages: expect.arrayContaining([{ scope: 'UNIT' }, { scope: 'CELLS' }]),
        },
      },
      // Registered in org B only: invisible to org A.
      { id: 'case-3', serialNumber: 'FED-B-INV-1', warranty: null },
      // Unknown serial.
      { id: 'case-4', serialNumber: 'FED-UNKNOWN-1', warranty: null },
      // No serial at all.
      { id: 'case-5', serialNumber: null, warranty: null },
    ]);
    expect(response.data.cases[1].warranty.coverages).toHaveLength(2);
  });

  it('forwards the JWT: an org-B token sees only org B’s unit', async () => {
    const response = await postGraphQL(gatewayUrl, `{ cases { id warranty { serialNumber } } }`, undefined, tokenB);
    expect(response.errors).toBeUndefined();
    expect(response.data.cases.map((c: { id: string; warranty: unknown }) => [c.id, c.warranty])).toEqual([
      ['case-1', null],
      ['case-2', null],
      ['case-3', { serialNumber: 'FED-B-INV-1' }],
      ['case-4', null],
      ['case-5', null],
    ]);
  });

  it('without a token, the warranty fields fail UNAUTHENTICATED and return no warranty data', async () => {
    const response = await postGraphQL(gatewayUrl, CASES_QUERY, undefined, null);
    expect(response.status).toBe(200);
    // The CSP's own fields still resolve; every warranty is null.
    expect(response.data.cases.map((c: { id: string }) => c.id)).toEqual(CASES.map((c) => c.id));
    for (const c of response.data.cases) expect(c.warranty).toBeNull();
    expect(response.errors?.length).toBeGreaterThan(0);
    expect(response.errors!.every((e) => e.extensions?.code === 'UNAUTHENTICATED')).toBe(true);
    expect(JSON.stringify(response)).not.toContain('DE-AT-CH');
  });

  it('adds registeredUnitsCount and warrantyPolicies to Products', async () => {
    const query = `{ products { id name registeredUnitsCount warrantyPolicies(region: "DE-AT-CH") { productFamily region version } } }`;
    const responseA = await postGraphQL(gatewayUrl, query, undefined, tokenA);
    expect(responseA.errors).toBeUndefined();
    expect(responseA.data.products).toEqual([
      {
        id: 'prod-inv-10ktl',
        name: 'Sofar 10KTL-X G2',
        registeredUnitsCount: 2,
        warrantyPolicies: [{ productFamily: 'INVERTER', region: 'DE-AT-CH', version: 1 }],
      },
      {
        id: 'prod-powermagic-v2',
        name: 'PowerMagic V2 10',
        registeredUnitsCount: 1,
        warrantyPolicies: [{ productFamily: 'BATTERY', region: 'DE-AT-CH', version: 1 }],
      },
      {
        id: 'prod-demo-van',
        name: 'Demo van',
        registeredUnitsCount: 0,
        // No DE-AT-CH vehicle policy: the EU row is the one that applies there (rule 1 fallback).
        warrantyPolicies: [{ productFamily: 'VEHICLE', region: 'EU', version: 1 }],
      },
    ]);

    const responseB = await postGraphQL(gatewayUrl, `{ products { id registeredUnitsCount } }`, undefined, tokenB);
    expect(responseB.errors).toBeUndefined();
    expect(responseB.data.products.map((p: { registeredUnitsCount: number }) => p.registeredUnitsCount)).toEqual([1, 0, 0]);
  });

  it('adds warranties to Customers, scoped to the caller’s organisation', async () => {
    const query = `{ customers { id name warranties { totalCount edges { node { serialNumber product { id name } customer { id name } } } } } }`;
    const response = await postGraphQL(gatewayUrl, query, undefined, tokenA);
    expect(response.errors).toBeUndefined();
    const byCustomer = Object.fromEntries(
      response.data.customers.map((c: any) => [
        c.id,
        { totalCount: c.warranties.totalCount, serials: c.warranties.edges.map((e: any) => e.node.serialNumber).sort() },
      ]),
    );
    expect(byCustomer).toEqual({
      'fed-c1': { totalCount: 2, serials: ['FED-A-INV-1', 'FED-A-INV-2'] },
      'fed-c2': { totalCount: 1, serials: ['FED-A-BAT-1'] },
      'fed-c3': { totalCount: 0, serials: [] },
    });
    // And back out to the owning subgraphs: the record's product and customer come from the stubs.
    const node = response.data.customers[1].warranties.edges[0].node;
    expect(node).toEqual({
      serialNumber: 'FED-A-BAT-1',
      product: { id: 'prod-powermagic-v2', name: 'PowerMagic V2 10' },
      customer: { id: 'fed-c2', name: 'Customer Two' },
    });
  });

  it('resolves Query.warranty through the gateway', async () => {
    const query = `query($s: String!) { warranty(serialNumber: $s) { serialNumber product { sku } } }`;
    const own = await postGraphQL(gatewayUrl, query, { s: 'FED-A-INV-1' }, tokenA);
    expect(own.errors).toBeUndefined();
    expect(own.data.warranty).toEqual({ serialNumber: 'FED-A-INV-1', product: { sku: 'SOFAR-INV-10KTL-X-G2' } });
    const other = await postGraphQL(gatewayUrl, query, { s: 'FED-B-INV-1' }, tokenA);
    expect(other.errors).toBeUndefined();
    expect(other.data.warranty).toBeNull();
  });

  it('resolves each case\'s active-warranty check inline, on the day the case was opened', async () => {
    const response = await postGraphQL(gatewayUrl, `{ cases { id warrantyCheck { decision reason repairDate coverages { coverage { scope } active } } } }`, undefined, tokenA);
    const byId = Object.fromEntries(response.data.cases.map((c: { id: string; warrantyCheck: unknown }) => [c.id, c.warrantyCheck]));
    expect(byId['case-1']).toMatchObject({ decision: 'COVERED', repairDate: '2025-06-01', coverages: [{ coverage: { scope: 'UNIT' }, active: true }] });
    expect(byId['case-1'].reason).toContain('INVERTER DE-AT-CH v1');
    // The battery's throughput cap needs a reading the case does not carry: refused, not passed.
    expect(byId['case-2']).toBeNull();
    expect(response.errors).toEqual([expect.objectContaining({ path: ['cases', 1, 'warrantyCheck'], extensions: expect.objectContaining({ code: 'READING_REQUIRED' }) })]);
    for (const id of ['case-3', 'case-4', 'case-5']) expect(byId[id]).toBeNull();
  });
});
