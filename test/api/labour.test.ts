import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Flat-rate labour over HTTP against a real database (rule 17): operations and rates published by an admin as
 * versions, listed, and LABOUR claim lines that name an operation capped at its standard hours and the approved rate.
 */
const TODAY = '2026-11-24';

const PUBLISH_OPS = `mutation($input: PublishLabourOperationsInput!) { publishLabourOperations(input: $input) {
  operations { code version productFamily sku standardHours retired validFrom publishedById } created unchanged userErrors { code field message } } }`;
const PUBLISH_RATE = `mutation($input: PublishLabourRateInput!) { publishLabourRate(input: $input) {
  rate { region hourlyRate { amount currency } version validFrom } userErrors { code field message } } }`;
const SUBMIT = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) {
  claim { id cover coveredTotal { amount } selfPaidTotal { amount } total { amount }
    lines { kind hours amount { amount } covered coveredAmount { amount } selfPaidAmount { amount } reason operation { code version standardHours } } }
  userErrors { code field message } } }`;

describe('flat-rate labour (rule 17)', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;

  const op = (code: string, over: Record<string, unknown> = {}) => ({
    code, version: 1, description: `job ${code}`, productFamily: 'INVERTER', standardHours: '2', validFrom: '2024-01-01', ...over,
  });
  async function publish(operations: unknown[], token = admin) {
    const response = await t.graphql(PUBLISH_OPS, { input: { operations } }, token);
    expect(response.errors).toBeUndefined();
    return response.data.publishLabourOperations;
  }
  async function rate(input: Record<string, unknown>, token = admin) {
    const response = await t.graphql(PUBLISH_RATE, { input }, token);
    expect(response.errors).toBeUndefined();
    return response.data.publishLabourRate;
  }
  async function submit(lines: unknown[], over: Record<string, unknown> = {}) {
    const response = await t.graphql(SUBMIT, { input: { serialNumber: 'LAB-DE-1', kind: 'REPAIR', repairDate: '2026-11-20', component: 'POWER_BOARD', currency: 'EUR', lines, ...over } }, agent);
    expect(response.errors).toBeUndefined();
    return response.data.submitClaim;
  }
  const count = async (table: string) => (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table} WHERE org_id = $1`, [org]))[0].n as number;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt(TODAY) });
    org = await createTestOrg(t.dataSource, 'labour');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    for (const [serialNumber, sku, countryCode] of [['LAB-DE-1', 'SOFAR-INV-10KTL-X-G2', 'DE'], ['LAB-BAT-1', 'SOFAR-PM-V2-10', 'DE']]) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
        { input: { serialNumber, sku, site: { countryCode, timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
  });
  afterAll(() => t?.stop());

  it('publishes operation versions; only a WARRANTY_ADMIN; a re-sent version is unchanged, other values are refused', async () => {
    const first = await publish([op('T-PB-SWAP'), op('T-CELLS', { productFamily: null, sku: 'SOFAR-PM-V2-10', standardHours: '4.5' }), op('T-DIAG', { standardHours: '0.75' })]);
    expect(first).toMatchObject({ created: 3, unchanged: 0, userErrors: [] });
    expect(first.operations[1]).toEqual({ code: 'T-CELLS', version: 1, productFamily: null, sku: 'SOFAR-PM-V2-10', standardHours: '4.5', retired: false, validFrom: '2024-01-01', publishedById: `warranty_admin-${org}` });

    const again = await publish([op('T-PB-SWAP'), op('T-PB-SWAP', { version: 2, standardHours: '1.5', validFrom: '2026-01-01' })]);
    expect(again).toMatchObject({ created: 1, unchanged: 1, userErrors: [] });

    const forbidden = await publish([op('T-OTHER')], agent);
    expect(forbidden).toMatchObject({ operations: null, created: 0, userErrors: [{ code: 'FORBIDDEN' }] });

    const before = await count('labour_operation');
    const duplicate = await publish([op('T-PB-SWAP', { standardHours: '3' }), op('T-NEW')]);
    expect(duplicate).toMatchObject({ operations: null, created: 0, userErrors: [{ code: 'DUPLICATE_VERSION', field: ['input', 'operations', '0', 'version'] }] });
    expect(await count('labour_operation')).toBe(before);
  });

  it.each([
    ['negative hours', { standardHours: '-1' }, 'BAD_USER_INPUT', 'standardHours'],
    ['zero hours', { standardHours: '0' }, 'BAD_USER_INPUT', 'standardHours'],
    ['an unknown family', { productFamily: 'TOASTER' }, 'BAD_USER_INPUT', 'productFamily'],
    ['an unknown SKU', { productFamily: null, sku: 'NO-SUCH-SKU' }, 'BAD_USER_INPUT', 'sku'],
    ['a skipped version', { version: 3 }, 'BAD_USER_INPUT', 'version'],
  ])('refuses %s with its field, writing nothing', async (_, change, code, field) => {
    const before = await count('labour_operation');
    const result = await publish([op('T-BAD'), op('T-BAD2', change)]);
    expect(result.userErrors).toEqual([expect.objectContaining({ code, field: ['input', 'operations', '1', field] })]);
    expect(await count('labour_operation')).toBe(before);
  });

  it('refuses the same code and version twice in one call', async () => {
    const result = await publish([op('T-TWICE'), op('T-TWICE')]);
    expect(result.userErrors).toEqual([expect.objectContaining({ code: 'DUPLICATE_VERSION', field: ['input', 'operations', '1', 'version'] })]);
  });

  it('publishes approved rates as versions, refuses bad ones, lists them', async () => {
    expect(await rate({ region: 'de-at-ch', hourlyRate: { amount: '70', currency: 'EUR' }, validFrom: '2024-01-01' })).toEqual({
      rate: { region: 'DE-AT-CH', hourlyRate: { amount: '70.00', currency: 'EUR' }, version: 1, validFrom: '2024-01-01' }, userErrors: [],
    });
    expect((await rate({ region: 'DE-AT-CH', hourlyRate: { amount: '65', currency: 'EUR' }, validFrom: '2026-01-01' })).rate.version).toBe(2);
    expect((await rate({ region: 'DE-AT-CH', hourlyRate: { amount: '60', currency: 'EUR' }, validFrom: '2025-01-01' })).userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'validFrom'] })]);
    expect((await rate({ region: 'DE-AT-CH', hourlyRate: { amount: '0', currency: 'EUR' }, validFrom: '2026-02-01' })).userErrors[0].field).toEqual(['input', 'hourlyRate', 'amount']);
    expect((await rate({ region: 'DE-AT-CH', hourlyRate: { amount: '65.001', currency: 'EUR' }, validFrom: '2026-02-01' })).userErrors[0].field).toEqual(['input', 'hourlyRate', 'amount']);
    expect((await rate({ region: 'DE-AT-CH', hourlyRate: { amount: '65', currency: 'EUR' }, validFrom: '2026-02-01' }, agent)).userErrors[0].code).toBe('FORBIDDEN');
    const { data } = await t.graphql(`{ labourRates(region: "DE-AT-CH", asOf: "2025-06-01") { totalCount edges { node { version hourlyRate { amount } } } } }`, {}, agent);
    expect(data.labourRates).toEqual({ totalCount: 1, edges: [{ node: { version: 1, hourlyRate: { amount: '70.00' } } }] });
  });

  it('lists operations a page at a time, and the version in force on a date', async () => {
    const page = async (after: string | null) =>
      (await t.graphql(`query($after: String) { labourOperations(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { code version } } } }`, { after }, agent)).data.labourOperations;
    const first = await page(null);
    const second = await page(first.pageInfo.endCursor);
    expect(first.totalCount).toBe(4);
    expect([...first.edges, ...second.edges].map((e: any) => `${e.node.code}@${e.node.version}`)).toEqual(['T-CELLS@1', 'T-DIAG@1', 'T-PB-SWAP@1', 'T-PB-SWAP@2']);
    const { data } = await t.graphql(`{ labourOperations(code: "t-pb-swap", asOf: "2025-12-31") { edges { node { version standardHours } } } }`, {}, agent);
    expect(data.labourOperations.edges).toEqual([{ node: { version: 1, standardHours: '2' } }]);
  });

  it('two admins publishing the next version of a code at once: one is written, the other sees it', async () => {
    await publish([op('T-RACE')]);
    const [a, b] = await Promise.all([
      publish([op('T-RACE', { version: 2, standardHours: '3', validFrom: '2025-01-01' })]),
      publish([op('T-RACE', { version: 2, standardHours: '4', validFrom: '2025-01-01' })]),
    ]);
    expect([a.created + b.created]).toEqual([1]);
    expect([...a.userErrors, ...b.userErrors]).toEqual([expect.objectContaining({ code: 'DUPLICATE_VERSION' })]);
    const rows = await t.dataSource.query(`SELECT version FROM labour_operation WHERE org_id = $1 AND code = 'T-RACE' ORDER BY version`, [org]);
    expect(rows).toEqual([{ version: 1 }, { version: 2 }]);
  });

  it('caps the hours at the standard hours of the version in force on the repair date', async () => {
    // T-PB-SWAP v2 (1.5 h, from 2026-01-01) is in force on 2026-11-20; the rate 60 is under the approved 65.
    const { claim, userErrors } = await submit([{ kind: 'LABOUR', hours: '2.5', rate: '60', operationCode: 't-pb-swap' }]);
    expect(userErrors).toEqual([]);
    expect(claim.lines[0]).toMatchObject({
      amount: { amount: '150.00' }, covered: true, coveredAmount: { amount: '90.00' }, selfPaidAmount: { amount: '60.00' },
      operation: { code: 'T-PB-SWAP', version: 2, standardHours: '1.5' },
    });
    expect(claim.lines[0].reason).toContain('1 hours above the standard hours self-paid');
    expect(claim).toMatchObject({ cover: 'PARTLY_COVERED', coveredTotal: { amount: '90.00' }, selfPaidTotal: { amount: '60.00' }, total: { amount: '150.00' } });
  });

  it('caps the rate at the approved rate for the region and currency', async () => {
    const { claim } = await submit([{ kind: 'LABOUR', hours: '1', rate: '80', operationCode: 'T-PB-SWAP' }]);
    expect(claim.lines[0]).toMatchObject({ coveredAmount: { amount: '65.00' }, selfPaidAmount: { amount: '15.00' } });
    expect(claim.lines[0].reason).toContain('the rate is covered up to the approved 65.00 EUR per hour for DE-AT-CH');
  });

  it('caps both, beside a part and a labour line without an operation (paid as before)', async () => {
    const { claim } = await submit([
      { kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice: '249.99' },
      { kind: 'LABOUR', hours: '3', rate: '80', operationCode: 'T-PB-SWAP' },
      { kind: 'LABOUR', hours: '3', rate: '80' },
    ]);
    expect(claim.lines.map((l: any) => [l.coveredAmount.amount, l.selfPaidAmount.amount, l.operation?.code ?? null])).toEqual([
      ['249.99', '0.00', null],
      ['97.50', '142.50', 'T-PB-SWAP'],
      ['240.00', '0.00', null],
    ]);
    expect(claim).toMatchObject({ cover: 'PARTLY_COVERED', coveredTotal: { amount: '587.49' }, selfPaidTotal: { amount: '142.50' }, total: { amount: '729.99' } });
    const rows = await t.dataSource.query(`SELECT position, covered_amount, operation_id IS NOT NULL AS op FROM claim_line WHERE claim_id = $1 ORDER BY position`, [claim.id]);
    expect(rows).toEqual([{ position: 0, covered_amount: null, op: false }, { position: 1, covered_amount: '97.5000', op: true }, { position: 2, covered_amount: null, op: false }]);
  });

  it('an amendment prices flat-rate lines as intake does: a kept line keeps its operation, an added one is capped, an unknown one refused', async () => {
    const { claim } = await submit([
      { kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice: '249.99' },
      { kind: 'LABOUR', hours: '3', rate: '80', operationCode: 'T-PB-SWAP' },
    ]);
    const amend = async (input: Record<string, unknown>) => {
      const response = await t.graphql(
        `mutation($input: AmendClaimLinesInput!) { amendClaimLines(input: $input) {
          claim { coveredTotal { amount } selfPaidTotal { amount } total { amount } lines { kind coveredAmount { amount } selfPaidAmount { amount } operation { code } } }
          userErrors { code field message } } }`,
        { input: { claimId: claim.id, currency: 'EUR', reason: 'actual work', ...input } },
        agent,
      );
      expect(response.errors).toBeUndefined();
      return response.data.amendClaimLines;
    };
    // Removing the part re-prices every line: the kept flat-rate line stays capped under its operation.
    const partLine = (await t.dataSource.query(`SELECT id FROM claim_line WHERE claim_id = $1 AND kind = 'PART'`, [claim.id]))[0].id;
    const removed = await amend({ remove: [partLine], add: [{ kind: 'LABOUR', hours: '2', rate: '60', operationCode: 'T-PB-SWAP' }] });
    expect(removed.userErrors).toEqual([]);
    expect(removed.claim.lines.map((l: any) => [l.coveredAmount.amount, l.selfPaidAmount.amount, l.operation?.code ?? null])).toEqual([
      ['97.50', '142.50', 'T-PB-SWAP'],
      ['90.00', '30.00', 'T-PB-SWAP'],
    ]);
    expect(removed.claim).toMatchObject({ coveredTotal: { amount: '187.50' }, selfPaidTotal: { amount: '172.50' }, total: { amount: '360.00' } });
    const rows = await t.dataSource.query(`SELECT covered_amount, operation_id IS NOT NULL AS op FROM claim_line WHERE claim_id = $1 ORDER BY position`, [claim.id]);
    expect(rows).toEqual([{ covered_amount: '97.5000', op: true }, { covered_amount: '90.0000', op: true }]);
    // An unknown operation on an added line is refused on that line, writing nothing.
    const unknown = await amend({ add: [{ kind: 'LABOUR', hours: '1', rate: '60', operationCode: 'NO-SUCH-OP' }] });
    expect(unknown.userErrors).toEqual([expect.objectContaining({ code: 'UNKNOWN_LABOUR_OPERATION', field: ['input', 'add', '0', 'operationCode'] })]);
    expect(await t.dataSource.query(`SELECT count(*)::int AS n FROM claim_line WHERE claim_id = $1`, [claim.id])).toEqual([{ n: 2 }]);
  });

  it('within the caps the line and the claim are fully covered', async () => {
    const { claim } = await submit([{ kind: 'LABOUR', hours: '1.5', rate: '65', operationCode: 'T-PB-SWAP' }]);
    expect(claim).toMatchObject({ cover: 'COVERED', selfPaidTotal: { amount: '0.00' } });
    expect(claim.lines[0].reason).toContain('the hours are within the standard hours');
  });

  it('an exception approval pays every line, the capped part included', async () => {
    const { claim } = await submit([{ kind: 'LABOUR', hours: '3', rate: '80', operationCode: 'T-PB-SWAP' }]);
    const oa = await tokenFor(org, ['SERVICE']);
    await t.graphql(`mutation($id: ID!) { requestClaimException(input: { id: $id, reason: "long job" }) { userErrors { code } } }`, { id: claim.id }, agent);
    const { data } = await t.graphql(
      `mutation($input: RecordExceptionDecisionInput!) { recordExceptionDecision(input: $input) {
         claim { cover selfPaidTotal { amount } lines { coveredAmount { amount } selfPaidAmount { amount } } } userErrors { code message } } }`,
      { input: { claimId: claim.id, outcome: 'APPROVED', approver: 'Head of service', reference: `OA-LAB-${claim.id.slice(0, 8)}` } },
      oa,
    );
    expect(data.recordExceptionDecision).toEqual({
      claim: { cover: 'COVERED', selfPaidTotal: { amount: '0.00' }, lines: [{ coveredAmount: { amount: '240.00' }, selfPaidAmount: { amount: '0.00' } }] }, userErrors: [],
    });
  });

  it('refuses an unknown code and one for another family or SKU, on the line, writing nothing', async () => {
    const before = await count('warranty_claim');
    const result = await submit([
      { kind: 'LABOUR', hours: '1', rate: '60', operationCode: 'NO-SUCH-OP' },
      { kind: 'LABOUR', hours: '1', rate: '60', operationCode: 'T-CELLS' },
      { kind: 'LABOUR', hours: '1', rate: '60', operationCode: 'T-PB-SWAP' },
    ]);
    expect(result.claim).toBeNull();
    expect(result.userErrors).toEqual([
      expect.objectContaining({ code: 'UNKNOWN_LABOUR_OPERATION', field: ['input', 'lines', '0', 'operationCode'] }),
      expect.objectContaining({ code: 'LABOUR_OPERATION_NOT_FOR_UNIT', field: ['input', 'lines', '1', 'operationCode'] }),
    ]);
    const part = await submit([{ kind: 'PART', partNumber: 'X', quantity: '1', unitPrice: '1', operationCode: 'T-PB-SWAP' }]);
    expect(part.userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'lines', '0', 'operationCode'] })]);
    expect(await count('warranty_claim')).toBe(before);
  });

  it('a SKU operation applies to its SKU; a retired operation is refused from its date', async () => {
    const battery = await submit([{ kind: 'LABOUR', hours: '5', rate: '60', operationCode: 'T-CELLS' }], { serialNumber: 'LAB-BAT-1', component: null, readings: { throughputMwh: 1 } });
    expect(battery.userErrors).toEqual([]);
    expect(battery.claim.lines[0].operation).toEqual({ code: 'T-CELLS', version: 1, standardHours: '4.5' });
    const { data } = await t.graphql(
      `mutation { retireLabourOperation(input: { code: "T-DIAG", validFrom: "2026-06-01" }) { operation { version retired standardHours } userErrors { code } } }`, {}, admin,
    );
    expect(data.retireLabourOperation).toEqual({ operation: { version: 2, retired: true, standardHours: null }, userErrors: [] });
    const after = await submit([{ kind: 'LABOUR', hours: '1', rate: '60', operationCode: 'T-DIAG' }]);
    expect(after.userErrors).toEqual([expect.objectContaining({ code: 'UNKNOWN_LABOUR_OPERATION', field: ['input', 'lines', '0', 'operationCode'] })]);
    const before = await submit([{ kind: 'LABOUR', hours: '1', rate: '60', operationCode: 'T-DIAG' }], { repairDate: '2026-05-20' });
    expect(before.userErrors).toEqual([]);
  });
});
