import { createHash } from 'node:crypto';
import {
  getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType, isScalarType,
  type GraphQLField, type GraphQLInputType,
} from 'graphql';
import { buildWarrantySchema } from '../../src/schema';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Values every scalar of the schema takes; a scalar not named here gets "1". */
const SAMPLES: Record<string, unknown> = { Int: 1, Float: 1, Boolean: false, Date: '2026-01-01', DateTime: '2026-01-01T00:00:00Z', ObservedAt: '2026-01-01T00:00:00Z', Decimal: '1', JSON: {} };

/**
 * A value of `type` that the schema accepts, with `bad` in exactly one string (the first required one, else the
 * first optional one reachable), and the path to it; `placed` is null when the type holds no string at all.
 */
function sampleWith(type: GraphQLInputType, bad: string, path: string[]): { value: unknown; placed: string[] | null } {
  if (isNonNullType(type)) return sampleWith(type.ofType, bad, path);
  if (isListType(type)) {
    const inner = sampleWith(type.ofType, bad, [...path, '0']);
    return { value: [inner.value], placed: inner.placed };
  }
  if (isEnumType(type)) return { value: type.getValues()[0].name, placed: null };
  if (isScalarType(type)) {
    if (type.name === 'String' || type.name === 'ID') return { value: bad, placed: path };
    return { value: type.name in SAMPLES ? SAMPLES[type.name] : '1', placed: null };
  }
  if (!isInputObjectType(type)) throw new Error(`no sample for ${String(type)}`);
  const value: Record<string, unknown> = {};
  let placed: string[] | null = null;
  const fields = Object.values(type.getFields());
  for (const field of fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)) {
    const inner = sampleWith(field.type, placed ? 'x' : bad, [...path, field.name]);
    value[field.name] = inner.value;
    placed ??= inner.placed;
  }
  for (const field of fields.filter((f) => !(f.name in value))) {
    if (placed) break;
    const inner = sampleWith(field.type, bad, [...path, field.name]);
    if (inner.placed) [value[field.name], placed] = [inner.value, inner.placed];
  }
  return { value, placed };
}

/** Every field of a payload, objects as `{ __typename }`, fields with required arguments left out. */
function selectAll(field: GraphQLField<unknown, unknown>): string {
  const type = getNamedType(field.type);
  if (!isObjectType(type)) return '';
  return `{ ${Object.values(type.getFields())
    .filter((f) => f.args.every((arg) => !isNonNullType(arg.type)))
    .map((f) => (f.name === 'userErrors' ? 'userErrors { code field message }' : isLeafType(getNamedType(f.type)) ? f.name : `${f.name} { __typename }`))
    .join(' ')} }`;
}

