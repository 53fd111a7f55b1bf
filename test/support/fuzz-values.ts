import fc from 'fast-check';

/**
 * The values the schema-driven fuzz (fuzz-draw.ts) puts into arguments: for each scalar values that look valid
 * (so that the request reaches the services and the SQL), extreme ones of the right type (dates and instants
 * past what can be stored or meant, amounts past the columns, numbers at Int's ends, NUL and lone surrogates in
 * strings) and hostile ones of the wrong type. Values that look valid come from the test organisation's own
 * rows (FuzzPools) where a field's name says what it holds.
 */

/** Real ids, serials and cursors of the test organisation, filled in by the fixtures before any case is drawn. */
export interface FuzzPools {
  warrantyIds: string[];
  serials: string[];
  coverageIds: string[];
  claimIds: string[];
  saleDocumentIds: string[];
  serviceItemClaimIds: string[];
  outboxIds: string[];
  policyIds: string[];
  productIds: string[];
  customerIds: string[];
  caseIds: string[];
  skus: string[];
  cursors: string[];
}

export function emptyPools(): FuzzPools {
  return {
    warrantyIds: [], serials: [], coverageIds: [], claimIds: [], saleDocumentIds: [], serviceItemClaimIds: [], outboxIds: [],
    policyIds: [], productIds: [], customerIds: [], caseIds: [], skus: [], cursors: [],
  };
}

export const NUL = '\u0000';
const LONE_SURROGATES = ['\ud800', '\udfff', 'A\ud83dB', '\ude00x'];
const UUID_A = '0b7c9e4e-5a0e-4b9f-9d7c-2f1e0a6b3c11';

/** Strings a client should never manage to store or crash on. */
export const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ maxLength: 12 }).map((s) => `${s}${NUL}${s}`),
  fc.constantFrom(
    NUL, `SF${NUL}1`, '', ' ', '%', '_', '\\', "'; DROP TABLE warranty_record; --", '𝓢𝓕-١٢٣', 'ü'.repeat(70), 'Ω\u200b\u202e',
    ...LONE_SURROGATES,
  ),
  // Long, yet a request stays far under the body limit (a 413 is not a bug).
  fc.integer({ min: 2, max: 5 }).map((n) => 'X'.repeat(10 ** n / 2)),
);

/**
 * A scalar's values: `valid` what a real client sends; `edge` of the right type (they pass GraphQL's coercion
 * and reach the services) yet extreme: past a column, the calendar or the domain, NUL and lone surrogates in
 * strings; `hostile` not even of the right type or form (refused by coercion or the scalar).
 */
export interface ValuePair {
  valid: fc.Arbitrary<unknown>;
  edge: fc.Arbitrary<unknown>;
  hostile: fc.Arbitrary<unknown>;
}

const anyJunk: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.constantFrom(2147483648, -2147483649, 1e308, Number.MAX_SAFE_INTEGER + 2),
);

