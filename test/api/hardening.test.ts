import { connect } from 'node:net';
import { Client } from 'pg';
import { captureLogs } from '../support/log-capture';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/** Bounded cost per request and the HTTP edge: what a hostile or careless client meets. */

const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`;

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text.startsWith('{') ? JSON.parse(text) : text };
}

/** The hostile query of the review: 100 aliases of a 100-record page, each record with its history. */
function aliasedHistoryQuery(aliases: number): string {
  const fields = Array.from(
    { length: aliases },
    (_, i) => `a${i}: warranties(first: 100) { edges { node { id serialNumber history { totalCount edges { node { id event } } } } } }`,
  );
  return `{ ${fields.join(' ')} }`;
}

describe('request limits', () => {
  let t: TestApp;
  let org: string;
  let agent: string;
  let customer: string;
  const logs = captureLogs();

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    org = await createTestOrg(t.dataSource, 'limits');
    agent = await tokenFor(org, ['AGENT']);
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    customer = await tokenFor(org, ['CUSTOMER'], { sub: 'cust-limits' });
    for (let i = 0; i < 40; i++) {
      const input = { serialNumber: `LIM-${i}`, sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, customerId: `cust-${i % 4}`, commissioningDate: '2024-01-01' };
      const { data } = await t.graphql(REGISTER, { input }, admin);
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
  });
  afterAll(async () => {
    logs.stop();
    await t.stop();
  });

  const run = async (query: string, token: string, variables?: Record<string, unknown>) => {
    const requestId = `limits-${Math.random().toString(36).slice(2)}`;
    const response = await post(t.url, { query, variables }, { authorization: `Bearer ${token}`, 'x-request-id': requestId });
    return { ...response, log: logs.request(requestId) };
  };

  it.each([['an agent', 'agent'], ['a customer', 'customer']])(
    'refuses the 100-alias history query from %s before any SQL, naming the limit and what the query came to',
    async (_who, who) => {
      const response = await run(aliasedHistoryQuery(100), who === 'agent' ? agent : customer);
      expect(response.status).toBe(400);
      const messages = response.body.errors.map((e: any) => e.message).join('\n');
      expect(messages).toMatch(/Aliases limit of 30 exceeded, found 100/);
      expect(messages).toMatch(/Cost limit of 25000 exceeded, found \d+/);
      expect(response.body.errors.every((e: any) => e.extensions.code === 'GRAPHQL_VALIDATION_FAILED')).toBe(true);
      expect(response.body.data).toBeUndefined();
      expect(response.log!.sqlQueries).toBe(0);
    },
  );

  it('refuses an operation nested deeper than MAX_DEPTH, and one with more tokens than MAX_TOKENS (both before any SQL)', async () => {
    let deep = 'id';
    for (let i = 0; i < 13; i++) deep = `history { edges { node { ${deep} } } }`.replace('node { id }', 'node { id }');
    const tooDeep = await run(`{ warranty(serialNumber: "LIM-1") { ${deep} } }`, agent);
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.body.errors.map((e: any) => e.message).join('\n')).toMatch(/depth limit of 12 exceeded, found \d+/i);
    expect(tooDeep.log!.sqlQueries).toBe(0);
    const manyTokens = await run(`{ warranty(serialNumber: "LIM-1") { ${'id '.repeat(5100)} } }`, agent);
    expect(manyTokens.status).toBe(400);
    expect(manyTokens.body.errors[0].message).toMatch(/more tha.? 5000 tokens/);
    expect(manyTokens.body.errors[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect(manyTokens.log!.sqlQueries).toBe(0);
  });

  it('refuses more _entities representations than MAX_REPRESENTATIONS as BAD_USER_INPUT', async () => {
    const representations = Array.from({ length: 501 }, (_, i) => ({ __typename: 'WarrantyRecord', serialNumber: `LIM-${i}` }));
    const response = await run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id } } }`, agent, { r: representations });
    expect(response.body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: ['representations'] } });
    expect(response.log!.sqlQueries).toBe(0);
  });

  it('a page of 40 records with their history costs four statements, not one per record', async () => {
    const response = await run(`{ warranties(first: 40) { totalCount edges { node { serialNumber history(first: 2) { totalCount edges { node { event } } pageInfo { hasNextPage } } } } } }`, agent);
    expect(response.body.errors).toBeUndefined();
    const edges = response.body.data.warranties.edges;
    expect(edges).toHaveLength(40);
    for (const edge of edges) {
      // WARRANTY_REGISTERED and two COVERAGE_ADDED events per battery.
      expect(edge.node.history.totalCount).toBe(3);
      expect(edge.node.history.edges.map((e: any) => e.node.event)).toEqual(['COVERAGE_ADDED', 'COVERAGE_ADDED']);
      expect(edge.node.history.pageInfo.hasNextPage).toBe(true);
    }
    // list count + list rows + history counts + history pages
    expect(response.log!.sqlQueries).toBe(4);
  });

  it('each record\'s history continues from its own cursor, still batched', async () => {
    const first = await run(`{ warranties(first: 3) { edges { node { id history(first: 2) { edges { cursor node { id } } } } } } }`, agent);
    const nodes = first.body.data.warranties.edges.map((e: any) => e.node);
    const fields = nodes.map((n: any, i: number) => `r${i}: warrantyHistory(warrantyId: "${n.id}", first: 50) { edges { node { id } } }`).join(' ');
    const all = await run(`{ ${fields} }`, agent);
    const later = await run(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id ${nodes
        .map((n: any, i: number) => `h${i}: history(first: 5, after: "${n.history.edges[1].cursor}") { edges { node { id } } }`)
        .join(' ')} } } }`,
      agent,
      { r: nodes.map((n: any) => ({ __typename: 'WarrantyRecord', id: n.id })) },
    );
    expect(later.body.errors).toBeUndefined();
    for (const [i, entity] of later.body.data._entities.entries()) {
      const expected = all.body.data[`r${i}`].edges.slice(2).map((e: any) => e.node.id);
      expect(entity[`h${i}`].edges.map((e: any) => e.node.id)).toEqual(expected);
    }
    // record by id + 3 cursors × (counts + pages) at most, never one per record and cursor pair beyond that
    expect(later.log!.sqlQueries).toBeLessThanOrEqual(3);
  });

  it('Customer.warranties at a cursor, for many customers, costs two statements', async () => {
    const customers = [0, 1, 2, 3].map((k) => ({ __typename: 'Customer', id: `cust-${k}` }));
    const firstPages = await run(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id warranties(first: 4) { totalCount edges { cursor } } } } }`,
      agent,
      { r: customers },
    );
    const cursor = firstPages.body.data._entities[0].warranties.edges[3].cursor;
    const next = await run(
      `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer { id
         warranties(first: 4, after: $after) { totalCount edges { node { serialNumber } } pageInfo { hasNextPage hasPreviousPage } } } } }`,
      agent,
      { r: customers, after: cursor },
    );
    expect(next.body.errors).toBeUndefined();
    const actor = { id: 'a', orgId: org, roles: ['AGENT' as const], customerId: null };
    for (const [k, entity] of next.body.data._entities.entries()) {
      const paged = await t.app.services.records.list(actor, { customerId: `cust-${k}` }, { first: 4, after: cursor });
      expect(entity.warranties.totalCount).toBe(10);
      expect(entity.warranties.edges.map((e: any) => e.node.serialNumber)).toEqual(paged.edges.map((e) => e.node.serialNumber));
      expect(entity.warranties.pageInfo).toEqual(paged.pageInfo && { hasNextPage: paged.pageInfo.hasNextPage, hasPreviousPage: true });
    }
    expect(next.log!.sqlQueries).toBe(2);
  });

  it('sets statement_timeout on every pooled connection', async () => {
    const [{ statement_timeout }] = await t.dataSource.query('SHOW statement_timeout');
    expect(statement_timeout).toBe('5s');
  });
});

