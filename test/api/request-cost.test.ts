import { Client } from 'pg';
import { captureLogs } from '../support/log-capture';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * One cost estimate with the operation's variables and representations (server/operation-cost.ts), the same on
 * the general path and the planned reads, and a deadline that stops the work: the request's statements are
 * cancelled in PostgreSQL and its response carries one timeout error.
 */

const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`;
const SUBMIT = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code message } } }`;

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/** 30 aliases (the alias limit) of a 100-record page, each record with 100 events of its history. */
const aliasedHistory = (first: string) =>
  Array.from({ length: 30 }, (_, i) => `a${i}: warranties(first: ${first}) { edges { node { id serialNumber history(first: ${first}) { totalCount edges { node { id event } } } } } }`).join(' ');

const logs = captureLogs();
afterAll(() => logs.stop());

describe('the cost estimate counts variables and representations', () => {
  let t: TestApp;
  let agent: string;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(t.dataSource, 'cost');
    agent = await tokenFor(org, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (let i = 0; i < 3; i++) {
      const input = { serialNumber: `COST-${i}`, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, customerId: 'cost-customer', commissioningDate: '2024-03-01' };
      expect((await t.graphql(REGISTER, { input }, admin)).data.registerWarranty.userErrors).toEqual([]);
    }
    // A busy CSP case: 13 claims on one unit.
    for (let i = 0; i < 13; i++) {
      const input = { serialNumber: 'COST-0', kind: 'REPAIR', repairDate: '2026-11-20', currency: 'EUR', cspCaseId: 'busy-case', idempotencyKey: `cost-${i}`, lines: [{ kind: 'LABOUR', hours: '1', rate: '70' }] };
      expect((await t.graphql(SUBMIT, { input }, agent)).data.submitClaim.userErrors).toEqual([]);
    }
  });
  afterAll(() => t.stop());

  const run = async (query: string, variables?: Record<string, unknown>) => {
    const requestId = `cost-${Math.random().toString(36).slice(2)}`;
    const response = await post(t.url, { query, variables }, { authorization: `Bearer ${agent}`, 'x-request-id': requestId });
    await new Promise((resolve) => setImmediate(resolve));
    return { ...response, log: logs.request(requestId) };
  };
  const expectRefused = (response: Awaited<ReturnType<typeof run>>) => {
    expect(response.status).toBe(400);
    expect(response.body.data ?? null).toBeNull();
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors[0].message).toMatch(/Query Cost limit of 25000 exceeded, found \d+/);
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 25000, cost: expect.any(Number) });
    expect(response.log!.sqlQueries).toBe(0);
  };

  it('counts a page size given in a variable as the same literal, before any SQL', async () => {
    const literal = await run(`{ ${aliasedHistory('100')} }`);
    expectRefused(literal);
    const variable = await run(`query($n: Int) { ${aliasedHistory('$n')} }`, { n: 100 });
    expectRefused(variable);
    // What the estimate came to is the same either way.
    expect(variable.body.errors[0].extensions.cost).toBe(literal.body.errors[0].extensions.cost);
    // The same document with a small page runs.
    const small = await run(`query($n: Int) { ${aliasedHistory('$n')} }`, { n: 2 });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
    expect(small.body.data.a0.edges).toHaveLength(2);
  });

  it('counts a variable page size left out, or null, as the argument default', async () => {
    // history's default is 50, warranties' 20: 30 × 20 × 50 events.
    const response = await run(`query($n: Int) { ${aliasedHistory('$n')} }`, { n: null });
    expectRefused(response);
  });

  it('multiplies each _entities selection by its representations: 500 busy cases with their claims are refused', async () => {
    const cases = Array.from({ length: 500 }, (_, i) => ({ __typename: 'Case', id: i % 20 === 0 ? 'busy-case' : `case-${i % 20}` }));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { claims { edges { node { id status kind cover total { amount currency } sla { response { dueAt state } onsite { dueAt state } } } } } } } }`;
    expectRefused(await run(query, { r: cases }));
    // Twenty of them run.
    const few = await run(query, { r: cases.slice(0, 20) });
    expect(few.body.errors).toBeUndefined();
    expect(few.body.data._entities).toHaveLength(20);
  });

  it('multiplies Customer.warranties by its representations', async () => {
    const customers = Array.from({ length: 500 }, (_, i) => ({ __typename: 'Customer', id: i % 2 ? 'cost-customer' : `c-${i}` }));
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { warranties { totalCount edges { node { id serialNumber tier status expiresAt } } } } } }`;
    expectRefused(await run(query, { r: customers }));
    const few = await run(query, { r: customers.slice(0, 4) });
    expect(few.body.errors).toBeUndefined();
    expect(few.body.data._entities[1].warranties.totalCount).toBe(3);
  });

  it('pages a case\'s claims, oldest first, at most 100 a page', async () => {
    const page = (variables: Record<string, unknown>) =>
      run(
        `query($r: [_Any!]!, $first: Int, $after: String) { _entities(representations: $r) { ... on Case { claims(first: $first, after: $after) {
           totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor } } } } }`,
        { r: [{ __typename: 'Case', id: 'busy-case' }, { __typename: 'Case', id: 'quiet-case' }], ...variables },
      );
    const first = await page({});
    expect(first.body.errors).toBeUndefined();
    const [busy, quiet] = first.body.data._entities;
    expect(busy.claims.totalCount).toBe(13);
    expect(busy.claims.edges).toHaveLength(10);
    expect(busy.claims.pageInfo.hasNextPage).toBe(true);
    expect(quiet.claims).toEqual({ totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
    const rest = await page({ first: 5, after: busy.claims.pageInfo.endCursor });
    const next = rest.body.data._entities[0].claims;
    expect(next.edges).toHaveLength(3);
    expect(next.pageInfo.hasNextPage).toBe(false);
    const all = await page({ first: 100 });
    expect(all.body.data._entities[0].claims.edges.map((e: any) => e.node.id)).toEqual(
      [...busy.claims.edges, ...next.edges].map((e: any) => e.node.id),
    );
    const tooMany = await page({ first: 101 });
    expect(tooMany.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: ['first'] });
  });
});