const isoDate = (d: Date) => d.toISOString().slice(0, 10);
/** Dates near the test clock (2026-06-01): what a real client sends. */
const plausibleDate = fc.date({ min: new Date('2019-01-01T00:00:00Z'), max: new Date('2026-05-31T00:00:00Z'), noInvalidDate: true }).map(isoDate);
export const dateValue: ValuePair = {
  valid: fc.oneof({ weight: 4, arbitrary: plausibleDate }, { weight: 1, arbitrary: fc.constantFrom('2026-06-01', '2025-01-01', '2024-06-01') }),
  // Well-formed, and past what a column, the calendar maths or the domain can take.
  edge: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('1899-12-31', '2199-12-31', '2200-01-01', '2027-06-01', '0001-01-01', '9998-12-31', '9999-12-31', '9999-01-01', '2099-12-31', '2199-01-01', '1900-01-01', '1969-12-31', '2024-02-29', '2026-06-02', '2046-06-01') },
    { weight: 1, arbitrary: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map(isoDate) },
  ),
  hostile: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('0000-01-01', '10000-01-01', '2024-02-30', '2023-02-29', '2025-13-01', '2025-00-10', '-0001-01-01', '+010000-01-01', '2024-1-1', '2026-06-01T00:00:00Z') },
    { weight: 1, arbitrary: fc.date({ min: new Date(Date.UTC(-300, 0, 1)), max: new Date(Date.UTC(12000, 0, 1)), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
    { weight: 1, arbitrary: anyJunk },
  ),
};

const plausibleInstant = fc.date({ min: new Date('2024-01-01T00:00:00Z'), max: new Date('2026-06-01T11:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
export const dateTimeValue: ValuePair = {
  valid: plausibleInstant,
  edge: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        '0001-01-01T00:00:00Z', '0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59-01:00', '2024-01-01T00:00:00+14:00',
        '2024-06-01T12:00:00.123456789+02:00', '2099-01-01T00:00:00Z', '2030-01-01T00:00:00Z', '2026-06-02T12:00:00Z', '2026-06-01T13:00:00Z',
        '1970-01-01T00:00:00Z', '1900-01-01T00:00:00Z', '2006-06-01T08:00:00Z', '1899-12-31T23:59:59.999Z', '2199-12-31T23:59:59.999Z',
        '2200-01-01T00:00:00Z', '2026-06-01T12:04:00Z', '2026-06-01T12:06:00Z',
      ),
    },
    { weight: 1, arbitrary: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  ),
  hostile: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('0000-01-01T00:00:00Z', '10000-01-01T00:00:00Z', '2024-02-30T10:00:00Z', '2024-01-01T25:00:00Z', '2026-05-01', '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z') },
    { weight: 1, arbitrary: anyJunk },
  ),
};

export const intValue: ValuePair = {
  valid: fc.oneof(fc.integer({ min: 0, max: 120 }), fc.constantFrom(1, 12, 24, 60, 100)),
  edge: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(0, -1, 101, 500, 1000, 10_000, 100_000, 1_000_000, 2147483647, -2147483648) },
    { weight: 1, arbitrary: fc.integer() },
  ),
  hostile: fc.constantFrom(2147483648, -2147483649, 1e308, -1e308, 1.5, '1', 'NaN', 'Infinity', '-0', '1e3', true, null, [], {}),
};

export const floatValue: ValuePair = {
  valid: fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.constantFrom(0, 1, 8, 24, 64, 70, 80, 100)),
  edge: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(0, -1, 0.0001, 100.001, 5e-324, 3.5e-232, 999999.995, 1e6, 999999999.999, 1e9, 1e12, 1e15, 1e308, -1e308) },
    { weight: 2, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
  ),
  hostile: fc.constantFrom('NaN', 'Infinity', '1.5', null, false, [], {}),
};

export const decimalValue: ValuePair = {
  valid: fc.oneof(fc.constantFrom('0', '1', '2', '12.50', '149.99', '0.5', '1000'), fc.integer({ min: 0, max: 5000 }).map(String)),
  edge: fc.constantFrom(
    '99999999999', '99999999999.9999', '999999999999999', '99999999999999.9999', '999999999999999.9999', '1000000000000000', '10000000000', '10000000000.0000', '-99999999999', '-1', '-0', '0.0001',
    '0.00001', '0.0000', '1.99999',
  ),
  hostile: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('9999999999999999', '100000000000000', '1e3', '1E+20', '1.2.3', '', ' 1', '0x10', 'Infinity', 'NaN', '9'.repeat(60), `0.${'1'.repeat(60)}`) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), weirdString) },
  ),
};

export const booleanValue: ValuePair = { valid: fc.boolean(), edge: fc.boolean(), hostile: fc.constantFrom('yes', 'true', 1, 0, null, [], {}) };
export const jsonValue: ValuePair = { valid: fc.jsonValue({ maxDepth: 2 }), edge: fc.jsonValue({ maxDepth: 4 }), hostile: weirdString.map((s) => ({ s })) };

