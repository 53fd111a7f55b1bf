import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Claim status changes over HTTP (rule 10): legal ones write the claim, its event and its CSP message together;
 * illegal ones write nothing; two at once, exactly one wins. The full table is in test/unit/claim-states.test.ts.
 */
const CLAIM_FIELDS = 'id status decidedById decisionReason version sla { response { metAt state } onsite { metAt state } }';
const MUTATION = (name: string) =>
  `mutation($input: ClaimDecisionInput!) { ${name}(input: $input) { claim { ${CLAIM_FIELDS} } userErrors { code field message } } }`;

describe('claim transitions', () => {
  let t: TestApp;
  let org: string;
  let agent: string;
  let admin: string;
  let installer: string;
  let otherAgent: string;

  async function submit(input: Record<string, unknown>) {
    const { data, errors } = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id cover status } userErrors { code message } } }`,
      { input: { repairDate: '2026-11-20', currency: 'EUR', ...input } },
      agent,
    );
    expect(errors).toBeUndefined();
    expect(data.submitClaim.userErrors).toEqual([]);
    return data.submitClaim.claim as { id: string; cover: string };
  }

  async function act(name: string, id: string, token = agent, reason = `${name} in test`) {
    const { data, errors } = await t.graphql(MUTATION(name), { input: { id, reason } }, token);
    expect(errors).toBeUndefined();
    return data[name];
  }

  async function writes(claimId: string) {
    const [{ events }] = await t.dataSource.query(`SELECT count(*)::int AS events FROM warranty_event WHERE claim_id = $1`, [claimId]);
    // The status messages (a claim without a case also asks CSP to open one: rule 14, test/api/claim-cases.test.ts).
    const [{ messages }] = await t.dataSource.query(`SELECT count(*)::int AS messages FROM outbox_message WHERE aggregate_id = $1 AND topic = 'claim.status_changed'`, [claimId]);
    const [{ status, row_version }] = await t.dataSource.query(`SELECT status, row_version FROM warranty_claim WHERE id = $1`, [claimId]);
    return { events, messages, status, version: row_version };
  }

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    org = await createTestOrg(t.dataSource, 'transitions');
    agent = await tokenFor(org, ['AGENT']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    installer = await tokenFor(org, ['INSTALLER']);
    otherAgent = await tokenFor(await createTestOrg(t.dataSource, 'transitions-other'), ['AGENT']);
    for (const serialNumber of ['TR-1', 'TR-VOID']) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
      if (serialNumber === 'TR-VOID') {
        await t.graphql(`mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "tampered" }) { userErrors { code } } }`, { id: data.registerWarranty.warranty.id }, admin);
      }
    }
  });

  afterAll(() => t.stop());

  it('a covered repair: approved, repaired on site, closed; each step an event and a CSP message, the clocks met', async () => {
    const claim = await submit({ serialNumber: 'TR-1', kind: 'REPAIR', lines: [{ kind: 'PART', partNumber: 'P', quantity: '1', unitPrice: '10' }] });
    expect(claim.cover).toBe('COVERED');
    const approved = await act('approveClaim', claim.id);
    expect(approved.userErrors).toEqual([]);
    expect(approved.claim).toMatchObject({ status: 'APPROVED', decidedById: 'agent-' + org, decisionReason: 'approveClaim in test', version: 2 });
    expect(approved.claim.sla.response).toMatchObject({ state: 'MET', metAt: expect.any(String) });
    expect(approved.claim.sla.onsite.state).toBe('RUNNING');
    const repairing = await act('startClaimRepair', claim.id);
    expect(repairing.claim).toMatchObject({ status: 'IN_REPAIR', sla: { onsite: { state: 'MET' } } });
    const closed = await act('completeClaim', claim.id);
    expect(closed.claim).toMatchObject({ status: 'CLOSED', version: 4 });
    expect(await writes(claim.id)).toEqual({ events: 4, messages: 4, status: 'CLOSED', version: 4 });

    const history = await t.dataSource.query(`SELECT event, from_value, to_value, detail->>'reason' AS reason FROM warranty_event WHERE claim_id = $1 ORDER BY id`, [claim.id]);
    expect(history.map((e: any) => [e.event, e.from_value, e.to_value])).toEqual([
      ['CLAIM_SUBMITTED', null, 'SUBMITTED'],
      ['CLAIM_STATUS_CHANGED', 'SUBMITTED', 'APPROVED'],
      ['CLAIM_STATUS_CHANGED', 'APPROVED', 'IN_REPAIR'],
      ['CLAIM_STATUS_CHANGED', 'IN_REPAIR', 'CLOSED'],
    ]);
    const payloads = await t.dataSource.query(`SELECT topic, payload->>'from' AS "from", payload->>'status' AS status FROM outbox_message WHERE aggregate_id = $1 ORDER BY id`, [claim.id]);
    expect(payloads.map(({ from, status }: any) => ({ from, status }))).toEqual([
      // Submitted without a case: the request to open one goes first (rule 14).
      { from: null, status: 'SUBMITTED' },
      { from: null, status: 'SUBMITTED' },
      { from: 'SUBMITTED', status: 'APPROVED' },
      { from: 'APPROVED', status: 'IN_REPAIR' },
      { from: 'IN_REPAIR', status: 'CLOSED' },
    ]);
    expect(payloads.map((p: any) => p.topic)).toEqual(['claim.case_requested', ...Array(4).fill('claim.status_changed')]);
  });

  it('a refund is closed from APPROVED: nothing to repair', async () => {
    const claim = await submit({ serialNumber: 'TR-1', kind: 'REFUND' });
    await act('approveClaim', claim.id);
    expect((await act('startClaimRepair', claim.id)).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION' })]);
    expect((await act('completeClaim', claim.id)).claim.status).toBe('CLOSED');
  });

  it('refusals write nothing', async () => {
    const covered = await submit({ serialNumber: 'TR-1', kind: 'REPAIR' });
    const uncovered = await submit({ serialNumber: 'TR-VOID', kind: 'REPAIR', repairDate: '2026-11-24' });
    expect(uncovered.cover).toBe('NOT_COVERED');
    const before = { covered: await writes(covered.id), uncovered: await writes(uncovered.id) };

    const notCovered = await act('approveClaim', uncovered.id);
    expect(notCovered).toEqual({ claim: null, userErrors: [expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'id'] })] });
    expect(notCovered.userErrors[0].message).toContain('request an exception');
    expect((await act('completeClaim', covered.id)).userErrors[0]).toMatchObject({ code: 'INVALID_TRANSITION', message: expect.stringContaining('possible now: APPROVE, REJECT, REQUEST_EXCEPTION, CANCEL') });
    expect((await act('approveClaim', covered.id, installer)).userErrors[0].code).toBe('FORBIDDEN');
    expect((await act('approveClaim', covered.id, agent, '   ')).userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'reason'] });
    expect((await act('approveClaim', covered.id, otherAgent)).userErrors[0]).toMatchObject({ code: 'NOT_FOUND' });
    expect((await act('approveClaim', 'not-a-uuid')).userErrors[0]).toMatchObject({ code: 'NOT_FOUND' });

    expect({ covered: await writes(covered.id), uncovered: await writes(uncovered.id) }).toEqual(before);

    // Rejected is final.
    expect((await act('rejectClaim', uncovered.id)).claim.status).toBe('REJECTED');
    expect((await act('cancelClaim', uncovered.id)).userErrors[0].message).toContain('(it is final)');
  });

  it('ten transitions of one claim at once: exactly one wins', async () => {
    // Approve and reject both leave SUBMITTED only, so once one has happened every other is illegal.
    const claim = await submit({ serialNumber: 'TR-1', kind: 'REPAIR' });
    const names = Array.from({ length: 10 }, (_, i) => (i % 2 ? 'rejectClaim' : 'approveClaim'));
    const answers = await Promise.all(names.map((name) => act(name, claim.id, admin)));
    const won = answers.filter((a) => a.claim);
    expect(won).toHaveLength(1);
    expect(answers.filter((a) => a.userErrors[0]?.code === 'INVALID_TRANSITION')).toHaveLength(9);
    expect(await writes(claim.id)).toEqual({ events: 2, messages: 2, status: won[0].claim.status, version: 2 });
  });
});

describe('replacement (rule 10)', () => {
  let t: TestApp;
  let agent: string;
  let admin: string;
  let oldId: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(t.dataSource, 'replacement');
    agent = await tokenFor(org, ['AGENT']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code } } }`,
      { input: { serialNumber: 'RP-BAT-OLD', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2024-03-15', customerId: 'rp-cust' } },
      admin,
    );
    oldId = data.registerWarranty.warranty.id;
    await t.graphql(`mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code } } }`, { input: { serialNumber: 'RP-TAKEN', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, commissioningDate: '2024-03-15' } }, admin);
  });

  afterAll(() => t.stop());

  const RECORD = 'id version serialNumber status expiresAt tier customer { id } policy { id version } coverages { kind scope startDate endDate labourEndDate } replacedAt replacedBy { serialNumber } replaces { serialNumber }';

  async function replaceWith(replacementSerialNumber: string, beforeCompletion?: () => Promise<void>) {
    const submitted = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code message } } }`,
      { input: { warrantyId: oldId, kind: 'REPLACE', repairDate: '2026-11-20', currency: 'EUR', replacementSerialNumber, readings: { throughputMwh: 3, sohPct: 95 } } },
      agent,
    );
    expect(submitted.data.submitClaim.userErrors).toEqual([]);
    const id = submitted.data.submitClaim.claim.id;
    for (const name of ['approveClaim', 'startClaimRepair']) {
      const { data } = await t.graphql(MUTATION(name), { input: { id, reason: 'battery swap' } }, agent);
      expect(data[name].userErrors).toEqual([]);
    }
    await beforeCompletion?.();
    const { data } = await t.graphql(
      `mutation($input: ClaimDecisionInput!) { completeClaim(input: $input) { claim { status replacement { ${RECORD} } } userErrors { code field message } } }`,
      { input: { id, reason: 'replacement installed' } },
      agent,
    );
    return { id, answer: data.completeClaim };
  }

  it('a serial already registered is refused at intake, writing nothing', async () => {
    const count = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM warranty_claim WHERE warranty_record_id = $1`, [oldId]))[0].n;
    const before = await count();
    const submitted = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code field message } } }`,
      { input: { warrantyId: oldId, kind: 'REPLACE', repairDate: '2026-11-20', currency: 'EUR', replacementSerialNumber: ' rp-taken ', readings: { throughputMwh: 3, sohPct: 95 } } },
      agent,
    );
    expect(submitted.data.submitClaim).toEqual({
      claim: null,
      userErrors: [{ code: 'DUPLICATE_SERIAL', field: ['input', 'replacementSerialNumber'], message: 'the replacement RP-TAKEN is already registered' }],
    });
    expect(await count()).toBe(before);
  });

  it('a serial registered after intake still refuses the completion, writing nothing', async () => {
    const { id, answer } = await replaceWith('RP-LATE', async () => {
      const { data } = await t.graphql(`mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code } } }`, { input: { serialNumber: 'RP-LATE', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, commissioningDate: '2024-03-15' } }, admin);
      expect(data.registerWarranty.userErrors).toEqual([]);
    });
    expect(answer.userErrors).toEqual([expect.objectContaining({ code: 'DUPLICATE_SERIAL' })]);
    const [{ status }] = await t.dataSource.query(`SELECT status FROM warranty_claim WHERE id = $1`, [id]);
    expect(status).toBe('IN_REPAIR');
    const [{ replaced_at }] = await t.dataSource.query(`SELECT replaced_at FROM warranty_record WHERE id = $1`, [oldId]);
    expect(replaced_at).toBeNull();
  });

  it('the replacement carries the rest of the warranty: same policy version, end dates and customer; the old unit is REPLACED', async () => {
    const before = (await t.graphql(`query($id: ID!) { warrantyHistory(warrantyId: $id, first: 1) { totalCount } w: _entities(representations: [{ __typename: "WarrantyRecord", id: $id }]) { ... on WarrantyRecord { ${RECORD} } } }`, { id: oldId }, agent)).data;
    const oldRecord = before.w[0];
    const { answer } = await replaceWith('rp-bat-new');
    expect(answer.userErrors).toEqual([]);
    expect(answer.claim.status).toBe('CLOSED');
    const replacement = answer.claim.replacement;
    expect(replacement).toMatchObject({
      serialNumber: 'RP-BAT-NEW',
      status: 'ACTIVE',
      expiresAt: oldRecord.expiresAt,
      tier: oldRecord.tier,
      customer: { id: 'rp-cust' },
      policy: oldRecord.policy,
      replaces: { serialNumber: 'RP-BAT-OLD' },
      replacedBy: null,
    });
    expect(replacement.coverages).toEqual(oldRecord.coverages);

    const { data } = await t.graphql(`query { warranty(serialNumber: "RP-BAT-OLD") { status replacedAt replacedBy { serialNumber } version } }`, {}, agent);
    expect(data.warranty).toMatchObject({ status: 'REPLACED', replacedAt: expect.any(String), replacedBy: { serialNumber: 'RP-BAT-NEW' } });
    expect(data.warranty.version).toBe(oldRecord.version + 1);
    // A repair on the old unit from today is refused by the check, naming the replacement; the new unit is covered.
    const oldCheck = await t.graphql(`query { checkWarranty(input: { serialNumber: "RP-BAT-OLD", repairDate: "2026-11-24" }) { decision reason } }`, {}, agent);
    expect(oldCheck.data.checkWarranty.decision).toBe('SELF_PAID');
    expect(oldCheck.data.checkWarranty.reason).toContain('replaced by RP-BAT-NEW on 2026-11-24');
    const newCheck = await t.graphql(`query { checkWarranty(input: { serialNumber: "RP-BAT-NEW", repairDate: "2026-11-24", readings: { throughputMwh: 3, sohPct: 95 } }) { decision } }`, {}, agent);
    expect(newCheck.data.checkWarranty.decision).toBe('COVERED');

    const events = await t.dataSource.query(`SELECT r.serial_number, e.event FROM warranty_event e JOIN warranty_record r ON r.org_id = e.org_id AND r.id = e.warranty_record_id WHERE e.event IN ('WARRANTY_REPLACED', 'WARRANTY_REGISTERED') AND r.serial_number LIKE 'RP-BAT-%' ORDER BY e.id`);
    expect(events.slice(-2)).toEqual([{ serial_number: 'RP-BAT-OLD', event: 'WARRANTY_REPLACED' }, { serial_number: 'RP-BAT-NEW', event: 'WARRANTY_REGISTERED' }]);
  });
});
