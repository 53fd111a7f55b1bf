import { captureLogs } from '../support/log-capture';
import { clockAt, createTestOrg, postGraphQL, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * What a claim costs in SQL statements (the request log's sqlQueries): intake reads the unit's coverages and
 * policies through the coverage check's loaders, in the claim's transaction, and a REPLACE completion registers
 * the replacement through records. The counts are a ceiling: a change that adds a statement shows up here.
 */
describe('claim SQL statements', () => {
  let t: TestApp;
  let agent: string;
  let admin: string;
  let org: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    org = await createTestOrg(t.dataSource, 'claim-statements');
    agent = await tokenFor(org, ['AGENT']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (const serialNumber of ['CS-1', 'CS-2', 'CS-3', 'CS-4']) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
    const operations = [
      { code: 'CS-PB-SWAP', version: 1, description: 'Replace the power board', productFamily: 'INVERTER', standardHours: '2', validFrom: '2024-01-01' },
      { code: 'CS-DIAG', version: 1, description: 'Diagnose', productFamily: 'INVERTER', standardHours: '1', validFrom: '2024-01-01' },
    ];
    const published = await t.graphql(
      `mutation($input: PublishLabourOperationsInput!) { publishLabourOperations(input: $input) { userErrors { message } } }`, { input: { operations } }, admin,
    );
    expect(published.data.publishLabourOperations.userErrors).toEqual([]);
    const rate = await t.graphql(
      `mutation { publishLabourRate(input: { region: "DE-AT-CH", hourlyRate: { amount: "75", currency: "EUR" }, validFrom: "2024-01-01" }) { userErrors { message } } }`, {}, admin,
    );
    expect(rate.data.publishLabourRate.userErrors).toEqual([]);
  });

  afterAll(() => t?.stop());

  async function measured<T>(run: () => Promise<T>): Promise<{ result: T; sqlQueries: number }> {
    const logs = captureLogs('info');
    try {
      const result = await run();
      await new Promise((resolve) => setImmediate(resolve));
      const lines = logs.lines.filter((l) => l.msg === 'graphql');
      expect(lines).toHaveLength(1);
      return { result, sqlQueries: lines[0].sqlQueries };
    } finally {
      logs.stop();
    }
  }

  it('a claim with a part and a labour line costs at most 11 statements (the locked record, coverages and policies, readings, calendar, claim, lines, event, outbox)', async () => {
    const { result, sqlQueries } = await measured(() =>
      postGraphQL(
        t.url,
        `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id cover } userErrors { message } } }`,
        {
          input: {
            serialNumber: 'CS-1', kind: 'REPAIR', repairDate: '2026-11-20', component: 'POWER_BOARD', currency: 'EUR',
            lines: [{ kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice: '249.99' }, { kind: 'LABOUR', hours: '2', rate: '70' }],
          },
        },
        agent,
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.submitClaim).toMatchObject({ claim: { cover: 'COVERED' }, userErrors: [] });
    expect(sqlQueries).toBeLessThanOrEqual(11);
  });

  it('a claim approved at intake by the system (rule 16) costs no more statements than one that waits, but for the RMA statement of a covered part', async () => {
    await t.dataSource.query(`UPDATE warranty_policy SET auto_approval_limits = '{"EUR": "300.00"}' WHERE org_id = $1 AND product_family = 'INVERTER'`, [org]);
    try {
      const submit = (serialNumber: string, lines: unknown[]) =>
        measured(() =>
          postGraphQL(
            t.url,
            `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id status } userErrors { message } } }`,
            { input: { serialNumber, kind: 'REPAIR', repairDate: '2026-11-20', component: 'POWER_BOARD', currency: 'EUR', lines } },
            agent,
          ),
        );
      const labour = (hours: string) => ({ kind: 'LABOUR', hours, rate: '70' });
      const part = (unitPrice: string) => ({ kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice });
      const waiting = await submit('CS-3', [part('249.99'), labour('2')]);
      const approvedLabour = await submit('CS-4', [labour('1')]);
      const approvedPart = await submit('CS-4', [part('9.99'), labour('2')]);
      expect(waiting.result.data.submitClaim.claim.status).toBe('SUBMITTED');
      expect(approvedLabour.result.data.submitClaim.claim.status).toBe('APPROVED');
      expect(approvedPart.result.data.submitClaim.claim.status).toBe('APPROVED');
      expect(waiting.sqlQueries).toBeLessThanOrEqual(11);
      expect(approvedLabour.sqlQueries).toBeLessThanOrEqual(waiting.sqlQueries);
      // A covered part: the approval authorises its return (rule 18) in one statement, the statement a waiting claim
      // sends at its own approval later.
      expect(approvedPart.sqlQueries).toBeLessThanOrEqual(waiting.sqlQueries + 1);
      process.stdout.write(`submitClaim statements: waiting ${waiting.sqlQueries}, approved at intake ${approvedLabour.sqlQueries} (labour), ${approvedPart.sqlQueries} (with a covered part)\n`);
    } finally {
      await t.dataSource.query(`UPDATE warranty_policy SET auto_approval_limits = '{}' WHERE org_id = $1`, [org]);
    }
  });

  it('a claim taken from a CSP case, and a REPLACE claim, cost one statement more each (the case taken for the organisation; the replacement serial checked)', async () => {
    const submit = (input: Record<string, unknown>) =>
      measured(() =>
        postGraphQL(t.url, `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { message } } }`, { input: { serialNumber: 'CS-1', repairDate: '2026-11-20', currency: 'EUR', lines: [{ kind: 'LABOUR', hours: '2', rate: '70' }], ...input } }, agent),
      );
    const withCase = await submit({ kind: 'REPAIR', cspCaseId: 'CS-CASE-1', caseOpenedAt: '2026-11-24T08:00:00Z' });
    expect(withCase.result.data.submitClaim.userErrors).toEqual([]);
    const replace = await submit({ kind: 'REPLACE', replacementSerialNumber: 'CS-1-NEW' });
    expect(replace.result.data.submitClaim.userErrors).toEqual([]);
    expect(withCase.sqlQueries).toBeLessThanOrEqual(12);
    expect(replace.sqlQueries).toBeLessThanOrEqual(12);
  });

  it('a claim whose labour line names a flat-rate operation costs one statement more (the operations and the approved rate, read together)', async () => {
    const { result, sqlQueries } = await measured(() =>
      postGraphQL(
        t.url,
        `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id cover } userErrors { message } } }`,
        {
          input: {
            serialNumber: 'CS-1', kind: 'REPAIR', repairDate: '2026-11-20', component: 'POWER_BOARD', currency: 'EUR',
            lines: [
              { kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice: '249.99' },
              { kind: 'LABOUR', hours: '3', rate: '90', operationCode: 'CS-PB-SWAP' },
              { kind: 'LABOUR', hours: '1', rate: '90', operationCode: 'CS-DIAG' },
            ],
          },
        },
        agent,
      ),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.submitClaim).toMatchObject({ claim: { cover: 'PARTLY_COVERED' }, userErrors: [] });
    expect(sqlQueries).toBeLessThanOrEqual(12);
  });

  it('completing a REPLACE claim moves the coverages to the replacement, at the same statement count', async () => {
    const submitted = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { message } } }`,
      { input: { serialNumber: 'CS-2', kind: 'REPLACE', repairDate: '2026-11-20', currency: 'EUR', replacementSerialNumber: 'CS-2-NEW', lines: [] } },
      agent,
    );
    expect(submitted.data.submitClaim.userErrors).toEqual([]);
    const id = submitted.data.submitClaim.claim.id;
    for (const name of ['approveClaim', 'startClaimRepair']) {
      const { data } = await t.graphql(`mutation($input: ClaimDecisionInput!) { ${name}(input: $input) { userErrors { message } } }`, { input: { id, reason: 'ok' } }, agent);
      expect(data[name].userErrors).toEqual([]);
    }
    const { result, sqlQueries } = await measured(() =>
      postGraphQL(t.url, `mutation($input: ClaimDecisionInput!) { completeClaim(input: $input) { claim { status } userErrors { message } } }`, { input: { id, reason: 'swapped' } }, agent),
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.completeClaim).toEqual({ claim: { status: 'CLOSED' }, userErrors: [] });
    expect(sqlQueries).toBeLessThanOrEqual(15);
    const rows = await t.dataSource.query(
      `SELECT r.serial_number, r.replaces_record_id IS NOT NULL AS replaces, count(c.id)::int AS coverages
         FROM warranty_record r LEFT JOIN coverage c ON c.warranty_record_id = r.id WHERE r.serial_number IN ('CS-2', 'CS-2-NEW') GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(rows.length).toBe(2);
    expect(rows[1]).toMatchObject({ serial_number: 'CS-2-NEW', replaces: true });
    expect(rows[1].coverages).toBe(rows[0].coverages);
    expect(rows[1].coverages).toBeGreaterThan(0);
  });
});
