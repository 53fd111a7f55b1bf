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

  it('a claim with a part and a labour line costs at most 5 statements (BEGIN, the locked unit with its service calendar, the check\'s rows, everything written in one, COMMIT)', async () => {
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
    expect(sqlQueries).toBeLessThanOrEqual(5);
  });

  it('a claim approved at intake by the system (rule 16) costs no more statements than one that waits, its part returns (rule 18) included', async () => {
    await t.dataSource.query(`UPDATE warranty_policy SET auto_approval_limits = '{"EUR": "300.00"}' WHERE org_id = $1 AND product_family = 'INVERTER'`, [org]);
    const rule = await t.graphql(
      `mutation { setPartReturnRule(input: { partNumber: "PB-10K", productFamily: "INVERTER", windowDays: 30 }) { userErrors { message } } }`, {}, admin,
    );
    expect(rule.data.setPartReturnRule.userErrors).toEqual([]);
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
      // The covered part's return was authorised at intake, with its event and CSP's message, in the same statements.
      const [returns] = await t.dataSource.query(
        `SELECT (SELECT count(*) FROM part_return WHERE claim_id = $1)::int AS returns,
                (SELECT count(*) FROM warranty_event WHERE claim_id = $1 AND event = 'PART_RETURN_AUTHORISED')::int AS events,
                (SELECT count(*) FROM outbox_message WHERE aggregate_id = $1 AND topic = 'claim.returns_authorised')::int AS messages`,
        [approvedPart.result.data.submitClaim.claim.id],
      );
      expect(returns).toEqual({ returns: 1, events: 1, messages: 1 });
      // The steps of the one statement run in order: the claim's events and messages before the return's.
      const claimId = approvedPart.result.data.submitClaim.claim.id;
      const [events, messages] = await Promise.all([
        t.dataSource.query(`SELECT event FROM warranty_event WHERE claim_id = $1 ORDER BY id`, [claimId]),
        t.dataSource.query(`SELECT topic, payload->>'status' AS status FROM outbox_message WHERE aggregate_id = $1 ORDER BY id`, [claimId]),
      ]);
      expect(events.map((e: { event: string }) => e.event)).toEqual(['CLAIM_SUBMITTED', 'CLAIM_STATUS_CHANGED', 'PART_RETURN_AUTHORISED']);
      expect(messages.map((m: { topic: string; status: string | null }) => `${m.topic} ${m.status ?? ''}`.trim())).toEqual([
        'claim.case_requested APPROVED', 'claim.status_changed SUBMITTED', 'claim.status_changed APPROVED', 'claim.returns_authorised',
      ]);
      expect(waiting.sqlQueries).toBeLessThanOrEqual(5);
      expect(approvedLabour.sqlQueries).toBeLessThanOrEqual(waiting.sqlQueries);
      expect(approvedPart.sqlQueries).toBeLessThanOrEqual(waiting.sqlQueries);
      process.stdout.write(`submitClaim statements: waiting ${waiting.sqlQueries}, approved at intake ${approvedLabour.sqlQueries} (labour), ${approvedPart.sqlQueries} (with a covered part)\n`);

      // An agent's approval of the waiting claim authorises the same return in the statement of its event and message.
      const approval = await measured(() =>
        postGraphQL(t.url, `mutation($input: ClaimDecisionInput!) { approveClaim(input: $input) { claim { status } userErrors { message } } }`, { input: { id: waiting.result.data.submitClaim.claim.id, reason: 'ok' } }, agent),
      );
      expect(approval.result.data.approveClaim).toEqual({ claim: { status: 'APPROVED' }, userErrors: [] });
      const [[agentReturns], [rejected]] = await Promise.all([
        t.dataSource.query(`SELECT count(*)::int AS n FROM part_return WHERE claim_id = $1`, [waiting.result.data.submitClaim.claim.id]),
        t.dataSource.query(`SELECT count(*)::int AS n FROM part_return WHERE claim_id = $1`, [approvedLabour.result.data.submitClaim.claim.id]),
      ]);
      expect(agentReturns.n).toBe(1);
      expect(rejected.n).toBe(0);
      // The locked claim, then its update, event, message and return together (with BEGIN and COMMIT).
      expect(approval.sqlQueries).toBeLessThanOrEqual(4);
    } finally {
      await t.dataSource.query(`UPDATE warranty_policy SET auto_approval_limits = '{}' WHERE org_id = $1`, [org]);
      await t.dataSource.query(`DELETE FROM part_return_rule WHERE org_id = $1`, [org]);
    }
  });

  it('an idempotency key costs a first submission nothing; a retry answers the first claim, another request under the key is refused', async () => {
    const input = {
      serialNumber: 'CS-2', kind: 'REPAIR', repairDate: '2026-11-20', component: 'POWER_BOARD', currency: 'EUR', idempotencyKey: 'cs-retry-1',
      lines: [{ kind: 'LABOUR', hours: '1', rate: '70' }], readings: {},
    };
    const send = (body: Record<string, unknown>) =>
      measured(() => postGraphQL(t.url, `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code field } } }`, { input: body }, agent));
    const first = await send(input);
    expect(first.result.data.submitClaim.userErrors).toEqual([]);
    expect(first.sqlQueries).toBeLessThanOrEqual(5);
    const again = await send(input);
    expect(again.result.data.submitClaim).toEqual({ claim: first.result.data.submitClaim.claim, userErrors: [] });
    const other = await send({ ...input, description: 'another request under the same key' });
    expect(other.result.data.submitClaim).toEqual({ claim: null, userErrors: [{ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'idempotencyKey'] }] });
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM warranty_claim WHERE org_id = $1 AND idempotency_key = 'cs-retry-1'`, [org]);
    expect(n).toBe(1);
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
    expect(withCase.sqlQueries).toBeLessThanOrEqual(6);
    expect(replace.sqlQueries).toBeLessThanOrEqual(6);
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
    expect(sqlQueries).toBeLessThanOrEqual(6);
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
         FROM warranty_record r LEFT JOIN coverage c ON c.org_id = r.org_id AND c.warranty_record_id = r.id WHERE r.serial_number IN ('CS-2', 'CS-2-NEW') GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(rows.length).toBe(2);
    expect(rows[1]).toMatchObject({ serial_number: 'CS-2-NEW', replaces: true });
    expect(rows[1].coverages).toBe(rows[0].coverages);
    expect(rows[1].coverages).toBeGreaterThan(0);
  });
});
