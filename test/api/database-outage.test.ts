import { Client } from 'pg';
import { startApp, type RunningApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createTestOrg, postGraphQL, tokenFor } from '../support/harness';
import { postWebhook } from '../support/webhook-client';

/**
 * A real outage, not a mock: the app runs on a database of its own on the test server, which is then taken
 * away (no new connections, every open one terminated) and given back.
 */
describe('a database outage', () => {
  const name = `warranty_outage_${process.pid}_${Date.now().toString(36)}`;
  let admin: Client;
  let app: RunningApp;
  let token: string;
  let id: string;

  const QUERY = `query($s: String!) { warranty(serialNumber: $s) { id serialNumber } }`;
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id } ... on Product { registeredUnitsCount } } }`;

  beforeAll(async () => {
    admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', PLAYGROUND: 'false', SEED_DEMO_DATA: 'false', JWT_SECRET: '' });
    app = await startApp({ ...config, databaseUrl: url.toString(), dbPoolSize: 2 }); // runs the migrations
    const org = await createTestOrg(app.dataSource, 'outage');
    token = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await postGraphQL(app.url,
      `mutation { registerWarranty(input: { serialNumber: "OUT-1", sku: "SOFAR-INV-10KTL-X-G2", site: { countryCode: "DE" }, commissioningDate: "2025-01-10" }) { warranty { id } userErrors { code } } }`,
      {}, token);
    id = data.registerWarranty.warranty.id;
  });

  afterAll(async () => {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    await app?.stop();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  });

  async function takeAway(): Promise<void> {
    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  }

  describe('a statement the database gives up on (DB_STATEMENT_TIMEOUT_MS)', () => {
    // A second app on the same database whose connections have a tiny statement_timeout; another connection holds
    // the lock its statements need, so each of them waits until PostgreSQL cancels it.
    const PRODUCTS_SECRET = 'outage-products-secret-0001';
    let tight: RunningApp;
    let locker: Client;
    beforeAll(async () => {
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${name}`;
      const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', PLAYGROUND: 'false', SEED_DEMO_DATA: 'false', JWT_SECRET: '', DB_STATEMENT_TIMEOUT_MS: '300', OUTBOX_DISPATCH: 'false', WEBHOOK_PRODUCTS_SECRET: PRODUCTS_SECRET });
      tight = await startApp({ ...config, databaseUrl: url.toString(), dbPoolSize: 2 });
      locker = new Client({ connectionString: url.toString() });
      await locker.connect();
    });
    afterAll(async () => {
      await locker?.end();
      await tight?.stop();
    });

    it('a read: HTTP 504 DATABASE_TIMEOUT, retryable, one error for every field it hit', async () => {
      const representations = Array.from({ length: 20 }, () => ({ __typename: 'WarrantyRecord', id }));
      await locker.query('BEGIN');
      try {
        await locker.query('LOCK TABLE warranty_record IN ACCESS EXCLUSIVE MODE');
        const raw = await fetch(tight.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id status } } }`, variables: { r: representations } }),
        });
        const body = await raw.json();
        expect(raw.status).toBe(504);
        expect(body.errors).toEqual([
          { message: 'the database did not answer in time; nothing was changed, retry', path: ['_entities', 0], extensions: { code: 'DATABASE_TIMEOUT', retryable: true, count: 20 } },
        ]);
        expect(JSON.stringify(body)).not.toMatch(/canceling|statement_timeout|typeorm|INTERNAL/i);
      } finally {
        await locker.query('ROLLBACK');
      }
    });

    it('a mutation waiting on a row lock: HTTP 504 DATABASE_TIMEOUT, nothing written', async () => {
      const VOID = `mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "locked" }) { warranty { status } userErrors { code } } }`;
      await locker.query('BEGIN');
      try {
        await locker.query('SELECT id FROM warranty_record WHERE id = $1 FOR UPDATE', [id]);
        const response = await postGraphQL(tight.url, VOID, { id }, token);
        expect(response.status).toBe(504);
        expect(response.errors).toEqual([
          { message: 'the database did not answer in time; nothing was changed, retry', path: ['voidWarranty'], extensions: { code: 'DATABASE_TIMEOUT', retryable: true } },
        ]);
      } finally {
        await locker.query('ROLLBACK');
      }
      expect((await postGraphQL(app.url, `query($s: String!) { warranty(serialNumber: $s) { status } }`, { s: 'OUT-1' }, token)).data.warranty.status).toBe('ACTIVE');
    });
    it('a webhook: HTTP 504 DATABASE_TIMEOUT, nothing written, send it again', async () => {
      const org = `outage-wh-${process.pid}`;
      const body = JSON.stringify({ deliveryId: `d-${Date.now()}`, orgId: org, changes: [{ sku: 'TO-1', productId: 'p-TO-1', productFamily: 'BATTERY', capacityKwh: 5 }] });
      await locker.query('BEGIN');
      try {
        await locker.query('LOCK TABLE product_reference IN ACCESS EXCLUSIVE MODE');
        const answer = await postWebhook(tight.url, '/webhooks/products/skus', body, { secret: PRODUCTS_SECRET });
        expect(answer.status).toBe(504);
        expect(JSON.stringify(answer.body)).toMatch(/"code":"DATABASE_TIMEOUT"/);
      } finally {
        await locker.query('ROLLBACK');
      }
      expect((await locker.query('SELECT count(*)::int AS n FROM product_reference WHERE org_id = $1', [org])).rows[0].n).toBe(0);
      expect((await locker.query('SELECT count(*)::int AS n FROM webhook_receipt WHERE org_id = $1', [org])).rows[0].n).toBe(0);
    });
  });

  it('answers 503 SERVICE_UNAVAILABLE (retryable) while the database is away, and recovers when it is back', async () => {
    expect((await postGraphQL(app.url, QUERY, { s: 'OUT-1' }, token)).data.warranty.id).toBe(id);
    await takeAway();

    for (let attempt = 0; attempt < 3; attempt++) {
      const raw = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: QUERY, variables: { s: 'OUT-1' } }),
      });
      const body = await raw.json();
      expect(raw.status).toBe(503);
      expect(raw.headers.get('retry-after')).toBe('5');
      expect(body.errors).toEqual([
        { message: 'the database is unavailable; retry later', path: ['warranty'], extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } },
      ]);
      expect(JSON.stringify(body)).not.toMatch(/stack|\.ts:|typeorm|pool|ECONN|terminat/i);
    }

    const mutation = await postGraphQL(app.url, `mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "test" }) { userErrors { code } } }`, { id }, token);
    expect(mutation.status).toBe(503);
    expect(mutation.errors?.map((e) => e.extensions)).toEqual([{ code: 'SERVICE_UNAVAILABLE', retryable: true }]);

    const entities = await postGraphQL(app.url, ENTITIES, { r: [{ __typename: 'WarrantyRecord', id }, { __typename: 'Product', id: 'p-1' }] }, token);
    expect(entities.status).toBe(503);
    expect(entities.errors?.length).toBeGreaterThan(0);
    expect(new Set(entities.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['SERVICE_UNAVAILABLE']));

    // Nothing to do with the database: still answered, 200.
    expect((await postGraphQL(app.url, '{ __typename }')).status).toBe(200);
    expect((await fetch(new URL('/ready', app.url))).status).toBe(503);

    await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
    const back = await postGraphQL(app.url, QUERY, { s: 'OUT-1' }, token);
    expect(back.status).toBe(200);
    expect(back.errors).toBeUndefined();
    expect(back.data.warranty.id).toBe(id);
    expect((await fetch(new URL('/ready', app.url))).status).toBe(200);
  });
});
