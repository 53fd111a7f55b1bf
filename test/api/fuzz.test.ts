import fc from 'fast-check';
import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Bounded, seeded fuzzing over HTTP: malformed values for every query, mutation and `_entities`, sent to the
 * running subgraph. A client's mistake must come back typed (BAD_USER_INPUT with the field, or a domain code),
 * never as INTERNAL_SERVER_ERROR or an HTTP 5xx. The seed and the number of runs are fixed so a failure
 * reproduces; FUZZ_SEED / FUZZ_RUNS override them when hunting, FUZZ_VERBOSE=1 prints every failing request.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
const IN_FLIGHT = 8;

// ------------------------------------------------------------------ value generators

const NUL = '\u0000';
const LONE_SURROGATES = ['\ud800', '\udfff', 'A\ud83dB', '\ude00x'];

const weirdString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ maxLength: 20 }).map((s) => `${s}${NUL}${s}`),
  fc.constantFrom(
    NUL, `SF${NUL}1`, '', ' ', '%', '_', '\\', "'; DROP TABLE warranty_record; --", '𝓢𝓕-١٢٣', 'ü'.repeat(70), 'Ω\u200b\u202e',
    ...LONE_SURROGATES,
  ),
  // Up to 50,000 characters: long, yet a whole request stays under the 1 MB body limit (a 413 is not ours).
  fc.integer({ min: 1, max: 5 }).map((n) => 'X'.repeat(10 ** n / 2)),
);

const isoDates = [
  '0000-01-01', '0001-01-01', '9999-12-31', '10000-01-01', '2024-02-30', '2024-02-29', '2023-02-29', '2025-13-01',
  '2025-00-10', '-0001-01-01', '+010000-01-01', '2024-1-1', '1969-12-31', '1900-01-01', '2026-06-01', '2100-01-01',
];
const dateish = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...isoDates) },
  { weight: 1, arbitrary: fc.date({ min: new Date(Date.UTC(-300, 0, 1)), max: new Date(Date.UTC(12000, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  { weight: 1, arbitrary: fc.oneof(weirdString, fc.integer(), fc.constant(null)) },
);

const dateTimeish = fc.oneof(
  fc.constantFrom(
    '0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59-01:00', '10000-01-01T00:00:00Z', '2024-02-30T10:00:00Z', '2024-01-01T25:00:00Z',
    '2024-01-01T00:00:00+14:00', '2024-06-01T12:00:00.123456789+02:00', '2026-05-01T08:00:00Z', '2026-05-01',
    '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z',
  ),
  fc.oneof(weirdString, fc.integer(), fc.constant(null)),
);

const intish = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, -1, 1, 2, 12, 100, 101, 600, 601, 2147483647, -2147483648, 2147483648, 1e308, -1e308, 1.5) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom('1', 'NaN', 'Infinity', '-0', '1e3', true, null, [], {}) },
);
const floatish = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(0, -1, 0.0001, 64, 80, 100, 100.001, 5e-324, 1e6, 999999999.999, 1e9, 1e12, 1e308, -1e308) },
  { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  { weight: 1, arbitrary: fc.constantFrom('NaN', 'Infinity', '1.5', null, false) },
);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const UUID_A = '0b7c9e4e-5a0e-4b9f-9d7c-2f1e0a6b3c11';
const cursorish = fc.oneof(
  fc.constantFrom(
    b64([]), b64([1]), b64([1, 2]), b64(['x', 'y']), b64([{}]), b64([[1]]), b64([[1, 2], [3]]), b64([2024, UUID_A]),
    b64(['2024-01-01T00:00:00.000Z', 'not-a-uuid']), b64(['not-a-date', UUID_A]), b64(['0000-01-01T00:00:00Z', UUID_A]),
    b64(['+275760-09-13T00:00:00.000Z', UUID_A]), b64([-1]), b64([0]), b64([1.5]), b64(['1']), b64(['abc']), b64([1e308]),
    b64(['9'.repeat(100)]), b64([null]), b64([true]), b64({ a: 1 }), b64(42), b64('x'.repeat(5000)), b64(null),
    b64([9007199254740993]), b64([9007199254740991]), b64(['9223372036854775807']), b64(['9223372036854775808']), b64(['-5']), 'not base64 !!', '', '====', b64([`2024-01-01T00:00:00.000Z${NUL}`, UUID_A]),
  ),
  fc.jsonValue({ maxDepth: 3 }).map(b64),
  fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })).map(b64),
  fc.tuple(fc.jsonValue({ maxDepth: 1 })).map(b64),
  weirdString,
);

