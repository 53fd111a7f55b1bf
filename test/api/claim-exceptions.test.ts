import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Exception approvals (rule 11): a claim the check does not cover goes to Landray OA through the outbox; OA's
 * approval adds a GOODWILL coverage tied to the claim that really pays it (for a battery's voided cells too),
 * and a decision repeated under its reference changes nothing.
 */
const DECIDE = `mutation($input: RecordExceptionDecisionInput!) { recordExceptionDecision(input: $input) {
  claim { id status cover version coveredTotal { amount } selfPaidTotal { amount } lines { covered reason } exception { reference outcome approver } }
  userErrors { code field message }
} }`;

describe('claim exceptions', () => {
  let t: TestApp;
  let agent: string;
  let service: string;
  let admin: string;
  let batteryId: string;

  async function submit(input: Record<string, unknown>) {
    const { data, errors } = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id cover status } userErrors { code message } } }`,
      { input: { repairDate: '2026-11-24', currency: 'EUR', readings: { throughputMwh: 5, sohPct: 90 }, ...input } },
      agent,
    );
    expect(errors).toBeUndefined();
    expect(data.submitClaim.userErrors).toEqual([]);
    return data.submitClaim.claim as { id: string; cover: string };
  }

  const requestException = async (id: string) =>
    (await t.graphql(`mutation($input: ClaimDecisionInput!) { requestClaimException(input: $input) { claim { status } userErrors { code message } } }`, { input: { id, reason: 'customer kept the unit online; ask for goodwill' } }, agent)).data.requestClaimException;

  const decide = async (input: Record<string, unknown>, token = service) => (await t.graphql(DECIDE, { input }, token)).data.recordExceptionDecision;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(t.dataSource, 'exceptions');
    agent = await tokenFor(org, ['AGENT']);
    service = await tokenFor(org, ['SERVICE']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code message } } }`,
      { input: { serialNumber: 'EX-BAT-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
      admin,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
    batteryId = data.registerWarranty.warranty.id;
    // §5.5.19: offline, missed the cell firmware; the cells lose their warranty, the rest of the unit keeps it.
    const voided = await t.graphql(`mutation($id: ID!) { voidWarranty(input: { id: $id, component: "CELLS", reason: "§5.5.19: offline, missed cell firmware 3.2" }) { userErrors { code } } }`, { id: batteryId }, admin);
    expect(voided.data.voidWarranty.userErrors).toEqual([]);
  });

  afterAll(() => t.stop());

  // Before the approval below, whose goodwill would cover these cells on this day.
  it('a rejection closes the claim as REJECTED, with no coverage', async () => {
    const claim = await submit({ warrantyId: batteryId, kind: 'REPAIR', component: 'CELLS', lines: [{ kind: 'PART', partNumber: 'CELL-MOD', quantity: '1', unitPrice: '800' }] });
    await requestException(claim.id);
    const rejected = await decide({ claimId: claim.id, outcome: 'REJECTED', approver: 'Li Wei', reference: 'OA-2026-0050', reason: 'tampering confirmed' });
    expect(rejected.claim).toMatchObject({ status: 'REJECTED', cover: 'NOT_COVERED', exception: { outcome: 'REJECTED' } });
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM coverage WHERE claim_id = $1`, [claim.id]))[0].n).toBe(0);
  });

  it('voided cells: the claim is self-paid, goes to OA, and the approval pays it through a CELLS goodwill coverage', async () => {
    const claim = await submit({ warrantyId: batteryId, kind: 'REPAIR', component: 'CELLS', lines: [{ kind: 'PART', partNumber: 'CELL-MOD', quantity: '2', unitPrice: '800' }, { kind: 'LABOUR', hours: '2', rate: '75' }] });
    expect(claim.cover).toBe('NOT_COVERED');
    expect(await requestException(claim.id)).toEqual({ claim: { status: 'EXCEPTION_REQUESTED' }, userErrors: [] });
    const [request] = await t.dataSource.query(`SELECT topic, payload FROM outbox_message WHERE aggregate_id = $1 AND destination = 'OA'`, [claim.id]);
    expect(request).toMatchObject({ topic: 'claim.exception_requested', payload: { claimId: claim.id, serialNumber: 'EX-BAT-1', component: 'CELLS', selfPaidTotal: { amount: '1750.0000', currency: 'EUR' } } });

    const approved = await decide({ claimId: claim.id, outcome: 'APPROVED', approver: 'Li Wei (after-sales director)', reference: 'OA-2026-0042' });
    expect(approved.userErrors).toEqual([]);
    expect(approved.claim).toMatchObject({
      status: 'APPROVED',
      cover: 'COVERED',
      coveredTotal: { amount: '1750.00' },
      selfPaidTotal: { amount: '0.00' },
      exception: { reference: 'OA-2026-0042', outcome: 'APPROVED', approver: 'Li Wei (after-sales director)' },
    });
    expect(approved.claim.lines.every((l: any) => l.covered && l.reason.startsWith('paid as goodwill: exception OA-2026-0042'))).toBe(true);

    const goodwill = await t.dataSource.query(`SELECT kind, scope, claim_id, start_date::text, end_date::text FROM coverage WHERE warranty_record_id = $1 AND kind = 'GOODWILL'`, [batteryId]);
    expect(goodwill).toEqual([{ kind: 'GOODWILL', scope: 'CELLS', claim_id: claim.id, start_date: '2026-11-24', end_date: '2026-11-24' }]);
    // It pays that claim only (rule 11): a check of the cells on that day does not count it, and says why.
    const { data } = await t.graphql(
      `query { checkWarranty(input: { serialNumber: "EX-BAT-1", repairDate: "2026-11-24", component: "CELLS", readings: { throughputMwh: 5, sohPct: 90 } }) {
        decision reason coverages { coverage { kind claim { id } } active checks { check outcome reason } } } }`,
      {},
      agent,
    );
    expect(data.checkWarranty.decision).toBe('SELF_PAID');
    expect(data.checkWarranty.coverages.filter((c: any) => c.active)).toEqual([]);
    const shown = data.checkWarranty.coverages.find((c: any) => c.coverage.kind === 'GOODWILL');
    expect(shown.coverage.claim).toEqual({ id: claim.id });
    expect(shown.checks[0]).toMatchObject({ check: 'CLAIM', outcome: 'FAIL', reason: expect.stringContaining(`granted for claim ${claim.id} only`) });

    // The same decision again: nothing changes. Another outcome under the reference, or another reference: refused.
    const events = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM warranty_event WHERE claim_id = $1`, [claim.id]))[0].n;
    const before = await events();
    const again = await decide({ claimId: claim.id, outcome: 'APPROVED', approver: 'Li Wei (after-sales director)', reference: 'OA-2026-0042' });
    expect(again.claim.version).toBe(approved.claim.version);
    expect(await events()).toBe(before);
    expect((await decide({ claimId: claim.id, outcome: 'REJECTED', approver: 'Li Wei', reference: 'OA-2026-0042' })).userErrors[0]).toMatchObject({ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'outcome'] });
    expect((await decide({ claimId: claim.id, outcome: 'APPROVED', approver: 'Li Wei', reference: 'OA-2026-0043' })).userErrors[0]).toMatchObject({ code: 'INVALID_TRANSITION', field: ['input', 'reference'] });
    expect(await events()).toBe(before);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM coverage WHERE claim_id = $1`, [claim.id]))[0].n).toBe(1);
  });

  it('a goodwill coverage pays the claim it was granted for and nothing else: not a second claim on the same unit and day, not a check', async () => {
    const cells = { warrantyId: batteryId, kind: 'REPAIR', component: 'CELLS', repairDate: '2026-11-24' };
    const first = await submit({ ...cells, lines: [{ kind: 'PART', partNumber: 'CELL-MOD', quantity: '1', unitPrice: '500' }] });
    await requestException(first.id);
    const approved = await decide({ claimId: first.id, outcome: 'APPROVED', approver: 'Li Wei', reference: 'OA-2026-0077' });
    expect(approved.userErrors).toEqual([]);
    expect(approved.claim).toMatchObject({ status: 'APPROVED', cover: 'COVERED', coveredTotal: { amount: '500.00' }, selfPaidTotal: { amount: '0.00' } });

    // Another fault of the cells on the same day, and the whole unit too: the first claim's goodwill pays neither.
    const second = await submit({ ...cells, lines: [{ kind: 'PART', partNumber: 'CELL-MOD-2', quantity: '3', unitPrice: '900' }] });
    expect(second.cover).toBe('NOT_COVERED');
    const [stored] = await t.dataSource.query(`SELECT cover, covered_total::text, self_paid_total::text FROM warranty_claim WHERE id = $1`, [second.id]);
    expect(stored).toEqual({ cover: 'NOT_COVERED', covered_total: '0.0000', self_paid_total: '2700.0000' });
    const { data } = await t.graphql(
      `query($id: ID!) { claim(id: $id) { check { decision coverages { coverageId kind active checks { check outcome } } } } }`,
      { id: second.id },
      agent,
    );
    expect(data.claim.check.decision).toBe('SELF_PAID');
    const goodwill = data.claim.check.coverages.filter((c: any) => c.kind === 'GOODWILL');
    expect(goodwill.length).toBeGreaterThan(0);
    expect(goodwill.every((c: any) => !c.active && c.checks[0].check === 'CLAIM' && c.checks[0].outcome === 'FAIL')).toBe(true);
    const [firstGoodwill] = await t.dataSource.query(`SELECT id FROM coverage WHERE claim_id = $1`, [first.id]);
    expect(goodwill.map((c: any) => c.coverageId)).toContain(firstGoodwill.id);

    const check = await t.graphql(
      `query { checkWarranty(input: { serialNumber: "EX-BAT-1", repairDate: "2026-11-24", component: "CELLS", readings: { throughputMwh: 5, sohPct: 90 } }) { decision paysParts paysLabour } }`,
      {},
      agent,
    );
    expect(check.data.checkWarranty).toEqual({ decision: 'SELF_PAID', paysParts: false, paysLabour: false });

    // The granted claim is still paid, in full, and says which coverage pays it.
    const paid = await t.graphql(`query($id: ID!) { claim(id: $id) { cover coveredTotal { amount } lines { covered } } }`, { id: first.id }, agent);
    expect(paid.data.claim).toEqual({ cover: 'COVERED', coveredTotal: { amount: '500.00' }, lines: [{ covered: true }] });
    const rows = await t.dataSource.query(`SELECT kind, start_date::text FROM coverage WHERE claim_id = $1`, [first.id]);
    expect(rows).toEqual([{ kind: 'GOODWILL', start_date: '2026-11-24' }]);

    // The second claim's exception cannot be decided under the first's OA reference: a typed refusal, nothing written.
    await requestException(second.id);
    const reused = await decide({ claimId: second.id, outcome: 'APPROVED', approver: 'Li Wei', reference: 'OA-2026-0077' });
    expect(reused.userErrors).toEqual([
      { code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'reference'], message: expect.stringContaining(`already decided claim ${first.id}`) },
    ]);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM coverage WHERE claim_id = $1`, [second.id]))[0].n).toBe(0);
  });

  it('a replacement unit carries the goodwill copy, still bound to the old unit\'s claim: it does not pay a check of the new unit (rules 10, 11)', async () => {
    const registered = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code message } } }`,
      { input: { serialNumber: 'EX-BAT-R-OLD', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
      admin,
    );
    expect(registered.data.registerWarranty.userErrors).toEqual([]);
    const oldId = registered.data.registerWarranty.warranty.id;
    const voided = await t.graphql(`mutation($id: ID!) { voidWarranty(input: { id: $id, component: "CELLS", reason: "§5.5.19: offline, missed cell firmware 3.2" }) { userErrors { code } } }`, { id: oldId }, admin);
    expect(voided.data.voidWarranty.userErrors).toEqual([]);

    // A swap of the battery for its voided cells: not covered, so OA's goodwill pays it.
    const claim = await submit({ warrantyId: oldId, kind: 'REPLACE', component: 'CELLS', replacementSerialNumber: 'EX-BAT-R-NEW', lines: [{ kind: 'PART', partNumber: 'PM-V2-10', quantity: '1', unitPrice: '2400' }] });
    expect(claim.cover).toBe('NOT_COVERED');
    await requestException(claim.id);
    const approved = await decide({ claimId: claim.id, outcome: 'APPROVED', approver: 'Li Wei', reference: 'OA-2026-0090' });
    expect(approved.userErrors).toEqual([]);
    expect(approved.claim).toMatchObject({ status: 'APPROVED', cover: 'COVERED' });
    for (const [name, status] of [['startClaimRepair', 'IN_REPAIR'], ['completeClaim', 'CLOSED']]) {
      const { data } = await t.graphql(`mutation($input: ClaimDecisionInput!) { ${name}(input: $input) { claim { status } userErrors { code message } } }`, { input: { id: claim.id, reason: 'battery swapped' } }, agent);
      expect(data[name]).toEqual({ claim: { status }, userErrors: [] });
    }

    // The replacement lists the goodwill copy, and it names the old unit's claim.
    const { data } = await t.graphql(
      `query { warranty(serialNumber: "EX-BAT-R-NEW") { replaces { serialNumber } coverages { id kind scope startDate endDate claim { id } } } }`,
      {},
      agent,
    );
    expect(data.warranty.replaces).toEqual({ serialNumber: 'EX-BAT-R-OLD' });
    const copies = data.warranty.coverages.filter((c: any) => c.kind === 'GOODWILL');
    expect(copies).toEqual([{ id: expect.any(String), kind: 'GOODWILL', scope: 'CELLS', startDate: '2026-11-24', endDate: '2026-11-24', claim: { id: claim.id } }]);
    const [original] = await t.dataSource.query(`SELECT id FROM coverage WHERE warranty_record_id = $1 AND kind = 'GOODWILL'`, [oldId]);
    expect(copies[0].id).not.toBe(original.id);

    // A check of the new unit's cells on the repair day is not paid by it: its CLAIM check fails, naming the claim.
    // (The cells void was the old unit's and is not copied, so the new unit's STANDARD coverage pays the check.)
    const check = await t.graphql(
      `query { checkWarranty(input: { serialNumber: "EX-BAT-R-NEW", repairDate: "2026-11-24", component: "CELLS", readings: { throughputMwh: 5, sohPct: 90 } }) {
        coverages { coverage { id kind claim { id } } active checks { check outcome reason } } } }`,
      {},
      agent,
    );
    const coverages = check.data.checkWarranty.coverages;
    expect(coverages.filter((c: any) => c.active).map((c: any) => c.coverage.kind)).toEqual(['STANDARD']);
    const shown = coverages.find((c: any) => c.coverage.id === copies[0].id);
    expect(shown).toMatchObject({ coverage: { kind: 'GOODWILL', claim: { id: claim.id } }, active: false });
    expect(shown.checks[0]).toMatchObject({ check: 'CLAIM', outcome: 'FAIL', reason: expect.stringContaining(`granted for claim ${claim.id} only: it does not pay a warranty check`) });
  });

  it('refusals: a covered claim needs no exception; a decision without a request, or from an agent, is refused', async () => {
    const covered = await submit({ warrantyId: batteryId, kind: 'REPAIR', component: 'INVERTER_BOARD', lines: [{ kind: 'PART', partNumber: 'IB', quantity: '1', unitPrice: '100' }] });
    expect(covered.cover).toBe('COVERED');
    expect((await requestException(covered.id)).userErrors[0]).toMatchObject({ code: 'INVALID_TRANSITION', message: expect.stringContaining('approve it instead') });
    expect((await decide({ claimId: covered.id, outcome: 'APPROVED', approver: 'x', reference: 'OA-1' })).userErrors[0].code).toBe('INVALID_TRANSITION');
    expect((await decide({ claimId: covered.id, outcome: 'APPROVED', approver: 'x', reference: 'OA-2' }, agent)).userErrors[0].code).toBe('FORBIDDEN');
    expect((await decide({ claimId: covered.id, outcome: 'APPROVED', approver: ' ', reference: 'OA-3' })).userErrors[0].field).toEqual(['input', 'approver']);
    expect((await decide({ claimId: covered.id, outcome: 'APPROVED', approver: 'x', reference: 'bad ref' })).userErrors[0].field).toEqual(['input', 'reference']);
  });
});

describe('the desk end to end: intake to closure through an approved exception', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
  });
  afterAll(() => t.stop());

  it('every step in the history, the SLA on the case, one outbox message per change', async () => {
    const org = await createTestOrg(t.dataSource, 'desk');
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const agent = await tokenFor(org, ['AGENT']);
    const gql = async (query: string, variables: Record<string, unknown>, token = agent) => {
      const { data, errors } = await t.graphql(query, variables, token);
      expect(errors).toBeUndefined();
      return data;
    };
    const registered = await gql(`mutation { registerWarranty(input: { serialNumber: "DESK-1", sku: "SOFAR-INV-10KTL-X-G2", site: { countryCode: "DE", timeZone: "Europe/Berlin" }, commissioningDate: "2025-01-10" }) { warranty { id } } }`, {}, admin);
    const unitId = registered.registerWarranty.warranty.id;
    // The unit was opened by someone unauthorised: void, so the repair is not covered and needs goodwill.
    await gql(`mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "seal broken by an unauthorised person" }) { userErrors { code } } }`, { id: unitId }, admin);
    const submitted = await gql(
      `mutation { submitClaim(input: { warrantyId: "${unitId}", kind: REPAIR, repairDate: "2026-11-24", currency: "EUR", cspCaseId: "CASE-DESK-1",
        lines: [{ kind: PART, partNumber: "PB-10K", quantity: "1", unitPrice: "249.99" }, { kind: LABOUR, hours: "2", rate: "70" }] }) { claim { id cover } userErrors { message } } }`,
      {},
    );
    const claimId = submitted.submitClaim.claim.id;
    expect(submitted.submitClaim.claim.cover).toBe('NOT_COVERED');
    const step = async (mutation: string, input: Record<string, unknown>, token = agent) => {
      const data = await gql(`mutation($input: ${mutation === 'recordExceptionDecision' ? 'RecordExceptionDecisionInput' : 'ClaimDecisionInput'}!) { ${mutation}(input: $input) { claim { status } userErrors { code message } } }`, { input }, token);
      expect(data[mutation].userErrors).toEqual([]);
      return data[mutation].claim.status;
    };
    expect(await step('requestClaimException', { id: claimId, reason: 'long-standing customer; ask OA for goodwill' })).toBe('EXCEPTION_REQUESTED');
    expect(await step('recordExceptionDecision', { claimId, outcome: 'APPROVED', approver: 'after-sales director', reference: 'OA-DESK-1' }, admin)).toBe('APPROVED');
    expect(await step('startClaimRepair', { id: claimId, reason: 'technician on site' })).toBe('IN_REPAIR');
    expect(await step('completeClaim', { id: claimId, reason: 'board replaced, unit running' })).toBe('CLOSED');

    const claim = (await gql(`query($id: ID!) { claim(id: $id) { status cover coveredTotal { amount } messages { destination topic payload } } }`, { id: claimId })).claim;
    expect(claim).toMatchObject({ status: 'CLOSED', cover: 'COVERED', coveredTotal: { amount: '389.99' } });
    expect(claim.messages.map((m: any) => [m.destination, m.topic, m.payload.status ?? null])).toEqual([
      ['CSP', 'claim.status_changed', 'SUBMITTED'],
      ['CSP', 'claim.status_changed', 'EXCEPTION_REQUESTED'],
      ['OA', 'claim.exception_requested', null],
      ['CSP', 'claim.status_changed', 'APPROVED'],
      ['CSP', 'claim.status_changed', 'IN_REPAIR'],
      ['CSP', 'claim.status_changed', 'CLOSED'],
    ]);

    const history = (await gql(`query($id: ID!) { warrantyHistory(warrantyId: $id, first: 20) { edges { node { event fromValue toValue } } } }`, { id: unitId })).warrantyHistory;
    expect(history.edges.map((e: any) => [e.node.event, e.node.fromValue, e.node.toValue]).reverse().slice(2)).toEqual([
      ['WARRANTY_VOIDED', null, expect.any(String)],
      ['CLAIM_SUBMITTED', null, 'SUBMITTED'],
      ['CLAIM_STATUS_CHANGED', 'SUBMITTED', 'EXCEPTION_REQUESTED'],
      ['COVERAGE_ADDED', null, 'GOODWILL UNIT'],
      ['CLAIM_STATUS_CHANGED', 'EXCEPTION_REQUESTED', 'APPROVED'],
      ['CLAIM_STATUS_CHANGED', 'APPROVED', 'IN_REPAIR'],
      ['CLAIM_STATUS_CHANGED', 'IN_REPAIR', 'CLOSED'],
    ]);

    // The CSP case shows the claim and its SLA: both targets met.
    const cases = await gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { claims { edges { node { status sla { response { state } onsite { state } } } } } } } }`,
      { r: [{ __typename: 'Case', id: 'CASE-DESK-1' }] },
    );
    expect(cases._entities).toEqual([{ claims: { edges: [{ node: { status: 'CLOSED', sla: { response: { state: 'MET' }, onsite: { state: 'MET' } } } }] } }]);
  });
});
