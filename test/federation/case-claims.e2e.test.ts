import { captureLogs } from '../support/log-capture';
import { startCspPage } from '../support/gateway';
import { clockAt, createTestOrg, postGraphQL, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * The CSP frontend sees each case's claims inline, with their SLA state: 100 cases through a real gateway cost one
 * request to this subgraph and a constant number of SQL statements, not one per case.
 */
const CASES = Array.from({ length: 100 }, (_, i) => ({
  id: `claims-case-${i}`,
  serialNumber: `CC-${String(i).padStart(3, '0')}`,
  title: `Case ${i}`,
  openedAt: '2026-11-20T08:30:00Z',
}));

const PAGE = `query CspCasesWithClaims {
  cases {
    id
    claims { totalCount edges { node { kind status cover total { amount currency } sla { response { dueAt state serviceHoursLeft } onsite { dueAt state } } warranty { serialNumber } } } }
  }
}`;

describe('CSP cases with their claims through the gateway', () => {
  let app: TestApp;
  let gateway: { url: string; stop(): Promise<void> };
  let token: string;

  beforeAll(async () => {
    app = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(app.dataSource, 'case-claims');
    token = await tokenFor(org, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (let start = 0; start < CASES.length; start += 20) {
      await Promise.all(
        CASES.slice(start, start + 20).map(async (c, offset) => {
          const registered = await app.graphql(
            `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
            { input: { serialNumber: c.serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2024-03-01' } },
            admin,
          );
          expect(registered.data.registerWarranty.userErrors).toEqual([]);
          // Every fifth case has no claim; the others one.
          if ((start + offset) % 5 === 0) return;
          const claimed = await app.graphql(
            `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { userErrors { message } } }`,
            { input: { serialNumber: c.serialNumber, kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', cspCaseId: c.id, lines: [{ kind: 'LABOUR', hours: '1', rate: '70' }] } },
            token,
          );
          expect(claimed.data.submitClaim.userErrors).toEqual([]);
        }),
      );
    }
    gateway = await startCspPage(app.url, CASES);
  });

  afterAll(async () => {
    await gateway?.stop();
    await app?.stop();
  });

  it('answers 100 cases with their claims and SLA state in one subgraph request and constant SQL', async () => {
    const logs = captureLogs('info');
    try {
      const response = await postGraphQL(gateway.url, PAGE, undefined, token);
      await new Promise((resolve) => setImmediate(resolve));
      expect(response.errors).toBeUndefined();
      const cases = response.data.cases;
      expect(cases).toHaveLength(100);
      cases.forEach((c: any, i: number) => {
        if (i % 5 === 0) return expect(c.claims).toEqual({ totalCount: 0, edges: [] });
        expect(c.claims.totalCount).toBe(1);
        expect(c.claims.edges.map((e: any) => e.node)).toEqual([
          {
            kind: 'REPAIR',
            status: 'SUBMITTED',
            cover: 'COVERED',
            total: { amount: '70.00', currency: 'EUR' },
            sla: { response: { dueAt: expect.any(String), state: 'RUNNING', serviceHoursLeft: expect.any(Number) }, onsite: { dueAt: expect.any(String), state: 'RUNNING' } },
            warranty: { serialNumber: c.id.replace('claims-case-', 'CC-').replace(/CC-(\d+)$/, (_: string, n: string) => `CC-${n.padStart(3, '0')}`) },
          },
        ]);
        // Submitted at most a few minutes (of the test clock) ago: nearly all 8 service hours are left.
        expect(c.claims.edges[0].node.sla.response.serviceHoursLeft).toBeGreaterThan(7);
        expect(c.claims.edges[0].node.sla.response.serviceHoursLeft).toBeLessThanOrEqual(8);
      });
      const lines = logs.lines.filter((l) => l.msg === 'graphql' && l.operation !== null);
      // One request from the gateway to this subgraph (the _entities fetch for the cases).
      expect(lines).toHaveLength(1);
      // However many cases: their claims' page and counts, and for the service hours left of running targets, the
      // claims' units and the service calendar versions they keep (rule 9), one statement each.
      expect(lines[0].sqlQueries).toBe(4);
    } finally {
      logs.stop();
    }
  });

  it('without the service hours left, a page of cases with their claims and SLA states costs two statements (page and counts)', async () => {
    const logs = captureLogs('info');
    try {
      const response = await postGraphQL(gateway.url, `query CspCaseStates { cases { id claims { edges { node { status sla { response { dueAt state } onsite { state } } } } } } }`, undefined, token);
      await new Promise((resolve) => setImmediate(resolve));
      expect(response.errors).toBeUndefined();
      expect(response.data.cases.filter((c: any) => c.claims.edges.length === 1)).toHaveLength(80);
      const lines = logs.lines.filter((l) => l.msg === 'graphql' && l.operation !== null);
      expect(lines).toHaveLength(1);
      expect(lines[0].sqlQueries).toBe(2);
    } finally {
      logs.stop();
    }
  });

  it('refuses a page of cases asking 100 claims each, by the estimate with its representations, before any SQL', async () => {
    const logs = captureLogs('info');
    try {
      const response = await postGraphQL(
        gateway.url,
        `query CspCasesAllClaims { cases { id claims(first: 100) { edges { node { kind status cover total { amount currency } sla { response { dueAt state } onsite { dueAt state } } } } } } }`,
        undefined,
        token,
      );
      await new Promise((resolve) => setImmediate(resolve));
      expect(response.data ?? null).toBeNull();
      // 100 representations × 100 claims × their fields.
      expect(JSON.stringify(response.errors)).toMatch(/Query Cost limit of 25000 exceeded, found \d+/);
      const lines = logs.lines.filter((l) => l.msg === 'graphql' && l.operation !== null);
      expect(lines).toHaveLength(1);
      expect(lines[0].sqlQueries).toBe(0);
    } finally {
      logs.stop();
    }
  });
});