describe('the planned reads get the same bounds', () => {
  let t: TestApp;
  let agent: string;
  beforeAll(async () => {
    t = await startTestApp({ env: { MAX_COST: '1000' } });
    agent = await tokenFor(await createTestOrg(t.dataSource, 'cost-plan'), ['AGENT']);
  });
  afterAll(() => t.stop());

  it('refuses a planned _entities read whose representations bring it over the limit, before any SQL', async () => {
    const query = 'query WarrantyRecordEntities($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { __typename id tier expiresAt } } }';
    const send = async (count: number) => {
      const requestId = `cost-plan-${count}`;
      const r = Array.from({ length: count }, (_, i) => ({ __typename: 'WarrantyRecord', serialNumber: `NONE-${i}` }));
      const response = await post(t.url, { query, variables: { r } }, { authorization: `Bearer ${agent}`, 'x-request-id': requestId });
      await new Promise((resolve) => setImmediate(resolve));
      return { ...response, log: logs.request(requestId) };
    };
    const small = await send(10);
    expect(small.status).toBe(200);
    expect(small.body.data._entities).toEqual(Array(10).fill(null));
    const large = await send(300);
    expect(large.status).toBe(400);
    expect(large.body.errors[0].message).toMatch(/Query Cost limit of 1000 exceeded, found 1201/);
    expect(large.log!.sqlQueries).toBe(0);
  });
});

describe('the deadline stops the work', () => {
  let t: TestApp;
  let admin: string;
  let unitId: string;

  beforeAll(async () => {
    // A statement timeout far beyond the deadline: only the deadline can stop the lock wait below.
    // The deadline leaves a busy machine time to reach the lock before it passes.
    t = await startTestApp({ env: { REQUEST_TIMEOUT_MS: '5000', DB_STATEMENT_TIMEOUT_MS: '120000' } });
    const org = await createTestOrg(t.dataSource, 'cost-deadline');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const input = { serialNumber: 'COST-DL-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, commissioningDate: '2024-01-01' };
    unitId = (await t.graphql(REGISTER, { input }, admin)).data.registerWarranty.warranty.id;
  });
  afterAll(() => t.stop());

  it('cancels the request\'s statement in PostgreSQL at the deadline and answers one REQUEST_TIMEOUT', async () => {
    const lock = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('SELECT id FROM warranty_record WHERE id = $1 FOR UPDATE', [unitId]);
      const [{ pid: lockPid }] = (await lock.query('SELECT pg_backend_pid() AS pid')).rows;
      const blocked = async () =>
        (await lock.query(`SELECT pid, application_name, query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`, [lockPid])).rows;
      const updates = Array.from({ length: 8 }, (_, i) => `u${i}: updateWarranty(input: { id: $id, customerId: "c${i}" }) { userErrors { code } }`).join(' ');
      const answered = post(t.url, { query: `mutation($id: ID!) { ${updates} }`, variables: { id: unitId } }, { authorization: `Bearer ${admin}` });
      // The request's statement waits for the lock...
      for (let i = 0; i < 100 && (await blocked()).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await blocked()).map((row) => row.application_name)).toEqual(['sofar-warranty']);
      // ...and the response comes at the deadline, while the lock is still held (generous margin: 20 s).
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([answered, new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), 20_000)))]);
      clearTimeout(timer);
      expect(outcome).not.toBe('no answer');
      // No statement of the request runs on after its answer.
      expect(await blocked()).toEqual([]);
      const { body } = outcome as Awaited<typeof answered>;
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].extensions).toEqual({ code: 'REQUEST_TIMEOUT', retryable: true });
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    const [{ customer_id }] = await t.dataSource.query('SELECT customer_id FROM warranty_record WHERE id = $1', [unitId]);
    expect(customer_id).toBeNull();
  }, 60_000);
});