interface Fixtures {
  ids: string[];
  serials: string[];
  coverageIds: string[];
  productIds: string[];
  customerIds: string[];
  cursors: string[];
}

function idish(f: Fixtures) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...f.ids, ...f.coverageIds) },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', `${UUID_A}${NUL}`, UUID_A.toUpperCase(), UUID_A.replace(/-/g, '')) },
    { weight: 2, arbitrary: fc.oneof(weirdString, fc.integer()) },
  );
}
function serialish(f: Fixtures) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...f.serials, ...f.serials.map((s) => ` ${s.toLowerCase()} `)) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Z0-9][A-Z0-9\-_./]{2,20}$/) },
    { weight: 3, arbitrary: weirdString },
  );
}
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });
/** An object whose keys may each be missing; the values come from the arbitraries. */
const partial = (shape: Record<string, fc.Arbitrary<unknown>>) =>
  fc.record(Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, maybe(v)])), { requiredKeys: [] });
/** An input object: half the time with every required key present, so the value reaches the resolver. */
const input = (required: string[], shape: Record<string, fc.Arbitrary<unknown>>, valid?: Record<string, unknown>) =>
  fc.oneof(partial(shape), fc.record(shape, { requiredKeys: required }), ...(valid ? [oneBad(valid, shape)] : []));
/** A valid input with one key replaced by a generated value: reaches the services' own checks and the SQL. */
const oneBad = (valid: Record<string, unknown>, shape: Record<string, fc.Arbitrary<unknown>>) =>
  fc.constantFrom(...Object.keys(shape)).chain((key) => shape[key].map((value) => ({ ...valid, [key]: value })));

// ------------------------------------------------------------------ the operations

interface Case {
  name: string;
  query: string;
  variables: Record<string, unknown>;
}

