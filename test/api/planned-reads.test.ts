import { createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';
import { captureLogs } from '../support/log-capture';

/**
 * Planned reads (src/server/planned-reads.ts) must answer exactly what the general path answers. Two servers on
 * the same database, one with plans (the default) and one with PLANNED_READS=false, are sent the same requests:
 * the hot documents with good, missing, foreign, malformed and mixed representations, several callers, and
 * the HTTP variations a plan must hand over (accept, operationName, extensions). Status, content type, body
 * bytes and the SQL statements in the request log must be equal, and the requests a plan should answer must
 * say `planned: true` in the log, so the comparison is not between two general paths.
 */

const MAX_REPRESENTATIONS = 50;

const RECORDS = 'query WarrantyRecordEntities($representations: [_Any!]!) { _entities(representations: $representations) { ... on WarrantyRecord { __typename id tier expiresAt } } }';
const EVERY_PLAIN_FIELD = `query($r: [_Any!]!) { list: _entities(representations: $r) {
  ... on WarrantyRecord { a: id id serialNumber sku productFamily capacityKwh installerId registrantRole registeredById
    registeredAt region tier expiresAt voidedAt voidReason updatedAt __typename t: __typename id }
  ... on _Entity { ... on WarrantyRecord { sku again: sku } }
} }`;
const MIXED = `query($r: [_Any!]!) { _entities(representations: $r) { __typename
  ... on Case { id warranty { id tier } w: warranty { serialNumber expiresAt } }
  ... on WarrantyRecord { serialNumber }
} }`;
const CASES = 'query CaseEntities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Case { __typename warranty { id tier expiresAt } } } }';
const CASE_ONLY_TYPENAME = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { __typename id } } }';
const LOOKUP = 'query Lookup($serialNumber: String!) { warranty(serialNumber: $serialNumber) { id tier expiresAt } }';
const LOOKUP_LITERAL = (serial: string) => `{ unit: warranty(serialNumber: ${JSON.stringify(serial)}) { __typename serialNumber voidedAt voidReason capacityKwh } }`;
const CHECK = 'query Check($input: CheckWarrantyInput!) { checkWarranty(input: $input) { decision paysParts paysLabour reason warranty { id tier expiresAt } coverages { coverage { id kind scope startDate endDate labourEndDate } } } }';
const CHECK_EVERYTHING = `query($input: CheckWarrantyInput!) { c: checkWarranty(input: $input) { __typename repairDate component decision reason
  readingsFrom readings { odometerKm sohPct throughputMwh __typename } warranty { serialNumber voidedAt voidReason w: __typename }
  coverages { active paysParts paysLabour checks { check outcome limit reading reason } projectedEnd { date limit calendarEnd effectiveEnd }
    coverage { __typename id kind scope termMonths paysParts voidedAt voidReason } }
  again: decision ... on WarrantyCheck { paysLabour } } }`;
const CASES_CHECK = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { __typename id warranty { id serialNumber tier expiresAt } warrantyCheck { decision reason paysParts } } } }';
const CASES_CHECK_ONLY = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warrantyCheck { decision coverages { active coverage { scope } } } } } }';
/** Not planned (a field with a resolver, arguments, a nested list): the general path either way. */
const GENERAL = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id version status coverages { scope } } } }';

interface Answer {
  status: number;
  contentType: string | null;
  body: string;
  sqlQueries: number | undefined;
  planned: boolean;
}

let sequence = 0;

async function send(app: TestApp, logs: ReturnType<typeof captureLogs>, body: unknown, token: string | null, headers: Record<string, string>): Promise<Answer> {
  const requestId = `planned-reads-${sequence++}`;
  const response = await fetch(app.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': requestId,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  await new Promise((resolve) => setImmediate(resolve)); // the log line goes out at the end of the turn
  const line = logs.request(requestId);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text,
    sqlQueries: line?.sqlQueries,
    planned: line?.planned === true,
  };
}

/** Sends the request to both servers; the answers must be equal. Returns whether the plan answered. */
async function compareOn(
  planned: TestApp,
  general: TestApp,
  logs: ReturnType<typeof captureLogs>,
  body: unknown,
  token: string | null,
  headers: Record<string, string> = {},
): Promise<{ planned: boolean; answer: Answer }> {
  const fromPlan = await send(planned, logs, body, token, headers);
  const fromGeneral = await send(general, logs, body, token, headers);
  expect(fromGeneral.planned).toBe(false);
  const { planned: wasPlanned, ...comparable } = fromPlan;
  const { planned: _, ...expected } = fromGeneral;
  expect(comparable).toEqual(expected);
  return { planned: wasPlanned, answer: fromPlan };
}