/** What the fuzz test found, one case each: refused as the client's mistake, with the field at fault. */
describe('malformed input is BAD_USER_INPUT with its field', () => {
  let t: TestApp;
  let admin: string;
  let id: string;
  const events = async () =>
    (await t.graphql(`query($id: ID!) { warrantyHistory(warrantyId: $id) { totalCount } }`, { id }, admin)).data.warrantyHistory.totalCount;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    const org = await createTestOrg(t.dataSource, 'guards');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(
      `mutation { registerWarranty(input: { serialNumber: "GD-1", sku: "SOFAR-PM-V2-10", site: { countryCode: "PL" }, commissioningDate: "2025-01-10" }) { warranty { id } userErrors { code } } }`,
      {}, admin,
    );
    id = data.registerWarranty.warranty.id;
  });
  afterAll(() => t.stop());

  describe('strings PostgreSQL cannot store', () => {
    it.each([
      ['a NUL byte', 'GD-1\u0000', 'must not contain the NUL character'],
      ['a lone surrogate', 'GD-\ud800', 'well-formed Unicode'],
    ])('%s in a query argument: a GraphQL error naming the argument', async (_, serial, message) => {
      const response = await t.graphql(`query($s: String!) { warranty(serialNumber: $s) { id } }`, { s: serial }, admin);
      expect(response.data).toEqual({ warranty: null });
      expect(response.errors).toEqual([
        { message: expect.stringContaining(message), locations: expect.anything(), path: ['warranty'], extensions: { code: 'BAD_USER_INPUT', field: ['serialNumber'] } },
      ]);
    });

    it('in a literal of the document, the same', async () => {
      const response = await t.graphql(`{ warranty(serialNumber: "GD-1\\u0000") { id } }`, {}, admin);
      expect(response.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: ['serialNumber'] });
    });

    it('in a mutation input: a userError naming the input field, and nothing written', async () => {
      const before = await events();
      const { data, errors } = await t.graphql(
        `mutation($input: VoidWarrantyInput!) { voidWarranty(input: $input) { warranty { id } userErrors { code field message } } }`,
        { input: { id, reason: 'water\u0000damage' } }, admin,
      );
      expect(errors).toBeUndefined();
      expect(data.voidWarranty).toEqual({
        warranty: null,
        userErrors: [{ code: 'BAD_USER_INPUT', field: ['input', 'reason'], message: 'input.reason must not contain the NUL character (U+0000)' }],
      });
      expect(await events()).toBe(before);
    });

    describe('in every mutation, whatever its payload: a typed refusal naming the field, never an internal error', () => {
      const schema = buildWarrantySchema();
      const mutations = Object.values(schema.getMutationType()!.getFields());
      const cases = mutations.flatMap((mutation) => [['a NUL byte', 'A\u0000B', 'must not contain the NUL character'], ['a lone surrogate', 'A\ud800B', 'well-formed Unicode']]
        .map(([what, bad, message]) => [mutation.name, what, bad, message] as const));

      it.each(cases)('%s, %s', async (name, _, bad, message) => {
        const mutation = mutations.find((m) => m.name === name)!;
        const variables: Record<string, unknown> = {};
        let field: string[] | null = null;
        for (const arg of mutation.args) {
          if (!isNonNullType(arg.type) && field) continue;
          const sample = sampleWith(arg.type, field ? 'x' : bad, [arg.name]);
          if (!isNonNullType(arg.type) && !sample.placed) continue;
          variables[arg.name] = sample.value;
          field ??= sample.placed;
        }
        expect(field).not.toBeNull(); // every mutation takes some string
        const declared = mutation.args.filter((arg) => arg.name in variables).map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
        const passed = mutation.args.filter((arg) => arg.name in variables).map((arg) => `${arg.name}: $${arg.name}`).join(', ');
        const response = await t.graphql(`mutation(${declared}) { ${name}(${passed}) ${selectAll(mutation)} }`, variables, admin);

        expect(JSON.stringify(response)).not.toMatch(/INTERNAL_SERVER_ERROR/);
        const refusal = { code: 'BAD_USER_INPUT', field, message: expect.stringContaining(message) };
        // Either form of the one rule (argument-guard.ts): the payload's userErrors, every field of it answered, or
        // a GraphQL error on the mutation where the payload cannot be read from userErrors alone.
        if (response.errors === undefined) {
          expect(response.data[name].userErrors).toEqual([refusal]);
        } else {
          expect(response.data).toBeNull();
          expect(response.errors).toEqual([{ message: refusal.message, locations: expect.anything(), path: [name], extensions: { code: refusal.code, field } }]);
        }
      });
    });

    it.each([
      ['recordHeartbeats', 'RecordHeartbeatsInput', { heartbeats: [{ serialNumber: 'GD-1', at: '2026-05-01T00:00:00Z' }, { serialNumber: 'GD-\u0000', at: '2026-05-01T00:00:00Z' }] }, ['input', 'heartbeats', '1', 'serialNumber']],
      ['recordFirmwareReports', 'RecordFirmwareReportsInput', { reports: [{ serialNumber: 'GD-1', component: 'BMS', version: '1.0\ud800', at: '2026-05-01T00:00:00Z' }] }, ['input', 'reports', '0', 'version']],
      ['evaluateTelemetry', 'EvaluateTelemetryInput', { dryRun: true, afterWarrantyId: 'w\u0000' }, ['input', 'afterWarrantyId']],
    ])('%s with every payload field asked for: BAD_USER_INPUT on the field, nothing written', async (name, inputType, input, field) => {
      const before = await events();
      const selection = name === 'evaluateTelemetry'
        ? '{ dryRun unitsConsidered lastWarrantyId done voided flagged decisions { warrantyId } userErrors { code field } }'
        : '{ accepted unknownSerialNumbers userErrors { code field } }';
      const response = await t.graphql(`mutation($input: ${inputType}!) { ${name}(input: $input) ${selection} }`, { input }, admin);
      expect(response.data).toBeNull();
      expect(response.errors?.map((e) => e.extensions)).toEqual([{ code: 'BAD_USER_INPUT', field }]);
      expect(await events()).toBe(before);
    });

    it('in a list inside an input: the index is part of the field', async () => {
      const { data } = await t.graphql(
        `mutation($input: PublishWarrantyPolicyInput!) { publishWarrantyPolicy(input: $input) { policy { id } userErrors { code field } } }`,
        { input: { productFamily: 'INVERTER', region: 'PL', effectiveFrom: '2030-01-01', termMonths: 60, componentScopes: ['CELLS', 'X\u0000'] } }, admin,
      );
      expect(data.publishWarrantyPolicy.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'componentScopes', '1'] }]);
    });
  });

  describe('dates and instants outside 1900-01-01..2199-12-31, and values that do not coerce', () => {
    const REGISTER = `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { code field } } }`;
    it.each(['0000-01-01', '10000-01-01', '2024-02-30', '-0001-01-01', '1899-12-31', '2200-01-01', '9998-12-31'])('a Date variable %s → 400, field = the variable path', async (date) => {
      const response = await t.graphql(REGISTER, { input: { serialNumber: 'GD-2', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'PL' }, sale: { invoiceDate: date } } }, admin);
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(response.errors).toEqual([
        { message: expect.stringMatching(/^\$input\.sale\.invoiceDate: /), locations: expect.anything(), extensions: { code: 'BAD_USER_INPUT', field: ['input', 'sale', 'invoiceDate'] } },
      ]);
    });

    it('a Date literal out of range: BAD_USER_INPUT with the argument path', async () => {
      const response = await t.graphql(`{ warranties(filter: { asOf: "0000-01-01" }) { totalCount } }`, {}, admin);
      expect(response.errors).toEqual([
        { message: 'filter.asOf must be from 1900-01-01 to 2199-12-31', locations: expect.anything(), path: ['warranties'], extensions: { code: 'BAD_USER_INPUT', field: ['filter', 'asOf'] } },
      ]);
      const nested = await t.graphql(`query($id: ID!) { warrantyHistory(warrantyId: $id) { totalCount } w: warranty(serialNumber: "GD-1") { status(asOf: "0000-12-31") } }`, { id }, admin);
      expect(nested.data.warrantyHistory.totalCount).toBeGreaterThan(0);
      expect(nested.errors?.map((e) => [e.path, e.extensions])).toEqual([[['w', 'status'], { code: 'BAD_USER_INPUT', field: ['asOf'] }]]);
    });

    it('accepts the edges of the range', async () => {
      const response = await t.graphql(`query($id: ID!, $a: Date, $b: Date) { a: warrantyHistory(warrantyId: $id) { totalCount } w: warranties(filter: { asOf: $a, status: ACTIVE }) { totalCount } v: warranties(filter: { asOf: $b, status: EXPIRED }) { totalCount } }`,
        { id, a: '1900-01-01', b: '2199-12-31' }, admin);
      expect(response.errors).toBeUndefined();
      expect(response.data.v.totalCount).toBe(1);
    });

    it('an Int past 32 bits and a missing required variable name their variable', async () => {
      const big = await t.graphql(`query($first: Int) { warranties(first: $first) { totalCount } }`, { first: 2147483648 }, admin);
      expect(big.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: ['first'] });
      const missing = await t.graphql(`query($s: String!) { warranty(serialNumber: $s) { id } }`, {}, admin);
      expect(missing.status).toBe(400);
      expect(missing.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: ['s'] });
    });

    it('a part contract starting after 2199-12-31 is refused on its start, not stored', async () => {
      const { data } = await t.graphql(
        `mutation($id: ID!) { addPartCoverage(input: { warrantyId: $id, part: "POWERTRAIN", startDate: "9999-01-01", termMonths: 24 }) { coverage { id } userErrors { code field } } }`,
        { id }, admin,
      );
      expect(data.addPartCoverage).toEqual({ coverage: null, userErrors: [{ code: 'BAD_USER_INPUT', field: ['input', 'startDate'] }] });
    });

    it('a date shift past 2199-12-31 is refused', async () => {
      const { data } = await t.graphql(
        `mutation($id: ID!) { updateWarranty(input: { id: $id, warrantyDateShift: "9999-06-01" }) { warranty { id } userErrors { code field } } }`,
        { id }, admin,
      );
      expect(data.updateWarranty.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'warrantyDateShift'] }]);
    });
  });

  describe('numbers a column cannot hold', () => {
    it.each([
      ['slaOnsiteHours', 1e9],
      ['throughputMwhPerKwh', 1e308],
      ['lateStartCapMonths', 2147483647],
      ['labourMonths', 601],
    ])('publishWarrantyPolicy %s = %s → userError on that field', async (field, value) => {
      const { data } = await t.graphql(
        `mutation($input: PublishWarrantyPolicyInput!) { publishWarrantyPolicy(input: $input) { policy { id } userErrors { code field } } }`,
        { input: { productFamily: 'INVERTER', region: 'PL', effectiveFrom: '2030-01-01', termMonths: 600, [field]: value } }, admin,
      );
      expect(data.publishWarrantyPolicy.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', field] }]);
    });

    it('a part contract limit too large for its column names ["input", "limits", …]', async () => {
      const { data } = await t.graphql(
        `mutation($id: ID!) { addPartCoverage(input: { warrantyId: $id, part: "POWERTRAIN", startDate: "2025-01-01", termMonths: 24, limits: { throughputMwh: 1e12 } }) { userErrors { code field } } }`,
        { id }, admin,
      );
      expect(data.addPartCoverage.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'limits', 'throughputMwh'] }]);
    });

    it('a reading so small that the projected end falls past 9999 shows no projection', async () => {
      const { data, errors } = await t.graphql(
        `{ checkWarranty(input: { serialNumber: "GD-1", repairDate: "2026-05-01", readings: { throughputMwh: 5e-300, sohPct: 70 } }) { coverages { projectedEnd { date } } } }`,
        {}, admin,
      );
      expect(errors).toBeUndefined();
      expect(data.checkWarranty.coverages.every((c: any) => c.projectedEnd === null)).toBe(true);
    });
  });

  describe('requests this subgraph cannot serve: a typed client error, HTTP 400', () => {
    const post = async (body: unknown) => {
      const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    };
    const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

    it.each(['subscription { __typename }', 'subscription S { _service { sdl } }'])('a subscription (%s) → BAD_REQUEST', async (query) => {
      const { status, body } = await post({ query });
      expect(status).toBe(400);
      expect(body.errors).toEqual([{ message: expect.stringMatching(/^subscriptions are not supported/), locations: expect.anything(), extensions: { code: 'BAD_REQUEST' } }]);
      expect(body.data).toBeUndefined();
    });

    it.each([
      ['a hash that is not the query\'s', 'BAD_REQUEST', { version: 1, sha256Hash: sha256('{ other }') }],
      ['no hash', 'BAD_REQUEST', { version: 1 }],
      ['version 2', 'PERSISTED_QUERY_NOT_SUPPORTED', { version: 2, sha256Hash: sha256('{ __typename }') }],
      ['not an object', 'PERSISTED_QUERY_NOT_SUPPORTED', 'x'],
    ])('a persisted-query extension with %s → %s', async (_, code, persistedQuery) => {
      const { status, body } = await post({ query: '{ __typename }', extensions: { persistedQuery } });
      expect(status).toBe(400);
      expect(body.errors).toEqual([{ message: expect.any(String), extensions: { code } }]);
    });

    it('a persisted query sent with its right hash is served, and then found by its hash alone', async () => {
      const query = '{ __typename }';
      expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } })).body.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
      expect((await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } })).body).toEqual({ data: { __typename: 'Query' } });
      expect((await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(query) } } })).body).toEqual({ data: { __typename: 'Query' } });
    });
  });

  describe('cursors', () => {
    it.each([
      ['warranties', `{ warranties(after: "${b64([2024, 'x'])}") { totalCount } }`],
      ['warrantyPolicies', `{ warrantyPolicies(after: "${b64(['abc'])}") { totalCount } }`],
      ['warrantyHistory', `query($id: ID!) { warrantyHistory(warrantyId: $id, after: "${b64([{}])}") { totalCount } }`],
    ])('%s with a cursor of the wrong shape → BAD_USER_INPUT ["after"]', async (_, query) => {
      const response = await t.graphql(query, { id }, admin);
      expect(response.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: ['after'] });
    });
  });

  describe('_entities representations, one by one', () => {
    const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id } ... on Case { warrantyCheck { decision } } } }`;

    it('resolves the good ones and refuses each bad one at its own index', async () => {
      const response = await t.graphql(ENTITIES, {
        r: [
          { __typename: 'WarrantyRecord', id },
          { __typename: 'Nope', id },
          { __typename: 'WarrantyRecord' },
          { __typename: 'WarrantyRecord', serialNumber: 42 },
          { __typename: 'Case', id: 'c-1', serialNumber: 'GD-1', openedAt: '0001-01-01T00:00:00+01:00' },
          'not an object',
          { __typename: 'WarrantyCheck', id },
          { __typename: 'WarrantyRecord', serialNumber: 'gd-1' },
        ],
      }, admin);
      expect(response.data._entities).toEqual([{ id }, null, null, null, null, null, null, { id }]);
      expect(response.errors?.map((e) => [e.path, e.extensions])).toEqual([
        [['_entities', 1], { code: 'BAD_USER_INPUT', field: ['representations', '1', '__typename'] }],
        [['_entities', 2], { code: 'BAD_USER_INPUT', field: ['representations', '2'] }],
        [['_entities', 3], { code: 'BAD_USER_INPUT', field: ['representations', '3', 'serialNumber'] }],
        [['_entities', 4], { code: 'BAD_USER_INPUT', field: ['representations', '4', 'openedAt'] }],
        [['_entities', 5], { code: 'BAD_USER_INPUT', field: ['representations', '5'] }],
        [['_entities', 6], { code: 'BAD_USER_INPUT', field: ['representations', '6', '__typename'] }],
      ]);
      expect(response.errors?.[1].message).toMatch(/a WarrantyRecord representation needs id or serialNumber/);
    });
  });
});
