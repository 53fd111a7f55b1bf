import { logger } from '../../src/common/logger';
import { createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/** The request log writes JSON lines to stdout; this captures them per request id. */
describe('the request log: one line per request, at most one stack', () => {
  let t: TestApp;
  let token: string;
  let id: string;
  let written: string[] = [];
  let write: jest.SpyInstance;

  beforeAll(async () => {
    t = await startTestApp();
    const org = await createTestOrg(t.dataSource, 'reqlog');
    token = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(
      `mutation { registerWarranty(input: { serialNumber: "LOG-1", sku: "SOFAR-INV-10KTL-X-G2", site: { countryCode: "DE" }, commissioningDate: "2025-01-10" }) { warranty { id } userErrors { code } } }`,
      {}, token,
    );
    id = data.registerWarranty.warranty.id;
    // A broken invariant only the server can see: the record's policy now belongs to another organisation, so
    // the request's loader cannot find it and `policy` fails as a bug would (INTERNAL_SERVER_ERROR). The foreign key
    // (org_id, policy_id) refuses that (decision 0012): written with the triggers that check it off, as a bug in
    // the database itself would.
    await t.dataSource.transaction(async (manager) => {
      await manager.query(`SET LOCAL session_replication_role = replica`);
      await manager.query(`UPDATE warranty_record SET policy_id = (SELECT id FROM warranty_policy WHERE org_id = 'sofar' LIMIT 1) WHERE id = $1`, [id]);
    });
    logger.setLevel('info');
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterAll(async () => {
    write.mockRestore();
    logger.setLevel((process.env.LOG_LEVEL as 'silent') || 'silent');
    await t.stop();
  });

  async function send(requestId: string, query: string, variables: Record<string, unknown> = {}) {
    written = [];
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    logger.flush(); // info lines wait a little to go out together
    const lines = written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line)).filter((line) => line.requestId === requestId);
    return { body, lines, bytes: written.join('').length };
  }

  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id policy { id } } } }`;

  it('writes one error line with the codes counted and one stack for 500 failing _entities items', async () => {
    const representations = Array.from({ length: 500 }, () => ({ __typename: 'WarrantyRecord', id }));
    const { body, lines, bytes } = await send('log-internal', ENTITIES, { r: representations });
    expect(body.errors).toHaveLength(500);
    expect(body.errors.every((e: any) => e.extensions.code === 'INTERNAL_SERVER_ERROR')).toBe(true);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'error',
      msg: 'graphql',
      http: 200,
      errors: { INTERNAL_SERVER_ERROR: 500 },
      error: { message: expect.stringContaining('is missing'), path: ['_entities', 0, 'policy'] },
    });
    expect(typeof lines[0].error.stack).toBe('string');
    expect(written.join('').match(/"stack"/g)).toHaveLength(1);
    expect(bytes).toBeLessThan(10_000);
  });

  it('writes one info line, without a stack, for a request refused as the client\'s mistake', async () => {
    const representations = [{ __typename: 'Nope', id }, { __typename: 'WarrantyRecord' }, { __typename: 'WarrantyRecord', id: 'x\u0000' }];
    const { body, lines } = await send('log-client', `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id } } }`, { r: representations });
    expect(body.errors.map((e: any) => e.extensions)).toEqual([
      { code: 'BAD_USER_INPUT', field: ['representations', '0', '__typename'] },
      { code: 'BAD_USER_INPUT', field: ['representations', '1'] },
      { code: 'BAD_USER_INPUT', field: ['representations', '2', 'id'] },
    ]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'graphql', errors: { BAD_USER_INPUT: 3 } });
    expect(lines[0]).not.toHaveProperty('error');
    expect(JSON.stringify(lines)).not.toContain('stack');
  });

  it('writes one info line without errors for a request that succeeded', async () => {
    const { lines } = await send('log-ok', `query($id: ID!) { warrantyHistory(warrantyId: $id) { totalCount } }`, { id });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'graphql', http: 200 });
    expect(lines[0]).not.toHaveProperty('errors');
    expect(lines[0].sqlQueries).toBeGreaterThan(0);
  });
});