describe('work stops at the SQL statement cap, at the deadline and when the client goes', () => {
  let org: string;
  let admin: string;
  let unitId: string;
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { REQUEST_TIMEOUT_MS: '400', MAX_SQL_STATEMENTS: '12' } });
    // (400 ms: the lock waits below outlive it; the client-gone case leaves well inside it.)
    org = await createTestOrg(t.dataSource, 'deadline');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(REGISTER, { input: { serialNumber: 'DL-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, commissioningDate: '2024-01-01' } }, admin);
    unitId = data.registerWarranty.warranty.id;
  });
  afterAll(() => t.stop());

  /** Holds the record's row lock in another session, as a long transaction elsewhere would. */
  async function holdLock(): Promise<Client> {
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    await client.query('BEGIN');
    await client.query('SELECT id FROM warranty_record WHERE id = $1 FOR UPDATE', [unitId]);
    return client;
  }
  const twoUpdates = `mutation($id: ID!) {
    first: updateWarranty(input: { id: $id, customerId: "first" }) { userErrors { code } }
    second: updateWarranty(input: { id: $id, customerId: "second" }) { userErrors { code } }
  }`;
  const customerOf = async () => (await t.dataSource.query('SELECT customer_id FROM warranty_record WHERE id = $1', [unitId]))[0].customer_id;

  it('refuses to run more than MAX_SQL_STATEMENTS for one request', async () => {
    const fields = Array.from({ length: 8 }, (_, i) => `w${i}: warranties(first: 1, filter: { region: "R${i}" }) { totalCount }`).join(' ');
    const response = await t.graphql(`{ ${fields} }`, {}, admin);
    const codes = response.errors!.map((e) => e.extensions?.code);
    expect(codes).toContain('QUERY_TOO_COSTLY');
    expect(response.errors!.find((e) => e.extensions?.code === 'QUERY_TOO_COSTLY')!.message).toMatch(/more than 12 SQL statements/);
  });

  it('past the deadline, no further SQL is sent: the waiting mutation rolls back and answers REQUEST_TIMEOUT', async () => {
    await t.graphql(`mutation($id: ID!) { updateWarranty(input: { id: $id, customerId: "before" }) { userErrors { code } } }`, { id: unitId }, admin);
    const lock = await holdLock();
    const pending = t.graphql(twoUpdates, { id: unitId }, admin);
    await new Promise((resolve) => setTimeout(resolve, 700));
    await lock.query('ROLLBACK');
    await lock.end();
    const response = await pending;
    // The first mutation's lock wait outlived the 400 ms deadline: its UPDATE was never sent, its transaction
    // rolled back, and the second mutation never ran.
    expect(response.errors).toEqual([expect.objectContaining({ path: ['first'], extensions: { code: 'REQUEST_TIMEOUT', retryable: true } })]);
    expect(await customerOf()).toBe('before');
  });

  it('stops the work of a client that has gone away', async () => {
    const lock = await holdLock();
    const gone = new AbortController();
    const pending = fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query: twoUpdates, variables: { id: unitId } }),
      signal: gone.signal,
    }).catch((error: Error) => error);
    await new Promise((resolve) => setTimeout(resolve, 150));
    gone.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await lock.query('ROLLBACK');
    await lock.end();
    expect(((await pending) as Error).name).toBe('AbortError');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Well inside the deadline, but the client left while the first update waited: nothing was written.
    expect(await customerOf()).toBe('before');
  });
});