describe('planned reads answer exactly as the general path', () => {
  let planned: TestApp;
  let general: TestApp;
  let logs: ReturnType<typeof captureLogs>;
  let admin: string;
  let customer: string;
  let foreignAdmin: string;
  const units: Array<{ id: string; serialNumber: string }> = [];
  let foreignUnit: { id: string; serialNumber: string };

  async function register(token: string, input: Record<string, unknown>) {
    const { data, errors } = await planned.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } userErrors { code message } } }`,
      { input },
      token,
    );
    expect(errors).toBeUndefined();
    expect(data.registerWarranty.userErrors).toEqual([]);
    return data.registerWarranty.warranty as { id: string; serialNumber: string };
  }

  beforeAll(async () => {
    const env = { MAX_REPRESENTATIONS: String(MAX_REPRESENTATIONS) };
    planned = await startTestApp({ env });
    general = await startTestApp({ env: { ...env, PLANNED_READS: 'false' } });
    const org = await createTestOrg(planned.dataSource, 'planned');
    const otherOrg = await createTestOrg(planned.dataSource, 'planned-other');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    customer = await tokenFor(org, ['CUSTOMER'], { customerId: 'pr-cust-1' });
    foreignAdmin = await tokenFor(otherOrg, ['WARRANTY_ADMIN']);
    const site = { countryCode: 'DE', timeZone: 'Europe/Berlin' };
    units.push(await register(admin, { serialNumber: 'PR-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', site, commissioningDate: '2025-01-10', customerId: 'pr-cust-1' }));
    units.push(await register(admin, { serialNumber: 'PR-BAT-1', sku: 'SOFAR-PM-V2-10', site, commissioningDate: '2024-03-01', customerId: 'pr-cust-2' }));
    // Not started: expiresAt is null.
    units.push(await register(admin, { serialNumber: 'PR-STOCK-1', sku: 'SOFAR-INV-10KTL-X-G2', site, supplyChainStage: 'DEALER' }));
    const voided = await register(admin, { serialNumber: 'PR-VOID-1', sku: 'SOFAR-INV-10KTL-X-G2', site, commissioningDate: '2025-02-01' });
    const { data } = await planned.graphql(
      `mutation($id: ID!) { voidWarranty(input: { id: $id, reason: "opened by an unauthorised installer" }) { userErrors { code } } }`,
      { id: voided.id },
      admin,
    );
    expect(data.voidWarranty.userErrors).toEqual([]);
    units.push(voided);
    foreignUnit = await register(foreignAdmin, { serialNumber: 'PR-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', site, commissioningDate: '2025-01-10' });
    logs = captureLogs('info');
  });

  afterAll(async () => {
    logs?.stop();
    await planned?.stop();
    await general?.stop();
  });

  const compare = (body: unknown, token: string | null = admin, headers: Record<string, string> = {}) =>
    compareOn(planned, general, logs, body, token, headers);

  const bySerial = (serialNumber: string) => ({ __typename: 'WarrantyRecord', serialNumber });
  const byId = (id: string) => ({ __typename: 'WarrantyRecord', id });
  const aCase = (id: string, serialNumber?: string, openedAt?: string) => ({ __typename: 'Case', id, serialNumber, openedAt });

  describe('what a plan answers', () => {
    it('records by serial number and by id, found, missing, foreign, normalised and repeated', async () => {
      const representations = [
        ...units.map((u) => bySerial(u.serialNumber)),
        ...units.map((u) => byId(u.id)),
        bySerial(' pr-inv-1 '),
        bySerial('PR-NOPE-404'),
        byId('00000000-0000-4000-8000-000000000000'),
        byId('not-a-uuid'),
        byId(foreignUnit.id),
        { __typename: 'WarrantyRecord', id: units[1].id, serialNumber: units[0].serialNumber }, // id wins
        { __typename: 'WarrantyRecord', id: '', serialNumber: units[2].serialNumber }, // an empty id: by serial
        bySerial(units[0].serialNumber),
      ];
      const { planned: wasPlanned, answer } = await compare({ query: RECORDS, variables: { representations } });
      expect(wasPlanned).toBe(true);
      const items = JSON.parse(answer.body).data._entities;
      expect(items).toHaveLength(representations.length);
      expect(items[0]).toEqual({ __typename: 'WarrantyRecord', id: units[0].id, tier: 'STANDARD', expiresAt: expect.any(String) });
      expect(items[2].expiresAt).toBeNull();
      expect(items.filter((item: unknown) => item === null)).toHaveLength(4);
      expect(answer.sqlQueries).toBe(2); // one statement by serial number, one by id
    });

    it('every plain field, aliases, repeats and nested fragments', async () => {
      const r = [...units.map((u) => bySerial(u.serialNumber)), bySerial('PR-NOPE')];
      expect((await compare({ query: EVERY_PLAIN_FIELD, variables: { r } })).planned).toBe(true);
    });

    it('cases with their warranty, next to records, with and without a serial number', async () => {
      const r = [
        aCase('c-1', units[0].serialNumber, '2026-06-15T09:00:00Z'),
        aCase('c-2', 'PR-NOPE'),
        aCase('c-3'),
        aCase('c-4', foreignUnit.serialNumber),
        byId(units[1].id),
        aCase('c-5', units[3].serialNumber),
      ];
      expect((await compare({ query: MIXED, variables: { r } })).planned).toBe(true);
      expect((await compare({ query: CASES, variables: { representations: r.slice(0, 4) } })).planned).toBe(true);
      // A record selected by nothing is still looked up (it may not exist, and then it is null), as the general
      // path does; cases alone cost no SQL.
      const { planned: wasPlanned, answer } = await compare({ query: CASE_ONLY_TYPENAME, variables: { r } });
      expect(wasPlanned).toBe(true);
      expect(answer.sqlQueries).toBe(1);
      expect(JSON.parse(answer.body).data._entities[4]).toEqual({});
      const casesOnly = await compare({ query: CASE_ONLY_TYPENAME, variables: { r: r.filter((rep) => rep.__typename === 'Case') } });
      expect(casesOnly.planned).toBe(true);
      expect(casesOnly.answer.sqlQueries).toBe(0);
    });

    it('the check of a unit: covered, not started, voided, with readings and a component, normalised', async () => {
      const inputs = [
        { serialNumber: units[0].serialNumber, repairDate: '2026-06-15' },
        { serialNumber: ' pr-inv-1 ', repairDate: '2026-06-15', component: 'POWER_BOARD', costType: 'PARTS' },
        { serialNumber: units[2].serialNumber, repairDate: '2026-06-15' },
        { serialNumber: units[3].serialNumber, repairDate: '2026-06-15' },
        { serialNumber: units[1].serialNumber, repairDate: '2026-06-15', readings: { sohPct: 85, throughputMwh: 12.5 } },
      ];
      for (const input of inputs) {
        for (const query of [CHECK, CHECK_EVERYTHING]) {
          const { planned: wasPlanned, answer } = await compare({ query, variables: { input } });
          expect(wasPlanned).toBe(true);
          expect(answer.sqlQueries).toBe(1);
        }
      }
    });

    it('a page of cases with their warranty check: opened or not, without a serial, unknown and foreign units', async () => {
      const r = [
        aCase('k-1', units[0].serialNumber, '2026-06-15T09:00:00Z'),
        aCase('k-2', units[0].serialNumber),
        aCase('k-3', units[2].serialNumber, '2026-06-15T23:30:00Z'),
        aCase('k-4', units[3].serialNumber, '2026-06-15T09:00:00Z'),
        aCase('k-5', 'PR-NOPE', '2026-06-15T09:00:00Z'),
        aCase('k-6', undefined, '2026-06-15T09:00:00Z'),
        aCase('k-7', foreignUnit.serialNumber, '2026-06-15T09:00:00Z'),
        aCase('k-8', ' pr-inv-1', '2026-01-15T09:00:00Z'),
      ];
      for (const query of [CASES_CHECK, CASES_CHECK_ONLY]) {
        const { planned: wasPlanned, answer } = await compare({ query, variables: { r } });
        expect(wasPlanned).toBe(true);
        expect(answer.sqlQueries).toBe(1);
      }
    });

    it('an empty list', async () => {
      expect((await compare({ query: RECORDS, variables: { representations: [] } })).planned).toBe(true);
    });

    it('the lookup by variable and by literal, found, normalised, missing and foreign', async () => {
      for (const serialNumber of [units[0].serialNumber, ' pr-bat-1', 'PR-NOPE', units[3].serialNumber]) {
        expect((await compare({ query: LOOKUP, variables: { serialNumber } })).planned).toBe(true);
        expect((await compare({ query: LOOKUP_LITERAL(serialNumber) })).planned).toBe(true);
      }
      expect((await compare({ query: LOOKUP, variables: { serialNumber: foreignUnit.serialNumber } }, foreignAdmin)).planned).toBe(true);
    });

    it("a customer sees only their own units", async () => {
      const representations = units.map((u) => byId(u.id));
      const { planned: wasPlanned, answer } = await compare({ query: RECORDS, variables: { representations } }, customer);
      expect(wasPlanned).toBe(true);
      expect(JSON.parse(answer.body).data._entities.filter((item: unknown) => item !== null)).toHaveLength(1);
      expect((await compare({ query: LOOKUP, variables: { serialNumber: units[1].serialNumber } }, customer)).planned).toBe(true);
    });

    it('the operation named in the request, and the accept headers that get plain JSON', async () => {
      const body = { query: RECORDS, operationName: 'WarrantyRecordEntities', variables: { representations: [bySerial(units[0].serialNumber)] } };
      expect((await compare(body)).planned).toBe(true);
      for (const accept of ['*/*', 'application/json', 'application/json, */*']) {
        expect((await compare(body, admin, { accept })).planned).toBe(true);
      }
    });
  });

  describe('what a plan hands over, with the same answer', () => {
    it('a check the resolvers refuse: no unit, another organisation\'s, a reading required, bad input and variables', async () => {
      const inputs: unknown[] = [
        { serialNumber: 'PR-NOPE', repairDate: '2026-06-15' },
        { serialNumber: units[1].serialNumber, repairDate: '2026-06-15' },
        { serialNumber: units[0].serialNumber, repairDate: '2026-02-30' },
        { serialNumber: units[0].serialNumber, repairDate: '0001-01-01' },
        { serialNumber: 'PR\u0000INV', repairDate: '2026-06-15' },
        { serialNumber: units[0].serialNumber, repairDate: '2026-06-15', readings: { sohPct: 150 } },
        { serialNumber: units[0].serialNumber },
        { serialNumber: units[0].serialNumber, repairDate: '2026-06-15', costType: 'NEITHER' },
        null,
      ];
      for (const input of inputs) {
        const { planned: wasPlanned, answer } = await compare({ query: CHECK, variables: { input } });
        expect({ input, wasPlanned, body: answer.body.slice(0, 300) }).toEqual({ input, wasPlanned: false, body: expect.any(String) });
      }
      expect((await compare({ query: CHECK, variables: {} })).planned).toBe(false);
      // Another organisation's caller does not find this organisation's battery.
      expect((await compare({ query: CHECK, variables: { input: { serialNumber: units[1].serialNumber, repairDate: '2026-06-15' } } }, foreignAdmin)).planned).toBe(false);
    });

    it('a page of cases whose check needs a reading, or with a record beside', async () => {
      const battery = [aCase('b-1', units[0].serialNumber, '2026-06-15T09:00:00Z'), aCase('b-2', units[1].serialNumber, '2026-06-15T09:00:00Z')];
      expect((await compare({ query: CASES_CHECK, variables: { r: battery } })).planned).toBe(false);
      const withRecord = [aCase('b-3', units[0].serialNumber, '2026-06-15T09:00:00Z'), byId(units[0].id)];
      const mixed = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warrantyCheck { decision } } ... on WarrantyRecord { id } } }';
      expect((await compare({ query: mixed, variables: { r: withRecord } })).planned).toBe(false);
    });

    const good = () => [bySerial(units[0].serialNumber), byId(units[1].id)];

    it.each([
      ['an unknown __typename', { __typename: 'Nope', id: 'x' }],
      ['a representation without its key', { __typename: 'WarrantyRecord' }],
      ['a NUL byte', { __typename: 'WarrantyRecord', serialNumber: 'PR-\u0000' }],
      ['a lone surrogate', { __typename: 'WarrantyRecord', serialNumber: 'PR-\ud800' }],
      ['an id that is not an ID', { __typename: 'WarrantyRecord', id: { not: 'an id' } }],
      ['a case opened in year 0', aCase('c-0', 'PR-INV-1', '0000-01-01T00:00:00Z')],
      ['a type it has no plan for', { __typename: 'Product', id: 'p-1' }],
      ['a null', null],
      ['a string', 'WarrantyRecord'],
    ])('%s', async (_label, bad) => {
      const { planned: wasPlanned, answer } = await compare({ query: RECORDS, variables: { representations: [...good(), bad] } });
      expect(wasPlanned).toBe(false);
      expect(answer.status).toBeLessThan(500);
    });

    it('more representations than allowed', async () => {
      const representations = Array.from({ length: MAX_REPRESENTATIONS + 1 }, () => bySerial(units[0].serialNumber));
      const { planned: wasPlanned, answer } = await compare({ query: RECORDS, variables: { representations } });
      expect(wasPlanned).toBe(false);
      expect(answer.body).toContain(`at most ${MAX_REPRESENTATIONS} representations`);
    });

    it('bad or missing variables', async () => {
      for (const variables of [undefined, {}, { representations: 'x' }, { representations: {} }, { serialNumber: 3 }]) {
        expect((await compare({ query: RECORDS, variables })).planned).toBe(false);
      }
      for (const variables of [undefined, {}, { serialNumber: null }, { serialNumber: 42 }, { serialNumber: 'PR-\u0000' }]) {
        expect((await compare({ query: LOOKUP, variables })).planned).toBe(false);
      }
      expect((await compare({ query: LOOKUP_LITERAL('PR-\u0000') })).planned).toBe(false);
    });

    it('no token, a bad token', async () => {
      const body = { query: RECORDS, variables: { representations: good() } };
      expect((await compare(body, null)).planned).toBe(false);
      expect((await compare(body, 'not-a-token')).planned).toBe(false);
    });

    it('another operation name, persisted-query extensions, an accept header that wants another type', async () => {
      const body = { query: RECORDS, variables: { representations: good() } };
      expect((await compare({ ...body, operationName: 'Other' })).planned).toBe(false);
      expect((await compare({ ...body, extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } })).planned).toBe(false);
      for (const accept of ['application/graphql-response+json', 'application/json;q=0.5, application/graphql-response+json', 'text/html']) {
        expect((await compare(body, admin, { accept })).planned).toBe(false);
      }
    });

    it('documents it has no plan for', async () => {
      const r = good();
      expect((await compare({ query: GENERAL, variables: { r } })).planned).toBe(false);
      expect((await compare({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id @include(if: true) } } }`, variables: { r } })).planned).toBe(false);
      expect((await compare({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ...F } } fragment F on WarrantyRecord { id }`, variables: { r } })).planned).toBe(false);
      expect((await compare({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id nope } } }`, variables: { r } })).planned).toBe(false);
      expect((await compare({ query: `query($r: [_Any!]!, $unused: Int) { _entities(representations: $r) { ... on WarrantyRecord { id } } }`, variables: { r } })).planned).toBe(false);
      expect((await compare({ query: `{ a: warranty(serialNumber: "PR-INV-1") { id } b: warranty(serialNumber: "PR-BAT-1") { id } }` })).planned).toBe(false);
      expect((await compare({ query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warrantyCheck { decision coverages { coverage { policy { id } } } } } } }`, variables: { r: [aCase('c', units[0].serialNumber, '2026-06-15T09:00:00Z')] } })).planned).toBe(false);
      expect((await compare({ query: `query($input: CheckWarrantyInput!) { checkWarranty(input: $input) { decision coverages { coverage { limits { odometerKm } } } } }`, variables: { input: { serialNumber: units[0].serialNumber, repairDate: '2026-06-15' } } })).planned).toBe(false);
    });
  });
});

describe('planned reads when a statement fails', () => {
  let planned: TestApp;
  let general: TestApp;
  let logs: ReturnType<typeof captureLogs>;
  let admin: string;
  const units: Array<{ id: string; serialNumber: string }> = [];

  beforeAll(async () => {
    // One statement per request: a page with records by id and by serial number needs two.
    const env = { MAX_SQL_STATEMENTS: '1' };
    planned = await startTestApp({ env });
    general = await startTestApp({ env: { ...env, PLANNED_READS: 'false' } });
    const seeder = await startTestApp();
    const org = await createTestOrg(planned.dataSource, 'planned-budget');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    for (const serialNumber of ['PB-1', 'PB-2']) {
      const { data } = await seeder.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id serialNumber } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      units.push(data.registerWarranty.warranty);
    }
    await seeder.stop();
    logs = captureLogs('info');
  });

  afterAll(async () => {
    logs?.stop();
    await planned?.stop();
    await general?.stop();
  });

  it('the statement the budget refuses fails the same entities, whichever kind of key comes first', async () => {
    const byId = { __typename: 'WarrantyRecord', id: units[0].id };
    const bySerial = { __typename: 'WarrantyRecord', serialNumber: units[1].serialNumber };
    for (const representations of [[byId, bySerial], [bySerial, byId]]) {
      const { planned: wasPlanned, answer } = await compareOn(planned, general, logs, { query: RECORDS, variables: { representations } }, admin);
      expect(wasPlanned).toBe(false);
      const body = JSON.parse(answer.body);
      expect(body.data._entities.filter((item: unknown) => item === null)).toHaveLength(1);
      expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['QUERY_TOO_COSTLY']);
      expect(answer.sqlQueries).toBe(2); // the log counts the statement it refused, on both paths
    }
  });
});
