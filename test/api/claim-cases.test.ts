import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';
import { startCspReceiver } from '../support/csp-receiver';
import { waitFor } from '../support/flaky-receiver';
import { startCspPage } from '../support/gateway';
import { clockAt, createTestOrg, postGraphQL, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { postWebhook, type WebhookCall } from '../support/webhook-client';

/**
 * A claim opens its CSP case (rule 14), for real: intake writes the case request to the outbox; the server's
 * dispatcher (the code `npm run dispatch` runs) delivers it, signed, to a receiver standing in for CSP on a real
 * port; the receiver answers with a signed webhook carrying the case id; the claim is linked, and the CSP page
 * (through a real gateway) shows the claim under its case. Then every refusal of the answer, each writing nothing.
 */
const OUTBOX_SECRET = 'csp-outbox-secret-for-the-tests';
const CSP_SECRET = 'csp-webhook-secret-for-the-tests';
// CSP's clock: the case opened as the claim came in (the test clock starts at noon and ticks a second per reading).
const CASE_OPENED = '2026-11-24T12:00:00.000Z';
const CASES = '/webhooks/csp/cases';

const SUBMIT = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) {
  claim { id cspCaseId caseOpenedAt status version sla { response { dueAt } onsite { dueAt } } }
  userErrors { code field message }
} }`;
const LINK = `mutation($input: LinkClaimCaseInput!) { linkClaimCase(input: $input) {
  claim { id cspCaseId caseOpenedAt version }
  userErrors { code field message }
} }`;

describe('a claim opens its CSP case (rule 14)', () => {
  let scratch: ScratchDatabase;
  let t: TestApp;
  let csp: Awaited<ReturnType<typeof startCspReceiver>>;
  let org: string;
  let otherOrg: string;
  let agent: string;
  let admin: string;
  let service: string;
  let cases = 0;
  /** Whether CSP answers case requests. */
  let answering = true;

  const submit = async (input: Record<string, unknown>, token = agent) => {
    const { data, errors } = await t.graphql(SUBMIT, { input: { kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', ...input } }, token);
    expect(errors).toBeUndefined();
    return data.submitClaim;
  };
  const register = async (serialNumber: string, token = admin) => {
    const { data } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
      { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10', customerId: 'cust-7' } },
      token,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
  };
  /** What a refusal must leave as it was: the claims' case ids and versions, events, case owners and receipts. */
  const state = async () =>
    (
      await t.dataSource.query(
        `SELECT (SELECT json_agg(json_build_object('id', id, 'case', csp_case_id, 'v', row_version) ORDER BY id) FROM warranty_claim) AS claims,
                (SELECT count(*)::int FROM warranty_event) AS events,
                (SELECT count(*)::int FROM claim_case) AS cases,
                (SELECT count(*)::int FROM webhook_receipt) AS receipts`,
      )
    )[0];
  const answer = (body: Record<string, unknown>, call: WebhookCall = { secret: CSP_SECRET }) =>
    postWebhook(t.url, CASES, JSON.stringify({ orgId: org, openedAt: CASE_OPENED, ...body }), call);

  beforeAll(async () => {
    // A database of its own: the dispatcher delivers every organisation's messages to this receiver.
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    csp = await startCspReceiver({
      outboxSecret: OUTBOX_SECRET,
      webhookSecret: CSP_SECRET,
      caseIdFor: () => (answering ? `CSP-CASE-${++cases}` : null),
      openedAt: () => CASE_OPENED,
    });
    t = await startTestApp({
      databaseUrl: scratch.url,
      clock: clockAt('2026-11-24'),
      env: { OUTBOX_CSP_URL: csp.url, OUTBOX_CSP_SECRET: OUTBOX_SECRET, OUTBOX_POLL_MS: '20', OUTBOX_TIMEOUT_MS: '5000', WEBHOOK_CSP_SECRET: CSP_SECRET },
    });
    csp.answerTo(t.url);
    org = await createTestOrg(t.dataSource, 'cases');
    otherOrg = await createTestOrg(t.dataSource, 'cases-other');
    agent = await tokenFor(org, ['AGENT']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    service = await tokenFor(org, ['SERVICE'], { sub: 'csp-integration' });
    for (const serial of ['RT-1', 'RT-2', 'RT-3']) await register(serial);
    await register('RT-OTHER', await tokenFor(otherOrg, ['WARRANTY_ADMIN']));
  });
  afterAll(async () => {
    await t?.stop();
    await csp?.stop();
    await scratch?.dispose();
  });

  it('round trip: the request reaches CSP through the dispatcher, its signed answer links the claim, and the case shows it', async () => {
    const submitted = await submit({ serialNumber: 'RT-1', component: 'POWER_BOARD', description: 'no AC output after a storm', lines: [{ kind: 'LABOUR', hours: '1', rate: '70' }] });
    expect(submitted.userErrors).toEqual([]);
    const claimId = submitted.claim.id;
    expect(submitted.claim).toMatchObject({ cspCaseId: null, caseOpenedAt: null });

    // The request, as the receiver got it: signed, ahead of the claim's first status, with what CSP needs.
    expect(await waitFor(() => csp.answers.length === 1, 20_000)).toBe(true);
    const mine = csp.arrivals.filter((a) => a.aggregateId === claimId);
    expect(mine.map((a) => a.topic)).toEqual(['claim.case_requested', 'claim.status_changed']);
    expect(mine[0]).toMatchObject({ orgId: org });
    expect(mine[0].payload).toMatchObject({
      claimId,
      kind: 'REPAIR',
      component: 'POWER_BOARD',
      description: 'no AC output after a storm',
      repairDate: '2026-11-20',
      unit: { serialNumber: 'RT-1', sku: 'SOFAR-INV-10KTL-X-G2', warrantyId: expect.any(String), productFamily: expect.any(String) },
      customer: { customerId: 'cust-7' },
      site: { countryCode: 'DE', timeZone: 'Europe/Berlin' },
      submittedAt: expect.any(String),
    });
    expect(csp.stats.badSignatures).toBe(0);

    // CSP's answer was taken: the claim is linked, the link an event.
    expect(csp.answers[0].answer).toMatchObject({ status: 200, body: { result: { claimId, caseId: 'CSP-CASE-1', status: 'SUBMITTED' } } });
    const { data } = await t.graphql(`query($id: ID!) { claim(id: $id) { cspCaseId caseOpenedAt version } }`, { id: claimId }, agent);
    expect(data.claim).toEqual({ cspCaseId: 'CSP-CASE-1', caseOpenedAt: CASE_OPENED, version: 2 });
    const events = await t.dataSource.query(`SELECT event, to_value, actor_id FROM warranty_event WHERE claim_id = $1 ORDER BY id`, [claimId]);
    expect(events).toEqual([
      { event: 'CLAIM_SUBMITTED', to_value: 'SUBMITTED', actor_id: `agent-${org}` },
      { event: 'CLAIM_CASE_LINKED', to_value: 'CSP-CASE-1', actor_id: 'webhook:csp' },
    ]);
    expect(await t.dataSource.query(`SELECT org_id FROM claim_case WHERE case_id = 'CSP-CASE-1'`)).toEqual([{ org_id: org }]);
    // The claim's next status reaches CSP with the case id.
    const approved = await t.graphql(`mutation($id: ID!) { approveClaim(input: { id: $id, reason: "covered" }) { userErrors { code } } }`, { id: claimId }, agent);
    expect(approved.data.approveClaim.userErrors).toEqual([]);
    expect(await waitFor(() => csp.arrivals.filter((a) => a.aggregateId === claimId).length === 3, 20_000)).toBe(true);
    expect(csp.arrivals.filter((a) => a.aggregateId === claimId)[2].payload).toMatchObject({ status: 'APPROVED', cspCaseId: 'CSP-CASE-1' });

    // The CSP page, through a real gateway: the case shows the claim it was opened for.
    const gateway = await startCspPage(t.url, [{ id: 'CSP-CASE-1', serialNumber: 'RT-1', title: 'No AC output', openedAt: CASE_OPENED } as { id: string }]);
    try {
      const page = await postGraphQL(gateway.url, `query CspCaseClaims { cases { id claims { totalCount edges { node { id cspCaseId status warranty { serialNumber } } } } } }`, undefined, agent);
      expect(page.errors).toBeUndefined();
      expect(page.data.cases).toEqual([
        { id: 'CSP-CASE-1', claims: { totalCount: 1, edges: [{ node: { id: claimId, cspCaseId: 'CSP-CASE-1', status: 'APPROVED', warranty: { serialNumber: 'RT-1' } } }] } },
      ]);
    } finally {
      await gateway.stop();
    }
  }, 60_000);

  it("the same answer again changes nothing; a replayed delivery is refused; a different case, another organisation's case, an unknown claim and a future opening are refused, writing nothing", async () => {
    const [{ id: claimId }] = await t.dataSource.query(`SELECT id FROM warranty_claim WHERE csp_case_id = 'CSP-CASE-1'`);
    const delivered = csp.answers[0].body;
    const before = await state();

    // The very delivery again: the replay guard.
    const replayed = await postWebhook(t.url, CASES, JSON.stringify(delivered), { secret: CSP_SECRET });
    expect(replayed.status).toBe(409);
    expect(replayed.body.errors[0].extensions.code).toBe('REPLAYED_DELIVERY');
    expect(await state()).toEqual(before);

    // The same answer under a new delivery id: taken, and nothing about the claim changes.
    const again = await answer({ deliveryId: 'csp-again-1', claimId, caseId: 'CSP-CASE-1' });
    expect(again).toMatchObject({ status: 200, body: { result: { claimId, caseId: 'CSP-CASE-1' } } });
    const afterAgain = await state();
    expect(afterAgain).toEqual({ ...before, receipts: before.receipts + 1 });

    // Refusals: each with its code and field, nothing written (no receipt either, so a corrected retry is taken).
    const other = await postGraphQL(t.url, SUBMIT, { input: { serialNumber: 'RT-OTHER', kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', cspCaseId: 'CSP-THEIRS-1' } }, await tokenFor(otherOrg, ['AGENT']));
    expect(other.data.submitClaim.userErrors).toEqual([]);
    const baseline = await state();
    const refusals: Array<[Record<string, unknown>, number, string, string[]]> = [
      [{ deliveryId: 'csp-bad-1', claimId, caseId: 'CSP-CASE-9' }, 409, 'CASE_ALREADY_LINKED', ['caseId']],
      [{ deliveryId: 'csp-bad-2', claimId: '00000000-0000-4000-8000-000000000000', caseId: 'CSP-CASE-10' }, 404, 'NOT_FOUND', ['claimId']],
      [{ deliveryId: 'csp-bad-3', claimId, caseId: 'CSP-CASE-1', openedAt: '2026-12-24T12:00:00Z' }, 422, 'BAD_USER_INPUT', ['openedAt']],
      [{ deliveryId: 'csp-bad-4', claimId: 'not-a-claim', caseId: 'CSP-CASE-11' }, 400, 'MALFORMED_BODY', ['claimId']],
    ];
    for (const [body, status, code, field] of refusals) {
      const refused = await answer(body);
      expect({ status: refused.status, code: refused.body.errors?.[0]?.extensions?.code, field: refused.body.errors?.[0]?.extensions?.field }).toEqual({ status, code, field });
    }
    expect(await state()).toEqual(baseline);

    // A claim of ours whose request CSP has not answered yet: another organisation's case id for it is refused.
    answering = false;
    const waiting = await submit({ serialNumber: 'RT-3' });
    expect(await waitFor(() => csp.arrivals.some((a) => a.aggregateId === waiting.claim.id && a.topic === 'claim.case_requested'), 20_000)).toBe(true);
    const beforeTheirs = await state();
    const theirs = await answer({ deliveryId: 'csp-bad-5', claimId: waiting.claim.id, caseId: 'CSP-THEIRS-1' });
    expect({ status: theirs.status, code: theirs.body.errors[0].extensions.code, field: theirs.body.errors[0].extensions.field }).toEqual({ status: 409, code: 'CASE_TAKEN', field: ['caseId'] });
    // A bad signature: refused before anything is read.
    const forged = await answer({ deliveryId: 'csp-bad-6', claimId: waiting.claim.id, caseId: 'CSP-CASE-12' }, { secret: 'not-the-csp-secret-at-all' });
    expect(forged.status).toBe(401);
    expect(await state()).toEqual(beforeTheirs);

    // The same through the SERVICE mutation, with GraphQL's fields; an agent may not link.
    const link = async (input: Record<string, unknown>, token = service) => (await t.graphql(LINK, { input }, token)).data.linkClaimCase;
    expect((await link({ claimId: waiting.claim.id, caseId: 'CSP-CASE-13' }, agent)).userErrors).toEqual([expect.objectContaining({ code: 'FORBIDDEN' })]);
    expect((await link({ claimId: waiting.claim.id, caseId: 'CSP-THEIRS-1' })).userErrors).toEqual([expect.objectContaining({ code: 'CASE_TAKEN', field: ['input', 'caseId'] })]);
    expect((await link({ claimId, caseId: 'CSP-CASE-13' })).userErrors).toEqual([expect.objectContaining({ code: 'CASE_ALREADY_LINKED', field: ['input', 'caseId'] })]);
    expect((await link({ claimId: '00000000-0000-4000-8000-000000000000', caseId: 'CSP-CASE-13' })).userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'claimId'] })]);
    expect((await link({ claimId: waiting.claim.id, caseId: 'CSP-CASE-13', openedAt: '2026-11-25T12:00:00Z' })).userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'openedAt'] })]);
    expect((await link({ claimId: waiting.claim.id, caseId: 'no spaces allowed' })).userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'caseId'] })]);
    expect(await state()).toEqual(beforeTheirs);
    const linked = await link({ claimId: waiting.claim.id, caseId: 'CSP-CASE-13' }, admin);
    expect(linked).toMatchObject({ claim: { cspCaseId: 'CSP-CASE-13', caseOpenedAt: null }, userErrors: [] });
    const same = await link({ claimId: waiting.claim.id, caseId: 'CSP-CASE-13' });
    expect(same).toEqual({ claim: linked.claim, userErrors: [] });
  }, 60_000);

  it('a claim taken from an existing case starts its response clock when the case was opened; not in the future', async () => {
    // Tuesday 2026-11-24, 13:00 in Berlin; service hours 09:00-17:00 Monday to Friday; response within 8 of them.
    const plain = await submit({ serialNumber: 'RT-1', cspCaseId: 'CSP-OLD-0' });
    expect(plain.userErrors).toEqual([]);
    expect(plain.claim.sla.response.dueAt.slice(0, 13)).toBe('2026-11-25T12'); // 4 hours on Tuesday, 4 on Wednesday
    // Opened Monday at 16:00 in Berlin: 1 service hour on Monday, 7 on Tuesday.
    const earlier = await submit({ serialNumber: 'RT-1', cspCaseId: 'CSP-OLD-1', caseOpenedAt: '2026-11-23T15:00:00Z' });
    expect(earlier.userErrors).toEqual([]);
    expect(earlier.claim).toMatchObject({ cspCaseId: 'CSP-OLD-1', caseOpenedAt: '2026-11-23T15:00:00.000Z', sla: { response: { dueAt: '2026-11-24T15:00:00.000Z' } } });
    // The on-site clock still starts at submission: 24 service hours from Tuesday 13:00 is Friday 13:00.
    expect([plain, earlier].map((c) => c.claim.sla.onsite.dueAt.slice(0, 13))).toEqual(['2026-11-27T12', '2026-11-27T12']);
    // A little ahead of our clock (within the 5 minutes of clock skew allowed): the case opened at submission.
    const ahead = await submit({ serialNumber: 'RT-1', cspCaseId: 'CSP-OLD-2', caseOpenedAt: '2026-11-24T12:04:00Z' });
    expect(ahead.userErrors).toEqual([]);
    expect(new Date(ahead.claim.caseOpenedAt).getTime()).toBeLessThanOrEqual(Date.parse('2026-11-24T12:04:00Z'));

    const before = await state();
    const refusals: Array<[Record<string, unknown>, string[]]> = [
      [{ cspCaseId: 'CSP-OLD-3', caseOpenedAt: '2026-11-24T14:00:00Z' }, ['input', 'caseOpenedAt']],
      [{ cspCaseId: 'CSP-OLD-3', caseOpenedAt: '2027-01-01T00:00:00Z' }, ['input', 'caseOpenedAt']],
      [{ caseOpenedAt: '2026-11-23T15:00:00Z' }, ['input', 'caseOpenedAt']],
    ];
    for (const [input, field] of refusals) {
      const refused = await submit({ serialNumber: 'RT-1', ...input });
      expect(refused).toEqual({ claim: null, userErrors: [expect.objectContaining({ code: 'BAD_USER_INPUT', field })] });
    }
    // Another organisation's case at intake.
    const theirs = await submit({ serialNumber: 'RT-1', cspCaseId: 'CSP-THEIRS-1' });
    expect(theirs).toEqual({ claim: null, userErrors: [expect.objectContaining({ code: 'CASE_TAKEN', field: ['input', 'cspCaseId'] })] });
    expect(await state()).toEqual(before);
  }, 60_000);
});
