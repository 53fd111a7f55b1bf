import { captureLogs } from '../support/log-capture';
import { startGateway, startStub, type Stub } from '../support/gateway';
import { CSP_SDL, PRODUCTS_SDL } from '../support/sibling-subgraphs';
import { loadContractSchema } from '../../src/schema-parts';
import { clockAt, createTestOrg, postGraphQL, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * An agent sees a unit's open campaigns inline on the CSP case, safety recalls first, whatever the customer called
 * about (rule 19): 100 cases through a real gateway cost one request to this subgraph and one SQL statement. The
 * products page shows each product's campaigns.
 */
const CASES = Array.from({ length: 100 }, (_, i) => ({
  id: `campaign-case-${i}`,
  serialNumber: `CCP-${String(i).padStart(3, '0')}`,
  title: `Case ${i}`,
  openedAt: '2026-11-20T08:30:00Z',
}));
const PRODUCTS = [
  { id: 'prod-inv-10ktl', name: 'Sofar 10KTL-X G2', sku: 'SOFAR-INV-10KTL-X-G2' },
  { id: 'prod-powermagic-v2', name: 'PowerMagic V2 10', sku: 'SOFAR-PM-V2-10' },
];

const PAGE = `query CspCasesWithCampaigns { cases { id openCampaigns { status campaign { code kind title } } } }`;

describe('open campaigns on CSP cases and products through the gateway', () => {
  let app: TestApp;
  let token: string;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let stubs: Stub[] = [];

  beforeAll(async () => {
    app = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(app.dataSource, 'case-campaigns');
    token = await tokenFor(org, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (let start = 0; start < CASES.length; start += 20) {
      await Promise.all(
        CASES.slice(start, start + 20).map(async (c, offset) => {
          const i = start + offset;
          const answer = await app.graphql(
            `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
            { input: { serialNumber: c.serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: i < 50 ? '2024-02-01' : '2024-09-01', commissioningDate: '2024-10-01' } },
            admin,
          );
          expect(answer.data.registerWarranty.userErrors).toEqual([]);
        }),
      );
    }
    const publish = async (input: Record<string, unknown>) => {
      const answer = await app.graphql(`mutation($input: PublishCampaignInput!) { publishCampaign(input: $input) { userErrors { code message } } }`, { input }, admin);
      expect(answer.data.publishCampaign.userErrors).toEqual([]);
    };
    const remedy = { currency: 'EUR', parts: [{ partNumber: 'FW-KIT', quantity: '1', unitPrice: '10' }] };
    // Every unit: a service campaign (published first, code first); units produced in the first half of 2024: a recall.
    await publish({ code: 'A-SERVICE-FAN', title: 'Fan firmware', kind: 'SERVICE_CAMPAIGN', periodFrom: '2026-01-01', remedy, skuRanges: [{ sku: 'SOFAR-INV-10KTL-X-G2' }] });
    await publish({ code: 'Z-RECALL-PB', title: 'Power board', kind: 'SAFETY_RECALL', periodFrom: '2026-06-01', remedy, skuRanges: [{ sku: 'SOFAR-INV-10KTL-X-G2', producedFrom: '2024-01-01', producedTo: '2024-06-30' }] });
    // An ended campaign is not shown.
    await publish({ code: 'OLD-CAMPAIGN', title: 'Ended', kind: 'SAFETY_RECALL', periodFrom: '2025-01-01', periodTo: '2025-12-31', remedy, serialNumbers: ['CCP-000'] });

    const csp = await startStub(CSP_SDL, {
      Query: { cases: () => CASES },
      Case: { __resolveReference: (ref: { id: string }) => CASES.find((c) => c.id === ref.id) ?? null },
    });
    const products = await startStub(PRODUCTS_SDL, {
      Query: { products: () => PRODUCTS },
      Product: { __resolveReference: (ref: { id: string }) => PRODUCTS.find((p) => p.id === ref.id) ?? null },
    });
    stubs = [csp, products];
    gateway = await startGateway([
      { name: 'warranty', url: app.url, sdl: loadContractSchema() },
      { name: 'csp', url: csp.url, sdl: CSP_SDL },
      { name: 'products', url: products.url, sdl: PRODUCTS_SDL },
    ]);
  });

  afterAll(async () => {
    await gateway?.server.stop();
    await Promise.all(stubs.map((stub) => stub.server.stop()));
    await app?.stop();
  });

  it('answers 100 cases with their open campaigns, safety recalls first, in one subgraph request and one statement', async () => {
    const logs = captureLogs('info');
    try {
      const response = await postGraphQL(gateway.url, PAGE, undefined, token);
      await new Promise((resolve) => setImmediate(resolve));
      expect(response.errors).toBeUndefined();
      const cases = response.data.cases;
      expect(cases).toHaveLength(100);
      cases.forEach((c: any, i: number) => {
        const codes = c.openCampaigns.map((o: any) => o.campaign.code);
        expect(codes).toEqual(i < 50 ? ['Z-RECALL-PB', 'A-SERVICE-FAN'] : ['A-SERVICE-FAN']);
        expect(c.openCampaigns.every((o: any) => o.status === 'OPEN')).toBe(true);
      });
      expect(cases[0].openCampaigns[0].campaign).toEqual({ code: 'Z-RECALL-PB', kind: 'SAFETY_RECALL', title: 'Power board' });
      const lines = logs.lines.filter((l) => l.msg === 'graphql' && l.operation !== null);
      expect(lines).toHaveLength(1);
      expect(lines[0].sqlQueries).toBe(1);
    } finally {
      logs.stop();
    }
  });

  it("shows each product's campaigns through the gateway", async () => {
    const response = await postGraphQL(gateway.url, `query { products { id campaigns { code kind } } }`, undefined, token);
    expect(response.errors).toBeUndefined();
    expect(response.data.products).toEqual([
      { id: 'prod-inv-10ktl', campaigns: [{ code: 'OLD-CAMPAIGN', kind: 'SAFETY_RECALL' }, { code: 'Z-RECALL-PB', kind: 'SAFETY_RECALL' }, { code: 'A-SERVICE-FAN', kind: 'SERVICE_CAMPAIGN' }] },
      { id: 'prod-powermagic-v2', campaigns: [] },
    ]);
  });
});
