import { createScratchDatabase, type ScratchDatabase } from '../../src/db/scratch-database';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Migration 1796500000000-GoodwillClaimAndMoney on data written before it: a GOODWILL coverage without its claim
 * gets it back from its COVERAGE_ADDED event (same organisation), so that it keeps paying its claim and only that.
 * On a database of its own: the migration is undone and run again.
 */
describe('goodwill claim backfill', () => {
  let scratch: ScratchDatabase;
  let t: TestApp;

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.TEST_DATABASE_URL);
    t = await startTestApp({ clock: clockAt('2026-11-24'), databaseUrl: scratch.url, env: { OUTBOX_DISPATCH: 'false' } });
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    await scratch?.dispose();
  });

  it('restores the claim of a goodwill row from its event, and refuses a claim on any other kind afterwards', async () => {
    const org = await createTestOrg(t.dataSource, 'backfill');
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const agent = await tokenFor(org, ['AGENT']);
    const register = await t.graphql(
      `mutation { registerWarranty(input: { serialNumber: "BF-1", sku: "SOFAR-PM-V2-10", site: { countryCode: "DE", timeZone: "Europe/Berlin" }, commissioningDate: "2025-01-10" }) { warranty { id } userErrors { message } } }`,
      {},
      admin,
    );
    const unitId = register.data.registerWarranty.warranty.id;
    await t.graphql(`mutation($id: ID!) { voidWarranty(input: { id: $id, component: "CELLS", reason: "offline, missed cell firmware" }) { userErrors { code } } }`, { id: unitId }, admin);
    const submitted = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id cover } userErrors { message } } }`,
      { input: { warrantyId: unitId, kind: 'REPAIR', component: 'CELLS', repairDate: '2026-11-24', currency: 'EUR', readings: { throughputMwh: 5, sohPct: 90 }, lines: [{ kind: 'PART', partNumber: 'CELL', quantity: '1', unitPrice: '800' }] } },
      agent,
    );
    const claimId = submitted.data.submitClaim.claim.id;
    await t.graphql(`mutation($id: ID!) { requestClaimException(input: { id: $id, reason: "goodwill" }) { userErrors { message } } }`, { id: claimId }, agent);
    const decided = await t.graphql(
      `mutation($id: ID!) { recordExceptionDecision(input: { claimId: $id, outcome: APPROVED, approver: "Li Wei", reference: "OA-BF-1" }) { claim { status } userErrors { message } } }`,
      { id: claimId },
      admin,
    );
    expect(decided.data.recordExceptionDecision).toEqual({ claim: { status: 'APPROVED' }, userErrors: [] });

    // As before the migration: the column without its key, and a goodwill row that lost its claim.
    // The migrations after it are undone first (and run again after it, below).
    const lastName = async () => (await t.dataSource.query(`SELECT name FROM typeorm_migrations ORDER BY id DESC LIMIT 1`))[0].name as string;
    while ((await lastName()) !== 'GoodwillClaimAndMoney1796500000000') await t.dataSource.undoLastMigration({ transaction: 'each' });
    await t.dataSource.undoLastMigration({ transaction: 'each' });
    await t.dataSource.query(`UPDATE coverage SET claim_id = NULL WHERE kind = 'GOODWILL' AND warranty_record_id = $1`, [unitId]);
    await t.dataSource.runMigrations({ transaction: 'each' });

    expect(await t.dataSource.query(`SELECT claim_id FROM coverage WHERE kind = 'GOODWILL' AND warranty_record_id = $1`, [unitId])).toEqual([{ claim_id: claimId }]);
    await expect(t.dataSource.query(`UPDATE coverage SET claim_id = $1 WHERE kind = 'STANDARD' AND warranty_record_id = $2`, [claimId, unitId])).rejects.toThrow(/ck_coverage_claim/);
    await expect(t.dataSource.query(`UPDATE coverage SET claim_id = gen_random_uuid() WHERE kind = 'GOODWILL' AND warranty_record_id = $1`, [unitId])).rejects.toThrow(/fk_coverage_claim/);
  });
});