const fromPool = (values: string[], fallback: fc.Arbitrary<string>) => (values.length > 0 ? fc.constantFrom(...values) : fallback);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** Cursors: real ones of the test organisation, and forged ones of every shape. */
export function cursorValue(pools: FuzzPools) {
  return {
    valid: fromPool(pools.cursors, fc.constant(b64(['2026-01-01T00:00:00.000Z', UUID_A]))),
    edge: fc.oneof(
      fc.constantFrom(
        b64([]), b64([1]), b64([1, 2]), b64(['x', 'y']), b64([{}]), b64([[1]]), b64([2024, UUID_A]), b64(['2024-01-01T00:00:00.000Z', 'not-a-uuid']),
        b64(['not-a-date', UUID_A]), b64(['0000-01-01T00:00:00Z', UUID_A]), b64(['+275760-09-13T00:00:00.000Z', UUID_A]), b64([-1]), b64([1.5]),
        b64(['9'.repeat(100)]), b64([null]), b64({ a: 1 }), b64(42), b64('x'.repeat(5000)), b64(null), b64([9007199254740993]),
        b64(['9223372036854775807']), b64(['9223372036854775808']), b64(['-5']), 'not base64 !!', '', '====',
        b64([`2024-01-01T00:00:00.000Z${NUL}`, UUID_A]), b64(['2026-01-01', UUID_A]), b64(['SKU', 'x']), b64(['\ud800', UUID_A]),
      ),
      fc.jsonValue({ maxDepth: 2 }).map(b64),
      fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 1 })).map(b64),
      weirdString,
    ),
    hostile: fc.oneof(fc.integer(), fc.constant([]), fc.constant({})),
  };
}

const idEdge = fc.oneof(
  fc.uuid(),
  fc.constantFrom('00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', `${UUID_A}${NUL}`, UUID_A.toUpperCase(), UUID_A.replace(/-/g, ''), '1', '0', '-1', '9223372036854775808', '99999999999999999999', ''),
  weirdString,
);
const junk = fc.oneof(fc.double(), fc.boolean(), fc.constant([]), fc.constant({}));



const text = (...values: string[]) => fc.constantFrom(...values);
/** Words as a person writes them: no leading, trailing or doubled spaces. */
// Built from characters rather than fc.stringMatching, which took most of the time the cases are drawn in.
const chars = (set: string, minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...set), minLength, maxLength });
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const words = fc
  .tuple(chars(UPPER, 1, 1), chars(LOWER, 0, 8), fc.array(chars(LOWER, 1, 8), { maxLength: 2 }))
  .map(([first, rest, more]) => [`${first}${rest}`, ...more].join(' '));
/** A key of another system (an OA reference, an order): letters, digits and ._:/- only. */
const key = fc.tuple(chars(UPPER, 1, 1), chars(`${UPPER}0123456789._:/-`, 1, 15)).map(([a, b]) => `${a}${b}`);

/** Fields whose name says which numbers make sense, whatever their type (Int or Float). */
const NUMBERS: Record<string, fc.Arbitrary<number>> = {
  first: fc.constantFrom(0, 1, 2, 5, 20, 50, 100),
  limit: fc.constantFrom(1, 2, 5, 100),
  sohPct: fc.integer({ min: 50, max: 100 }),
  sohGuaranteePct: fc.constantFrom(60, 70, 80),
  termMonths: fc.constantFrom(12, 24, 60, 120),
  labourMonths: fc.constantFrom(0, 12, 24),
  graceDays: fc.constantFrom(0, 30, 90),
  withinDays: fc.constantFrom(1, 30, 365),
  withinServiceHours: fc.constantFrom(1, 8, 48),
  odometerKm: fc.integer({ min: 20_000, max: 90_000 }),
  engineHours: fc.integer({ min: 100, max: 2_000 }),
  throughputMwh: fc.integer({ min: 5, max: 50 }),
  capacityKwh: fc.constantFrom(5, 10.24, 36),
};

/**
 * What a field or argument holds, by its name and owner (an input type, `Parent.field` for an argument, or an
 * entity type for a representation's key): real rows where the name says which, words a client would send for
 * the rest. Null when the name says nothing: the scalar's own values are used. A new field needs nothing here.
 */
