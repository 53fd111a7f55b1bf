import { judgeRelease, parseVersion } from '../../src/telemetry/firmware-rules';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Rule 8 (§5.5.19) over HTTP: releases, heartbeats and firmware reports in batches, then the evaluation voids the
 * cells of units that missed a mandatory release offline, flags those online, leaves the updated alone, changes
 * nothing on a second run, and keeps a reinstatement.
 */
describe('telemetry and rule 8', () => {
  let t: TestApp;
  let service: string;
  let admin: string;
  let agent: string;

  const gql = async (query: string, variables: Record<string, unknown>, token = service) => {
    const { data, errors } = await t.graphql(query, variables, token);
    expect(errors).toBeUndefined();
    return data;
  };
  const HEARTBEATS = `mutation($input: RecordHeartbeatsInput!) { recordHeartbeats(input: $input) { accepted unknownSerialNumbers userErrors { code field message } } }`;
  const FIRMWARE = `mutation($input: RecordFirmwareReportsInput!) { recordFirmwareReports(input: $input) { accepted unknownSerialNumbers userErrors { code field message } } }`;
  const EVALUATE = `mutation($dry: Boolean) { evaluateTelemetry(input: { dryRun: $dry }) { dryRun voided flagged decisions { serialNumber outcome reason } userErrors { code message } } }`;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(t.dataSource, 'telemetry');
    service = await tokenFor(org, ['SERVICE']);
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    for (const serialNumber of ['TM-OFFLINE', 'TM-ONLINE', 'TM-UPDATED', 'TM-LATE-UPDATE']) {
      const { registerWarranty } = await gql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
        { input: { serialNumber, sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      expect(registerWarranty.userErrors).toEqual([]);
    }
  });
  afterAll(() => t.stop());

  it('refuses what is not a version, a grace below zero, and a batch over the limit', async () => {
    const bad = await gql(
      `mutation { publishFirmwareRelease(input: { productFamily: "BATTERY", component: "CELLS", version: "v3.x", releasedAt: "2026-06-01T00:00:00Z", graceDays: -1 }) { release { id } userErrors { code field } } }`,
      {},
    );
    expect(bad.publishFirmwareRelease).toEqual({ release: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['input', 'version'] }, { code: 'BAD_USER_INPUT', field: ['input', 'graceDays'] }] });
    const tooMany = await gql(HEARTBEATS, { input: { heartbeats: Array.from({ length: 10_001 }, (_, i) => ({ serialNumber: `X-${i}`, at: '2026-06-01T00:00:00Z' })) } });
    expect(tooMany.recordHeartbeats.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'heartbeats'], message: expect.stringContaining('at most 10000') });
    const customer = await tokenFor('nobody', ['AGENT']);
    expect((await gql(HEARTBEATS, { input: { heartbeats: [] } }, customer)).recordHeartbeats.userErrors[0].code).toBe('FORBIDDEN');
  });

  it('voids offline units, flags online ones, leaves the updated alone; a second run changes nothing; a reinstatement stays', async () => {
    const release = await gql(
      `mutation { publishFirmwareRelease(input: { productFamily: "BATTERY", component: "CELLS", version: "3.2", releasedAt: "2026-06-01T00:00:00Z", graceDays: 30 }) { release { id deadline } userErrors { message } } }`,
      {},
    );
    expect(release.publishFirmwareRelease.release.deadline).toBe('2026-07-01T00:00:00.000Z');

    const beats = await gql(HEARTBEATS, {
      input: {
        heartbeats: [
          { serialNumber: 'TM-OFFLINE', at: '2026-06-20T10:00:00Z' },
          { serialNumber: 'tm-online', at: '2026-08-01T00:00:00Z' },
          { serialNumber: 'TM-ONLINE', at: '2026-05-01T00:00:00Z' }, // older: never moves the contact back
          { serialNumber: 'TM-UPDATED', at: '2026-09-01T00:00:00Z' },
          { serialNumber: 'TM-LATE-UPDATE', at: '2026-06-02T00:00:00Z' },
          { serialNumber: 'NOT-OURS-1', at: '2026-06-02T00:00:00Z' },
        ],
      },
    });
    expect(beats.recordHeartbeats).toEqual({ accepted: 4, unknownSerialNumbers: ['NOT-OURS-1'], userErrors: [] });
    const firmware = await gql(FIRMWARE, {
      input: {
        reports: [
          { serialNumber: 'TM-OFFLINE', component: 'CELLS', version: '3.1', at: '2026-01-01T00:00:00Z' },
          { serialNumber: 'TM-UPDATED', component: 'CELLS', version: '3.10', at: '2026-06-15T00:00:00Z' },
          { serialNumber: 'TM-UPDATED', component: 'CELLS', version: '3.2', at: '2026-06-10T00:00:00Z' },
          { serialNumber: 'TM-LATE-UPDATE', component: 'CELLS', version: '3.2', at: '2026-07-02T00:00:00Z' },
        ],
      },
    });
    expect(firmware.recordFirmwareReports).toMatchObject({ accepted: 3, unknownSerialNumbers: [] });
    const [{ last }] = await t.dataSource.query(`SELECT to_char(last_contact_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS last FROM unit_telemetry u JOIN warranty_record r ON r.org_id = u.org_id AND r.id = u.warranty_record_id WHERE r.serial_number = 'TM-ONLINE'`);
    expect(last).toBe('2026-08-01');

    const dry = (await gql(EVALUATE, { dry: true }, admin)).evaluateTelemetry;
    expect(dry).toMatchObject({ dryRun: true, voided: 2, flagged: 1 });
    const [{ voidedNow }] = await t.dataSource.query(`SELECT count(*)::int AS "voidedNow" FROM coverage c JOIN warranty_record r ON r.org_id = c.org_id AND r.id = c.warranty_record_id WHERE r.serial_number LIKE 'TM-%' AND c.voided_at IS NOT NULL`);
    expect(voidedNow).toBe(0);

    const run = (await gql(EVALUATE, { dry: false }, admin)).evaluateTelemetry;
    expect(run).toMatchObject({ dryRun: false, voided: 2, flagged: 1 });
    expect(run.decisions.map((d: any) => [d.serialNumber, d.outcome])).toEqual([
      ['TM-LATE-UPDATE', 'VOIDED'],
      ['TM-OFFLINE', 'VOIDED'],
      ['TM-ONLINE', 'FLAGGED'],
    ]);
    // The SQL words the reason as the rule does.
    const offline = run.decisions.find((d: any) => d.serialNumber === 'TM-OFFLINE');
    const rule = judgeRelease(
      { lastContactAt: new Date('2026-06-20T10:00:00Z'), firmware: new Map([['CELLS', { version: parseVersion('3.1')!, reportedAt: new Date('2026-01-01T00:00:00Z') }]]), decided: new Set() },
      { id: 'x', component: 'CELLS', version: [3, 2], versionText: '3.2', releasedAt: new Date('2026-06-01T00:00:00Z'), graceDays: 30 },
      new Date('2026-11-24T12:00:00Z'),
    );
    expect(offline.reason).toBe((rule as { reason: string }).reason);
    const online = run.decisions.find((d: any) => d.serialNumber === 'TM-ONLINE');
    const onlineRule = judgeRelease(
      { lastContactAt: new Date('2026-08-01T00:00:00Z'), firmware: new Map(), decided: new Set() },
      { id: 'x', component: 'CELLS', version: [3, 2], versionText: '3.2', releasedAt: new Date('2026-06-01T00:00:00Z'), graceDays: 30 },
      new Date('2026-11-24T12:00:00Z'),
    );
    expect(online.reason).toBe((onlineRule as { reason: string }).reason);

    // The cells are voided, the rest of the battery still covered; the check on cells names §5.5.19.
    const CHECK = (component: string) =>
      `query { checkWarranty(input: { serialNumber: "TM-OFFLINE", repairDate: "2026-11-24", component: "${component}", readings: { throughputMwh: 3, sohPct: 95 } }) { decision reason } }`;
    expect((await gql(CHECK('CELLS'), {}, agent)).checkWarranty).toMatchObject({ decision: 'SELF_PAID', reason: expect.stringContaining('§5.5.19') });
    expect((await gql(CHECK('BMS'), {}, agent)).checkWarranty.decision).toBe('COVERED');
    const events = await t.dataSource.query(`SELECT r.serial_number, e.event FROM warranty_event e JOIN warranty_record r ON r.org_id = e.org_id AND r.id = e.warranty_record_id WHERE e.event IN ('COVERAGE_VOIDED', 'TELEMETRY_REVIEW_FLAGGED') AND r.serial_number LIKE 'TM-%' ORDER BY r.serial_number`);
    expect(events).toEqual([
      { serial_number: 'TM-LATE-UPDATE', event: 'COVERAGE_VOIDED' },
      { serial_number: 'TM-OFFLINE', event: 'COVERAGE_VOIDED' },
      { serial_number: 'TM-ONLINE', event: 'TELEMETRY_REVIEW_FLAGGED' },
    ]);

    // The record shows its standing; the flagged unit says why.
    const standing = await gql(`query { warranty(serialNumber: "TM-ONLINE") { telemetry { lastContactAt firmware { version } pendingReleases { voidsOn } decisions { outcome reason } } } }`, {}, agent);
    expect(standing.warranty.telemetry).toMatchObject({ lastContactAt: '2026-08-01T00:00:00.000Z', firmware: [], pendingReleases: [], decisions: [{ outcome: 'FLAGGED' }] });

    // A second run: nothing new.
    expect((await gql(EVALUATE, { dry: false }, admin)).evaluateTelemetry).toMatchObject({ voided: 0, flagged: 0, decisions: [] });

    // Reinstated by an admin, with a reason; another run leaves it reinstated.
    const { id } = (await gql(`query { warranty(serialNumber: "TM-OFFLINE") { id } }`, {}, agent)).warranty;
    const reinstated = await gql(`mutation($id: ID!) { reinstateWarranty(input: { id: $id, component: "CELLS", reason: "firmware applied by the installer on site" }) { userErrors { message } } }`, { id }, admin);
    expect(reinstated.reinstateWarranty.userErrors).toEqual([]);
    expect((await gql(EVALUATE, { dry: false }, admin)).evaluateTelemetry).toMatchObject({ voided: 0, flagged: 0 });
    expect((await gql(CHECK('CELLS'), {}, agent)).checkWarranty.decision).toBe('COVERED');
  });

  it('shows pending releases and lists the units that will lose their cells within N days', async () => {
    await gql(`mutation { publishFirmwareRelease(input: { productFamily: "BATTERY", component: "CELLS", version: "3.3", releasedAt: "2026-11-20T00:00:00Z", graceDays: 14 }) { userErrors { message } } }`, {});
    await gql(FIRMWARE, { input: { reports: [{ serialNumber: 'TM-UPDATED', component: 'CELLS', version: '3.3', at: '2026-11-21T00:00:00Z' }] } });
    const pending = await gql(`query { warranty(serialNumber: "TM-ONLINE") { telemetry { pendingReleases { release { version } voidsOn } } } }`, {}, agent);
    expect(pending.warranty.telemetry.pendingReleases).toEqual([{ release: { version: '3.3' }, voidsOn: '2026-12-04T00:00:00.000Z' }]);
    const AT_RISK = `query($d: Int!) { unitsAtRisk(withinDays: $d) { warranty { serialNumber } release { version } voidsOn lastContactAt } }`;
    expect((await gql(AT_RISK, { d: 5 }, agent)).unitsAtRisk).toEqual([]);
    const soon = (await gql(AT_RISK, { d: 10 }, agent)).unitsAtRisk;
    // TM-UPDATED reported 3.3; TM-OFFLINE was reinstated (its cells are live again) and has not.
    expect(soon.map((u: any) => u.warranty.serialNumber).sort()).toEqual(['TM-OFFLINE', 'TM-ONLINE']);
    expect(soon[0]).toMatchObject({ release: { version: '3.3' }, voidsOn: '2026-12-04T00:00:00.000Z' });
    const refused = await t.graphql(AT_RISK, { d: -1 }, agent);
    expect(refused.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['withinDays'] });
  });

  it('a customer sees only their own units at risk', async () => {
    const org = (JSON.parse(Buffer.from(agent.split('.')[1], 'base64url').toString()) as { org: string }).org;
    const { registerWarranty } = await gql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
      { input: { serialNumber: 'TM-CUSTOMER-A', sku: 'SOFAR-PM-V2-10', customerId: 'tm-cust-a', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
      admin,
    );
    expect(registerWarranty.userErrors).toEqual([]);
    const AT_RISK = `query { unitsAtRisk(withinDays: 10) { warranty { serialNumber } } }`;
    // Every unit of the organisation for an agent, the new one among them; a customer's own only, and none of another's.
    expect((await gql(AT_RISK, {}, agent)).unitsAtRisk.map((u: any) => u.warranty.serialNumber)).toContain('TM-CUSTOMER-A');
    const mine = await gql(AT_RISK, {}, await tokenFor(org, ['CUSTOMER'], { customerId: 'tm-cust-a' }));
    expect(mine.unitsAtRisk).toEqual([{ warranty: { serialNumber: 'TM-CUSTOMER-A' } }]);
    expect((await gql(AT_RISK, {}, await tokenFor(org, ['CUSTOMER'], { customerId: 'tm-cust-b' }))).unitsAtRisk).toEqual([]);
  });

  it('an empty evaluation cursor is refused with its field', async () => {
    const { data, errors } = await t.graphql(`mutation { evaluateTelemetry(input: { dryRun: true, afterWarrantyId: "" }) { dryRun userErrors { code field } } }`, {}, service);
    expect(errors).toBeUndefined();
    expect(data.evaluateTelemetry.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'afterWarrantyId'] }]);
  });
});
