import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Claim intake over HTTP against a real database (rule 10): the check frozen on the claim, lines priced and
 * said covered or self-paid, readings into the history, SLA clocks, the event and the CSP outbox message, the
 * idempotent retry, and every refusal writing nothing.
 */
const TODAY = '2026-11-24'; // a Tuesday: the clock runs at 12:00:00Z and one second per reading

const SUBMIT = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) {
  claim {
    id kind status repairDate component cover currency: total { currency }
    check { decision paysParts paysLabour reason readingsFrom coverages { kind scope active paysLabour checks { check outcome } } }
    lines { kind partNumber component quantity unitPrice { amount currency } hours rate { amount } startAt endAt amount { amount } covered reason }
    coveredTotal { amount currency } selfPaidTotal { amount } total { amount }
    readings { odometerKm throughputMwh sohPct }
    sla { response { dueAt metAt state } onsite { dueAt state } }
    warranty { id serialNumber }
    version createdAt
  }
  userErrors { code field message }
} }`;

describe('submitClaim', () => {
  let t: TestApp;
  let org: string;
  let agent: string;
  let installer: string;
  let customer: string;
  let otherAgent: string;
  const units: Record<string, { id: string; serialNumber: string }> = {};

  async function register(token: string, input: Record<string, unknown>) {
    const { data } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`,
      { input },
      token,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
    return data.registerWarranty.warranty;
  }

  async function submit(input: Record<string, unknown>, token = agent) {
    const response = await t.graphql(SUBMIT, { input }, token);
    expect(response.errors).toBeUndefined();
    return response.data.submitClaim;
  }

  async function count(table: string, where = 'TRUE', values: unknown[] = []) {
    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1 AND ${where}`, [org, ...values]);
    return n as number;
  }

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt(TODAY) });
    org = await createTestOrg(t.dataSource, 'claims');
    const other = await createTestOrg(t.dataSource, 'claims-other');
    agent = await tokenFor(org, ['AGENT']);
    installer = await tokenFor(org, ['INSTALLER']);
    customer = await tokenFor(org, ['CUSTOMER'], { customerId: 'cl-cust' });
    otherAgent = await tokenFor(other, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    // UK-IE inverter: 10 years of parts, 5 of labour; commissioned 2020-01-10, so labour ended 2025-01-10.
    units.uk = await register(admin, { serialNumber: 'CL-UK-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'GB', timeZone: 'Europe/London' }, commissioningDate: '2020-01-10', customerId: 'cl-cust' });
    units.de = await register(admin, { serialNumber: 'CL-DE-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' });
    units.voided = await register(admin, { serialNumber: 'CL-VOID-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' });
    const { data } = await t.graphql(`mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "opened by an unauthorised person" }) { userErrors { code } } }`, { id: units.voided.id }, admin);
    expect(data.voidWarranty.userErrors).toEqual([]);
    units.foreign = await register(await tokenFor(other, ['WARRANTY_ADMIN']), { serialNumber: 'CL-UK-1', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' }, commissioningDate: '2025-01-10' });
  });

  afterAll(() => t.stop());

  it('UK-IE after year 5: the part is covered, labour and travel self-paid, with the check frozen on the claim', async () => {
    const { claim, userErrors } = await submit({
      serialNumber: ' cl-uk-1 ',
      kind: 'REPAIR',
      repairDate: '2026-11-20',
      component: 'POWER_BOARD',
      description: 'no output after a grid fault',
      readings: { odometerKm: null },
      currency: 'GBP',
      cspCaseId: 'CSP-1001',
      lines: [
        { kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice: '249.99' },
        { kind: 'LABOUR', hours: '1.5', rate: '80' },
        { kind: 'TRAVEL', startAt: '2026-11-20T08:00:00Z', endAt: '2026-11-20T09:15:00Z', rate: '40' },
      ],
    });
    expect(userErrors).toEqual([]);
    expect(claim).toMatchObject({
      kind: 'REPAIR',
      status: 'SUBMITTED',
      cover: 'PARTLY_COVERED',
      check: { decision: 'PARTIALLY_COVERED', paysParts: true, paysLabour: false, readingsFrom: 'NONE' },
      coveredTotal: { amount: '249.99', currency: 'GBP' },
      selfPaidTotal: { amount: '170.00' },
      total: { amount: '419.99' },
      warranty: { id: units.uk.id, serialNumber: 'CL-UK-1' },
      version: 1,
    });
    expect(claim.lines.map((l: any) => [l.kind, l.amount.amount, l.covered])).toEqual([
      ['PART', '249.99', true],
      ['LABOUR', '120.00', false],
      ['TRAVEL', '50.00', false],
    ]);
    expect(claim.lines[0]).toMatchObject({ partNumber: 'PB-10K', quantity: '1', unitPrice: { amount: '249.99', currency: 'GBP' } });
    expect(claim.lines[1]).toMatchObject({ hours: '1.5', rate: { amount: '80.00' } });
    expect(claim.lines[1].reason).toMatch(/^labour is self-paid: .*labour/i);
    expect(claim.check.coverages[0].checks.map((c: any) => c.check)).toContain('LABOUR_TERM');

    // Submitted Tue 2026-11-24 just after 12:00Z (London, no holiday): 8 service hours to respond → the same time
    // on Wednesday; 24 on site → Friday, the travel (before submission) changing nothing.
    const submitted = Date.parse(claim.createdAt);
    expect(new Date(submitted).toISOString().slice(0, 13)).toBe('2026-11-24T12');
    const day = 24 * 3600 * 1000;
    expect(claim.sla).toEqual({
      response: { dueAt: new Date(submitted + day).toISOString(), metAt: null, state: 'RUNNING' },
      onsite: { dueAt: new Date(submitted + 3 * day).toISOString(), state: 'RUNNING' },
    });

    // One event on the record's history, one CSP message, both tied to the claim.
    const [event] = await t.dataSource.query(`SELECT event, to_value, detail FROM warranty_event WHERE claim_id = $1`, [claim.id]);
    expect(event).toMatchObject({ event: 'CLAIM_SUBMITTED', to_value: 'SUBMITTED', detail: { cover: 'PARTLY_COVERED', cspCaseId: 'CSP-1001' } });
    const messages = await t.dataSource.query(`SELECT destination, topic, payload FROM outbox_message WHERE aggregate_id = $1`, [claim.id]);
    expect(messages).toEqual([
      { destination: 'CSP', topic: 'claim.status_changed', payload: expect.objectContaining({ claimId: claim.id, cspCaseId: 'CSP-1001', from: null, status: 'SUBMITTED' }) },
    ]);
  });

  it('a later policy change never alters a decided claim', async () => {
    const { claim } = await submit({ warrantyId: units.de.id, kind: 'REPAIR', repairDate: '2026-11-02', currency: 'EUR', lines: [{ kind: 'PART', partNumber: 'F-1', quantity: '2', unitPrice: '10.005' }] });
    expect(claim).toMatchObject({ cover: 'COVERED', total: { amount: '20.01' } });
    await t.dataSource.query(`UPDATE coverage SET end_date = '2025-06-01' WHERE warranty_record_id = $1`, [units.de.id]);
    const { data } = await t.graphql(`query($id: ID!) { claim(id: $id) { cover check { decision reason } total { amount } } }`, { id: claim.id }, agent);
    expect(data.claim).toEqual({ cover: 'COVERED', check: { decision: 'COVERED', reason: claim.check.reason }, total: { amount: '20.01' } });
    await t.dataSource.query(`UPDATE coverage SET end_date = '2030-01-10' WHERE warranty_record_id = $1`, [units.de.id]);
  });

  it('a voided unit is answered, self-paid with the void reason', async () => {
    // Voided today (the test clock's day): a repair today is after the void.
    const { claim, userErrors } = await submit({ serialNumber: 'CL-VOID-1', kind: 'REPAIR', repairDate: TODAY, currency: 'EUR', lines: [{ kind: 'LABOUR', hours: '1', rate: '60' }] });
    expect(userErrors).toEqual([]);
    expect(claim).toMatchObject({ cover: 'NOT_COVERED', check: { decision: 'SELF_PAID' }, selfPaidTotal: { amount: '60.00' } });
    expect(claim.check.reason).toContain('opened by an unauthorised person');
  });

  describe('readings history', () => {
    it('records the readings, refuses a lower counter naming the earlier one, and shows the latest', async () => {
      const first = await submit({ serialNumber: 'CL-DE-1', kind: 'REPAIR', repairDate: '2026-10-01', currency: 'EUR', readings: { odometerKm: 1200, sohPct: 97 } });
      expect(first.userErrors).toEqual([]);
      const before = await count('warranty_claim');
      const lower = await submit({ serialNumber: 'CL-DE-1', kind: 'REPAIR', repairDate: '2026-11-01', currency: 'EUR', readings: { odometerKm: 1100 } });
      expect(lower).toEqual({
        claim: null,
        userErrors: [{ code: 'BAD_USER_INPUT', field: ['input', 'readings', 'odometerKm'], message: 'odometerKm 1100 km is lower than 1200 km recorded on 2026-10-01' }],
      });
      expect(await count('warranty_claim')).toBe(before);
      const { data } = await t.graphql(`query { warranty(serialNumber: "CL-DE-1") { latestReadings { odometerKm sohPct engineHours } } }`, {}, agent);
      expect(data.warranty.latestReadings).toEqual({ odometerKm: 1200, sohPct: 97, engineHours: null });
      // Without readings, the claim is judged on the latest recorded ones.
      const fromHistory = await submit({ serialNumber: 'CL-DE-1', kind: 'REPAIR', repairDate: '2026-11-05', currency: 'EUR' });
      expect(fromHistory.claim).toMatchObject({ check: { readingsFrom: 'HISTORY' }, readings: { odometerKm: null } });
    });
  });

  describe('checks without readings use the history', () => {
    it('a battery check gets an answer instead of READING_REQUIRED once a reading is on file; so does its CSP case', async () => {
      const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
      await register(admin, { serialNumber: 'CL-BAT-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' });
      const CHECK = `query { checkWarranty(input: { serialNumber: "CL-BAT-1", repairDate: "2026-11-20" }) { decision readingsFrom readings { throughputMwh sohPct } } }`;
      const before = await t.graphql(CHECK, {}, agent);
      expect(before.errors?.[0].extensions?.code).toBe('READING_REQUIRED');

      const claimed = await submit({ serialNumber: 'CL-BAT-1', kind: 'REPAIR', repairDate: '2026-11-10', currency: 'EUR', readings: { throughputMwh: 4.2, sohPct: 93 } });
      expect(claimed.userErrors).toEqual([]);
      const after = await t.graphql(CHECK, {}, agent);
      expect(after.errors).toBeUndefined();
      expect(after.data.checkWarranty).toEqual({ decision: 'COVERED', readingsFrom: 'HISTORY', readings: { throughputMwh: 4.2, sohPct: 93 } });

      // The same for a CSP case, through _entities, and still one statement for the case's check.
      const { data, errors } = await t.graphql(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warrantyCheck { decision readingsFrom } } } }`,
        { r: [{ __typename: 'Case', id: 'case-bat-1', serialNumber: 'CL-BAT-1', openedAt: '2026-11-20T09:00:00Z' }] },
        agent,
      );
      expect(errors).toBeUndefined();
      expect(data._entities).toEqual([{ warrantyCheck: { decision: 'COVERED', readingsFrom: 'HISTORY' } }]);
    });
  });

  describe('idempotency', () => {
    const input = () => ({ serialNumber: 'CL-DE-1', kind: 'REPAIR', repairDate: '2026-11-10', currency: 'EUR', idempotencyKey: 'csp-retry-1', lines: [{ kind: 'PART', partNumber: 'X', quantity: '1', unitPrice: '5' }] });

    it('a retry returns the first claim and writes nothing more', async () => {
      const first = await submit(input());
      const claims = await count('warranty_claim');
      const messages = await count('outbox_message');
      const again = await submit({ ...input(), lines: [{ unitPrice: '5', quantity: '1', partNumber: 'X', kind: 'PART' }] });
      expect(again.claim.id).toBe(first.claim.id);
      expect([await count('warranty_claim'), await count('outbox_message')]).toEqual([claims, messages]);
    });

    it('the same key with another request is refused', async () => {
      const other = await submit({ ...input(), repairDate: '2026-11-11' });
      expect(other.claim).toBeNull();
      expect(other.userErrors).toEqual([expect.objectContaining({ code: 'IDEMPOTENCY_CONFLICT', field: ['input', 'idempotencyKey'] })]);
    });

    it('ten identical submissions at once make one claim', async () => {
      const concurrent = { ...input(), idempotencyKey: 'csp-burst-1' };
      const answers = await Promise.all(Array.from({ length: 10 }, () => submit(concurrent)));
      expect(new Set(answers.map((a) => a.claim?.id)).size).toBe(1);
      expect(await count('warranty_claim', 'idempotency_key = $2', ['csp-burst-1'])).toBe(1);
    });
  });

  describe('refusals write nothing', () => {
    it.each([
      ['a zero quantity and a trip that ends before it starts, both named', {
        lines: [
          { kind: 'PART', partNumber: 'P', quantity: '0', unitPrice: '1' },
          { kind: 'TRAVEL', startAt: '2026-11-20T10:00:00Z', endAt: '2026-11-20T09:00:00Z' },
        ],
      }, [['input', 'lines', '0', 'quantity'], ['input', 'lines', '1', 'endAt']]],
      ['negative hours', { lines: [{ kind: 'LABOUR', hours: '-1', rate: '5' }] }, [['input', 'lines', '0', 'hours']]],
      ['a part line without its price', { lines: [{ kind: 'PART', partNumber: 'P', quantity: '1' }] }, [['input', 'lines', '0', 'unitPrice']]],
      ['an unknown currency', { currency: 'ABC' }, [['input', 'currency']]],
      ['a repair date in the future', { repairDate: '2026-11-25' }, [['input', 'repairDate']]],
      ['a repair date before the warranty start', { repairDate: '2025-01-09' }, [['input', 'repairDate']]],
      ['a replacement without the new unit', { kind: 'REPLACE' }, [['input', 'replacementSerialNumber']]],
      ['both a warranty id and a serial number', { warrantyId: '00000000-0000-4000-8000-000000000000' }, [['input', 'warrantyId']]],
      ['an unknown unit', { serialNumber: 'CL-NOPE' }, [['input', 'serialNumber']]],
    ])('%s', async (_label, change, fields) => {
      const claims = await count('warranty_claim');
      const messages = await count('outbox_message');
      const events = await count('warranty_event');
      const answer = await submit({ serialNumber: 'CL-DE-1', kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', ...change });
      expect(answer.claim).toBeNull();
      expect(answer.userErrors.map((e: any) => e.field)).toEqual(fields);
      expect([await count('warranty_claim'), await count('outbox_message'), await count('warranty_event')]).toEqual([claims, messages, events]);
    });

    it("another organisation's unit is not found, and its case ids are not ours", async () => {
      const foreign = await submit({ warrantyId: units.foreign.id, kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR' });
      expect(foreign.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'warrantyId'] })]);
      const theirs = await t.graphql(SUBMIT, { input: { serialNumber: 'CL-UK-1', kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', cspCaseId: 'CSP-OTHER-9' } }, otherAgent);
      expect(theirs.data.submitClaim.userErrors).toEqual([]);
      const ours = await submit({ serialNumber: 'CL-DE-1', kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', cspCaseId: 'CSP-OTHER-9' });
      expect(ours.userErrors).toEqual([expect.objectContaining({ code: 'CASE_TAKEN', field: ['input', 'cspCaseId'] })]);
    });

    it('a customer may not submit; an installer may', async () => {
      const refused = await submit({ serialNumber: 'CL-UK-1', kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR' }, customer);
      expect(refused.userErrors).toEqual([expect.objectContaining({ code: 'FORBIDDEN' })]);
      const allowed = await submit({ serialNumber: 'CL-UK-1', kind: 'REFUND', repairDate: '2026-11-20', currency: 'EUR' }, installer);
      expect(allowed.userErrors).toEqual([]);
      expect(allowed.claim.sla.onsite).toBeNull(); // a refund has nobody to send on site
    });
  });

  it("a unit's claims, newest first, in pages; a customer sees their own units' claims", async () => {
    const { data } = await t.graphql(
      `query { warranty(serialNumber: "CL-UK-1") { claims(first: 1) { totalCount edges { cursor node { kind } } pageInfo { hasNextPage } } } }`,
      {},
      customer,
    );
    expect(data.warranty.claims.totalCount).toBe(2);
    expect(data.warranty.claims.edges.map((e: any) => e.node.kind)).toEqual(['REFUND']);
    expect(data.warranty.claims.pageInfo.hasNextPage).toBe(true);
    const next = await t.graphql(
      `query($after: String) { warranty(serialNumber: "CL-UK-1") { claims(first: 1, after: $after) { edges { node { kind } } pageInfo { hasNextPage } } } }`,
      { after: data.warranty.claims.edges[0].cursor },
      customer,
    );
    expect(next.data.warranty.claims).toEqual({ edges: [{ node: { kind: 'REPAIR' } }], pageInfo: { hasNextPage: false } });
    const notTheirs = await t.graphql(`query { warranty(serialNumber: "CL-DE-1") { id } }`, {}, customer);
    expect(notTheirs.data.warranty).toBeNull();
  });

  describe('listing claims and their SLA', () => {
    it('filters by status, kind, unit, case and SLA state; pages newest first', async () => {
      const LIST = `query($filter: ClaimFilter, $first: Int, $after: String) { claims(filter: $filter, first: $first, after: $after) {
        totalCount edges { cursor node { id kind status cspCaseId sla { response { state serviceHoursLeft } } } } pageInfo { hasNextPage } } }`;
      const all = (await t.graphql(LIST, { first: 100 }, agent)).data.claims;
      expect(all.totalCount).toBeGreaterThan(5);
      const byCase = (await t.graphql(LIST, { filter: { cspCaseId: 'CSP-1001' } }, agent)).data.claims;
      expect(byCase.edges.map((e: any) => e.node.cspCaseId)).toEqual(['CSP-1001']);
      const refunds = (await t.graphql(LIST, { filter: { kind: 'REFUND' } }, agent)).data.claims;
      expect(refunds.edges.map((e: any) => e.node.kind)).toEqual(['REFUND']);
      const ofUnit = (await t.graphql(LIST, { filter: { warrantyId: units.uk.id, status: 'SUBMITTED' } }, agent)).data.claims;
      expect(ofUnit.totalCount).toBe(2);

      // One claim overdue: its response was due on 1 November and nobody answered.
      const overdue = byCase.edges[0].node.id;
      await t.dataSource.query(`UPDATE warranty_claim SET response_due_at = '2026-11-02T09:00:00Z' WHERE id = $1`, [overdue]);
      const breached = (await t.graphql(LIST, { filter: { slaState: 'BREACHED' } }, agent)).data.claims;
      expect(breached.edges.map((e: any) => e.node.id)).toEqual([overdue]);
      expect(breached.edges[0].node.sla.response).toEqual({ state: 'BREACHED', serviceHoursLeft: null });
      const running = (await t.graphql(LIST, { filter: { slaState: 'RUNNING' }, first: 100 }, agent)).data.claims;
      expect(running.edges.some((e: any) => e.node.id === overdue)).toBe(false);
      expect(running.edges.every((e: any) => e.node.sla.response.serviceHoursLeft > 0)).toBe(true);

      // Pages: two at a time, no claim twice.
      const first = (await t.graphql(LIST, { first: 2 }, agent)).data.claims;
      const second = (await t.graphql(LIST, { first: 2, after: first.edges[1].cursor }, agent)).data.claims;
      expect(first.pageInfo.hasNextPage).toBe(true);
      expect(new Set([...first.edges, ...second.edges].map((e: any) => e.node.id)).size).toBe(4);
      expect([...first.edges, ...second.edges].map((e: any) => e.node.id)).toEqual(all.edges.slice(0, 4).map((e: any) => e.node.id));

      // A customer sees their own units' claims only; another organisation sees none of ours.
      const mine = (await t.graphql(LIST, { first: 100 }, customer)).data.claims;
      expect(mine.totalCount).toBe(2);
      expect((await t.graphql(LIST, {}, otherAgent)).data.claims.edges.every((e: any) => e.node.cspCaseId !== 'CSP-1001')).toBe(true);
      const badCursor = await t.graphql(LIST, { after: 'not-a-cursor' }, agent);
      expect(badCursor.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    });

    it('lists the claims that will breach within N service hours, most urgent first', async () => {
      const AT_RISK = `query($h: Float!) { claimsAtRisk(withinServiceHours: $h) { target dueAt serviceHoursLeft claim { id status } } }`;
      const soon = (await t.graphql(AT_RISK, { h: 8.5 }, agent)).data.claimsAtRisk;
      expect(soon.length).toBeGreaterThan(0);
      expect(soon.every((r: any) => r.target === 'RESPONSE' && r.serviceHoursLeft <= 8.5 && r.serviceHoursLeft > 7)).toBe(true);
      const later = (await t.graphql(AT_RISK, { h: 24.5 }, agent)).data.claimsAtRisk;
      expect(later.some((r: any) => r.target === 'ONSITE')).toBe(true);
      expect(later.map((r: any) => r.serviceHoursLeft)).toEqual([...later.map((r: any) => r.serviceHoursLeft)].sort((a, b) => a - b));
      expect((await t.graphql(AT_RISK, { h: 1 }, agent)).data.claimsAtRisk).toEqual([]);
      // `first` keeps the most urgent; the claims are whole (their status read from the claim).
      const mostUrgent = (await t.graphql(`{ claimsAtRisk(withinServiceHours: 24.5, first: 1) { target dueAt serviceHoursLeft claim { id status } } }`, {}, agent)).data.claimsAtRisk;
      expect(mostUrgent).toEqual([later[0]]);
      expect(later.every((r: any) => r.claim.status === 'SUBMITTED' || r.claim.status === 'APPROVED')).toBe(true);
      // A customer measures their own units' claims only.
      const LIST_IDS = `{ claims(first: 100) { edges { node { id } } } }`;
      const mine = new Set((await t.graphql(LIST_IDS, {}, customer)).data.claims.edges.map((e: any) => e.node.id));
      const theirs = (await t.graphql(AT_RISK, { h: 24.5 }, customer)).data.claimsAtRisk;
      expect(theirs.every((r: any) => mine.has(r.claim.id))).toBe(true);
      expect(theirs.length).toBeGreaterThan(0);
      expect(theirs.length).toBeLessThan(later.length);
      const refused = await t.graphql(AT_RISK, { h: -1 }, agent);
      expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['withinServiceHours'] });
    });
  });
});

describe('recordReadings', () => {
  let t: TestApp;
  let agent: string;
  let customer: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(t.dataSource, 'readings');
    agent = await tokenFor(org, ['AGENT']);
    customer = await tokenFor(org, ['CUSTOMER'], { customerId: 'rd-cust' });
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code } } }`,
      { input: { serialNumber: 'RD-BAT-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10', customerId: 'rd-cust' } },
      admin,
    );
  });
  afterAll(() => t.stop());

  const RECORD = `mutation($input: RecordReadingsInput!) { recordReadings(input: $input) { warranty { serialNumber latestReadings { throughputMwh sohPct } } userErrors { code field message } } }`;

  it('adds readings to the history; a check without readings is then judged on them', async () => {
    const { data } = await t.graphql(RECORD, { input: { serialNumber: 'rd-bat-1', readOn: '2026-11-20', readings: { throughputMwh: 6.5, sohPct: 91 } } }, agent);
    expect(data.recordReadings).toEqual({ warranty: { serialNumber: 'RD-BAT-1', latestReadings: { throughputMwh: 6.5, sohPct: 91 } }, userErrors: [] });
    const check = await t.graphql(`query { checkWarranty(input: { serialNumber: "RD-BAT-1", repairDate: "2026-11-24" }) { decision readingsFrom } }`, {}, agent);
    expect(check.data.checkWarranty).toEqual({ decision: 'COVERED', readingsFrom: 'HISTORY' });
    const [event] = await t.dataSource.query(`SELECT event, detail FROM warranty_event WHERE event = 'READINGS_RECORDED' ORDER BY id DESC LIMIT 1`);
    expect(event).toEqual({ event: 'READINGS_RECORDED', detail: { readOn: '2026-11-20', readings: { throughputMwh: 6.5, sohPct: 91 } } });
  });

  it.each([
    ['a lower throughput', { serialNumber: 'RD-BAT-1', readOn: '2026-11-22', readings: { throughputMwh: 6 } }, ['input', 'readings', 'throughputMwh'], 'lower than 6.5 MWh recorded on 2026-11-20'],
    ['no readings', { serialNumber: 'RD-BAT-1', readOn: '2026-11-22', readings: {} }, ['input', 'readings'], 'at least one'],
    ['a state of health over 100', { serialNumber: 'RD-BAT-1', readOn: '2026-11-22', readings: { sohPct: 120 } }, ['input', 'readings', 'sohPct'], 'from 0 to 100'],
    ['a date in the future', { serialNumber: 'RD-BAT-1', readOn: '2026-11-25', readings: { sohPct: 90 } }, ['input', 'readOn'], 'in the future'],
    ['an unknown unit', { serialNumber: 'RD-NOPE', readOn: '2026-11-22', readings: { sohPct: 90 } }, ['input', 'serialNumber'], 'no warranty'],
  ])('refuses %s, writing nothing', async (_label, input, field, message) => {
    const before = (await t.dataSource.query(`SELECT count(*)::int AS n FROM unit_reading`))[0].n;
    const { data } = await t.graphql(RECORD, { input }, agent);
    expect(data.recordReadings.warranty).toBeNull();
    expect(data.recordReadings.userErrors[0].field).toEqual(field);
    expect(data.recordReadings.userErrors[0].message).toContain(message);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM unit_reading`))[0].n).toBe(before);
  });

  it("the projected end follows the history's own rate", async () => {
    const admin = await tokenFor((await t.dataSource.query(`SELECT org_id FROM warranty_record WHERE serial_number = 'RD-BAT-1'`))[0].org_id, ['WARRANTY_ADMIN']);
    const registered = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code message } } }`,
      { input: { serialNumber: 'RD-VAN-1', sku: 'DEMO-VAN-36', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-05-01' } },
      admin,
    );
    expect(registered.data.registerWarranty.userErrors).toEqual([]);
    for (const [readOn, odometerKm] of [['2025-06-01', 10000], ['2026-06-01', 40000]] as const) {
      const { data } = await t.graphql(RECORD, { input: { serialNumber: 'RD-VAN-1', readOn, readings: { odometerKm } } }, agent);
      expect(data.recordReadings.userErrors).toEqual([]);
    }
    // 30,000 km in 365 days; 60,000 km to the 100,000 km limit → 730 days after the latest reading.
    const { data } = await t.graphql(`query { checkWarranty(input: { serialNumber: "RD-VAN-1", repairDate: "2026-11-24" }) { readingsFrom coverages { projectedEnd { date limit } } } }`, {}, agent);
    expect(data.checkWarranty).toEqual({ readingsFrom: 'HISTORY', coverages: [{ projectedEnd: { date: '2028-05-31', limit: 'MILEAGE' } }] });
  });

  it('a customer may not report readings', async () => {
    const { data } = await t.graphql(RECORD, { input: { serialNumber: 'RD-BAT-1', readOn: '2026-11-22', readings: { sohPct: 90 } } }, customer);
    expect(data.recordReadings.userErrors[0].code).toBe('FORBIDDEN');
  });
});

describe('SLA clocks with the holiday library and company days', () => {
  let t: TestApp;
  let agent: string;
  let org: string;

  beforeAll(async () => {
    // Wednesday 23 December 2026, 12:00 UTC.
    t = await startTestApp({ clock: clockAt('2026-12-23') });
    org = await createTestOrg(t.dataSource, 'holidays');
    agent = await tokenFor(org, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (const [serialNumber, countryCode, timeZone] of [['HD-DE', 'DE', 'Europe/Berlin'], ['HD-PL', 'PL', 'Europe/Warsaw'], ['HD-GB', 'GB', 'Europe/London']]) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code message } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode, timeZone }, commissioningDate: '2025-01-10' } },
        admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
  });
  afterAll(() => t.stop());

  async function responseDue(serialNumber: string): Promise<string> {
    const { data } = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { createdAt sla { response { dueAt } } } userErrors { message } } }`,
      { input: { serialNumber, kind: 'REPAIR', repairDate: '2026-12-22', currency: 'EUR' } },
      agent,
    );
    expect(data.submitClaim.userErrors).toEqual([]);
    const { createdAt, sla } = data.submitClaim.claim;
    // The clock moves a second per reading: compare to the minute.
    expect(createdAt.slice(0, 15)).toBe('2026-12-23T12:0');
    return sla.response.dueAt.slice(0, 15);
  }

  it('8 service hours from Wednesday noon, by country', async () => {
    // Germany: Wed 13:00–17:00 CET (4 h); Christmas Eve is a bank holiday, 25 and 26 December public; Mon 09:00 + 4 h.
    expect(await responseDue('HD-DE')).toBe('2026-12-28T12:0');
    // Poland: Christmas Eve is a public holiday there too.
    expect(await responseDue('HD-PL')).toBe('2026-12-28T12:0');
    // Great Britain: Wed 12:00–17:00 GMT (5 h), Christmas Eve is a working day: Thu 09:00 + 3 h.
    expect(await responseDue('HD-GB')).toBe('2026-12-24T12:0');
  });

  it('a company day closes the desk too, for one country or for all', async () => {
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(
      `mutation($input: ChangeServiceClosingDaysInput!) { changeServiceClosingDays(input: $input) { calendar { version } userErrors { field message } } }`,
      { input: { effectiveFrom: '2026-12-23', add: [{ date: '2026-12-28', name: 'Christmas shutdown' }, { date: '2026-12-24', name: 'Christmas Eve', countryCode: 'GB' }] } },
      admin,
    );
    expect(data.changeServiceClosingDays).toEqual({ calendar: { version: 2 }, userErrors: [] });
    // Germany: Monday 28 closed as well: Tue 29 09:00 + 4 h.
    expect(await responseDue('HD-DE')).toBe('2026-12-29T12:0');
    // Great Britain: the 24th closed by the company, the 25th, 26th and (substitute) 28th by law: Tue 09:00 + 3 h.
    expect(await responseDue('HD-GB')).toBe('2026-12-29T12:0');
  });
});
