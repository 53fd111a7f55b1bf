import { startCspPage } from '../support/gateway';
import { captureLogs } from '../support/log-capture';
import { createTestOrg, postGraphQL, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * The request limits must refuse hostile operations without refusing what the CSP really sends: a page of 100
 * cases, each with its unit's warranty and active-warranty check, through a real gateway, with the default limits.
 */
const CASES = Array.from({ length: 100 }, (_, i) => ({
  id: `page-case-${i}`,
  serialNumber: `PAGE-${String(i).padStart(3, '0')}`,
  title: `Case ${i}`,
  openedAt: '2025-06-02T08:30:00Z',
}));

const CSP_PAGE = `query CspCasePage {
  cases {
    id title serialNumber openedAt
    warranty { id serialNumber productFamily region tier status expiresAt start { status date source }
      coverages { kind scope startDate endDate labourEndDate voidedAt } policy { region version } }
    warrantyCheck { decision paysParts paysLabour reason
      coverages { active paysParts paysLabour coverage { kind scope } checks { check outcome limit reading reason } projectedEnd { date } } }
  }
}`;

describe('a CSP page through the gateway under the default limits', () => {
  let app: TestApp;
  let gateway: { url: string; stop(): Promise<void> };
  let token: string;

  beforeAll(async () => {
    app = await startTestApp();
    const org = await createTestOrg(app.dataSource, 'page');
    token = await tokenFor(org, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (let start = 0; start < CASES.length; start += 20) {
      await Promise.all(
        CASES.slice(start, start + 20).map(async (c) => {
          const { data } = await app.graphql(
            `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
            { input: { serialNumber: c.serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2024-03-01' } },
            admin,
          );
          expect(data.registerWarranty.userErrors).toEqual([]);
        }),
      );
    }
    gateway = await startCspPage(app.url, CASES);
  });

  afterAll(async () => {
    await gateway?.stop();
    await app?.stop();
  });

  it('answers 100 cases with warranty and check', async () => {
    const response = await postGraphQL(gateway.url, CSP_PAGE, undefined, token);
    expect(response.errors).toBeUndefined();
    expect(response.data.cases).toHaveLength(100);
    for (const c of response.data.cases) {
      expect(c.warranty.serialNumber).toBe(c.serialNumber);
      expect(c.warrantyCheck.decision).toBe('COVERED');
    }
  });

  it('answers the plain page (warranty keys and the check\'s decision) as a planned read: one statement for 100 cases', async () => {
    const logs = captureLogs('info');
    try {
      const response = await postGraphQL(
        gateway.url,
        'query CspPlainPage { cases { id serialNumber warranty { id serialNumber tier expiresAt } warrantyCheck { decision paysParts reason coverages { active coverage { kind scope } } } } }',
        undefined,
        token,
      );
      expect(response.errors).toBeUndefined();
      expect(response.data.cases).toHaveLength(100);
      for (const c of response.data.cases) expect(c.warrantyCheck.decision).toBe('COVERED');
      await new Promise((resolve) => setImmediate(resolve));
      const lines = logs.lines.filter((line) => line.msg === 'graphql');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ planned: true, sqlQueries: 1 });
    } finally {
      logs.stop();
    }
  });

  it('refuses the hostile aliased query the gateway passes on, with the limit in the message', async () => {
    const aliases = Array.from({ length: 100 }, (_, i) => `a${i}: warranties(first: 100) { edges { node { id history { totalCount } } } }`);
    const response = await postGraphQL(gateway.url, `{ ${aliases.join(' ')} }`, undefined, token);
    expect(response.data ?? null).toBeNull();
    expect(JSON.stringify(response.errors)).toMatch(/Aliases limit of 30 exceeded, found 100/);
  });
});
