import { Trace } from '@apollo/usage-reporting-protobuf';
import { createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { captureLogs } from '../support/log-capture';

/**
 * Every request runs the same Apollo plugins, the hot documents a planned read would answer included: a gateway
 * that asks for federated traces (`apollo-federation-include-trace: ftv1`) gets one in `extensions.ftv1` whatever
 * the document, with the same data; a request that does not ask gets none, and the hot documents are still
 * answered by their plans.
 */
const RECORDS = 'query WarrantyRecordEntities($representations: [_Any!]!) { _entities(representations: $representations) { ... on WarrantyRecord { __typename id tier expiresAt } } }';
const LOOKUP = 'query Lookup($serialNumber: String!) { warranty(serialNumber: $serialNumber) { id tier expiresAt } }';
const GENERAL = 'query($s: String!) { warranty(serialNumber: $s) { id status coverages { scope } } }';

describe('federated traces (ftv1)', () => {
  let t: TestApp;
  let admin: string;
  const logs = captureLogs();
  let sequence = 0;

  beforeAll(async () => {
    t = await startTestApp();
    const org = await createTestOrg(t.dataSource, 'traces');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(
      `mutation { registerWarranty(input: { serialNumber: "FT-1", sku: "SOFAR-INV-10KTL-X-G2", site: { countryCode: "DE", timeZone: "Europe/Berlin" }, commissioningDate: "2025-01-10" }) { userErrors { code } } }`,
      {},
      admin,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
  });
  afterAll(async () => {
    logs.stop();
    await t?.stop();
  });

  async function send(body: unknown, trace: boolean) {
    const requestId = `traces-${sequence++}`;
    const response = await fetch(t.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${admin}`,
        'x-request-id': requestId,
        ...(trace ? { 'apollo-federation-include-trace': 'ftv1' } : {}),
      },
      body: JSON.stringify(body),
    });
    const json = await response.json();
    // The log line goes out at the end of a turn: wait for it, so that a missing line fails rather than reads false.
    for (let turn = 0; turn < 1000 && !logs.request(requestId); turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    const line = logs.request(requestId);
    expect(line).toBeDefined();
    return { status: response.status, json, planned: line!.planned === true };
  }

  it.each([
    ['_entities of records (a planned document)', { query: RECORDS, variables: { representations: [{ __typename: 'WarrantyRecord', serialNumber: 'FT-1' }] } }, true],
    ['the single lookup (a planned document)', { query: LOOKUP, variables: { serialNumber: 'FT-1' } }, true],
    ['a document the general path answers', { query: GENERAL, variables: { s: 'FT-1' } }, false],
  ])('%s: a trace when asked, with the same data; none otherwise', async (_, body, plannedWithoutTrace) => {
    const plain = await send(body, false);
    expect(plain.status).toBe(200);
    expect(plain.json.extensions?.ftv1).toBeUndefined();
    expect(plain.planned).toBe(plannedWithoutTrace);

    const traced = await send(body, true);
    expect(traced.status).toBe(200);
    expect(traced.json.data).toEqual(plain.json.data);
    expect(traced.planned).toBe(false);
    const trace = Trace.decode(Buffer.from(traced.json.extensions.ftv1, 'base64'));
    expect(Number(trace.durationNs)).toBeGreaterThan(0);
    expect(trace.root?.child?.length).toBeGreaterThan(0);
  });
});
