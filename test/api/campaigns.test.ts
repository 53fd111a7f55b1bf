import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Campaigns (rule 19) over HTTP: publication with its affected units, the refusals (nothing written), a unit's
 * campaigns, CAMPAIGN claims paid by the campaign whatever the warranty, once per unit and campaign, the close
 * completing the unit, the not-applicable decision, units registered later joining a SKU range, and the progress.
 */
const INVERTER = 'SOFAR-INV-10KTL-X-G2';
const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code message } } }`;
const PUBLISH = `mutation($input: PublishCampaignInput!) { publishCampaign(input: $input) {
  campaign { code kind title periodFrom periodTo remedy { currency labourOperations parts { partNumber quantity unitPrice { amount currency } } } skuRanges { sku producedFrom producedTo } }
  affectedUnits unknownSerialNumbers unknownCount userErrors { code field message } } }`;
const SUBMIT = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id kind status cover coveredTotal { amount currency } selfPaidTotal { amount }
  lines { kind amount { amount } covered reason } campaign { code } } userErrors { code field message } } }`;
const STEP = (name: string) => `mutation($input: ClaimDecisionInput!) { ${name}(input: $input) { claim { status } userErrors { code message } } }`;
const NOT_APPLICABLE = `mutation($input: MarkCampaignNotApplicableInput!) { markCampaignNotApplicable(input: $input) { unit { status reason serialNumber campaign { code } } userErrors { code field message } } }`;
const UNIT_CAMPAIGNS = `query($serial: String!) { warranty(serialNumber: $serial) { campaigns { totalCount edges { node { status source reason campaign { code kind } claim { id } } } } } }`;
const PROGRESS = `query($code: String!) { campaignProgress(code: $code) { affected completed notApplicable open byRegion { region affected completed notApplicable open } byMonth { month added completed notApplicable openAtEnd } } }`;

const remedy = { currency: 'EUR', labourOperations: ['INV-PB-SWAP'], parts: [{ partNumber: 'PB-77', quantity: '1', unitPrice: '120.00' }] };