export function hintFor(owner: string, field: string, scalar: string, pools: FuzzPools): ValuePair | null {
  const numeric = scalar === 'Int' || scalar === 'Float';
  if (numeric) {
    const valid = NUMBERS[field];
    return valid ? { valid, edge: (scalar === 'Int' ? intValue : floatValue).edge, hostile: (scalar === 'Int' ? intValue : floatValue).hostile } : null;
  }
  if (scalar !== 'String' && scalar !== 'ID') return null;
  const ids = (values: string[]): ValuePair => ({ valid: fromPool(values, fc.uuid()), edge: idEdge, hostile: fc.oneof(fc.integer(), junk) });
  const choice = (valid: string[], edge: string[] = []): ValuePair => ({ valid: text(...valid), edge: fc.oneof(weirdString, text(...valid.map((v) => v.toLowerCase()), ...edge)), hostile: junk });
  switch (field) {
    case 'serialNumber':
    case 'replacementSerialNumber':
      return {
        valid: fc.oneof(fromPool(pools.serials, text('FZ-1')), chars(`${UPPER}0123456789`, 6, 6).map((s) => `FZ-${s}`)),
        edge: fc.oneof(weirdString, fromPool(pools.serials.map((s) => ` ${s.toLowerCase()} `), text(' x '))),
        hostile: fc.oneof(fc.integer(), junk),
      };
    case 'warrantyId':
    case 'afterWarrantyId':
      return ids(pools.warrantyIds);
    case 'claimId':
      return ids(pools.claimIds);
    case 'coverageId':
      return ids(pools.coverageIds);
    case 'customerId':
      return ids(pools.customerIds);
    case 'productId':
      return ids(pools.productIds);
    case 'installerId':
      return choice(['installer-1', 'installer-2']);
    case 'id': {
      const byOwner: Record<string, string[]> = {
        ClaimDecisionInput: pools.claimIds, 'Query.claim': pools.claimIds, DeleteSaleDocumentInput: pools.saleDocumentIds,
        DeleteServiceItemClaimInput: pools.serviceItemClaimIds, RetryOutboxMessageInput: pools.outboxIds, Policy: pools.policyIds,
        Product: pools.productIds, Customer: pools.customerIds, Case: pools.caseIds,
      };
      return ids(byOwner[owner] ?? pools.warrantyIds);
    }
    case 'sku':
    case 'skuPrefix':
      return { valid: fromPool(pools.skus, text('SOFAR-PM-V2-10')), edge: weirdString, hostile: junk };
    case 'currency':
      return choice(['EUR', 'EUR', 'GBP', 'PLN'], ['XYZ', 'JPY', 'EURO']);
    case 'countryCode':
      return choice(['DE', 'PL', 'GB', 'FR', 'IE'], ['XX', 'DEU']);
    case 'timeZone':
      return choice(['Europe/Berlin', 'Europe/Warsaw', 'UTC', 'Europe/London'], ['Pacific/Kiritimati', 'Etc/GMT+12', 'Etc/GMT-14', 'Mars/Olympus']);
    case 'productFamily':
      return choice(['INVERTER', 'BATTERY', 'VEHICLE'], ['NEW_FAMILY', 'X']);
    case 'region':
      return choice(['EU', 'PL', 'UK-IE', 'DE-AT-CH'], ['MARS']);
    case 'component':
    case 'part':
      return choice(['CELLS', 'POWERTRAIN', 'INVERTER_BOARD'], ['UNIT']);
    case 'itemCode':
    case 'code':
      return choice(['INSPECTION_12M', 'INSPECTION_24M'], ['NOPE']);
    case 'version':
      return choice(['3.2', '3.10.1', '1.0.0.1', '4'], ['0', 'v1', '1..2', '99999999999.1', '1.2.3.4.5']);
    case 'after':
      return cursorValue(pools);
    case 'cspCaseId':
      return { valid: fromPool(pools.caseIds, text('FZ-CASE-1')), edge: weirdString, hostile: junk };
    case 'serialNumberPrefix':
      return choice(['FZ-', 'WVW'], ['%', '_', '\\']);
    case 'destination':
      return choice(['CSP', 'OA']);
    case 'reason':
    case 'description':
    case 'name':
    case 'approver':
      return { valid: words, edge: weirdString, hostile: junk };
    case 'reference':
    case 'orderReference':
    case 'partNumber':
    case 'idempotencyKey':
      // Keys of other systems: letters, digits and ._:/- only.
      return { valid: key, edge: fc.oneof(weirdString, text('a b', 'x'.repeat(201))), hostile: junk };
    default:
      return null;
  }
}

/**
 * Whole values of the input types whose fields depend on one another (a PART line needs its part number,
 * quantity and price; a claim names its unit once), which values drawn field by field seldom get right: with
 * them a request gets past the first refusal into the pricing, the calendar and the SQL. Optional: a type
 * without one is drawn field by field.
 */