describe('the HTTP edge', () => {
  let t: TestApp;
  let agent: string;
  beforeAll(async () => {
    t = await startTestApp();
    agent = await tokenFor('sofar', ['AGENT']);
  });
  afterAll(() => t.stop());

  it('answers 401 with WWW-Authenticate for a missing or bad token, and serves the SDL without one', async () => {
    for (const headers of [{}, { authorization: 'Bearer nonsense' }, { authorization: 'Basic abc' }] as Array<Record<string, string>>) {
      const response = await post(t.url, { query: '{ warranty(serialNumber: "X-1") { id } }' }, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
    const sdl = await post(t.url, { query: '{ _service { sdl } }' });
    expect(sdl.status).toBe(200);
    expect(sdl.body.data._service.sdl).toContain('type WarrantyRecord');
  });

  it('accepts a short plain x-request-id and replaces any other', async () => {
    const cases: Array<[string, boolean]> = [
      ['gw-7f3a.1:2', true],
      ['x'.repeat(129), false],
      ['a b', false],
      ['{"inject":1}', false],
      ['-leading-dash', false],
    ];
    for (const [id, kept] of cases) {
      const response = await post(t.url, { query: '{ __typename }' }, { 'x-request-id': id, authorization: `Bearer ${agent}` });
      if (kept) expect(response.headers.get('x-request-id')).toBe(id);
      else expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('answers a request target that is not a path (//, /\\, //:99999) with 400, and goes on serving', async () => {
    const { port } = new URL(t.url);
    for (const target of ['//', '/\\', '//:99999']) {
      const text = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
        socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      expect(text).toMatch(/^HTTP\/1.1 400/);
      expect(text).toContain('"BAD_REQUEST"');
    }
    const after = await post(t.url, { query: '{ __typename }' }, { authorization: `Bearer ${agent}` });
    expect(after.status).toBe(200);
  });

  it('answers an oversized body with 413 and closes the connection, so the next request is not garbled', async () => {
    const { port } = new URL(t.url);
    const reply = await new Promise<{ text: string; closedByServer: boolean }>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve({ text, closedByServer: true }));
      socket.on('error', reject);
      socket.write(`POST / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\nContent-Type: application/json\r\nContent-Length: ${3 * 1024 * 1024}\r\n\r\n`);
      socket.write('{"query":"' + 'x'.repeat(64 * 1024));
    });
    expect(reply.text).toMatch(/^HTTP\/1.1 413/);
    expect(reply.text.toLowerCase()).toContain('connection: close');
    expect(reply.closedByServer).toBe(true);
    const after = await post(t.url, { query: '{ __typename }' }, { authorization: `Bearer ${agent}` });
    expect(after.status).toBe(200);
  });
});

describe('introspection in production', () => {
  it('is off unless INTROSPECTION is set, while _service { sdl } keeps working for the gateway', async () => {
    const secret = 'a-production-secret-of-some-length';
    const { signToken } = await import('../../src/auth/tokens');
    const token = await signToken(secret, { sub: 'agent', org: 'sofar', roles: ['AGENT'] });
    for (const [introspection, allowed] of [['', false], ['true', true]] as const) {
      const t = await startTestApp({ env: { NODE_ENV: 'production', JWT_SECRET: secret, INTROSPECTION: introspection } });
      try {
        const schema = await post(t.url, { query: '{ __schema { queryType { name } } }' }, { authorization: `Bearer ${token}` });
        if (allowed) expect(schema.body.data.__schema.queryType.name).toBe('Query');
        else expect(schema.body.errors[0].message).toMatch(/introspection/i);
        const sdl = await post(t.url, { query: '{ _service { sdl } }' });
        expect(sdl.body.data._service.sdl).toContain('type WarrantyRecord');
      } finally {
        await t.stop();
      }
    }
  });
});
