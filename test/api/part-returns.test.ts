import { captureLogs } from '../support/log-capture';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { returnsHelpers, RETURN_FIELDS } from '../support/part-returns';
import { postWebhook } from '../support/webhook-client';

/**
 * Parts returns over HTTP against a real database (rule 18): the rules as data, the RMA number on approval, the
 * return's steps in order (replays change nothing), the charge-back on inspection and when overdue (re-priced, an
 * event, a CSP message), the warehouse's signed webhook, the refusals writing nothing, and expectedReturns.
 */
const SECRET = 'warehouse-shared-secret-for-tests';
const DAY = 86_400_000;

describe('parts returns', () => {
  let t: TestApp;
  let org: string;
  let other: string;
  let admin: string;
  let agent: string;
  let warehouse: string;
  let h: ReturnType<typeof returnsHelpers>;

  const count = async (table: string, where = 'TRUE', values: unknown[] = []) => {
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1 AND ${where}`, [org, ...values]);
    return n as number;
  };

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24'), env: { WEBHOOK_WAREHOUSE_SECRET: SECRET } });
    org = await createTestOrg(t.dataSource, 'returns');
    other = await createTestOrg(t.dataSource, 'returns-other');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    warehouse = await tokenFor(org, ['WAREHOUSE']);
    h = returnsHelpers(t, { admin, agent, warehouse });
    for (let i = 1; i <= 10; i++) await h.register(`RT-${i}`);
    await h.register('RT-BAT', 'SOFAR-PM-V2-10');
  }, 60_000);
  afterAll(() => t?.stop());

  it('return rules are data an administrator sets, per family or SKU; others may not', async () => {
    expect(await h.setRule({ partNumber: 'PB-10K', productFamily: 'INVERTER', windowDays: 30 })).toEqual({
      rule: { partNumber: 'PB-10K', productFamily: 'INVERTER', sku: null, windowDays: 30 }, userErrors: [],
    });
    expect((await h.setRule({ partNumber: 'CELL-MOD', productFamily: 'BATTERY', windowDays: 45 })).userErrors).toEqual([]);
    expect((await h.setRule({ partNumber: 'CELL-MOD', sku: 'SOFAR-PM-V2-10', windowDays: 21 })).userErrors).toEqual([]);
    expect((await h.setRule({ partNumber: 'GONE', productFamily: 'INVERTER', windowDays: 5 })).userErrors).toEqual([]);
    expect(await h.setRule({ partNumber: 'GONE', productFamily: 'INVERTER', required: false })).toEqual({ rule: null, userErrors: [] });
    expect((await h.setRule({ partNumber: 'X', productFamily: 'INVERTER', windowDays: 5 }, agent)).userErrors[0].code).toBe('FORBIDDEN');
    expect((await h.setRule({ partNumber: 'X', productFamily: 'INVERTER', sku: 'S', windowDays: 5 })).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect((await h.setRule({ partNumber: 'X', productFamily: 'INVERTER', windowDays: 0 })).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'windowDays'] });
    const { data } = await t.graphql(`{ partReturnRules(first: 2) { totalCount edges { node { partNumber productFamily sku windowDays } } pageInfo { hasNextPage endCursor } } }`, {}, agent);
    expect(data.partReturnRules.totalCount).toBe(3);
    expect(data.partReturnRules.edges.map((e: any) => [e.node.partNumber, e.node.productFamily ?? e.node.sku])).toEqual([['CELL-MOD', 'BATTERY'], ['CELL-MOD', 'SOFAR-PM-V2-10']]);
    const { data: rest } = await t.graphql(`query($after: String) { partReturnRules(first: 2, after: $after) { edges { node { partNumber } } pageInfo { hasNextPage } } }`, { after: data.partReturnRules.pageInfo.endCursor }, agent);
    expect(rest.partReturnRules).toEqual({ edges: [{ node: { partNumber: 'PB-10K' } }], pageInfo: { hasNextPage: false } });
  });

  it('approval gives the covered part line an RMA number, with its event and a CSP message, in the approval; labour gets none', async () => {
    const submitted = await h.claimThrough('RT-1', []);
    expect(submitted.lines[0].partReturn).toBeNull();
    const claim = await h.claimThrough('RT-2', ['approveClaim']);
    const [part, labour] = claim.lines;
    expect(part.partReturn).toMatchObject({ rmaNumber: expect.stringMatching(/^RMA-2026-\d{6}$/), partNumber: 'PB-10K', status: 'AUTHORISED', windowDays: 30, dueAt: null, overdue: false, lineId: part.id, claim: { id: claim.id } });
    expect(labour.partReturn).toBeNull();
    expect(await count('warranty_event', `event = 'PART_RETURN_AUTHORISED' AND claim_id = $2`, [claim.id])).toBe(1);
    const [message] = await t.dataSource.query(`SELECT payload FROM outbox_message WHERE aggregate_id = $1 AND topic = 'claim.returns_authorised'`, [claim.id]);
    expect(message.payload.returns).toEqual([{ rmaNumber: part.partReturn.rmaNumber, lineId: part.id, partNumber: 'PB-10K', windowDays: 30 }]);
    // The SKU's rule wins over the family's.
    const battery = await h.claimThrough('RT-BAT', ['approveClaim'], 'CELL-MOD', { component: 'CELLS', readings: { throughputMwh: 5, sohPct: 90 } });
    expect(battery.lines[0].partReturn).toMatchObject({ windowDays: 21 });
    // Numbers run on within the organisation.
    const numbers = [part.partReturn.rmaNumber, battery.lines[0].partReturn.rmaNumber].map((n: string) => Number(n.slice(9)));
    expect(numbers[1]).toBe(numbers[0] + 1);
  });

  it('a claim the system approves at intake (rule 16) gets its RMA numbers in the intake transaction too', async () => {
    await t.dataSource.query(`UPDATE warranty_policy SET auto_approval_limits = '{"EUR": "1000.00"}' WHERE org_id = $1 AND product_family = 'INVERTER'`, [org]);
    try {
      const claim = await h.claimThrough('RT-9', []);
      expect(claim.status).toBe('APPROVED');
      expect(claim.lines[0].partReturn).toMatchObject({ rmaNumber: expect.stringMatching(/^RMA-2026-\d{6}$/), partNumber: 'PB-10K', status: 'AUTHORISED' });
      expect(claim.lines[1].partReturn).toBeNull();
      expect(await count('warranty_event', `event = 'PART_RETURN_AUTHORISED' AND claim_id = $2`, [claim.id])).toBe(1);
      const topics = await t.dataSource.query(`SELECT topic, payload->>'status' AS status FROM outbox_message WHERE aggregate_id = $1 ORDER BY id`, [claim.id]);
      // CSP hears of the approval before the returns it authorised.
      expect(topics.map((m: { topic: string }) => m.topic)).toEqual(['claim.case_requested', 'claim.status_changed', 'claim.status_changed', 'claim.returns_authorised']);
    } finally {
      await t.dataSource.query(`UPDATE warranty_policy SET auto_approval_limits = '{}' WHERE org_id = $1`, [org]);
    }
  });

  it('an amendment may not remove a line whose part return is authorised: refused at its field, nothing written', async () => {
    const claim = await h.claimThrough('RT-10', ['approveClaim']);
    const part = claim.lines[0];
    expect(part.partReturn).toMatchObject({ status: 'AUTHORISED' });
    const { data, errors } = await t.graphql(
      `mutation($input: AmendClaimLinesInput!) { amendClaimLines(input: $input) { claim { id } userErrors { code field message } } }`,
      { input: { claimId: claim.id, currency: 'EUR', remove: [part.id], reason: 'part not used after all' } },
      agent,
    );
    expect(errors).toBeUndefined();
    expect(data.amendClaimLines.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'remove'] })]);
    expect(await count('claim_line', 'claim_id = $2', [claim.id])).toBe(2);
    expect(await count('part_return', 'claim_id = $2', [claim.id])).toBe(1);
    expect(await count('warranty_event', `event = 'CLAIM_LINES_AMENDED' AND claim_id = $2`, [claim.id])).toBe(0);
  });

  it('ship, receive, inspect CONFIRMED: the line stays covered; each step an event; a replay changes nothing', async () => {
    const claim = await h.claimThrough('RT-3', ['approveClaim', 'startClaimRepair', 'completeClaim']);
    const rma = claim.lines[0].partReturn.rmaNumber;
    expect(claim.lines[0].partReturn.dueAt).not.toBeNull();
    const shipped = await h.step('recordPartShipment', { rmaNumber: rma, carrier: 'DHL', trackingNumber: 'JD0001' });
    expect(shipped).toMatchObject({ changed: true, partReturn: { status: 'SHIPPED' }, userErrors: [] });
    expect((await h.step('recordPartShipment', { rmaNumber: rma, carrier: 'DHL', trackingNumber: 'JD0001' })).changed).toBe(false);
    expect((await h.step('recordPartShipment', { rmaNumber: rma, trackingNumber: 'OTHER' })).userErrors[0]).toMatchObject({ code: 'RETURN_STEP_CONFLICT', field: ['input', 'trackingNumber'] });
    expect(await h.step('recordPartReceipt', { rmaNumber: rma })).toMatchObject({ changed: true, partReturn: { status: 'RECEIVED', overdue: false } });
    expect(await h.step('recordPartReceipt', { rmaNumber: rma })).toMatchObject({ changed: false, partReturn: { status: 'RECEIVED' } });
    expect(await h.step('recordPartInspection', { rmaNumber: rma, outcome: 'CONFIRMED' })).toMatchObject({ changed: true, partReturn: { status: 'INSPECTED', inspectionOutcome: 'CONFIRMED', chargeBackReason: null } });
    const after = await h.claim(claim.id);
    expect(after).toMatchObject({ cover: 'COVERED', coveredTotal: { amount: '369.99' }, selfPaidTotal: { amount: '0.00' }, version: claim.version });
    const events = await t.dataSource.query(`SELECT event, from_value, to_value FROM warranty_event WHERE claim_id = $1 AND event LIKE 'PART_RETURN_%' ORDER BY id`, [claim.id]);
    expect(events.map((e: any) => [e.event, e.from_value, e.to_value])).toEqual([
      ['PART_RETURN_AUTHORISED', null, rma],
      ['PART_RETURN_SHIPPED', 'AUTHORISED', 'SHIPPED'],
      ['PART_RETURN_RECEIVED', 'SHIPPED', 'RECEIVED'],
      ['PART_RETURN_INSPECTED', 'RECEIVED', 'INSPECTED'],
    ]);
  });

  it('inspected NO_FAULT_FOUND: the line is charged back, the claim re-priced, an event and a CSP message, at once', async () => {
    const claim = await h.claimThrough('RT-4', ['approveClaim', 'startClaimRepair']);
    const rma = claim.lines[0].partReturn.rmaNumber;
    const eventsBefore = await count('warranty_event');
    const early = await h.step('recordPartInspection', { rmaNumber: rma, outcome: 'NO_FAULT_FOUND' });
    expect(early).toMatchObject({ partReturn: null, changed: false, userErrors: [{ code: 'RETURN_NOT_RECEIVED', field: ['input', 'rmaNumber'] }] });
    expect(await count('warranty_event')).toBe(eventsBefore);
    await h.step('recordPartReceipt', { rmaNumber: rma });
    const inspected = await h.step('recordPartInspection', { rmaNumber: rma, outcome: 'NO_FAULT_FOUND', note: 'board works on the bench' });
    expect(inspected.partReturn).toMatchObject({ status: 'INSPECTED', inspectionOutcome: 'NO_FAULT_FOUND', chargeBackReason: 'NO_FAULT_FOUND' });
    const after = await h.claim(claim.id);
    expect(after).toMatchObject({ cover: 'PARTLY_COVERED', coveredTotal: { amount: '120.00' }, selfPaidTotal: { amount: '249.99' }, total: { amount: '369.99' }, version: claim.version + 1 });
    expect(after.lines[0]).toMatchObject({ covered: false, reason: `charged back: part PB-10K (${rma}) was inspected NO_FAULT_FOUND: no fault was found in it` });
    expect(await count('warranty_event', `event = 'CLAIM_LINE_CHARGED_BACK' AND claim_id = $2`, [claim.id])).toBe(1);
    const [message] = await t.dataSource.query(`SELECT payload FROM outbox_message WHERE aggregate_id = $1 AND topic = 'claim.lines_charged_back'`, [claim.id]);
    expect(message.payload).toMatchObject({
      claimId: claim.id, cover: 'PARTLY_COVERED', coveredTotal: { amount: '120.00', currency: 'EUR' }, selfPaidTotal: { amount: '249.99', currency: 'EUR' },
      lines: [{ lineId: claim.lines[0].id, partNumber: 'PB-10K', amount: { amount: '249.99', currency: 'EUR' }, rmaNumber: rma, chargeBack: 'NO_FAULT_FOUND' }],
    });
    // The same finding again changes nothing; another is a conflict.
    expect((await h.step('recordPartInspection', { rmaNumber: rma, outcome: 'NO_FAULT_FOUND' })).changed).toBe(false);
    expect((await h.step('recordPartInspection', { rmaNumber: rma, outcome: 'CONFIRMED' })).userErrors[0].code).toBe('RETURN_STEP_CONFLICT');
    expect(await count('warranty_event', `event = 'CLAIM_LINE_CHARGED_BACK' AND claim_id = $2`, [claim.id])).toBe(1);
    // Issue 20 reads the finding per claim line.
    const [row] = await t.dataSource.query(`SELECT inspection_outcome FROM part_return WHERE claim_line_id = $1`, [claim.lines[0].id]);
    expect(row.inspection_outcome).toBe('NO_FAULT_FOUND');
  });

  it('the overdue evaluation charges a part not received in its window back once; running it twice changes nothing more', async () => {
    const claim = await h.claimThrough('RT-5', ['approveClaim', 'startClaimRepair', 'completeClaim']);
    const dueAt = new Date(claim.lines[0].partReturn.dueAt);
    expect((await t.app.services.returns.evaluateOverdue({ orgId: org, now: new Date(dueAt.getTime() - DAY) })).returns).toEqual([]);
    const first = await t.app.services.returns.evaluateOverdue({ orgId: org, now: new Date(dueAt.getTime() + 1000) });
    expect(first.returns).toEqual([{ orgId: org, rmaNumber: claim.lines[0].partReturn.rmaNumber, claimId: claim.id }]);
    expect((await t.app.services.returns.evaluateOverdue({ orgId: org, now: new Date(dueAt.getTime() + 2 * DAY) })).chargedBack).toBe(0);
    const after = await h.claim(claim.id);
    expect(after).toMatchObject({ coveredTotal: { amount: '120.00' }, selfPaidTotal: { amount: '249.99' } });
    expect(after.lines[0].partReturn).toMatchObject({ chargeBackReason: 'NOT_RECEIVED', status: 'AUTHORISED' });
    expect(after.lines[0].reason).toMatch(/was not received within 30 days of completion/);
    expect(await count('warranty_event', `event = 'CLAIM_LINE_CHARGED_BACK' AND claim_id = $2`, [claim.id])).toBe(1);
    expect(await count('outbox_message', `topic = 'claim.lines_charged_back' AND aggregate_id = $2`, [claim.id])).toBe(1);
  });

  it('refuses a receipt for an RMA never authorised, another organisation\'s RMA, and a caller without the role; nothing written', async () => {
    const claim = await h.claimThrough('RT-6', ['approveClaim']);
    const rma = claim.lines[0].partReturn.rmaNumber;
    const events = await count('warranty_event');
    expect((await h.step('recordPartReceipt', { rmaNumber: 'RMA-2026-999999' })).userErrors).toEqual([
      { code: 'RETURN_NOT_AUTHORISED', field: ['input', 'rmaNumber'], message: 'no part return was authorised under RMA-2026-999999' },
    ]);
    const foreign = await h.step('recordPartReceipt', { rmaNumber: rma }, await tokenFor(other, ['WAREHOUSE']));
    expect(foreign.userErrors[0].code).toBe('RETURN_NOT_AUTHORISED');
    expect((await h.step('recordPartReceipt', { rmaNumber: rma }, await tokenFor(org, ['INSTALLER']))).userErrors[0].code).toBe('FORBIDDEN');
    expect(await count('warranty_event')).toBe(events);
    expect((await h.claim(claim.id)).lines[0].partReturn.status).toBe('AUTHORISED');
  });

  it('the warehouse\'s signed webhook records a step; a replay of the delivery changes nothing; a bad signature is refused', async () => {
    const claim = await h.claimThrough('RT-7', ['approveClaim']);
    const rma = claim.lines[0].partReturn.rmaNumber;
    const body = JSON.stringify({ deliveryId: `wh-${rma}`, orgId: org, step: 'RECEIPT', rmaNumber: rma });
    const taken = await postWebhook(t.url, '/webhooks/warehouse/part-returns', body, { secret: SECRET });
    expect(taken).toMatchObject({ status: 200, body: { result: { rmaNumber: rma, status: 'RECEIVED', changed: true } } });
    expect((await postWebhook(t.url, '/webhooks/warehouse/part-returns', body, { secret: SECRET })).status).toBe(409);
    expect((await postWebhook(t.url, '/webhooks/warehouse/part-returns', body, { secret: 'not-the-warehouse-secret' })).status).toBe(401);
    const early = JSON.stringify({ deliveryId: 'wh-unknown', orgId: org, step: 'INSPECTION', rmaNumber: 'RMA-1900-000001', outcome: 'CONFIRMED' });
    expect(await postWebhook(t.url, '/webhooks/warehouse/part-returns', early, { secret: SECRET })).toMatchObject({ status: 404, body: { errors: [{ extensions: { code: 'RETURN_NOT_AUTHORISED', field: ['rmaNumber'] } }] } });
    const inspect = JSON.stringify({ deliveryId: `wh-i-${rma}`, orgId: org, step: 'INSPECTION', rmaNumber: rma, outcome: 'CUSTOMER_DAMAGE' });
    const inspected = await postWebhook(t.url, '/webhooks/warehouse/part-returns', inspect, { token: await tokenFor(org, ['SERVICE']) });
    expect(inspected).toMatchObject({ status: 200, body: { result: { status: 'INSPECTED', chargeBackReason: 'CUSTOMER_DAMAGE' } } });
    expect((await h.claim(claim.id)).lines[0].covered).toBe(false);
  });

  it('expectedReturns: soonest due first, not completed last, filtered by status and due window; one statement a page', async () => {
    const completed = await h.claimThrough('RT-8', ['approveClaim', 'startClaimRepair', 'completeClaim']);
    const query = `query($status: PartReturnStatus, $days: Int, $first: Int, $after: String) { expectedReturns(status: $status, dueWithinDays: $days, first: $first, after: $after) {
      totalCount edges { node { ${RETURN_FIELDS} } } pageInfo { hasNextPage endCursor } } }`;
    const all: any[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const { data, errors }: any = await t.graphql(query, { first: 2, after }, warehouse);
      expect(errors).toBeUndefined();
      total = data.expectedReturns.totalCount;
      all.push(...data.expectedReturns.edges.map((e: any) => e.node));
      if (!data.expectedReturns.pageInfo.hasNextPage) break;
      after = data.expectedReturns.pageInfo.endCursor;
    }
    expect(all).toHaveLength(total);
    expect(all.every((r) => ['AUTHORISED', 'SHIPPED'].includes(r.status))).toBe(true);
    const dues = all.map((r) => (r.dueAt ? Date.parse(r.dueAt) : Infinity));
    expect(dues).toEqual([...dues].sort((a, b) => a - b));
    expect(all.map((r) => r.rmaNumber)).toContain(completed.lines[0].partReturn.rmaNumber);
    expect(all.some((r) => r.dueAt === null)).toBe(true);
    const { data: due } = await t.graphql(query, { days: 60 }, warehouse);
    expect(due.expectedReturns.edges.every((e: any) => e.node.dueAt !== null)).toBe(true);
    const { data: received } = await t.graphql(query, { status: 'INSPECTED' }, warehouse);
    expect(received.expectedReturns.edges.length).toBeGreaterThanOrEqual(2);
    expect((await t.graphql(query, {}, await tokenFor(org, ['CUSTOMER'], { customerId: 'c' }))).errors?.[0].extensions?.code).toBe('FORBIDDEN');

    for (const first of [1, 50]) {
      const logs = captureLogs('info');
      try {
        await t.graphql(`query($first: Int) { expectedReturns(first: $first) { totalCount edges { node { rmaNumber status dueAt overdue } } } }`, { first }, warehouse);
        await new Promise((resolve) => setImmediate(resolve));
        expect(logs.lines.filter((l) => l.msg === 'graphql').map((l) => l.sqlQueries)).toEqual([1]);
      } finally {
        logs.stop();
      }
    }
  });
});
