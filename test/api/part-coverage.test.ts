import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const ADD = `mutation($input: AddPartCoverageInput!) { addPartCoverage(input: $input) {
  warranty { expiresAt coverages { kind scope } } coverage { id kind scope startDate endDate labourEndDate paysLabour limits { odometerKm } }
  userErrors { code field message } } }`;
const REMOVE = `mutation($input: RemovePartCoverageInput!) { removePartCoverage(input: $input) {
  warranty { expiresAt coverages { kind scope } } coverage { id } userErrors { code field message } } }`;
const CHECK = `query($input: CheckWarrantyInput!) { checkWarranty(input: $input) { decision reason coverages { coverage { kind scope } active } } }`;

describe('part contracts', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  let vanId: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await createTestOrg(t.dataSource, 'parts');
    admin = await tokenFor(org, ['WARRANTY_ADMIN'], { sub: 'admin-p' });
    agent = await tokenFor(org, ['AGENT']);
    const { data } = await t.graphql(
      `mutation { registerWarranty(input: { serialNumber: "WVWZZZPART0001", sku: "DEMO-VAN-36", site: { countryCode: "DE" }, commissioningDate: "2022-01-01" }) { warranty { id expiresAt } userErrors { code } } }`,
      {},
      admin,
    );
    vanId = data.registerWarranty.warranty.id;
    expect(data.registerWarranty.warranty.expiresAt).toBe('2025-01-01');
  });
  afterAll(() => t.stop());

  const events = async () =>
    t.dataSource.query('SELECT event, from_value AS "from", to_value AS "to", actor_id AS actor FROM warranty_event WHERE warranty_record_id = $1 ORDER BY id', [vanId]);

  it('adds a powertrain contract that starts later than the vehicle and carries the repair once the vehicle warranty ended', async () => {
    const { data } = await t.graphql(ADD, { input: { warrantyId: vanId, part: 'powertrain', startDate: '2024-06-01', termMonths: 36, labourMonths: 24, limits: { odometerKm: 150000 }, reason: 'bought at service' } }, admin);
    expect(data.addPartCoverage.userErrors).toEqual([]);
    expect(data.addPartCoverage.coverage).toMatchObject({ kind: 'PART', scope: 'POWERTRAIN', startDate: '2024-06-01', endDate: '2027-06-01', labourEndDate: '2026-06-01', paysLabour: true, limits: { odometerKm: 150000 } });
    expect(data.addPartCoverage.warranty.expiresAt).toBe('2027-06-01');
    expect((await events()).slice(-2)).toEqual([
      { event: 'COVERAGE_ADDED', from: null, to: 'PART POWERTRAIN', actor: 'admin-p' },
      { event: 'EXPIRY_CHANGED', from: '2025-01-01', to: '2027-06-01', actor: 'admin-p' },
    ]);

    const powertrain = await t.graphql(CHECK, { input: { serialNumber: 'WVWZZZPART0001', repairDate: '2026-01-01', readings: { odometerKm: 120000 }, component: 'POWERTRAIN' } }, agent);
    expect(powertrain.data.checkWarranty.decision).toBe('COVERED');
    expect(powertrain.data.checkWarranty.coverages).toEqual([
      { coverage: { kind: 'STANDARD', scope: 'UNIT' }, active: false },
      { coverage: { kind: 'PART', scope: 'POWERTRAIN' }, active: true },
    ]);
    const body = await t.graphql(CHECK, { input: { serialNumber: 'WVWZZZPART0001', repairDate: '2026-01-01', readings: { odometerKm: 120000 } } }, agent);
    expect(body.data.checkWarranty.decision).toBe('SELF_PAID');
    expect(body.data.checkWarranty.reason).toMatch(/^self-paid/);
  });

  it.each([
    [{ part: 'UNIT' }, 'BAD_USER_INPUT', ['input', 'part']],
    [{ termMonths: 0 }, 'BAD_USER_INPUT', ['input', 'termMonths']],
    [{ labourMonths: 48 }, 'BAD_USER_INPUT', ['input', 'labourMonths']],
    [{ warrantyId: '00000000-0000-0000-0000-000000000000' }, 'NOT_FOUND', ['input', 'warrantyId']],
  ])('refuses %j with %s', async (override, code, field) => {
    const before = (await events()).length;
    const { data } = await t.graphql(ADD, { input: { warrantyId: vanId, part: 'GEARBOX', startDate: '2024-06-01', termMonths: 36, ...override } }, admin);
    expect(data.addPartCoverage.userErrors).toEqual([{ code, field, message: expect.any(String) }]);
    expect((await events()).length).toBe(before);
  });

  it('lets only a WARRANTY_ADMIN add or remove part contracts', async () => {
    const { data } = await t.graphql(ADD, { input: { warrantyId: vanId, part: 'GEARBOX', startDate: '2024-06-01', termMonths: 36 } }, agent);
    expect(data.addPartCoverage.userErrors[0].code).toBe('FORBIDDEN');
  });

  it('removes a part contract with a reason and an event; a STANDARD coverage cannot be removed', async () => {
    const added = await t.graphql(ADD, { input: { warrantyId: vanId, part: 'BODY', startDate: '2025-01-01', termMonths: 60 } }, admin);
    expect(added.data.addPartCoverage.warranty.expiresAt).toBe('2030-01-01');
    const removed = await t.graphql(REMOVE, { input: { coverageId: added.data.addPartCoverage.coverage.id, reason: 'sold in error' } }, admin);
    expect(removed.data.removePartCoverage.userErrors).toEqual([]);
    expect(removed.data.removePartCoverage.warranty.expiresAt).toBe('2027-06-01');
    expect(removed.data.removePartCoverage.warranty.coverages.map((c: any) => c.scope)).not.toContain('BODY');
    expect((await events()).slice(-2).map((e: any) => [e.event, e.from, e.to])).toEqual([
      ['COVERAGE_REMOVED', 'PART BODY', null],
      ['EXPIRY_CHANGED', '2030-01-01', '2027-06-01'],
    ]);

    const [standard] = await t.dataSource.query(`SELECT id FROM coverage WHERE warranty_record_id = $1 AND kind = 'STANDARD'`, [vanId]);
    const refused = await t.graphql(REMOVE, { input: { coverageId: standard.id, reason: 'x' } }, admin);
    expect(refused.data.removePartCoverage.userErrors[0]).toMatchObject({ code: 'BAD_USER_INPUT', field: ['input', 'coverageId'] });
  });
});