export function templatesFor(type: string, pools: FuzzPools): Array<Record<string, unknown>> | null {
  const serial = (i: number) => pools.serials[i % Math.max(1, pools.serials.length)] ?? 'FZ-1';
  const id = (i: number) => pools.warrantyIds[i % Math.max(1, pools.warrantyIds.length)] ?? '00000000-0000-0000-0000-000000000000';
  const part = { kind: 'PART', partNumber: 'P-1', quantity: '2', unitPrice: '10.50' };
  const labour = { kind: 'LABOUR', hours: '1.5', rate: '60' };
  const travel = { kind: 'TRAVEL', startAt: '2026-05-04T08:00:00Z', endAt: '2026-05-04T09:30:00Z', rate: '40' };
  const money = { amount: '349.00', currency: 'EUR' };
  switch (type) {
    case 'ClaimLineInput':
      return [part, labour, travel];
    case 'SubmitClaimInput':
      return [
        { serialNumber: serial(1), kind: 'REPAIR', repairDate: '2026-05-15', currency: 'EUR', readings: { throughputMwh: 8, sohPct: 70 }, lines: [part, labour, travel] },
        { warrantyId: id(0), kind: 'REPAIR', repairDate: '2026-05-20', currency: 'EUR', component: 'INVERTER_BOARD', lines: [part, travel] },
        { warrantyId: id(3), kind: 'REPAIR', repairDate: '2026-05-21', currency: 'EUR', readings: { odometerKm: 30_000 }, lines: [labour] },
        { serialNumber: serial(2), kind: 'REPLACE', repairDate: '2026-05-22', currency: 'GBP', replacementSerialNumber: 'FZ-REPL-1', lines: [part] },
        { warrantyId: id(0), kind: 'REFUND', repairDate: '2026-05-23', currency: 'EUR', lines: [] },
        // Rule 19: a campaign claim (once per unit: the second is CAMPAIGN_ALREADY_CLAIMED), an unknown campaign.
        { serialNumber: serial(0), kind: 'CAMPAIGN', campaignCode: 'FZ-RECALL', repairDate: '2026-05-24', currency: 'EUR', lines: [] },
        { serialNumber: serial(1), kind: 'CAMPAIGN', campaignCode: 'FZ-NO-SUCH', repairDate: '2026-05-24', currency: 'EUR', lines: [] },
      ];
    case 'PublishCampaignInput': {
      const remedy = { currency: 'EUR', parts: [{ partNumber: 'FZ-KIT', quantity: '1', unitPrice: '25.00' }] };
      return [
        // A good one, the fixture's code again (CAMPAIGN_CODE_TAKEN), no units and unknown units only (NO_AFFECTED_UNITS).
        { code: 'FZ-SERVICE-1', title: 'Fuzz service', kind: 'SERVICE_CAMPAIGN', periodFrom: '2026-01-01', remedy, skuRanges: [{ sku: 'SOFAR-PM-V2-10', producedFrom: null, producedTo: null }], serialNumbers: [serial(0), 'FZ-GHOST-1'] },
        { code: 'fz-recall', title: 'Again', kind: 'SAFETY_RECALL', periodFrom: '2026-01-01', remedy, serialNumbers: [serial(0)] },
        { code: 'FZ-EMPTY', title: 'No units', kind: 'SAFETY_RECALL', periodFrom: '2026-01-01', remedy },
        { code: 'FZ-GHOSTS', title: 'Unknown units', kind: 'SAFETY_RECALL', periodFrom: '2026-01-01', remedy, serialNumbers: ['FZ-GHOST-1', 'FZ-GHOST-2'] },
      ];
    }
    case 'MarkCampaignNotApplicableInput':
      return [
        { campaignCode: 'FZ-RECALL', serialNumber: serial(2), reason: 'scrapped' },
        { campaignCode: 'FZ-RECALL', warrantyId: id(3), reason: '' },
        { campaignCode: 'FZ-NO-SUCH', serialNumber: serial(2), reason: 'x' },
      ];
    case 'RegisterWarrantyInput':
      return [
        { serialNumber: 'FZ-NEW-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2025-01-01', commissioningDate: '2025-03-01' },
        { serialNumber: 'FZ-NEW-2', sku: 'DEMO-VAN-36', site: { countryCode: 'PL' }, productionDate: '2025-01-01', supplyChainStage: 'BROKER', sale: { invoiceDate: '2025-06-01' } },
        { serialNumber: 'FZ-NEW-3', sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'GB' }, registrantRole: 'INSTALLER' },
      ];
    case 'PublishWarrantyPolicyInput':
      return [{
        productFamily: 'INVERTER', region: 'PL', effectiveFrom: '2027-01-01', termMonths: 60, labourMonths: 24, slaResponseHours: 8, slaOnsiteHours: 48,
        extensionTiers: ['EXTENDED_5Y'], extensionPrices: [{ tier: 'EXTENDED_5Y', price: money }], extensionCliffMonths: 6, extensionWindowMonths: 24,
      }];
    case 'PublishServicePlanInput':
      return [{ productFamily: 'VEHICLE', items: [{ code: 'INSPECTION_12M', name: 'Inspection', dueMonths: 12, dueKm: 15_000, windowBeforeDays: 30, windowAfterDays: 30, value: { amount: '149.50', currency: 'EUR' } }] }];
    case 'AddPartCoverageInput':
      return [{ warrantyId: id(3), part: 'POWERTRAIN', startDate: '2025-06-01', termMonths: 24, labourMonths: 12, limits: { odometerKm: 100_000 } }];
    case 'PurchaseExtensionInput':
      return [{ id: id(0), tier: 'EXTENDED_5Y', orderReference: 'FZ-ORDER-1', purchaseDate: '2026-05-01', price: money }];
    case 'RecordSaleDocumentInput':
      return [{ serialNumber: serial(3), kind: 'END_CUSTOMER_SALE', date: '2025-02-01', reference: 'INV-1' }, { warrantyId: id(4), kind: 'BROKER_INVOICE', date: '2025-10-01' }];
    case 'ClaimServiceItemInput':
      return [{ serialNumber: serial(3), itemCode: 'INSPECTION_24M', claimDate: '2026-05-01', odometerKm: 30_000 }];
    case 'RecordReadingsInput':
      return [{ serialNumber: serial(3), readOn: '2026-05-30', readings: { odometerKm: 31_000 } }, { warrantyId: id(1), readOn: '2026-05-30', readings: { throughputMwh: 9, sohPct: 69 } }];
    case 'UpdateWarrantyInput':
      return [{ id: id(2), reason: 'Fix', productionDate: '2019-12-01' }, { id: id(4), reason: 'Shift', warrantyDateShift: '2025-07-01' }];
    case 'RecordExceptionDecisionInput':
      return pools.claimIds.map((claimId) => ({ claimId, outcome: 'APPROVED', approver: 'OA Bot', reference: 'OA-1' }));
    case 'UpsertProductReferencesInput':
      return [{ references: [{ sku: 'FZ-SKU-1', productId: 'prod-fz', productFamily: 'BATTERY', capacityKwh: 10.5 }] }];
    case 'FirmwareReportInput':
      return [{ serialNumber: serial(1), component: 'CELLS', version: '3.2', at: '2026-05-31T10:00:00Z' }];
    case 'PublishFirmwareReleaseInput':
      return [{ productFamily: 'BATTERY', component: 'CELLS', version: '3.3', releasedAt: '2026-05-01T00:00:00Z', graceDays: 30 }];
    default:
      return null;
  }
}

/** A scalar's own values, when its field's name says nothing (null: a scalar the fuzz does not know). */
export function scalarValues(name: string): ValuePair | null {
  switch (name) {
    case 'String':
      return { valid: words, edge: weirdString, hostile: junk };
    case 'ID':
      return { valid: fc.uuid(), edge: idEdge, hostile: fc.oneof(fc.integer(), junk) };
    case 'Int':
      return intValue;
    case 'Float':
      return floatValue;
    case 'Boolean':
      return booleanValue;
    case 'Date':
      return dateValue;
    case 'DateTime':
      return dateTimeValue;
    // An instant something was observed at (a heartbeat): a DateTime not later than now plus the clock skew.
    case 'ObservedAt':
      return dateTimeValue;
    case 'Decimal':
      return decimalValue;
    case 'JSON':
    case '_Any':
    case '_FieldSet':
      return jsonValue;
    default:
      return null;
  }
}