describe('campaigns (rule 19)', () => {
  let app: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  let other: string;

  const register = async (serialNumber: string, extra: Record<string, unknown> = {}) => {
    const answer = await app.graphql(REGISTER, { input: { serialNumber, sku: INVERTER, site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, ...extra } }, admin);
    expect(answer.data.registerWarranty.userErrors).toEqual([]);
    return answer.data.registerWarranty.warranty.id as string;
  };
  const count = async (sql: string, params: unknown[]) => Number((await app.dataSource.query(sql, params))[0].n);

  beforeAll(async () => {
    app = await startTestApp({ clock: clockAt('2026-11-24') });
    org = await createTestOrg(app.dataSource, 'campaigns');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    other = await tokenFor(await createTestOrg(app.dataSource, 'campaigns-other'), ['WARRANTY_ADMIN']);
    // Labour data of the test organisation (rule 17): the seeded operations and rates.
    await app.dataSource.query(
      `INSERT INTO labour_operation (id, org_id, code, version, description, product_family, sku, standard_hours, retired, valid_from)
       SELECT gen_random_uuid(), $1, code, version, description, product_family, sku, standard_hours, retired, valid_from FROM labour_operation WHERE org_id = 'sofar'`,
      [org],
    );
    await app.dataSource.query(
      `INSERT INTO labour_rate (id, org_id, region, currency, version, hourly_rate, valid_from)
       SELECT gen_random_uuid(), $1, region, currency, version, hourly_rate, valid_from FROM labour_rate WHERE org_id = 'sofar'`,
      [org],
    );
    // In the range (commissioned, warranty running), in the range with an expired warranty, out of the range, no date.
    await register('CMP-IN-1', { productionDate: '2024-02-01', commissioningDate: '2024-03-01' });
    await register('CMP-IN-OLD', { productionDate: '2024-03-01', commissioningDate: '2024-04-01' });
    await register('CMP-OUT', { productionDate: '2023-01-01', commissioningDate: '2023-02-01' });
    await register('CMP-NODATE', { commissioningDate: '2024-03-01' });
    // The expired one: voided.
    const [{ id }] = await app.dataSource.query(`SELECT id FROM warranty_record WHERE org_id = $1 AND serial_number = 'CMP-IN-OLD'`, [org]);
    const voided = await app.graphql(`mutation($input: VoidWarrantyInput!) { voidWarranty(input: $input) { userErrors { message } } }`, { input: { id, reason: 'tampered' } }, admin);
    expect(voided.data.voidWarranty.userErrors).toEqual([]);
  });

  afterAll(() => app?.stop());

  it('publishes a recall: the SKU range and the serials named become its affected units; unknown serials are listed, not fatal', async () => {
    const answer = await app.graphql(PUBLISH, {
      input: {
        code: 'rc-2026-01', title: 'Power board overheating', kind: 'SAFETY_RECALL', periodFrom: '2026-01-01', remedy,
        skuRanges: [{ sku: INVERTER, producedFrom: '2024-01-01', producedTo: '2024-06-30' }], serialNumbers: ['CMP-OUT', 'NOPE-1', 'nope-2'],
      },
    }, admin);
    const payload = answer.data.publishCampaign;
    expect(payload.userErrors).toEqual([]);
    expect(payload.campaign).toMatchObject({ code: 'RC-2026-01', kind: 'SAFETY_RECALL', periodTo: null, remedy: { currency: 'EUR', labourOperations: ['INV-PB-SWAP'], parts: [{ partNumber: 'PB-77', quantity: '1', unitPrice: { amount: '120.00', currency: 'EUR' } }] } });
    expect(payload.affectedUnits).toBe(3);
    expect(payload.unknownSerialNumbers).toEqual(['NOPE-1', 'NOPE-2']);
    expect(payload.unknownCount).toBe(2);
    expect(await count(`SELECT count(*) AS n FROM campaign_event WHERE org_id = $1 AND event = 'CAMPAIGN_PUBLISHED'`, [org])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM outbox_message WHERE org_id = $1 AND topic = 'campaign.published'`, [org])).toBe(1);
  });

  it('refuses, writing nothing: a duplicate code (any case), no units, units that match nothing, an unknown SKU or operation', async () => {
    const before = await count(`SELECT count(*) AS n FROM campaign WHERE org_id = $1`, [org]);
    const base = { title: 'x', kind: 'SERVICE_CAMPAIGN', periodFrom: '2026-01-01', remedy };
    const cases: Array<[Record<string, unknown>, string, string[]]> = [
      [{ ...base, code: 'RC-2026-01', serialNumbers: ['CMP-IN-1'] }, 'CAMPAIGN_CODE_TAKEN', ['input', 'code']],
      [{ ...base, code: 'SC-EMPTY' }, 'NO_AFFECTED_UNITS', ['input', 'skuRanges']],
      [{ ...base, code: 'SC-NONE', serialNumbers: ['NOPE-9'] }, 'NO_AFFECTED_UNITS', ['input', 'serialNumbers']],
      [{ ...base, code: 'SC-NONE2', skuRanges: [{ sku: INVERTER, producedFrom: '2030-01-01' }] }, 'NO_AFFECTED_UNITS', ['input', 'skuRanges']],
      [{ ...base, code: 'SC-SKU', skuRanges: [{ sku: 'NO-SUCH-SKU' }] }, 'BAD_USER_INPUT', ['input', 'skuRanges', '0', 'sku']],
      [{ ...base, code: 'SC-OP', serialNumbers: ['CMP-IN-1'], remedy: { ...remedy, labourOperations: ['NO-SUCH-OP'] } }, 'UNKNOWN_LABOUR_OPERATION', ['input', 'remedy', 'labourOperations', '0']],
      [{ ...base, code: 'SC-PERIOD', serialNumbers: ['CMP-IN-1'], periodTo: '2025-01-01' }, 'BAD_USER_INPUT', ['input', 'periodTo']],
    ];
    for (const [input, code, field] of cases) {
      const answer = await app.graphql(PUBLISH, { input }, admin);
      expect(answer.data.publishCampaign.campaign).toBeNull();
      expect(answer.data.publishCampaign.userErrors).toEqual(expect.arrayContaining([expect.objectContaining({ code, field })]));
    }
    const forbidden = await app.graphql(PUBLISH, { input: { ...base, code: 'SC-AGENT', serialNumbers: ['CMP-IN-1'] } }, agent);
    expect(forbidden.data.publishCampaign.userErrors[0].code).toBe('FORBIDDEN');
    expect(await count(`SELECT count(*) AS n FROM campaign WHERE org_id = $1`, [org])).toBe(before);
  });

  it("shows a unit's campaigns on its warranty; another organisation does not see the campaign", async () => {
    const answer = await app.graphql(UNIT_CAMPAIGNS, { serial: 'CMP-IN-1' }, agent);
    expect(answer.data.warranty.campaigns).toEqual({ totalCount: 1, edges: [{ node: { status: 'OPEN', source: 'SKU_RANGE', reason: null, campaign: { code: 'RC-2026-01', kind: 'SAFETY_RECALL' }, claim: null } }] });
    const outside = await app.graphql(`query { campaign(code: "RC-2026-01") { code } }`, {}, other);
    expect(outside.errors?.[0].extensions?.code).toBe('UNKNOWN_CAMPAIGN');
  });

  it('pays a CAMPAIGN claim by the remedy whatever the warranty (a voided unit), once per unit and campaign; the close completes the unit', async () => {
    const input = { serialNumber: 'CMP-IN-OLD', kind: 'CAMPAIGN', campaignCode: 'rc-2026-01', repairDate: '2026-11-20', currency: 'EUR' };
    const answer = await app.graphql(SUBMIT, { input }, agent);
    const { claim, userErrors } = answer.data.submitClaim;
    expect(userErrors).toEqual([]);
    // 2.00 standard hours × 75.00 EUR (DE-AT-CH) + 1 × 120.00: covered, approved at intake.
    expect(claim).toMatchObject({ kind: 'CAMPAIGN', status: 'APPROVED', cover: 'COVERED', coveredTotal: { amount: '270.00', currency: 'EUR' }, selfPaidTotal: { amount: '0.00' }, campaign: { code: 'RC-2026-01' } });
    expect(claim.lines.map((l: any) => [l.kind, l.amount.amount, l.covered])).toEqual([['LABOUR', '150.00', true], ['PART', '120.00', true]]);
    expect(claim.lines[0].reason).toMatch(/campaign RC-2026-01/);

    const second = await app.graphql(SUBMIT, { input }, agent);
    expect(second.data.submitClaim.userErrors).toEqual([expect.objectContaining({ code: 'CAMPAIGN_ALREADY_CLAIMED', field: ['input', 'campaignCode'] })]);
    // While the claim is open the unit cannot be set aside.
    const aside = await app.graphql(NOT_APPLICABLE, { input: { campaignCode: 'RC-2026-01', serialNumber: 'CMP-IN-OLD', reason: 'scrapped' } }, agent);
    expect(aside.data.markCampaignNotApplicable.userErrors[0].code).toBe('CAMPAIGN_ALREADY_CLAIMED');

    for (const step of ['startClaimRepair', 'completeClaim']) {
      const moved = await app.graphql(STEP(step), { input: { id: claim.id, reason: 'done' } }, agent);
      expect(moved.data[step].userErrors).toEqual([]);
    }
    const unit = await app.graphql(UNIT_CAMPAIGNS, { serial: 'CMP-IN-OLD' }, agent);
    expect(unit.data.warranty.campaigns.edges[0].node).toMatchObject({ status: 'COMPLETED', claim: { id: claim.id } });
    const events = await app.dataSource.query(`SELECT e.event FROM warranty_event e JOIN warranty_record r ON r.org_id = e.org_id AND r.id = e.warranty_record_id WHERE r.org_id = $1 AND r.serial_number = 'CMP-IN-OLD' AND e.event LIKE 'CAMPAIGN%'`, [org]);
    expect(events.map((e: any) => e.event)).toEqual(['CAMPAIGN_UNIT_COMPLETED']);
    expect(await count(`SELECT count(*) AS n FROM outbox_message WHERE org_id = $1 AND topic = 'campaign.unit_changed' AND payload->>'status' = 'COMPLETED'`, [org])).toBe(1);
    // After completion: refused too.
    const again = await app.graphql(SUBMIT, { input }, agent);
    expect(again.data.submitClaim.userErrors[0].code).toBe('CAMPAIGN_ALREADY_CLAIMED');
  });

  it('refuses campaign claims on units not affected, unknown or foreign campaigns, lines sent, another currency, out of period', async () => {
    const base = { kind: 'CAMPAIGN', campaignCode: 'RC-2026-01', repairDate: '2026-11-20', currency: 'EUR' };
    const cases: Array<[Record<string, unknown>, string, string[], string?]> = [
      [{ ...base, serialNumber: 'CMP-NODATE' }, 'CAMPAIGN_UNIT_NOT_AFFECTED', ['input', 'campaignCode']],
      [{ ...base, serialNumber: 'CMP-IN-1', campaignCode: 'NO-SUCH' }, 'UNKNOWN_CAMPAIGN', ['input', 'campaignCode']],
      [{ ...base, serialNumber: 'CMP-IN-1', campaignCode: undefined }, 'BAD_USER_INPUT', ['input', 'campaignCode']],
      [{ ...base, serialNumber: 'CMP-IN-1', lines: [{ kind: 'LABOUR', hours: '1', rate: '10' }] }, 'BAD_USER_INPUT', ['input', 'lines']],
      [{ ...base, serialNumber: 'CMP-IN-1', currency: 'PLN' }, 'BAD_USER_INPUT', ['input', 'currency']],
      [{ ...base, serialNumber: 'CMP-IN-1', repairDate: '2025-12-01' }, 'CAMPAIGN_OUT_OF_PERIOD', ['input', 'repairDate']],
      [{ ...base, serialNumber: 'CMP-IN-1', kind: 'REPAIR', lines: [] }, 'BAD_USER_INPUT', ['input', 'campaignCode']],
    ];
    const before = await count(`SELECT count(*) AS n FROM warranty_claim WHERE org_id = $1`, [org]);
    for (const [input, code, field] of cases) {
      const answer = await app.graphql(SUBMIT, { input }, agent);
      expect(answer.data.submitClaim.claim).toBeNull();
      expect(answer.data.submitClaim.userErrors).toEqual(expect.arrayContaining([expect.objectContaining({ code, field })]));
    }
    expect(await count(`SELECT count(*) AS n FROM warranty_claim WHERE org_id = $1`, [org])).toBe(before);
  });

  it('sets a unit aside with a reason (an event, a message), refuses it without one, twice, or for a unit not affected', async () => {
    const noReason = await app.graphql(NOT_APPLICABLE, { input: { campaignCode: 'RC-2026-01', serialNumber: 'CMP-OUT', reason: '  ' } }, agent);
    expect(noReason.data.markCampaignNotApplicable.userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'reason'] })]);
    const foreign = await app.graphql(NOT_APPLICABLE, { input: { campaignCode: 'RC-2026-01', serialNumber: 'CMP-OUT', reason: 'x' } }, other);
    expect(foreign.data.markCampaignNotApplicable.userErrors[0].code).toBe('UNKNOWN_CAMPAIGN');
    const notAffected = await app.graphql(NOT_APPLICABLE, { input: { campaignCode: 'RC-2026-01', serialNumber: 'CMP-NODATE', reason: 'x' } }, agent);
    expect(notAffected.data.markCampaignNotApplicable.userErrors[0].code).toBe('CAMPAIGN_UNIT_NOT_AFFECTED');
    const done = await app.graphql(NOT_APPLICABLE, { input: { campaignCode: 'RC-2026-01', serialNumber: 'CMP-OUT', reason: 'board replaced in 2025 under warranty' } }, agent);
    expect(done.data.markCampaignNotApplicable).toEqual({ unit: { status: 'NOT_APPLICABLE', reason: 'board replaced in 2025 under warranty', serialNumber: 'CMP-OUT', campaign: { code: 'RC-2026-01' } }, userErrors: [] });
    const twice = await app.graphql(NOT_APPLICABLE, { input: { campaignCode: 'RC-2026-01', serialNumber: 'CMP-OUT', reason: 'again' } }, agent);
    expect(twice.data.markCampaignNotApplicable.userErrors[0].code).toBe('CAMPAIGN_UNIT_NOT_OPEN');
    const claim = await app.graphql(SUBMIT, { input: { serialNumber: 'CMP-OUT', kind: 'CAMPAIGN', campaignCode: 'RC-2026-01', repairDate: '2026-11-20', currency: 'EUR' } }, agent);
    expect(claim.data.submitClaim.userErrors[0].code).toBe('CAMPAIGN_UNIT_NOT_OPEN');
    expect(await count(`SELECT count(*) AS n FROM warranty_event e JOIN warranty_record r ON r.org_id = e.org_id AND r.id = e.warranty_record_id WHERE r.org_id = $1 AND e.event = 'CAMPAIGN_UNIT_NOT_APPLICABLE'`, [org])).toBe(1);
  });

  it('adds a unit registered later in a SKU range to the campaign, with an event on its history', async () => {
    await register('CMP-LATER', { productionDate: '2024-05-05' });
    const answer = await app.graphql(UNIT_CAMPAIGNS, { serial: 'CMP-LATER' }, agent);
    expect(answer.data.warranty.campaigns.edges.map((e: any) => [e.node.campaign.code, e.node.source, e.node.status])).toEqual([['RC-2026-01', 'REGISTRATION', 'OPEN']]);
    await register('CMP-LATER-OUT', { productionDate: '2024-08-05' });
    expect((await app.graphql(UNIT_CAMPAIGNS, { serial: 'CMP-LATER-OUT' }, agent)).data.warranty.campaigns.totalCount).toBe(0);
  });

  it('answers the progress: in all, by region and by month', async () => {
    const answer = await app.graphql(PROGRESS, { code: 'RC-2026-01' }, admin);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.campaignProgress).toMatchObject({ affected: 4, completed: 1, notApplicable: 1, open: 2, byRegion: [{ region: 'DE-AT-CH', affected: 4, completed: 1, notApplicable: 1, open: 2 }] });
    const months = answer.data.campaignProgress.byMonth;
    expect(months[months.length - 1].openAtEnd).toBe(2);
    const forbidden = await app.graphql(PROGRESS, { code: 'RC-2026-01' }, await tokenFor(org, ['INSTALLER']));
    expect(forbidden.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});
