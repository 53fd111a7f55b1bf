import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Pool } from 'pg';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { sign } from '../../src/common/signing';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { captureLogs } from '../support/log-capture';
import { postWebhook, type WebhookCall } from '../support/webhook-client';

/**
 * The inbound webhooks over real HTTP: Landray OA's exception decisions, Sofar Products' SKU changes and Sofar
 * CLOUD's telemetry stream. Each with a good, a badly signed, a stale and a replayed delivery; every refusal
 * answered with its 4xx and nothing written; the call counted in /metrics and logged without the secret.
 */
const OA_SECRET = 'oa-webhook-secret-for-tests-0001';
const PRODUCTS_SECRET = 'products-webhook-secret-new-0002';
const PRODUCTS_OLD_SECRET = 'products-webhook-secret-old-0003';
const CLOUD_SECRET = 'cloud-webhook-secret-for-tests-04';
const MAX_STREAM_BYTES = 8 * 1024 * 1024;

const OA = '/webhooks/oa/exception-decisions';
const PRODUCTS = '/webhooks/products/skus';
const CLOUD = '/webhooks/cloud/telemetry';

describe('inbound webhooks', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  let service: string;
  const logs = captureLogs();

  const deliver = (path: string, body: unknown, call: WebhookCall = {}) =>
    postWebhook(t.url, path, typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), call);
  const count = async (sql: string, params: unknown[] = [org]) => (await t.dataSource.query(sql, params))[0].n as number;
  const receipts = (source: string) => count(`SELECT count(*)::int AS n FROM webhook_receipt WHERE org_id = $1 AND source = $2`, [org, source]);
  const gql = async (query: string, variables: Record<string, unknown>, token: string) => {
    const { data, errors } = await t.graphql(query, variables, token);
    expect(errors).toBeUndefined();
    return data;
  };

  beforeAll(async () => {
    t = await startTestApp({
      clock: clockAt('2026-11-24'),
      env: {
        WEBHOOK_OA_SECRET: OA_SECRET,
        WEBHOOK_PRODUCTS_SECRET: `${PRODUCTS_SECRET},${PRODUCTS_OLD_SECRET}`,
        WEBHOOK_CLOUD_SECRET: CLOUD_SECRET,
        WEBHOOK_MAX_STREAM_BYTES: String(MAX_STREAM_BYTES),
        // Nothing to deliver to; the outbox messages the claims write simply wait.
        OUTBOX_DISPATCH: 'false',
      },
    });
    org = await createTestOrg(t.dataSource, 'webhooks');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    service = await tokenFor(org, ['SERVICE'], { sub: 'oa-integration' });
  });
  afterAll(async () => {
    logs.stop();
    await t.stop();
  });

  describe('Landray OA: exception decisions', () => {
    /** A claim the check does not cover (voided cells), sent to OA: what OA then decides on. */
    // An approval's goodwill covers its unit's cells on the repair day: each claim is for a unit of its own, whose
    // cells lost their warranty (§5.5.19).
    let units = 0;
    async function claimAwaitingOa(): Promise<string> {
      const { registerWarranty } = await gql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } } }`,
        { input: { serialNumber: `WH-OA-${++units}`, sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      const unitId = registerWarranty.warranty.id;
      await gql(`mutation($id: ID!) { voidWarranty(input: { id: $id, component: "CELLS", reason: "§5.5.19: offline, missed cell firmware 3.2" }) { userErrors { code } } }`, { id: unitId }, admin);
      const { submitClaim } = await gql(
        `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { message } } }`,
        { input: { warrantyId: unitId, kind: 'REPAIR', component: 'CELLS', repairDate: '2026-11-24', currency: 'EUR', readings: { throughputMwh: 5, sohPct: 90 }, lines: [{ kind: 'PART', partNumber: 'CELL-MOD', quantity: '1', unitPrice: '800' }] } },
        agent,
      );
      expect(submitClaim.userErrors).toEqual([]);
      const id = submitClaim.claim.id;
      const { requestClaimException } = await gql(`mutation($id: ID!) { requestClaimException(input: { id: $id, reason: "ask OA for goodwill" }) { claim { status } userErrors { message } } }`, { id }, agent);
      expect(requestClaimException.userErrors).toEqual([]);
      expect(requestClaimException.claim.status).toBe('EXCEPTION_REQUESTED');
      return id;
    }
    const claimState = async (id: string) =>
      (await t.dataSource.query(`SELECT status, row_version, exception_reference, (SELECT count(*)::int FROM warranty_event e WHERE e.org_id = c.org_id AND e.claim_id = c.id) AS events, (SELECT count(*)::int FROM coverage g WHERE g.org_id = c.org_id AND g.claim_id = c.id) AS goodwill FROM warranty_claim c WHERE id = $1`, [id]))[0];
    const decision = (claimId: string, extra: Record<string, unknown> = {}) => ({
      deliveryId: `oa-${randomUUID()}`, orgId: org, claimId, outcome: 'APPROVED', approver: 'Li Wei (after-sales director)', reference: `OA-${randomUUID().slice(0, 8)}`, ...extra,
    });

    it('a signed approval approves the claim through its goodwill coverage; the same delivery again is refused as replayed and changes nothing', async () => {
      const claimId = await claimAwaitingOa();
      const body = decision(claimId);
      const answer = await deliver(OA, body, { secret: OA_SECRET, deliveryIdHeader: body.deliveryId });
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual({ deliveryId: body.deliveryId, result: { claimId, status: 'APPROVED', outcome: 'APPROVED', reference: body.reference } });
      const after = await claimState(claimId);
      expect(after).toMatchObject({ status: 'APPROVED', exception_reference: body.reference, goodwill: 1 });
      expect(await t.dataSource.query(`SELECT actor_id, result FROM webhook_receipt WHERE org_id = $1 AND delivery_id = $2`, [org, body.deliveryId])).toEqual([
        { actor_id: 'webhook:oa', result: answer.body.result },
      ]);

      const replay = await deliver(OA, body, { secret: OA_SECRET });
      expect(replay.status).toBe(409);
      expect(replay.body.errors[0]).toMatchObject({ message: expect.stringContaining('already received'), extensions: { code: 'REPLAYED_DELIVERY', result: answer.body.result } });
      expect(await claimState(claimId)).toEqual(after);
    });

    it.each([
      ['signed with another secret', 401, 'BAD_SIGNATURE', () => ({ secret: 'not-the-oa-secret-at-all-000' })],
      ['signed, then changed on the way', 401, 'BAD_SIGNATURE', (body: string) => ({ signature: sign(OA_SECRET, Math.floor(Date.now() / 1000), body.replace('APPROVED', 'REJECTED')) })],
      ['signed six minutes ago', 401, 'STALE_TIMESTAMP', () => ({ secret: OA_SECRET, timestamp: Math.floor(Date.now() / 1000) - 360 })],
      ['dated six minutes ahead', 401, 'STALE_TIMESTAMP', () => ({ secret: OA_SECRET, timestamp: Math.floor(Date.now() / 1000) + 360 })],
      ['neither signed nor with a token', 401, 'UNAUTHENTICATED', () => ({})],
      ['with a damaged signature', 401, 'BAD_SIGNATURE', () => ({ signature: 'v1=zz' })],
    ] as const)('refuses a decision %s: %d %s, nothing written', async (_, status, code, call) => {
      const claimId = await claimAwaitingOa();
      const before = await claimState(claimId);
      const receiptsBefore = await receipts('OA');
      const body = JSON.stringify(decision(claimId));
      const answer = await deliver(OA, body, call(body));
      expect(answer.status).toBe(status);
      expect(answer.body.errors[0].extensions.code).toBe(code);
      expect(answer.body.errors[0].message).toEqual(expect.any(String));
      expect(await claimState(claimId)).toEqual(before);
      expect(await receipts('OA')).toBe(receiptsBefore);
    });

    it('answers an unknown claim 404, a malformed body 400, a claim not awaiting OA 409, with the field, and writes nothing', async () => {
      const receiptsBefore = await receipts('OA');
      const unknown = await deliver(OA, decision(randomUUID()), { secret: OA_SECRET });
      expect(unknown.status).toBe(404);
      expect(unknown.body.errors[0].extensions).toEqual({ code: 'NOT_FOUND', field: ['claimId'] });

      const claimId = await claimAwaitingOa();
      const notJson = await deliver(OA, '{"deliveryId": "x", ', { secret: OA_SECRET });
      expect([notJson.status, notJson.body.errors[0].extensions.code]).toEqual([400, 'MALFORMED_BODY']);
      const badOutcome = await deliver(OA, decision(claimId, { outcome: 'MAYBE' }), { secret: OA_SECRET });
      expect(badOutcome.status).toBe(400);
      expect(badOutcome.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['outcome'] });
      const badReference = await deliver(OA, decision(claimId, { reference: 'has spaces' }), { secret: OA_SECRET });
      expect(badReference.status).toBe(422);
      expect(badReference.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: ['reference'] });
      const noOrg = await deliver(OA, { ...decision(claimId), orgId: undefined }, { secret: OA_SECRET });
      expect(noOrg.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['orgId'] });
      const idMismatch = await deliver(OA, decision(claimId), { secret: OA_SECRET, deliveryIdHeader: 'another-id' });
      expect(idMismatch.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['deliveryId'] });
      // Another organisation's claim is no claim of this delivery's organisation.
      const elsewhere = await deliver(OA, decision(claimId, { orgId: 'some-other-org' }), { secret: OA_SECRET });
      expect(elsewhere.status).toBe(404);

      const decided = await deliver(OA, decision(claimId), { secret: OA_SECRET });
      expect(decided.status).toBe(200);
      const otherReference = await deliver(OA, decision(claimId), { secret: OA_SECRET });
      expect(otherReference.status).toBe(409);
      expect(otherReference.body.errors[0].extensions).toEqual({ code: 'INVALID_TRANSITION', field: ['reference'] });
      expect(await receipts('OA')).toBe(receiptsBefore + 1);
    });

    it('takes a SERVICE token instead of a signature, for its own organisation only', async () => {
      const claimId = await claimAwaitingOa();
      const { orgId: _, ...unsigned } = decision(claimId, { outcome: 'REJECTED' });
      expect((await deliver(OA, unsigned, { token: agent })).status).toBe(403);
      expect((await deliver(OA, { ...unsigned, orgId: 'another-org' }, { token: service })).status).toBe(403);
      expect((await deliver(OA, unsigned, { token: 'not.a.token' })).status).toBe(401);
      expect((await deliver(OA, unsigned, { token: service, timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
      expect((await claimState(claimId)).status).toBe('EXCEPTION_REQUESTED');
      const answer = await deliver(OA, unsigned, { token: service });
      expect(answer.status).toBe(200);
      expect(answer.body.result.status).toBe('REJECTED');
      expect((await t.dataSource.query(`SELECT actor_id FROM webhook_receipt WHERE org_id = $1 AND delivery_id = $2`, [org, unsigned.deliveryId]))[0].actor_id).toBe('oa-integration');
      expect((await deliver(OA, unsigned, { token: service })).status).toBe(409);
    });

    it('two copies of one delivery at once: one is taken, the other answered as replayed', async () => {
      const claimId = await claimAwaitingOa();
      const body = decision(claimId);
      const answers = await Promise.all([deliver(OA, body, { secret: OA_SECRET }), deliver(OA, body, { secret: OA_SECRET })]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
      expect(await claimState(claimId)).toMatchObject({ status: 'APPROVED', goodwill: 1 });
    });
  });

  describe('Sofar Products: SKU changes', () => {
    const skus = async (prefix: string, orgId = org) =>
      t.dataSource.query(`SELECT sku, product_id, product_family, capacity_kwh::text, updated_by_id FROM product_reference WHERE org_id = $1 AND sku LIKE $2 ORDER BY sku`, [orgId, `${prefix}%`]);
    const change = (sku: string, extra: Record<string, unknown> = {}) => ({ sku, productId: `prod-${sku}`, productFamily: 'BATTERY', capacityKwh: 10.24, ...extra });

    it('creates and changes SKUs through the admin path; a replay and a stale or forged copy change nothing', async () => {
      const first = { deliveryId: randomUUID(), orgId: org, changes: [change('WH-SKU-A'), change('WH-SKU-B', { productFamily: 'inverter', capacityKwh: null })] };
      const answer = await deliver(PRODUCTS, first, { secret: PRODUCTS_SECRET });
      expect(answer.status).toBe(200);
      expect(answer.body.result).toEqual({ created: 2, updated: 0, unchanged: 0 });
      expect(await skus('WH-SKU-')).toEqual([
        { sku: 'WH-SKU-A', product_id: 'prod-WH-SKU-A', product_family: 'BATTERY', capacity_kwh: '10.24', updated_by_id: 'webhook:products' },
        { sku: 'WH-SKU-B', product_id: 'prod-WH-SKU-B', product_family: 'INVERTER', capacity_kwh: null, updated_by_id: 'webhook:products' },
      ]);

      // During a rotation the old secret still signs; a later change moves the capacity.
      const second = { deliveryId: randomUUID(), orgId: org, changes: [change('WH-SKU-A', { capacityKwh: 12.5 }), change('WH-SKU-B', { productFamily: 'inverter', capacityKwh: null })] };
      const changed = await deliver(PRODUCTS, second, { secret: PRODUCTS_OLD_SECRET });
      expect(changed.body.result).toEqual({ created: 0, updated: 1, unchanged: 1 });
      const stored = await skus('WH-SKU-');

      // The first delivery again (a replay that would move the capacity back): refused, nothing changes.
      const replay = await deliver(PRODUCTS, first, { secret: PRODUCTS_SECRET });
      expect(replay.status).toBe(409);
      const stale = await deliver(PRODUCTS, { ...first, deliveryId: randomUUID() }, { secret: PRODUCTS_SECRET, timestamp: Math.floor(Date.now() / 1000) - 301 });
      expect([stale.status, stale.body.errors[0].extensions.code]).toEqual([401, 'STALE_TIMESTAMP']);
      const forged = await deliver(PRODUCTS, { ...first, deliveryId: randomUUID() }, { secret: OA_SECRET });
      expect([forged.status, forged.body.errors[0].extensions.code]).toEqual([401, 'BAD_SIGNATURE']);
      expect(await skus('WH-SKU-')).toEqual(stored);
      expect(stored[0].capacity_kwh).toBe('12.50');
    });

    it('refuses a bad change whole, with the field of the change at fault', async () => {
      const receiptsBefore = await receipts('PRODUCTS');
      const answer = await deliver(PRODUCTS, { deliveryId: randomUUID(), orgId: org, changes: [change('WH-BAD-1'), change('WH-BAD-2', { productFamily: 'no family!' })] }, { secret: PRODUCTS_SECRET });
      expect(answer.status).toBe(422);
      expect(answer.body.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: ['changes', '1', 'productFamily'] });
      const notAList = await deliver(PRODUCTS, { deliveryId: randomUUID(), orgId: org, changes: { sku: 'x' } }, { secret: PRODUCTS_SECRET });
      expect(notAList.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['changes'] });
      const textCapacity = await deliver(PRODUCTS, { deliveryId: randomUUID(), orgId: org, changes: [change('WH-BAD-3', { capacityKwh: '10' })] }, { secret: PRODUCTS_SECRET });
      expect(textCapacity.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['changes', '0', 'capacityKwh'] });
      const wrongType = await deliver(PRODUCTS, { deliveryId: randomUUID(), orgId: org, changes: [] }, { secret: PRODUCTS_SECRET, contentType: 'text/plain' });
      expect(wrongType.status).toBe(415);
      expect(await skus('WH-BAD-')).toEqual([]);
      expect(await receipts('PRODUCTS')).toBe(receiptsBefore);
    });

    it('a new organisation registers its first unit after its products arrive by webhook, with no migration', async () => {
      const fresh = `fresh-${randomUUID().slice(0, 8)}`;
      const freshAdmin = await tokenFor(fresh, ['WARRANTY_ADMIN']);
      const register = () =>
        t.graphql(
          `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { serialNumber productFamily capacityKwh policy { version termMonths } } userErrors { code field message } } }`,
          { input: { serialNumber: 'FRESH-1', sku: 'FRESH-BAT-15', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2026-11-01' } },
          freshAdmin,
        );
      const unknownSku = await register();
      expect(unknownSku.data.registerWarranty.userErrors[0]).toMatchObject({ field: ['input', 'sku'] });

      const pushed = await deliver(PRODUCTS, { deliveryId: randomUUID(), orgId: fresh, changes: [change('FRESH-BAT-15', { productId: 'battery-15', capacityKwh: 15.36 })] }, { secret: PRODUCTS_SECRET });
      expect(pushed.status).toBe(200);
      const published = await gql(
        `mutation { publishWarrantyPolicy(input: { productFamily: "BATTERY", region: "DE-AT-CH", effectiveFrom: "2026-01-01", termMonths: 120, labourMonths: 24 }) { policy { version } userErrors { message } } }`,
        {},
        freshAdmin,
      );
      expect(published.publishWarrantyPolicy.userErrors).toEqual([]);
      const registered = await register();
      expect(registered.errors).toBeUndefined();
      expect(registered.data.registerWarranty).toEqual({
        warranty: { serialNumber: 'FRESH-1', productFamily: 'BATTERY', capacityKwh: 15.36, policy: { version: 1, termMonths: 120 } },
        userErrors: [],
      });
      expect(await skus('FRESH-', org)).toEqual([]);
    });
  });

  describe('Sofar CLOUD: telemetry as an NDJSON stream', () => {
    const SERIALS = ['WH-CLOUD-1', 'WH-CLOUD-2', 'WH-CLOUD-3'];
    const telemetryRows = () =>
      count(`SELECT (SELECT count(*) FROM unit_telemetry WHERE org_id = $1) + (SELECT count(*) FROM unit_firmware WHERE org_id = $1) AS n`).then(Number);

    beforeAll(async () => {
      for (const serialNumber of SERIALS) {
        await gql(
          `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
          { input: { serialNumber, sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
          admin,
        );
      }
    });

    /** The envelope, then `heartbeats` heartbeats spread over the units (a few unknown) and a firmware report per unit. */
    function stream(deliveryId: string, heartbeats: number, options: { orgId?: string; extra?: string[] } = {}): string {
      const lines = [JSON.stringify({ deliveryId, orgId: options.orgId ?? org })];
      const start = Date.parse('2026-11-20T00:00:00Z');
      for (let i = 0; i < heartbeats; i++) {
        const serialNumber = i % 1000 === 999 ? `UNKNOWN-${i}` : SERIALS[i % SERIALS.length].toLowerCase();
        lines.push(JSON.stringify({ type: 'heartbeat', serialNumber, at: new Date(start + i * 1000).toISOString() }));
      }
      for (const serialNumber of SERIALS) lines.push(JSON.stringify({ type: 'firmware', serialNumber, component: 'CELLS', version: '3.2.1', at: '2026-11-21T08:00:00Z' }));
      lines.push(...(options.extra ?? []));
      return `${lines.join('\n')}\n`;
    }

    it('ingests a stream larger than any JSON body in batches, in pieces as it arrives; a replay changes nothing', async () => {
      const deliveryId = randomUUID();
      const body = stream(deliveryId, 40_000);
      expect(Buffer.byteLength(body)).toBeGreaterThan(2 * 1024 * 1024);
      const answer = await deliver(CLOUD, body, { secret: CLOUD_SECRET, chunkBytes: 64 * 1024 });
      expect(answer.status).toBe(200);
      expect(answer.body.result).toEqual({
        heartbeats: { received: 40_000, accepted: 3 * 4 }, // one row per unit per batch of 10,000
        firmwareReports: { received: 3, accepted: 3 },
        unknownSerialNumbers: expect.arrayContaining(['UNKNOWN-999', 'UNKNOWN-39999']),
      });
      expect(answer.body.result.unknownSerialNumbers).toHaveLength(40);
      const contacts = await t.dataSource.query(
        `SELECT r.serial_number, u.last_contact_at, f.version FROM warranty_record r JOIN unit_telemetry u ON u.org_id = r.org_id AND u.warranty_record_id = r.id JOIN unit_firmware f ON f.org_id = r.org_id AND f.warranty_record_id = r.id WHERE r.org_id = $1 ORDER BY 1`,
        [org],
      );
      // The latest heartbeat of each unit: i = 39,997 (unit 2), 39,998 (unit 3), 39,996 (unit 1; 39,999 is unknown).
      const at = (i: number) => new Date(Date.parse('2026-11-20T00:00:00Z') + i * 1000);
      expect(contacts).toEqual([
        { serial_number: 'WH-CLOUD-1', last_contact_at: at(39_996), version: '3.2.1' },
        { serial_number: 'WH-CLOUD-2', last_contact_at: at(39_997), version: '3.2.1' },
        { serial_number: 'WH-CLOUD-3', last_contact_at: at(39_998), version: '3.2.1' },
      ]);

      const replay = await deliver(CLOUD, body, { secret: CLOUD_SECRET, chunkBytes: 64 * 1024 });
      expect(replay.status).toBe(409);
      expect(replay.body.errors[0].extensions.code).toBe('REPLAYED_DELIVERY');
    });

    it.each([
      ['signed with another secret', 401, 'BAD_SIGNATURE', { secret: 'not-the-cloud-secret-00000' }],
      ['signed seven minutes ago', 401, 'STALE_TIMESTAMP', { secret: CLOUD_SECRET, timestamp: Math.floor(Date.now() / 1000) - 420 }],
      ['sent as JSON', 415, 'UNSUPPORTED_MEDIA_TYPE', { secret: CLOUD_SECRET, contentType: 'application/json' }],
    ] as const)('refuses a stream %s (%d %s), with nothing written', async (_, status, code, call) => {
      const before = await telemetryRows();
      const deliveryId = randomUUID();
      // Later heartbeats than any stored, for units that have rows: anything written would show. (Not later than the
      // test's clock: a heartbeat in the future is refused whatever the signature.)
      const body = stream(deliveryId, 15_000).replaceAll('2026-11-20', '2026-11-23').replaceAll('2026-11-21', '2026-11-23');
      const answer = await deliver(CLOUD, body, { ...call, chunkBytes: 64 * 1024 });
      expect(answer.status).toBe(status);
      expect(answer.body.errors[0].extensions.code).toBe(code);
      expect(await telemetryRows()).toBe(before);
      expect(await t.dataSource.query(`SELECT max(last_contact_at) < '2026-11-23' AS old FROM unit_telemetry WHERE org_id = $1`, [org])).toEqual([{ old: true }]);
      expect(await count(`SELECT count(*)::int AS n FROM webhook_receipt WHERE org_id = $1 AND delivery_id = $2`, [org, deliveryId])).toBe(0);
    });

    it('a bad line after a written batch rolls the whole stream back, and names the line', async () => {
      const deliveryId = randomUUID();
      const body = stream(deliveryId, 12_000, { extra: ['{"type":"firmware","serialNumber":"WH-CLOUD-1","component":"CELLS","version":"v3","at":"2026-11-23T00:00:00Z"}'] }).replaceAll('2026-11-20', '2026-11-23').replaceAll('2026-11-21', '2026-11-23');
      const answer = await deliver(CLOUD, body, { secret: CLOUD_SECRET });
      expect(answer.status).toBe(400);
      expect(answer.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['line', '12005', 'version'] });
      expect(await t.dataSource.query(`SELECT max(last_contact_at) < '2026-11-23' AS old FROM unit_telemetry WHERE org_id = $1`, [org])).toEqual([{ old: true }]);

      // A line too long is refused whether it arrives whole in one piece or across several.
      const longLine = `${JSON.stringify({ deliveryId: randomUUID(), orgId: org })}\n{"type":"heartbeat","serialNumber":"${'X'.repeat(5000)}"}\n`;
      for (const chunkBytes of [undefined, 1000]) {
        const answer = await deliver(CLOUD, longLine, { secret: CLOUD_SECRET, chunkBytes });
        expect([answer.status, answer.body.errors[0].message, answer.body.errors[0].extensions.field]).toEqual([400, 'line 2 is longer than 4096 characters', ['line', '2']]);
      }
      const noEnvelope = await deliver(CLOUD, '{"type":"heartbeat","serialNumber":"WH-CLOUD-1","at":"2026-11-24T00:00:00Z"}\n', { secret: CLOUD_SECRET });
      expect(noEnvelope.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['deliveryId'] });
      const empty = await deliver(CLOUD, '', { secret: CLOUD_SECRET });
      expect(empty.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['line', '1'] });
      const noOffset = await deliver(CLOUD, stream(randomUUID(), 1, { extra: ['{"type":"heartbeat","serialNumber":"WH-CLOUD-1","at":"2026-12-01T00:00:00"}'] }), { secret: CLOUD_SECRET });
      expect(noOffset.body.errors[0].extensions).toEqual({ code: 'MALFORMED_BODY', field: ['line', '6', 'at'] });
    });

    it(`refuses a stream over the limit (${MAX_STREAM_BYTES} bytes here) with 413`, async () => {
      const answer = await deliver(CLOUD, stream(randomUUID(), 110_000), { secret: CLOUD_SECRET, chunkBytes: 256 * 1024 });
      expect(answer.status).toBe(413);
      expect(answer.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('takes a SERVICE token, whose organisation it writes to', async () => {
      const lines = `${JSON.stringify({ deliveryId: randomUUID() })}\n${JSON.stringify({ type: 'heartbeat', serialNumber: 'WH-CLOUD-1', at: '2026-11-24T09:00:00Z' })}\n`;
      const answer = await deliver(CLOUD, lines, { token: service });
      expect(answer.status).toBe(200);
      expect(answer.body.result.heartbeats).toEqual({ received: 1, accepted: 1 });
    });
  });

  describe('senders not yet verified hold nothing scarce', () => {
    /** A signed stream opened with a signature that cannot match, its lines trickling in until the caller ends it. */
    function bogusStream(deliveryId: string) {
      const timestamp = Math.floor(Date.now() / 1000);
      const request = httpRequest(new URL(CLOUD, t.url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', 'x-sofar-timestamp': String(timestamp), 'x-sofar-signature': sign('not-the-cloud-secret-00000', timestamp, 'something else') },
      });
      const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
        request.on('response', (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) }));
        });
        request.on('error', reject);
      });
      answer.catch(() => undefined);
      const line = () => `${JSON.stringify({ type: 'heartbeat', serialNumber: 'WH-CLOUD-1', at: '2027-03-01T00:00:00Z' })}\n`;
      request.write(`${JSON.stringify({ deliveryId, orgId: org })}\n${line()}`);
      const trickle = setInterval(() => request.write(line()), 200);
      return {
        answer,
        end() {
          clearInterval(trickle);
          request.end(line());
        },
      };
    }

    it('two CLOUD streams with a bogus signature, trickling, hold no stream slot, pooled connection or transaction; a signed stream meanwhile is taken', async () => {
      const pool = (t.dataSource.driver as PostgresDriver).master as Pool;
      const checkedOut = () => pool.totalCount - pool.idleCount;
      const before = checkedOut();
      const deliveryIds = [randomUUID(), randomUUID()];
      const bogus = deliveryIds.map(bogusStream);
      try {
        // Both have been read for a while (their envelope and lines): time enough to have taken whatever they would.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(checkedOut()).toBe(before);
        const waiting = await t.dataSource.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%' AND query ILIKE '%webhook_receipt%'`,
        );
        expect(waiting).toEqual([{ n: 0 }]);
        // WEBHOOK_MAX_STREAMS is 2 here: a correctly signed stream finds a slot.
        const good = await deliver(CLOUD, `${JSON.stringify({ deliveryId: randomUUID(), orgId: org })}\n${JSON.stringify({ type: 'heartbeat', serialNumber: 'WH-CLOUD-2', at: '2026-11-24T08:00:00Z' })}\n`, { secret: CLOUD_SECRET });
        expect([good.status, good.body.result?.heartbeats]).toEqual([200, { received: 1, accepted: 1 }]);
      } finally {
        for (const stream of bogus) stream.end();
      }
      for (const stream of bogus) {
        const { status, body } = await stream.answer;
        expect([status, body.errors[0].extensions.code]).toEqual([401, 'BAD_SIGNATURE']);
      }
      expect(await count(`SELECT count(*)::int AS n FROM webhook_receipt WHERE delivery_id = ANY($1)`, [deliveryIds])).toBe(0);
    });

    it('a JSON delivery whose sender goes away mid-body is one log line without a stack, and writes nothing', async () => {
      const requestId = `oa-gone-${randomUUID()}`;
      const request = httpRequest(new URL(OA, t.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': '5000', 'x-request-id': requestId, 'x-sofar-timestamp': String(Math.floor(Date.now() / 1000)), 'x-sofar-signature': sign(OA_SECRET, Math.floor(Date.now() / 1000), 'x') },
      });
      request.on('error', () => undefined);
      request.write('{"deliveryId": "gone-');
      await new Promise((resolve) => setTimeout(resolve, 300));
      request.destroy();
      const until = Date.now() + 10_000;
      while (!logs.lines.some((line) => line.requestId === requestId) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const lines = logs.lines.filter((line) => line.requestId === requestId);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ level: 'info', msg: 'webhook', source: 'OA', code: 'CLIENT_CLOSED_REQUEST' });
      expect(lines[0]).not.toHaveProperty('stack');
    });
  });

  describe('streams that stall, crowd or break off', () => {
    let small: TestApp;
    const STREAM_TIMEOUT_MS = 2_000;

    beforeAll(async () => {
      small = await startTestApp({ env: { WEBHOOK_CLOUD_SECRET: CLOUD_SECRET, WEBHOOK_STREAM_TIMEOUT_MS: String(STREAM_TIMEOUT_MS), WEBHOOK_MAX_STREAMS: '1', OUTBOX_DISPATCH: 'false' } });
    });
    afterAll(() => small.stop());

    /** A stream opened with a SERVICE token (or signed) and its first lines sent; the caller ends or breaks it. */
    function openStream(firstLines: string, signedBy?: string) {
      const timestamp = Math.floor(Date.now() / 1000);
      const request = httpRequest(new URL(CLOUD, small.url), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-ndjson',
          'x-sofar-timestamp': String(timestamp),
          ...(signedBy ? { 'x-sofar-signature': sign(signedBy, timestamp, firstLines) } : { authorization: `Bearer ${service}` }),
        },
      });
      const answer = new Promise<{ status: number; body: any; headers: Record<string, unknown> }>((resolve, reject) => {
        request.on('response', (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text), headers: response.headers }));
        });
        request.on('error', reject);
      });
      answer.catch(() => undefined);
      request.write(firstLines);
      return { request, answer };
    }
    const heartbeat = (at: string) => `${JSON.stringify({ type: 'heartbeat', serialNumber: 'WH-CLOUD-1', at })}\n`;
    const contactOf = async () => (await small.dataSource.query(`SELECT max(t.last_contact_at) AS at FROM unit_telemetry t JOIN warranty_record r ON r.org_id = t.org_id AND r.id = t.warranty_record_id WHERE r.org_id = $1 AND r.serial_number = 'WH-CLOUD-1'`, [org]))[0].at;

    it('a stream that stalls past its deadline is answered 408 and writes nothing', async () => {
      const before = await contactOf();
      const { request, answer } = openStream(`${JSON.stringify({ deliveryId: randomUUID() })}\n${heartbeat('2027-01-01T00:00:00Z')}`);
      const { status, body } = await answer;
      request.destroy();
      expect(status).toBe(408);
      expect(body.errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
      expect(await contactOf()).toEqual(before);
    });

    it('a signed stream that stalls is cut at its deadline too (408), before its signature could be checked', async () => {
      const before = await contactOf();
      const { request, answer } = openStream(`${JSON.stringify({ deliveryId: randomUUID(), orgId: org })}\n${heartbeat('2027-01-01T00:00:00Z')}`, CLOUD_SECRET);
      const { status, body } = await answer;
      request.destroy();
      expect([status, body.errors[0].extensions.code]).toEqual([408, 'REQUEST_TIMEOUT']);
      expect(await contactOf()).toEqual(before);
    });

    it('past WEBHOOK_MAX_STREAMS a stream is turned away with 503 and Retry-After, and the one open is still taken', async () => {
      const first = openStream(`${JSON.stringify({ deliveryId: randomUUID() })}\n${heartbeat('2026-11-24T10:00:00Z')}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const second = await postWebhook(small.url, CLOUD, `${JSON.stringify({ deliveryId: randomUUID() })}\n`, { token: service });
      expect([second.status, second.headers['retry-after'], second.body.errors[0].extensions.code]).toEqual([503, '5', 'SERVICE_UNAVAILABLE']);
      first.request.end(heartbeat('2026-11-24T10:00:01Z'));
      const { status, body } = await first.answer;
      expect(status).toBe(200);
      // Both heartbeats are of one unit, in one batch: one row written.
      expect(body.result.heartbeats).toEqual({ received: 2, accepted: 1 });
    });

    it('a sender that breaks off mid-stream leaves nothing written, and the log says so', async () => {
      const before = await contactOf();
      const deliveryId = randomUUID();
      const { request } = openStream(`${JSON.stringify({ deliveryId })}\n${heartbeat('2026-11-24T11:00:00Z').repeat(20_000)}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      request.destroy();
      const deadline = Date.now() + 5_000;
      let line: Record<string, any> | undefined;
      while (!(line = logs.lines.find((l) => l.msg === 'webhook' && l.deliveryId === deliveryId)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(line).toMatchObject({ source: 'CLOUD', result: 'MALFORMED', code: 'CLIENT_CLOSED_REQUEST' });
      expect(await contactOf()).toEqual(before);
      expect(await count(`SELECT count(*)::int AS n FROM webhook_receipt WHERE delivery_id = $1`, [deliveryId])).toBe(0);
    });
  });

  describe('the rest of the surface', () => {
    it('answers GET 405, an unknown webhook 404, and a source without a secret only with a token', async () => {
      const get = await fetch(new URL(OA, t.url));
      expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
      expect((await deliver('/webhooks/oa/nothing', {}, { secret: OA_SECRET })).status).toBe(404);
      const unconfigured = await startTestApp({ env: { OUTBOX_DISPATCH: 'false' } });
      try {
        const answer = await postWebhook(unconfigured.url, PRODUCTS, JSON.stringify({ deliveryId: randomUUID(), orgId: org, changes: [] }), { secret: PRODUCTS_SECRET });
        expect(answer.status).toBe(401);
        expect(answer.body.errors[0].message).toContain('WEBHOOK_PRODUCTS_SECRET');
      } finally {
        await unconfigured.stop();
      }
    });

    it('counts every call by source and result in /metrics, and logs each without the secret or the signature', async () => {
      const metrics = await (await fetch(new URL('/metrics', t.url))).text();
      for (const line of [
        'warranty_webhook_requests_total{source="OA",result="ACCEPTED"}',
        'warranty_webhook_requests_total{source="OA",result="REPLAYED"}',
        'warranty_webhook_requests_total{source="OA",result="BAD_SIGNATURE"}',
        'warranty_webhook_requests_total{source="OA",result="STALE"}',
        'warranty_webhook_requests_total{source="PRODUCTS",result="ACCEPTED"}',
        'warranty_webhook_requests_total{source="CLOUD",result="ACCEPTED"}',
        'warranty_webhook_requests_total{source="CLOUD",result="MALFORMED"}',
      ]) {
        expect(metrics).toMatch(new RegExp(`^${line.replace(/[{}"]/g, (c) => `\\${c}`)} [1-9]\\d*$`, 'm'));
      }
      const webhookLines = logs.lines.filter((line) => line.msg === 'webhook');
      expect(webhookLines.length).toBeGreaterThan(30);
      expect(webhookLines.find((line) => line.code === 'BAD_SIGNATURE')).toMatchObject({ source: 'OA', result: 'BAD_SIGNATURE', http: 401 });
      const everything = JSON.stringify(logs.lines);
      for (const secret of [OA_SECRET, PRODUCTS_SECRET, PRODUCTS_OLD_SECRET, CLOUD_SECRET, service]) expect(everything).not.toContain(secret);
      expect(everything).not.toMatch(/v1=[0-9a-f]{64}/);
    });
  });
});
