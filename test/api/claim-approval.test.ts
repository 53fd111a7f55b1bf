import { captureLogs } from '../support/log-capture';
import { clockAt, createTestOrg, postGraphQL, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Rules 15 and 16 over HTTP: a fully covered claim within the policy's auto-approval limit is approved at intake by
 * the system; any other waits (pre-authorization) in the approval queue; lines are amended until completion,
 * re-priced on the frozen check, and past the tolerance the claim waits for approval again before it completes.
 */
const CLAIM = `id status cover decidedById decisionReason version
  coveredTotal { amount currency } selfPaidTotal { amount } total { amount }
  estimate { coveredTotal { amount } selfPaidTotal { amount } total { amount } }
  actual { coveredTotal { amount } selfPaidTotal { amount } total { amount } }
  approvedCoveredTotal { amount currency }
  lines { id kind amount { amount } covered reason }
  sla { response { dueAt state } onsite { dueAt state } }`;
const SUBMIT = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { ${CLAIM} } userErrors { code field message } } }`;
const AMEND = `mutation($input: AmendClaimLinesInput!) { amendClaimLines(input: $input) { claim { ${CLAIM} } userErrors { code field message } } }`;
const QUEUE = `query($first: Int, $after: String) { claimsAwaitingDecision(first: $first, after: $after) {
  totalCount edges { cursor node { id status sla { response { dueAt } } } } pageInfo { hasNextPage endCursor } } }`;

const part = (unitPrice: string, partNumber = 'PB-10K') => ({ kind: 'PART', partNumber, quantity: '1', unitPrice });
const labour = (hours: string, rate = '70') => ({ kind: 'LABOUR', hours, rate });

describe('straight-through approval and amended lines (rules 15, 16)', () => {
  let t: TestApp;
  let org: string;
  let agent: string;
  let installer: string;

  async function submit(input: Record<string, unknown>) {
    const { data, errors } = await t.graphql(SUBMIT, { input: { serialNumber: 'AP-DE', kind: 'REPAIR', repairDate: '2026-11-20', component: 'POWER_BOARD', currency: 'EUR', ...input } }, agent);
    expect(errors).toBeUndefined();
    expect(data.submitClaim.userErrors).toEqual([]);
    return data.submitClaim.claim;
  }

  async function amend(input: Record<string, unknown>, token = installer) {
    const { data, errors } = await t.graphql(AMEND, { input: { currency: 'EUR', reason: 'parts actually used', ...input } }, token);
    expect(errors).toBeUndefined();
    return data.amendClaimLines;
  }

  async function act(name: string, id: string) {
    const { data, errors } = await t.graphql(`mutation($input: ClaimDecisionInput!) { ${name}(input: $input) { claim { ${CLAIM} } userErrors { code field message } } }`, { input: { id, reason: `${name} in test` } }, agent);
    expect(errors).toBeUndefined();
    return data[name];
  }

  async function writes(claimId: string) {
    const [row] = await t.dataSource.query(
      `SELECT (SELECT count(*)::int FROM warranty_event WHERE claim_id = $1) AS events, (SELECT count(*)::int FROM outbox_message WHERE aggregate_id = $1) AS messages,
              (SELECT count(*)::int FROM claim_line WHERE claim_id = $1) AS lines, c.row_version AS version, c.total
         FROM warranty_claim c WHERE c.id = $1`,
      [claimId],
    );
    return row;
  }

  /** The claim's totals against the sum of its lines, in SQL. */
  async function sums(claimId: string) {
    const [row] = await t.dataSource.query(
      `SELECT c.covered_total::text AS covered, c.self_paid_total::text AS self_paid, c.total::text AS total,
              coalesce(sum(l.amount) FILTER (WHERE l.covered), 0)::numeric(19,4)::text AS lines_covered,
              coalesce(sum(l.amount) FILTER (WHERE NOT l.covered), 0)::numeric(19,4)::text AS lines_self_paid, coalesce(sum(l.amount), 0)::numeric(19,4)::text AS lines_total, count(l.id)::int AS lines
         FROM warranty_claim c LEFT JOIN claim_line l ON l.org_id = c.org_id AND l.claim_id = c.id WHERE c.id = $1 GROUP BY c.org_id, c.id`,
      [claimId],
    );
    return row;
  }

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    org = await createTestOrg(t.dataSource, 'approval');
    agent = await tokenFor(org, ['AGENT']);
    installer = await tokenFor(org, ['INSTALLER']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    // The organisation's inverter policies: auto-approval up to 500 EUR or GBP (none in other currencies); a
    // tolerance of 10 % of the approved covered total, at most 50 EUR.
    await t.dataSource.query(
      `UPDATE warranty_policy SET auto_approval_limits = '{"EUR": "500.00", "GBP": "500.00"}', amendment_tolerance_pct = 10, amendment_tolerance_amounts = '{"EUR": "50.00"}'
        WHERE org_id = $1 AND product_family = 'INVERTER'`,
      [org],
    );
    const units: Array<[string, string, string]> = [['AP-DE', 'DE', '2025-01-10'], ['AP-UK', 'GB', '2020-01-10']];
    for (const [serialNumber, countryCode, commissioningDate] of units) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode, timeZone: countryCode === 'DE' ? 'Europe/Berlin' : 'Europe/London' }, commissioningDate } },
        admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
  });

  afterAll(() => t?.stop());

  it('a fully covered claim within the limit is approved at intake by the system, citing the rule and the limit', async () => {
    const claim = await submit({ lines: [part('100'), labour('2')] });
    expect(claim).toMatchObject({
      status: 'APPROVED',
      cover: 'COVERED',
      decidedById: 'SYSTEM',
      version: 2,
      coveredTotal: { amount: '240.00', currency: 'EUR' },
      estimate: { coveredTotal: { amount: '240.00' }, total: { amount: '240.00' } },
      approvedCoveredTotal: { amount: '240.00', currency: 'EUR' },
      sla: { response: { state: 'MET' }, onsite: { state: 'RUNNING' } },
    });
    expect(claim.decisionReason).toMatch(/rule 16.*240\.00 EUR.*limit 500\.00 EUR of INVERTER DE-AT-CH v1/);
    const events = await t.dataSource.query(`SELECT event, actor_id, from_value, to_value, detail FROM warranty_event WHERE claim_id = $1 ORDER BY id`, [claim.id]);
    expect(events.map((e: any) => [e.event, e.actor_id, e.from_value, e.to_value])).toEqual([
      ['CLAIM_SUBMITTED', `agent-${org}`, null, 'SUBMITTED'],
      ['CLAIM_STATUS_CHANGED', 'SYSTEM', 'SUBMITTED', 'APPROVED'],
    ]);
    expect(events[1].detail).toMatchObject({ action: 'APPROVE', rule: 16, limit: { amount: '500.00', currency: 'EUR' } });
    const messages = await t.dataSource.query(`SELECT topic, payload FROM outbox_message WHERE aggregate_id = $1 ORDER BY id`, [claim.id]);
    expect(messages.map((m: any) => [m.topic, m.payload.from, m.payload.status, m.payload.version])).toEqual([
      // Without a case id, CSP is first asked to open one (rule 14).
      ['claim.case_requested', undefined, 'APPROVED', undefined],
      ['claim.status_changed', null, 'SUBMITTED', 1],
      ['claim.status_changed', 'SUBMITTED', 'APPROVED', 2],
    ]);
    expect(messages[2].payload).toMatchObject({ decidedBy: 'SYSTEM', decision: { rule: 16, limit: { amount: '500.00', currency: 'EUR' }, reason: expect.stringContaining('rule 16') } });
    // Approved: the repair may start at once.
    expect((await act('startClaimRepair', claim.id)).claim.status).toBe('IN_REPAIR');
  });

  it('above the limit, partly covered, or in a currency without a limit: the claim waits and no repair starts before approval', async () => {
    const above = await submit({ lines: [part('450'), labour('1')] });
    expect(above).toMatchObject({ status: 'SUBMITTED', cover: 'COVERED', decidedById: null, approvedCoveredTotal: null });
    const [event] = await t.dataSource.query(`SELECT detail FROM warranty_event WHERE claim_id = $1`, [above.id]);
    expect(event.detail.autoApproval).toMatchObject({ approved: false, rule: 16, reason: expect.stringContaining('above the auto-approval limit 500.00 EUR') });
    const refused = await act('startClaimRepair', above.id);
    expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'id'] })]);

    // UK-IE after year 5: labour is self-paid, so the claim is partly covered, however small.
    const partly = await submit({ serialNumber: 'AP-UK', currency: 'GBP', lines: [part('10'), labour('1', '10')] });
    expect(partly).toMatchObject({ status: 'SUBMITTED', cover: 'PARTLY_COVERED', decidedById: null });

    const noLimit = await submit({ currency: 'CHF', lines: [part('10')] });
    expect(noLimit).toMatchObject({ status: 'SUBMITTED', cover: 'COVERED' });

    const approved = await act('approveClaim', above.id);
    expect(approved.claim).toMatchObject({ status: 'APPROVED', approvedCoveredTotal: { amount: '520.00' } });
  });

  it('amends lines: added, changed and removed lines re-priced on the frozen check, an event with who and why, a CSP message', async () => {
    const claim = await submit({ lines: [part('100'), labour('2')] });
    const [partLine, labourLine] = claim.lines;
    const before = await writes(claim.id);
    const result = await amend({
      claimId: claim.id,
      add: [part('5', 'FUSE-10A')],
      change: [{ lineId: labourLine.id, line: labour('2.25') }],
      remove: [partLine.id],
      reason: 'the board was fine: a fuse and a quarter hour more',
    });
    expect(result.userErrors).toEqual([]);
    expect(result.claim).toMatchObject({
      status: 'APPROVED',
      version: 3,
      coveredTotal: { amount: '162.50' },
      actual: { coveredTotal: { amount: '162.50' }, total: { amount: '162.50' } },
      estimate: { coveredTotal: { amount: '240.00' }, total: { amount: '240.00' } },
      approvedCoveredTotal: { amount: '240.00' },
    });
    expect(result.claim.lines.map((l: any) => [l.id === labourLine.id, l.kind, l.amount.amount, l.covered])).toEqual([
      [true, 'LABOUR', '157.50', true],
      [false, 'PART', '5.00', true],
    ]);
    expect(result.claim.lines[1].reason).toMatch(/^parts of POWER_BOARD are covered/);
    expect(await sums(claim.id)).toMatchObject({ covered: '162.5000', lines_covered: '162.5000', total: '162.5000', lines_total: '162.5000', lines: 2 });
    expect(await writes(claim.id)).toMatchObject({ events: before.events + 1, messages: before.messages + 1 });
    const [event] = await t.dataSource.query(`SELECT actor_id, from_value, to_value, detail FROM warranty_event WHERE claim_id = $1 AND event = 'CLAIM_LINES_AMENDED'`, [claim.id]);
    expect(event).toMatchObject({ actor_id: `installer-${org}`, from_value: '240.00', to_value: '162.50', detail: { reason: 'the board was fine: a fuse and a quarter hour more', removed: [partLine.id], changed: [labourLine.id] } });
    const [message] = await t.dataSource.query(`SELECT payload FROM outbox_message WHERE aggregate_id = $1 AND topic = 'claim.lines_amended'`, [claim.id]);
    expect(message.payload).toMatchObject({ amendedBy: `installer-${org}`, actual: { total: { amount: '162.50', currency: 'EUR' } }, estimate: { total: { amount: '240.00' } } });
  });

  it('past the tolerance above the approved covered total, the claim waits for approval again before it can complete', async () => {
    const claim = await submit({ lines: [part('100'), labour('2')] });
    expect((await act('startClaimRepair', claim.id)).claim.status).toBe('IN_REPAIR');
    // Tolerance: 10 % of 240.00 = 24.00 (under the 50 EUR cap). +20 stays within it.
    const within = await amend({ claimId: claim.id, add: [part('20', 'CABLE')] });
    expect(within.claim).toMatchObject({ status: 'IN_REPAIR', coveredTotal: { amount: '260.00' } });
    const past = await amend({ claimId: claim.id, add: [part('5', 'FUSE')] });
    expect(past.userErrors).toEqual([]);
    expect(past.claim).toMatchObject({ status: 'REAPPROVAL_REQUIRED', coveredTotal: { amount: '265.00' }, approvedCoveredTotal: { amount: '240.00' } });
    expect(past.claim.decisionReason).toMatch(/rule 15.*25\.00 EUR above the approved 240\.00 EUR.*tolerance 24\.00 EUR/);
    const completing = await act('completeClaim', claim.id);
    expect(completing.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION' })]);

    const approved = await act('approveClaim', claim.id);
    expect(approved.claim).toMatchObject({ status: 'IN_REPAIR', approvedCoveredTotal: { amount: '265.00' } });
    const closed = await act('completeClaim', claim.id);
    expect(closed.claim).toMatchObject({ status: 'CLOSED', total: { amount: '265.00' }, estimate: { total: { amount: '240.00' } } });

    // A closed claim's lines are final: the amendment is refused and writes nothing.
    const before = await writes(claim.id);
    const refused = await amend({ claimId: claim.id, add: [part('1')] });
    expect(refused).toEqual({ claim: null, userErrors: [expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'claimId'] })] });
    expect(await writes(claim.id)).toEqual(before);
  });

  it('refuses a change in another currency, an unknown line, an unjudged component and an empty amendment, each at its field, writing nothing', async () => {
    const claim = await submit({ lines: [part('100')] });
    const before = await writes(claim.id);
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ currency: 'GBP', add: [part('1')] }, 'BAD_USER_INPUT', ['input', 'currency']],
      [{ remove: ['7d1c2f64-0c52-4a1e-9d55-1f0e9e0f0a11'] }, 'NOT_FOUND', ['input', 'remove', '0']],
      [{ change: [{ lineId: 'nope', line: part('1') }] }, 'NOT_FOUND', ['input', 'change', '0', 'lineId']],
      [{ add: [{ ...part('1'), component: 'BATTERY_PACK' }] }, 'BAD_USER_INPUT', ['input', 'add', '0', 'component']],
      [{ add: [{ kind: 'PART', partNumber: 'X', quantity: '1' }] }, 'BAD_USER_INPUT', ['input', 'add', '0', 'unitPrice']],
      [{ add: [part('-1')] }, 'BAD_USER_INPUT', ['input', 'add', '0', 'unitPrice']],
      [{}, 'BAD_USER_INPUT', ['input', 'add']],
    ];
    for (const [input, code, field] of cases) {
      const result = await amend({ claimId: claim.id, ...input });
      expect([input, result.claim, result.userErrors[0]]).toEqual([input, null, expect.objectContaining({ code, field })]);
    }
    const customer = await amend({ claimId: claim.id, add: [part('1')] }, await tokenFor(org, ['CUSTOMER'], { customerId: 'c' }));
    expect(customer.userErrors[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect(await writes(claim.id)).toEqual(before);
  });

  it('concurrent amendments of one claim: none is lost, and the totals equal the sum of the lines', async () => {
    const claim = await submit({ lines: [part('100')] });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => amend({ claimId: claim.id, add: [part(`${i + 1}.10`, `P-${i}`)], reason: `amendment ${i}` })),
    );
    expect(results.flatMap((r) => r.userErrors)).toEqual([]);
    const row = await sums(claim.id);
    // 100 + (1.10 + 2.10 + … + 10.10) = 156.00.
    expect(row).toMatchObject({ lines: 11, covered: '156.0000', lines_covered: '156.0000', self_paid: row.lines_self_paid, total: row.lines_total });
    const [{ version, amended }] = await t.dataSource.query(
      `SELECT c.row_version AS version, (SELECT count(*)::int FROM warranty_event e WHERE e.org_id = c.org_id AND e.claim_id = c.id AND e.event = 'CLAIM_LINES_AMENDED') AS amended FROM warranty_claim c WHERE c.id = $1`,
      [claim.id],
    );
    // Approved at intake (version 2), ten amendments, and once past the tolerance (10 % of 100.00) the claim went
    // back for approval: one more version, and it stays waiting through the later amendments.
    expect(amended).toBe(10);
    expect(version).toBe(13);
    const [{ status }] = await t.dataSource.query(`SELECT status FROM warranty_claim WHERE id = $1`, [claim.id]);
    expect(status).toBe('REAPPROVAL_REQUIRED');
  });

  it('travel logged after the visit pauses the on-site clock as if it had been logged at intake', async () => {
    const claim = await submit({ lines: [part('100')] });
    const due = Date.parse(claim.sla.onsite.dueAt);
    // Two hours of travel inside the site's service day (Berlin 14:00-16:00) on the day of submission.
    const result = await amend({ claimId: claim.id, add: [{ kind: 'TRAVEL', startAt: '2026-11-24T13:00:00Z', endAt: '2026-11-24T15:00:00Z' }] });
    expect(result.userErrors).toEqual([]);
    expect(Date.parse(result.claim.sla.onsite.dueAt) - due).toBe(2 * 3600 * 1000);
    // Removed again: the pause goes with it.
    const travel = result.claim.lines.find((l: any) => l.kind === 'TRAVEL');
    const removed = await amend({ claimId: claim.id, remove: [travel.id] });
    expect(Date.parse(removed.claim.sla.onsite.dueAt)).toBe(due);
  });

  it('the approval queue: claims waiting for a decision, the oldest response target first, a page in one statement whatever its size', async () => {
    const queue = async (first: number, after?: string) => {
      const { data, errors } = await t.graphql(QUEUE, { first, after }, agent);
      expect(errors).toBeUndefined();
      return data.claimsAwaitingDecision;
    };
    const all = await queue(100);
    expect(all.totalCount).toBe(all.edges.length);
    expect(all.totalCount).toBeGreaterThanOrEqual(3);
    expect(all.edges.every((e: any) => ['SUBMITTED', 'REAPPROVAL_REQUIRED'].includes(e.node.status))).toBe(true);
    const dues = all.edges.map((e: any) => e.node.sla.response?.dueAt ?? '');
    expect(dues).toEqual([...dues].sort());
    // Paged two at a time, the same claims in the same order.
    const paged: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await queue(2, after);
      expect(page.totalCount).toBe(all.totalCount);
      paged.push(...page.edges.map((e: any) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.edges.map((e: any) => e.node.id));

    const measured = async (first: number) => {
      const logs = captureLogs('info');
      try {
        const result = await postGraphQL(t.url, QUEUE, { first }, agent);
        expect(result.errors).toBeUndefined();
        await new Promise((resolve) => setImmediate(resolve));
        return logs.lines.filter((l) => l.msg === 'graphql')[0].sqlQueries as number;
      } finally {
        logs.stop();
      }
    };
    const one = await measured(1);
    const many = await measured(50);
    expect(one).toBe(1);
    expect(many).toBe(1);
  });
});
