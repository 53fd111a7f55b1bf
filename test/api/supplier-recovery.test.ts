import { DuckDBInstance } from '@duckdb/node-api';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { returnsHelpers } from '../support/part-returns';
import { postWebhook } from '../support/webhook-client';

function runExport(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'scripts/export.ts', ...args], {
      cwd: join(__dirname, '..', '..'),
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: process.env.TEST_DATABASE_URL!, LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Supplier recovery (rule 20) over HTTP: contracts, recovery claims on close, answers, withdrawal, finance. */
const SUPPLIER_SECRET = 'supplier-webhook-secret-for-tests';
const RC = `id status claimId claimed { amount currency } accepted { amount } paid { amount } supplierReference version supplier { code name endpointUrl secretRef }
  lines { partNumber partBase { amount } labourBase { amount } partAmount { amount } labourAmount { amount } amount { amount } capped withdrawnAt withdrawnReason }`;

describe('supplier recovery (rule 20)', () => {
  let t: TestApp;
  let org: string;
  let other: string;
  let admin: string;
  let agent: string;
  let service: string;
  let otherService: string;
  let helpers: ReturnType<typeof returnsHelpers>;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24'), env: { WEBHOOK_SUPPLIER_SECRET: SUPPLIER_SECRET } });
    org = await createTestOrg(t.dataSource, 'recovery');
    other = await createTestOrg(t.dataSource, 'recovery-other');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    service = await tokenFor(org, ['SERVICE'], { sub: 'supplier-portal' });
    otherService = await tokenFor(other, ['SERVICE']);
    helpers = returnsHelpers(t, { admin, agent, warehouse: await tokenFor(org, ['WAREHOUSE']) });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const upsert = async (input: Record<string, unknown>, token = admin) =>
    (await t.graphql(`mutation($input: UpsertSupplierInput!) { upsertSupplier(input: $input) { supplier { code name endpointUrl secretRef } userErrors { code field message } } }`, { input }, token)).data.upsertSupplier;
  const publish = async (contracts: Record<string, unknown>[], token = admin) => {
    const result = await t.graphql(
      `mutation($input: PublishSupplierContractsInput!) { publishSupplierContracts(input: $input) { created unchanged contracts { code version recoverySharePct labourSharePct capPerClaim { amount currency } supplier { code } } userErrors { code field message } } }`,
      { input: { contracts } },
      token,
    );
    expect(result.errors).toBeUndefined();
    return result.data.publishSupplierContracts;
  };
  const contractCount = async () => Number((await t.dataSource.query(`SELECT count(*) FROM supplier_contract WHERE org_id = $1`, [org]))[0].count);
  const recoveryOf = async (claimId: string, token = admin) => {
    const { data, errors } = await t.graphql(`query($id: ID!) { recoveryClaims(filter: { claimId: $id }) { totalCount edges { node { ${RC} } } } }`, { id: claimId }, token);
    expect(errors).toBeUndefined();
    return data.recoveryClaims.edges.map((e: any) => e.node);
  };
  const answer = async (input: Record<string, unknown>, token = service) => {
    const { data, errors } = await t.graphql(`mutation($input: RecordRecoveryAnswerInput!) { recordRecoveryAnswer(input: $input) { changed recoveryClaim { ${RC} } userErrors { code field message } } }`, { input }, token);
    expect(errors).toBeUndefined();
    return data.recordRecoveryAnswer;
  };

  it('sets up suppliers and contract versions; bad contracts are refused with their field and write nothing', async () => {
    expect(await upsert({ code: 'acme', name: 'ACME Power Boards', endpointUrl: 'http://127.0.0.1:9/acme', secretRef: 'acme' })).toEqual({
      supplier: { code: 'ACME', name: 'ACME Power Boards', endpointUrl: 'http://127.0.0.1:9/acme', secretRef: 'ACME' }, userErrors: [],
    });
    expect((await upsert({ code: 'bad', name: 'x', endpointUrl: 'ftp://x' })).userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'endpointUrl'] })]);
    const good = { code: 'INV-PB-ACME', version: 1, supplierCode: 'ACME', partNumbers: ['PB-10K'], recoverySharePct: '80', windowMonths: 24, labourSharePct: '50', capPerClaim: { amount: '500', currency: 'EUR' }, validFrom: '2020-01-01' };
    expect(await publish([{ ...good, recoverySharePct: '100.5' }])).toMatchObject({ created: 0, contracts: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['input', 'contracts', '0', 'recoverySharePct'] }] });
    expect(await publish([{ ...good, supplierCode: 'NOBODY' }])).toMatchObject({ created: 0, userErrors: [{ code: 'UNKNOWN_SUPPLIER', field: ['input', 'contracts', '0', 'supplierCode'] }] });
    expect(await contractCount()).toBe(0);
    const published = await publish([good]);
    expect(published).toMatchObject({ created: 1, unchanged: 0, userErrors: [], contracts: [{ code: 'INV-PB-ACME', version: 1, recoverySharePct: '80', labourSharePct: '50', capPerClaim: { amount: '500.00', currency: 'EUR' }, supplier: { code: 'ACME' } }] });
    expect(await publish([good])).toMatchObject({ created: 0, unchanged: 1, userErrors: [] });
    expect(await publish([{ ...good, recoverySharePct: '70' }])).toMatchObject({ userErrors: [{ code: 'DUPLICATE_VERSION', field: ['input', 'contracts', '0', 'version'] }] });
    await upsert({ code: 'OTHERCO', name: 'Other boards' });
    expect(await publish([{ ...good, code: 'INV-PB-OTHER', supplierCode: 'OTHERCO', validFrom: '2026-01-01' }])).toMatchObject({ userErrors: [{ code: 'CONTRACT_OVERLAP', field: ['input', 'contracts', '0', 'validFrom'] }] });
    expect(await contractCount()).toBe(1);
    expect((await publish([good], agent)).userErrors).toEqual([expect.objectContaining({ code: 'FORBIDDEN' })]);
  });

  let recoveryId: string;
  let claimId: string;

  it('the close of a covered claim opens one recovery claim per supplier, with its event and SUPPLIER message in the same transaction', async () => {
    await helpers.register('RC-1');
    const before = await helpers.claimThrough('RC-1', ['approveClaim', 'startClaimRepair']);
    expect(await recoveryOf(before.id)).toEqual([]);
    const closed = await helpers.claimThrough('RC-1', [], 'PB-10K').catch(() => null); // a second claim stays open: nothing
    expect(closed?.status).toBe('SUBMITTED');
    const { data } = await t.graphql(`mutation($id: ID!) { completeClaim(input: { id: $id, reason: "fixed" }) { claim { status } userErrors { message } } }`, { id: before.id }, agent);
    expect(data.completeClaim).toEqual({ claim: { status: 'CLOSED' }, userErrors: [] });
    claimId = before.id;
    const [recovery] = await recoveryOf(claimId);
    // 249.99 × 80 % = 199.99; the claim's 1.5 h × 80 = 120.00 of labour, all attributed to the one part, × 50 % = 60.00.
    expect(recovery).toMatchObject({
      status: 'OPEN', claimed: { amount: '259.99', currency: 'EUR' }, accepted: null, version: 1, supplier: { code: 'ACME' },
      lines: [{ partNumber: 'PB-10K', partBase: { amount: '249.99' }, labourBase: { amount: '120.00' }, partAmount: { amount: '199.99' }, labourAmount: { amount: '60.00' }, amount: { amount: '259.99' }, capped: false, withdrawnAt: null }],
    });
    recoveryId = recovery.id;
    const [message] = await t.dataSource.query(`SELECT destination, topic, recipient, payload FROM outbox_message WHERE aggregate_id = $1`, [recoveryId]);
    expect(message).toMatchObject({ destination: 'SUPPLIER', topic: 'recovery.claim_opened', payload: { recoveryClaimId: recoveryId, serialNumber: 'RC-1', claimed: { amount: '259.99', currency: 'EUR' } } });
    const events = await t.dataSource.query(`SELECT event FROM warranty_event WHERE claim_id = $1 AND event LIKE 'RECOVERY%'`, [claimId]);
    expect(events).toEqual([{ event: 'RECOVERY_CLAIM_OPENED' }]);
  });

  it('moves through the supplier answers; partial acceptance; replays change nothing; bad answers write nothing', async () => {
    expect((await answer({ id: recoveryId, action: 'ACCEPT', amount: '100' })).userErrors).toEqual([expect.objectContaining({ code: 'INVALID_TRANSITION', field: ['input', 'action'] })]);
    expect(await answer({ id: recoveryId, action: 'SUBMIT', reference: 'ACME-CASE-1' })).toMatchObject({ changed: true, recoveryClaim: { status: 'SUBMITTED', supplierReference: 'ACME-CASE-1', version: 2 } });
    expect(await answer({ id: recoveryId, action: 'SUBMIT' })).toMatchObject({ changed: false, recoveryClaim: { status: 'SUBMITTED', version: 2 } });
    expect((await answer({ id: recoveryId, action: 'ACCEPT', amount: '260.00' })).userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field: ['input', 'amount'] })]);
    expect((await answer({ id: recoveryId, action: 'ACCEPT', amount: '100' }, otherService)).userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'id'] })]);
    expect((await answer({ id: recoveryId, action: 'ACCEPT', amount: '100' }, agent)).userErrors).toEqual([expect.objectContaining({ code: 'FORBIDDEN' })]);
    expect(await answer({ id: recoveryId, action: 'ACCEPT', amount: '200.5' })).toMatchObject({ changed: true, recoveryClaim: { status: 'ACCEPTED', accepted: { amount: '200.50' }, version: 3 } });
    const events = await t.dataSource.query(`SELECT from_value, to_value FROM warranty_event WHERE claim_id = $1 AND event = 'RECOVERY_CLAIM_STATUS_CHANGED' ORDER BY id`, [claimId]);
    expect(events).toEqual([{ from_value: 'OPEN', to_value: 'SUBMITTED' }, { from_value: 'SUBMITTED', to_value: 'ACCEPTED' }]);
  });

  it("takes the supplier's answer by signed webhook: replayed deliveries and another supplier's claim change nothing", async () => {
    const body = (over: Record<string, unknown>) => JSON.stringify({ deliveryId: `d-${Object.values(over).join('-')}`, orgId: org, recoveryClaimId: recoveryId, supplierCode: 'ACME', ...over });
    const wrong = await postWebhook(t.url, '/webhooks/suppliers/recovery-answers', body({ action: 'PAY', supplierCode: 'OTHERCO' }), { secret: SUPPLIER_SECRET });
    expect({ status: wrong.status, code: wrong.body.errors[0].extensions.code }).toEqual({ status: 404, code: 'NOT_FOUND' });
    const forged = await postWebhook(t.url, '/webhooks/suppliers/recovery-answers', body({ action: 'PAY' }), { secret: 'not-the-supplier-secret-at-all' });
    expect(forged.status).toBe(401);
    const paid = await postWebhook(t.url, '/webhooks/suppliers/recovery-answers', body({ action: 'PAY', reference: 'CN-77' }), { secret: SUPPLIER_SECRET });
    expect(paid.status).toBe(200);
    expect(paid.body.result).toMatchObject({ recoveryClaimId: recoveryId, status: 'PAID', changed: true });
    const again = await postWebhook(t.url, '/webhooks/suppliers/recovery-answers', body({ action: 'PAY', reference: 'CN-77' }), { secret: SUPPLIER_SECRET });
    expect({ status: again.status, code: again.body.errors[0].extensions.code }).toEqual({ status: 409, code: 'REPLAYED_DELIVERY' });
    const { data } = await t.graphql(`query($id: ID!) { recoveryClaim(id: $id) { status paid { amount } version } }`, { id: recoveryId }, admin);
    expect(data.recoveryClaim).toEqual({ status: 'PAID', paid: { amount: '200.50' }, version: 4 });
    expect((await t.graphql(`query($id: ID!) { recoveryClaim(id: $id) { id } }`, { id: recoveryId }, otherService)).data.recoveryClaim).toBeNull();
  });

  it('a part inspected NO_FAULT_FOUND is withdrawn from its recovery claim, with an event and a message to the supplier', async () => {
    expect((await helpers.setRule({ partNumber: 'PB-10K', productFamily: 'INVERTER', windowDays: 30 })).userErrors).toEqual([]);
    await helpers.register('RC-2');
    const claim = await helpers.claimThrough('RC-2', ['approveClaim', 'startClaimRepair', 'completeClaim']);
    const [recovery] = await recoveryOf(claim.id);
    expect(recovery).toMatchObject({ status: 'OPEN', claimed: { amount: '259.99' } });
    const rma = claim.lines.find((l: any) => l.kind === 'PART').partReturn.rmaNumber;
    expect((await helpers.step('recordPartReceipt', { rmaNumber: rma })).userErrors).toEqual([]);
    expect((await helpers.step('recordPartInspection', { rmaNumber: rma, outcome: 'NO_FAULT_FOUND', note: 'works' })).userErrors).toEqual([]);
    const [after] = await recoveryOf(claim.id);
    expect(after).toMatchObject({ status: 'WITHDRAWN', claimed: { amount: '0.00' }, version: 2, lines: [{ partNumber: 'PB-10K', withdrawnReason: expect.stringContaining('NO_FAULT_FOUND') }] });
    const messages = await t.dataSource.query(`SELECT topic FROM outbox_message WHERE aggregate_id = $1 ORDER BY id`, [recovery.id]);
    expect(messages).toEqual([{ topic: 'recovery.claim_opened' }, { topic: 'recovery.lines_withdrawn' }]);
    const events = await t.dataSource.query(`SELECT event, to_value FROM warranty_event WHERE claim_id = $1 AND event LIKE 'RECOVERY%' ORDER BY id`, [claim.id]);
    expect(events).toEqual([{ event: 'RECOVERY_CLAIM_OPENED', to_value: 'OPEN' }, { event: 'RECOVERY_LINES_WITHDRAWN', to_value: 'WITHDRAWN' }]);
  });

  it('a part inspected NO_FAULT_FOUND before the close is not recovered at all', async () => {
    await helpers.register('RC-3');
    const claim = await helpers.claimThrough('RC-3', ['approveClaim', 'startClaimRepair']);
    const rma = claim.lines.find((l: any) => l.kind === 'PART').partReturn.rmaNumber;
    await helpers.step('recordPartReceipt', { rmaNumber: rma });
    await helpers.step('recordPartInspection', { rmaNumber: rma, outcome: 'CUSTOMER_DAMAGE' });
    await t.graphql(`mutation($id: ID!) { completeClaim(input: { id: $id, reason: "fixed" }) { userErrors { message } } }`, { id: claim.id }, agent);
    expect(await recoveryOf(claim.id)).toEqual([]);
  });

  it('finance per supplier and month, and its Parquet export read by DuckDB', async () => {
    const { data, errors } = await t.graphql(
      `query { supplierRecoveryFinance(from: "2026-11-01", to: "2026-11-30") { months { supplierCode month warrantyPaid { amount currency } claimed { amount } accepted { amount } paid { amount } recoveryRate } suppliers { supplierCode month recoveryRate } } }`,
      {},
      admin,
    );
    expect(errors).toBeUndefined();
    // RC-1 (249.99, paid 200.50) and RC-2 (withdrawn: warranty no longer paid for it); RC-3 was never recovered.
    expect(data.supplierRecoveryFinance.months).toEqual([
      { supplierCode: 'ACME', month: '2026-11-01', warrantyPaid: { amount: '249.99', currency: 'EUR' }, claimed: { amount: '259.99' }, accepted: { amount: '200.50' }, paid: { amount: '200.50' }, recoveryRate: '0.8020' },
    ]);
    expect(data.supplierRecoveryFinance.suppliers).toEqual([{ supplierCode: 'ACME', month: null, recoveryRate: '0.8020' }]);
    // The dataset of `npm run export`, run as the command runs.
    const file = join(mkdtempSync(join(tmpdir(), 'recovery-')), 'supplier-recovery.parquet');
    const exported = await runExport(['--dataset', 'supplier-recovery', '--org', org, '--out', file]);
    expect({ code: exported.code, stdout: exported.stdout }).toEqual({ code: 0, stdout: expect.stringContaining('exported 1 supplier recovery rows') });
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const reader = await duck.runAndReadAll(`SELECT supplier_code, month::text AS month, currency, warranty_paid::text AS paid_by_warranty, recovery_claimed::text AS claimed, recovery_paid::text AS paid, recovery_rate::text AS rate,
      typeof(warranty_paid) AS amount_type FROM read_parquet('${file}')`);
    expect(reader.getRowObjectsJson()).toEqual([
      { supplier_code: 'ACME', month: '2026-11-01', currency: 'EUR', paid_by_warranty: '249.9900', claimed: '259.9900', paid: '200.5000', rate: '0.8020', amount_type: 'DECIMAL(18,4)' },
    ]);
    duck.closeSync();
  }, 60_000);
});