function operations(f: Fixtures): fc.Arbitrary<Case> {
  const stringOrWeird = (...values: string[]) => fc.oneof(fc.constantFrom(...values), weirdString);
  const sku = stringOrWeird('SOFAR-INV-10KTL-X-G2', 'SOFAR-PM-V2-10', 'SOFAR-BTS-E5', 'DEMO-VAN-36', 'NOPE');
  const country = stringOrWeird('DE', 'PL', 'GB', 'fr', 'XX', 'US');
  const timeZone = stringOrWeird('Europe/Berlin', 'UTC', 'Pacific/Kiritimati', 'Etc/GMT+12', 'Mars/Olympus');
  const component = stringOrWeird('CELLS', 'UNIT', 'POWERTRAIN', 'cells');
  const family = stringOrWeird('INVERTER', 'BATTERY', 'VEHICLE', 'inverter');
  const region = stringOrWeird('EU', 'PL', 'UK-IE', 'DE-AT-CH', 'eu');
  const enumish = (...values: string[]) => fc.oneof(fc.constantFrom(...values), weirdString);
  const cursor = fc.oneof(cursorish, fc.constantFrom(...f.cursors));
  const limits = partial({ odometerKm: intish, engineHours: intish, throughputMwh: floatish, sohGuaranteePct: floatish });
  const decimalish = fc.oneof(
    fc.constantFrom('0', '1', '12.50', '0.00001', '-3', '1e3', '99999999999999999', '1.2.3', ''),
    fc.integer(),
    fc.double(),
    weirdString,
  );
  const readings = partial({ odometerKm: intish, engineHours: intish, throughputMwh: floatish, sohPct: floatish });
  const site = fc.oneof(input(['countryCode'], { countryCode: country, timeZone }), fc.constant(null));

  const op = (name: string, query: string, variables: fc.Arbitrary<Record<string, unknown>>) =>
    variables.map((v) => ({ name, query, variables: v }));

  const representation = fc.oneof(
    fc.record({ __typename: fc.constant('WarrantyRecord'), id: fc.oneof(idish(f), fc.constant(null), fc.constant({})) }),
    fc.record({ __typename: fc.constant('WarrantyRecord'), serialNumber: fc.oneof(serialish(f), fc.integer(), fc.constant(null), fc.constant([])) }),
    fc.record({ __typename: fc.constant('Case'), id: fc.oneof(idish(f), fc.constant(null)), serialNumber: maybe(fc.oneof(serialish(f), fc.integer(), fc.constant({}))), openedAt: maybe(dateTimeish) }, { requiredKeys: ['__typename'] }),
    fc.record({ __typename: fc.constant('Customer'), id: fc.oneof(fc.constantFrom(...f.customerIds), weirdString, fc.integer(), fc.constant({})) }, { requiredKeys: ['__typename'] }),
    fc.record({ __typename: fc.constant('Product'), id: fc.oneof(fc.constantFrom(...f.productIds), weirdString, fc.integer(), fc.constant([])) }, { requiredKeys: ['__typename'] }),
    fc.record({ __typename: fc.constant('Policy'), id: fc.oneof(idish(f), fc.constant(true)) }, { requiredKeys: ['__typename'] }),
    fc.record({ __typename: fc.oneof(fc.constantFrom('Nope', 'Query', 'Mutation', 'WarrantyCheck', 'Coverage', '_Service', 'String', 'ErrorCode', '', 'warrantyrecord'), weirdString, fc.integer(), fc.constant(null)), id: idish(f) }),
    fc.record({ id: idish(f) }),
    fc.oneof(fc.integer(), weirdString, fc.constant(null), fc.constant([]), fc.constant([{ __typename: 'WarrantyRecord', id: f.ids[0] }])),
  );

  return fc.oneof(
    op('warranty', `query($s: String!, $d: Date, $f: Int, $c: String) { warranty(serialNumber: $s) { id serialNumber status(asOf: $d) expiresAt history(first: $f, after: $c) { totalCount edges { cursor } } } }`,
      fc.record({ s: serialish(f), d: maybe(dateish), f: maybe(intish), c: maybe(cursor) }, { requiredKeys: ['s'] })),
    op('warranties', `query($f: Int, $a: String, $filter: WarrantyFilter) { warranties(first: $f, after: $a, filter: $filter) { totalCount pageInfo { endCursor } edges { node { id status } } } }`,
      fc.record({
        f: maybe(intish),
        a: maybe(cursor),
        filter: maybe(partial({
          customerId: weirdString, productId: weirdString, productFamily: family, region, tier: enumish('STANDARD', 'EXTENDED_5Y'),
          startStatus: enumish('STARTED', 'AWAITING_ACTIVATION'), status: enumish('ACTIVE', 'EXPIRED', 'VOIDED', 'NOT_STARTED'),
          asOf: dateish, serialNumberPrefix: fc.oneof(weirdString, fc.constantFrom('Z-', 'z-%', '_', '\\')),
        })),
      }, { requiredKeys: [] })),
    op('warrantyHistory', `query($id: ID!, $f: Int, $a: String) { warrantyHistory(warrantyId: $id, first: $f, after: $a) { totalCount pageInfo { endCursor } edges { node { id event occurredAt detail } } } }`,
      fc.record({ id: idish(f), f: maybe(intish), a: maybe(cursor) }, { requiredKeys: ['id'] })),
    op('warrantyPolicies', `query($fam: String, $r: String, $d: Date, $f: Int, $a: String) { warrantyPolicies(productFamily: $fam, region: $r, asOf: $d, first: $f, after: $a) { totalCount edges { cursor node { id version effectiveFrom } } } }`,
      fc.record({ fam: maybe(family), r: maybe(region), d: maybe(dateish), f: maybe(intish), a: maybe(cursor) }, { requiredKeys: [] })),
    op('checkWarranty', `query($input: CheckWarrantyInput!) { checkWarranty(input: $input) { decision reason coverages { active projectedEnd { date } checks { check outcome } } } }`,
      fc.record({ input: input(['serialNumber', 'repairDate'], { serialNumber: serialish(f), repairDate: dateish, readings: fc.oneof(readings, fc.constant(null)), component, costType: enumish('PARTS', 'LABOUR'), capacityClaim: fc.oneof(fc.boolean(), fc.constant('yes')) },
        { serialNumber: f.serials[1], repairDate: '2026-05-01', readings: { throughputMwh: 5, sohPct: 70 } }) })),
    op('registerWarranty', `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id expiresAt coverages { endDate } } userErrors { code field message } } }`,
      fc.record({ input: input(['serialNumber', 'sku', 'site'], {
        serialNumber: fc.oneof(serialish(f), fc.stringMatching(/^FZ-[A-Z0-9]{6}$/)), sku, customerId: weirdString, site,
        registrantRole: enumish('INSTALLER', 'END_CUSTOMER'), productionDate: dateish, commissioningDate: dateish,
        sale: fc.oneof(partial({ warrantyActivationDate: dateish, invoiceDate: dateish }), fc.constant(null)),
        supplyChainStage: enumish('BROKER', 'DEALER'), brokerInvoiceDate: dateish,
      }, { serialNumber: 'FZ-NEW-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, productionDate: '2024-01-01', commissioningDate: '2024-06-01' }) })),
    op('updateWarranty', `mutation($input: UpdateWarrantyInput!) { updateWarranty(input: $input) { warranty { id expiresAt start { date } } userErrors { code field message } } }`,
      fc.record({ input: input(['id'], {
        id: idish(f), customerId: fc.oneof(weirdString, fc.constant(null)), installerId: fc.oneof(weirdString, fc.constant(null)), site,
        productionDate: dateish, activationRecordDate: dateish, saleWarrantyActivationDate: dateish, saleInvoiceDate: dateish,
        supplyChainStage: enumish('BROKER', 'DEALER'), brokerInvoiceDate: dateish, warrantyDateShift: dateish, reason: weirdString,
      }, { id: f.ids[2], reason: 'fuzz' }) })),
    op('voidWarranty', `mutation($input: VoidWarrantyInput!) { voidWarranty(input: $input) { warranty { id voidedAt } userErrors { code field message } } }`,
      fc.record({ input: input(['id', 'reason'], { id: idish(f), component, reason: weirdString }) })),
    op('reinstateWarranty', `mutation($input: ReinstateWarrantyInput!) { reinstateWarranty(input: $input) { warranty { id voidedAt } userErrors { code field message } } }`,
      fc.record({ input: input(['id', 'reason'], { id: idish(f), component, reason: weirdString }) })),
    op('addPartCoverage', `mutation($input: AddPartCoverageInput!) { addPartCoverage(input: $input) { coverage { id endDate labourEndDate } warranty { expiresAt } userErrors { code field message } } }`,
      fc.record({ input: input(['warrantyId', 'part', 'startDate', 'termMonths'], { warrantyId: idish(f), part: component, startDate: dateish, termMonths: intish, labourMonths: intish, limits: fc.oneof(limits, fc.constant(null)), reason: weirdString },
        { warrantyId: f.ids[3], part: 'POWERTRAIN', startDate: '2025-01-01', termMonths: 24, labourMonths: 12, limits: { odometerKm: 1000, throughputMwh: 3 } }) })),
    op('removePartCoverage', `mutation($input: RemovePartCoverageInput!) { removePartCoverage(input: $input) { coverage { id } userErrors { code field message } } }`,
      fc.record({ input: input(['coverageId', 'reason'], { coverageId: idish(f), reason: weirdString }) })),
    op('publishWarrantyPolicy', `mutation($input: PublishWarrantyPolicyInput!) { publishWarrantyPolicy(input: $input) { policy { id version } userErrors { code field message } } }`,
      fc.record({ input: input(['productFamily', 'region', 'effectiveFrom', 'termMonths'], {
        productFamily: family, region, effectiveFrom: dateish, termMonths: intish, labourMonths: intish, sohGuaranteePct: floatish,
        throughputMwhPerKwh: floatish, mileageLimitKm: intish, engineHoursLimit: intish,
        componentScopes: fc.oneof(fc.array(component, { maxLength: 3 }), fc.constant(null)),
        extensionTiers: fc.oneof(fc.array(enumish('EXTENDED_5Y', 'EXTENDED_10Y', 'GOODWILL'), { maxLength: 3 }), fc.constant(null)),
        extensionCliffMonths: intish, extensionWindowMonths: intish, lateStartCapMonths: intish, slaResponseHours: floatish, slaOnsiteHours: floatish,
      }, { productFamily: 'INVERTER', region: 'PL', effectiveFrom: '2030-01-01', termMonths: 60, labourMonths: 24, throughputMwhPerKwh: 2, slaResponseHours: 8, lateStartCapMonths: 3 }) })),
    op('submitClaim', `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id cover total { amount currency } lines { amount { amount } covered } sla { response { dueAt state } } check { decision } } userErrors { code field message } } }`,
      fc.record({ input: input(['kind', 'repairDate', 'currency'], {
        warrantyId: idish(f), serialNumber: serialish(f), kind: enumish('REPAIR', 'REPLACE', 'REFUND'), repairDate: dateish, component,
        capacityClaim: fc.oneof(fc.boolean(), fc.constant('yes')), description: weirdString, readings: fc.oneof(readings, fc.constant(null)),
        currency: stringOrWeird('EUR', 'GBP', 'JPY', 'XYZ', 'eur'), cspCaseId: weirdString, idempotencyKey: weirdString, replacementSerialNumber: weirdString,
        lines: fc.oneof(
          fc.array(partial({
            kind: enumish('PART', 'LABOUR', 'TRAVEL'), partNumber: weirdString, component, quantity: decimalish, unitPrice: decimalish,
            hours: decimalish, rate: decimalish, startAt: dateTimeish, endAt: dateTimeish,
          }), { maxLength: 4 }),
          fc.constant(null),
        ),
      }, {
        serialNumber: f.serials[1], kind: 'REPAIR', repairDate: '2026-05-01', currency: 'EUR', readings: { throughputMwh: 5, sohPct: 70 },
        lines: [{ kind: 'PART', partNumber: 'P-1', quantity: '1', unitPrice: '10.50' }, { kind: 'TRAVEL', startAt: '2026-05-01T08:00:00Z', endAt: '2026-05-01T09:00:00Z' }],
      }) })),
    op('purchaseExtension', `mutation($input: PurchaseExtensionInput!) { purchaseExtension(input: $input) { warranty { id tier expiresAt } purchase { tier price { amount } } userErrors { code field message } } }`,
      fc.record({ input: input(['id', 'tier', 'orderReference', 'purchaseDate', 'price'], {
        id: idish(f), tier: enumish('EXTENDED_5Y', 'EXTENDED_10Y', 'STANDARD', 'GOODWILL'), orderReference: weirdString, purchaseDate: dateish,
        price: fc.oneof(partial({ amount: decimalish, currency: stringOrWeird('EUR', 'PLN', 'XYZ') }), fc.constant(null)),
      }, { id: f.ids[0], tier: 'EXTENDED_5Y', orderReference: 'FZ-ORDER-1', purchaseDate: '2026-01-01', price: { amount: '349.00', currency: 'EUR' } }) })),
    op('telemetry', `mutation($h: RecordHeartbeatsInput!, $f: RecordFirmwareReportsInput!, $r: PublishFirmwareReleaseInput!) {
        recordHeartbeats(input: $h) { accepted unknownSerialNumbers userErrors { code field } }
        recordFirmwareReports(input: $f) { accepted userErrors { code field } }
        publishFirmwareRelease(input: $r) { release { id deadline } userErrors { code field } } }`,
      fc.record({
        h: fc.record({ heartbeats: fc.array(fc.record({ serialNumber: serialish(f), at: dateTimeish }), { maxLength: 5 }) }),
        f: fc.record({ reports: fc.array(fc.record({ serialNumber: serialish(f), component, version: fc.oneof(fc.constantFrom('3.2', '3.10.1', '0', 'v1', '1..2', '99999999999.1'), weirdString), at: dateTimeish }), { maxLength: 5 }) }),
        r: input(['productFamily', 'component', 'version', 'releasedAt', 'graceDays'], { productFamily: family, component, version: fc.oneof(fc.constantFrom('3.2', 'x'), weirdString), releasedAt: dateTimeish, graceDays: intish }),
      })),
    op('evaluateTelemetry', `mutation($d: Boolean) { evaluateTelemetry(input: { dryRun: $d }) { voided flagged decisions { outcome } userErrors { code } } }`,
      fc.record({ d: maybe(fc.oneof(fc.boolean(), fc.constant(null))) })),
    op('extensionOffer', `query($s: String!, $d: Date) { warranty(serialNumber: $s) { extensionOffer(asOf: $d) { tier purchasable openUntil code reason price { amount } } } }`,
      fc.record({ s: serialish(f), d: maybe(dateish) }, { requiredKeys: ['s'] })),
    op('claimList', `query($filter: ClaimFilter, $f: Int, $a: String, $h: Float!) { claims(filter: $filter, first: $f, after: $a) { totalCount edges { cursor node { id sla { response { state serviceHoursLeft } } } } } claimsAtRisk(withinServiceHours: $h, first: $f) { target serviceHoursLeft } }`,
      fc.record({
        filter: maybe(partial({ status: enumish('SUBMITTED', 'CLOSED'), kind: enumish('REPAIR', 'REFUND'), slaState: enumish('RUNNING', 'BREACHED', 'MET', 'STOPPED'), warrantyId: idish(f), cspCaseId: weirdString })),
        f: maybe(intish), a: maybe(cursor), h: floatish,
      }, { requiredKeys: ['h'] })),
    op('claims', `query($id: ID!, $s: String!, $f: Int, $a: String) { claim(id: $id) { id status lines { amount { amount } } } warranty(serialNumber: $s) { claims(first: $f, after: $a) { totalCount edges { cursor } } latestReadings { odometerKm } } }`,
      fc.record({ id: idish(f), s: serialish(f), f: maybe(intish), a: maybe(cursor) }, { requiredKeys: ['id', 's'] })),
    op('_entities', `query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id } ... on Case { warranty { id } warrantyCheck { decision } } ... on Customer { warranties { totalCount } } ... on Product { registeredUnitsCount } } }`,
      fc.record({ r: fc.oneof(fc.array(representation, { maxLength: 8 }), representation) })),
    // The same fields with the malformed value written into the document instead of a variable.
    fc.tuple(serialish(f), dateish).map(([s, d]) => ({
      name: 'literal',
      query: `{ warranty(serialNumber: ${JSON.stringify(s)}) { id status(asOf: ${JSON.stringify(d)}) } checkWarranty(input: { serialNumber: ${JSON.stringify(s)}, repairDate: ${JSON.stringify(d)} }) { decision } }`,
      variables: {},
    })),
    // Malformed documents: garbage, unknown fields, missing or mistyped variables.
    fc.oneof(
      weirdString.map((q) => ({ name: 'garbage', query: q, variables: {} })),
      fc.constantFrom(
        { name: 'unknown-field', query: '{ nope }', variables: {} },
        { name: 'missing-variable', query: 'query($s: String!) { warranty(serialNumber: $s) { id } }', variables: {} },
        { name: 'wrong-type', query: 'query($f: Int) { warranties(first: $f) { totalCount } }', variables: { f: 'ten' } },
        { name: 'deep', query: `{ ${'warranty(serialNumber: "X") { policy { id } '.repeat(1)} }`, variables: {} },
        { name: 'entities-null', query: 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }', variables: { r: null } },
        { name: 'entities-item-null', query: 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }', variables: { r: [null] } },
      ),
    ),
  );
}

// ------------------------------------------------------------------ the test

interface Problem {
  kind: string;
  name: string;
  detail: string;
  variables: string;
}

function problemsOf(c: Case, status: number, body: any): Problem[] {
  const problems: Problem[] = [];
  const add = (kind: string, detail: unknown) =>
    problems.push({ kind, name: c.name, detail: JSON.stringify(detail).slice(0, 300), variables: JSON.stringify(c.variables).slice(0, 300) });
  if (status >= 500) add('http 5xx', { status, body });
  if (body === undefined) {
    add('body not JSON', status);
    return problems;
  }
  for (const error of body.errors ?? []) {
    const code = error.extensions?.code;
    if (code === undefined) add('error without code', error);
    else if (code === 'INTERNAL_SERVER_ERROR') add('INTERNAL_SERVER_ERROR', error);
    else if (code === 'BAD_USER_INPUT' && !Array.isArray(error.extensions.field)) add('BAD_USER_INPUT without field', error);
    if (JSON.stringify(error).match(/stacktrace|\.ts:\d+|node_modules/)) add('stack to client', error);
  }
  for (const payload of Object.values(body.data ?? {})) {
    for (const userError of (payload as any)?.userErrors ?? []) {
      if (!userError.code) add('userError without code', userError);
      if (userError.code === 'BAD_USER_INPUT' && !Array.isArray(userError.field)) add('BAD_USER_INPUT userError without field', userError);
    }
  }
  return problems;
}

async function send(url: string, c: Case, token: string): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: c.query, variables: c.variables }),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    return { status: response.status, body: undefined };
  }
}

describe('fuzzing every operation with malformed input', () => {
  let t: TestApp;
  let admin: string;
  let customer: string;
  const fixtures: Fixtures = { ids: [], serials: [], coverageIds: [], productIds: [], customerIds: ['fz-cust-1', 'fz-cust-2'], cursors: [] };

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    const org = await createTestOrg(t.dataSource, 'fuzz');
    admin = await tokenFor(org, ['WARRANTY_ADMIN', 'AGENT']);
    // Every fifth request as a customer: their reads and registrations take the customer-scoped paths.
    customer = await tokenFor(org, ['CUSTOMER'], { customerId: 'fz-cust-1' });
    const units = [
      { serialNumber: 'FZ-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'fz-cust-1', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' },
      { serialNumber: 'FZ-BAT-1', sku: 'SOFAR-PM-V2-10', customerId: 'fz-cust-1', site: { countryCode: 'PL' }, commissioningDate: '2024-01-10' },
      { serialNumber: 'FZ-BAT-2', sku: 'SOFAR-BTS-E5', customerId: 'fz-cust-2', site: { countryCode: 'GB' }, commissioningDate: '2020-01-10' },
      { serialNumber: 'WVWZZZ1KZFZ000001', sku: 'DEMO-VAN-36', customerId: 'fz-cust-2', site: { countryCode: 'DE' }, commissioningDate: '2025-01-31' },
    ];
    for (const input of units) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id product { id } coverages { id } } userErrors { code message } } }`,
        { input }, admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
      fixtures.ids.push(data.registerWarranty.warranty.id);
      fixtures.serials.push(input.serialNumber);
      fixtures.productIds.push(data.registerWarranty.warranty.product.id);
      fixtures.coverageIds.push(...data.registerWarranty.warranty.coverages.map((c: { id: string }) => c.id));
    }
    const part = await t.graphql(
      `mutation($id: ID!) { addPartCoverage(input: { warrantyId: $id, part: "POWERTRAIN", startDate: "2025-02-01", termMonths: 24, limits: { odometerKm: 100000 } }) { coverage { id } userErrors { code } } }`,
      { id: fixtures.ids[3] }, admin,
    );
    fixtures.coverageIds.push(part.data.addPartCoverage.coverage.id);
    const pages = await t.graphql(
      `query($id: ID!) { warranties(first: 1) { pageInfo { endCursor } } warrantyPolicies(first: 1) { pageInfo { endCursor } } warrantyHistory(warrantyId: $id, first: 1) { pageInfo { endCursor } } }`,
      { id: fixtures.ids[0] }, admin,
    );
    fixtures.cursors.push(pages.data.warranties.pageInfo.endCursor, pages.data.warrantyPolicies.pageInfo.endCursor, pages.data.warrantyHistory.pageInfo.endCursor);
  });
  afterAll(() => t.stop());

  it(`answers ${RUNS} malformed requests (seed ${SEED}) without an internal error, a 5xx or an untyped error`, async () => {
    const cases = fc.sample(operations(fixtures), { seed: SEED, numRuns: RUNS });
    const problems: Problem[] = [];
    const perOperation = new Map<string, number>();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        const c = cases[index];
        perOperation.set(c.name, (perOperation.get(c.name) ?? 0) + 1);
        const { status, body } = await send(t.url, c, index % 5 === 4 ? customer : admin);
        problems.push(...problemsOf(c, status, body));
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));

    const byKind = new Map<string, number>();
    const byOperation = new Map<string, number>();
    for (const p of problems) {
      byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
      byOperation.set(`${p.kind} in ${p.name}`, (byOperation.get(`${p.kind} in ${p.name}`) ?? 0) + 1);
    }
    const summary = {
      seed: SEED,
      requests: cases.length,
      seconds: (Date.now() - started) / 1000,
      internalErrors: byKind.get('INTERNAL_SERVER_ERROR') ?? 0,
      problems: Object.fromEntries(byKind),
      byOperation: Object.fromEntries([...byOperation].sort()),
      requestsPerOperation: Object.fromEntries([...perOperation].sort()),
    };
    process.stdout.write(`fuzz summary ${JSON.stringify(summary, null, 2)}\n`);
    if (process.env.FUZZ_VERBOSE) for (const p of problems) process.stdout.write(`${JSON.stringify(p)}\n`);
    // One example of each kind of problem per operation in the failure message, so a red run says what to fix.
    const examples = [...new Map(problems.map((p) => [`${p.kind} in ${p.name}`, p])).values()];
    expect(examples).toEqual([]);
    // The default run takes seconds; a long hunt (FUZZ_RUNS) gets time in proportion.
  }, 30_000 + RUNS * 10);
});
