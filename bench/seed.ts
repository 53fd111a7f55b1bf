/**
 * The bench's data: fleets of registered units. The read scenarios use READ_FLEET (ORGS organisations with
 * UNITS_PER_ORG units each); the telemetry bench seeds fleets of its own (telemetry.ts).
 *
 * 1. Through the running subgraph's API, as an organisation's WARRANTY_ADMIN would: each organisation publishes
 *    its own policy versions (inverters and batteries, four regions) and product references, then registers
 *    SEEDS_PER_ORG units (a mix of SKUs, sites, start facts and supply-chain stock), so those rows, their
 *    coverages and their events are exactly what the app writes.
 * 2. Set-based SQL multiplies them: every seed unit is copied (INSERT ... SELECT over generate_series) with a fresh
 *    id, its own serial number, customer and registration time, together with its coverages (fresh ids) and its
 *    events. A copy keeps its seed's organisation, product and policy, so every organisation's rows reference that
 *    organisation's own policies and products and the tenancy filters see what production would.
 *
 * Serial numbers are the organisation's prefix and n, zero-padded (`SN-O03-004217`), n = 0..unitsPerOrg-1: seeds are
 * n < seedsPerOrg, the copies of seed s are s + k·seedsPerOrg.
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { signToken } from '../src/auth/tokens';
import type { BenchData } from './scenarios';

export const ORGS = 10;
export const UNITS_PER_ORG = 10_000;
export const SEEDS_PER_ORG = 50;
const CUSTOMERS_PER_ORG = 2_500;
const REGISTRATION_CONCURRENCY = 8;

export const orgName = (index: number) => `org-${String(index).padStart(2, '0')}`;
const serialPrefix = (index: number) => `SN-O${String(index).padStart(2, '0')}-`;

/** Organisations (each with its serial prefix) and how many units each gets: `seedsPerOrg` through the API, the rest copied. */
export interface Fleet {
  orgs: Array<{ org: string; prefix: string }>;
  unitsPerOrg: number;
  seedsPerOrg: number;
  /** Digits of n in a serial number. */
  digits: number;
}

export const READ_FLEET: Fleet = {
  orgs: Array.from({ length: ORGS }, (_, o) => ({ org: orgName(o), prefix: serialPrefix(o) })),
  unitsPerOrg: UNITS_PER_ORG,
  seedsPerOrg: SEEDS_PER_ORG,
  digits: 6,
};

/** The SQL pattern of a fleet's serial numbers (prefixes are letters, digits and dashes). */
const serialPattern = (fleet: Fleet) => `^(${fleet.orgs.map((o) => o.prefix).join('|')})[0-9]{${fleet.digits}}$`;

/** Product references every organisation keeps (the catalogue is shared; the references are per organisation). */
const PRODUCTS = [
  { sku: 'SOFAR-INV-10KTL-X-G2', productId: 'prod-inv-10ktl', productFamily: 'INVERTER', capacityKwh: null },
  { sku: 'SOFAR-INV-5KTLM-G3', productId: 'prod-inv-5ktlm', productFamily: 'INVERTER', capacityKwh: null },
  { sku: 'SOFAR-PM-V2-10', productId: 'prod-powermagic-v2', productFamily: 'BATTERY', capacityKwh: 10.24 },
  { sku: 'SOFAR-BTS-E5', productId: 'prod-bts-e5', productFamily: 'BATTERY', capacityKwh: 5.12 },
];
/** Seed k's SKU: three inverters in five units. */
const SKU_OF_SEED = [PRODUCTS[0].sku, PRODUCTS[1].sku, PRODUCTS[0].sku, PRODUCTS[2].sku, PRODUCTS[3].sku];

/** The families the bench registers; their terms are the example policies the migrations seed for `sofar`. */
const FAMILIES = new Set(['INVERTER', 'BATTERY']);
const EXAMPLE_POLICIES = `query ExamplePolicies {
  warrantyPolicies(first: 100) { edges { node {
    productFamily region version termMonths labourMonths sohGuaranteePct throughputMwhPerKwh mileageLimitKm engineHoursLimit
    componentScopes extensionTiers extensionCliffMonths extensionWindowMonths lateStartCapMonths slaResponseHours slaOnsiteHours
    autoApprovalLimits { amount currency } amendmentTolerancePct amendmentToleranceAmounts { amount currency }
  } } } }`;

const SITES = [
  { countryCode: 'DE', timeZone: 'Europe/Berlin' },
  { countryCode: 'FR', timeZone: 'Europe/Paris' },
  { countryCode: 'PL', timeZone: 'Europe/Warsaw' },
  { countryCode: 'GB', timeZone: 'Europe/London' },
];

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Seed k of an organisation: what an installer (or, for one in ten, a dealer with stock) would send. */
function registration(fleet: Fleet, o: number, k: number): Record<string, unknown> {
  const site = SITES[k % SITES.length];
  const base = {
    serialNumber: `${fleet.orgs[o].prefix}${String(k).padStart(fleet.digits, '0')}`,
    sku: SKU_OF_SEED[k % SKU_OF_SEED.length],
    customerId: `cust-${fleet.orgs[o].org}-${k % CUSTOMERS_PER_ORG}`,
    site,
  };
  if (k % 10 === 9) {
    // Dealer stock (always a battery, k % 5 = 4): not started until it is sold.
    return { ...base, registrantRole: 'DEALER', supplyChainStage: 'DEALER' };
  }
  // Commissioned between 2022-03-01 and 2025-12, so every inverter is within its term on REPAIR_DATE.
  const commissioningDate = addDays('2022-03-01', k * 29);
  return {
    ...base,
    commissioningDate,
    ...(k % 3 === 0 ? { productionDate: addDays(commissioningDate, -20) } : {}),
    ...(k % 7 === 0 ? { sale: { invoiceDate: addDays(commissioningDate, -5) } } : {}),
  };
}

/** One operation through the API: its data; an HTTP error, a GraphQL error or a userErrors entry stops the bench. */
export async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (response.status !== 200 || body.errors?.length) throw new Error(`seeding: HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
  const payload = Object.values(body.data ?? {})[0] as { userErrors?: unknown[] } | undefined;
  if (payload?.userErrors?.length) throw new Error(`seeding: ${JSON.stringify(payload.userErrors)}`);
  return body.data;
}

const PUBLISH = `mutation Publish($input: PublishWarrantyPolicyInput!) {
  publishWarrantyPolicy(input: $input) { policy { id } userErrors { code field message } } }`;
const UPSERT_PRODUCTS = `mutation Products($input: UpsertProductReferencesInput!) {
  upsertProductReferences(input: $input) { created userErrors { code field message } } }`;
const RETURN_RULE = `mutation ReturnRule($input: SetPartReturnRuleInput!) {
  setPartReturnRule(input: $input) { rule { id } userErrors { code field message } } }`;
const REGISTER = `mutation Register($input: RegisterWarrantyInput!) {
  registerWarranty(input: $input) { warranty { id } userErrors { code field message } } }`;

/** Step 1: policies, product references and the fleet's seed registrations per organisation, through the API. */
export async function seedThroughApi(url: string, jwtSecret: string, fleet: Fleet = READ_FLEET): Promise<number> {
  // Each organisation publishes the seeded example terms anew, as its own versions, in version order.
  const example = await signToken(jwtSecret, { sub: 'bench-seed', org: 'sofar', roles: ['AGENT'] });
  const policies = (await graphql(url, example, EXAMPLE_POLICIES, {})).warrantyPolicies.edges
    .map((edge: { node: Record<string, unknown> }) => edge.node)
    .filter((policy: Record<string, unknown>) => FAMILIES.has(policy.productFamily as string))
    .sort((a: { version: number }, b: { version: number }) => a.version - b.version)
    .map(({ version: _version, ...terms }: Record<string, unknown>) => terms);
  const jobs: Array<() => Promise<unknown>> = [];
  // The organisations side by side; within one, its policy versions in order, then its product references.
  await Promise.all(
    fleet.orgs.map(async ({ org }, o) => {
      const token = await signToken(jwtSecret, { sub: 'bench-seed', org, roles: ['WARRANTY_ADMIN', 'INSTALLER'] });
      for (const policy of policies) await graphql(url, token, PUBLISH, { input: { ...policy, effectiveFrom: '2020-01-01' } });
      await graphql(url, token, UPSERT_PRODUCTS, { input: { references: PRODUCTS } });
      // The power board the claim scenarios replace must come back (rule 18): a claim approved with it gets its RMA.
      await graphql(url, token, RETURN_RULE, { input: { partNumber: 'PB-10K', productFamily: 'INVERTER', windowDays: 30 } });
      for (let k = 0; k < fleet.seedsPerOrg; k++) jobs.push(() => graphql(url, token, REGISTER, { input: registration(fleet, o, k) }));
    }),
  );
  let next = 0;
  await Promise.all(
    Array.from({ length: REGISTRATION_CONCURRENCY }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }),
  );
  return jobs.length;
}

async function columnsOf(client: Client, table: string): Promise<string[]> {
  const { rows } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER' AND identity_generation IS NULL
      ORDER BY ordinal_position`,
    [table],
  );
  return rows.map((r) => r.column_name);
}

/** `INSERT INTO table (every column) SELECT ...`, copying each column from `alias` unless `overrides` says otherwise. */
export async function copyStatement(client: Client, table: string, alias: string, overrides: Record<string, string>, from: string): Promise<string> {
  const columns = await columnsOf(client, table);
  const unknown = Object.keys(overrides).filter((c) => !columns.includes(c));
  if (unknown.length) throw new Error(`seeding: ${table} has no column ${unknown.join(', ')}`);
  const values = columns.map((c) => overrides[c] ?? `${alias}."${c}"`);
  return `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${values.join(', ')} ${from}`;
}

/**
 * Step 2: every seed copied up to `unitsPerOrg` units per organisation, with coverages and events. The copies
 * are checked by every constraint (foreign keys included), which PostgreSQL does row by row; two connections
 * share the work: the records by halves of each organisation's numbers, then the coverages beside the events.
 */
export async function multiply(databaseUrl: string, fleet: Fleet = READ_FLEET): Promise<{ records: number; coverages: number; events: number; stepsMs: Record<string, number> }> {
  const copiesPerSeed = fleet.unitsPerOrg / fleet.seedsPerOrg;
  if (!Number.isInteger(copiesPerSeed)) throw new Error('unitsPerOrg must be a multiple of seedsPerOrg');
  const clients = [new Client({ connectionString: databaseUrl }), new Client({ connectionString: databaseUrl })];
  const [a, b] = clients;
  const stepsMs: Record<string, number> = {};
  let last = performance.now();
  const step = (name: string) => {
    stepsMs[name] = performance.now() - last;
    last = performance.now();
  };
  // A copy is registered a little earlier than the one before it (n · 37 s), like a history of registrations.
  const shift = (alias: string) => `make_interval(secs => ${alias}.n * 37)`;
  const serial = `m.prefix || lpad(m.n::text, ${fleet.digits}, '0')`;
  try {
    await Promise.all(clients.map((client) => client.connect()));
    // Which seed each copy comes from, with its fresh ids (unlogged tables: both connections read them).
    await a.query(
      `CREATE UNLOGGED TABLE bench_copy AS
       SELECT s.id AS seed_id, gen_random_uuid() AS id, s.org_id, left(s.serial_number, -$4::int) AS prefix,
              right(s.serial_number, $4::int)::int + g.k * $1::int AS n
         FROM warranty_record s CROSS JOIN generate_series(1, $2::int) AS g(k)
        WHERE s.org_id = ANY($3) AND s.serial_number ~ $5 AND right(s.serial_number, $4::int)::int < $1::int`,
      [fleet.seedsPerOrg, copiesPerSeed - 1, fleet.orgs.map((o) => o.org), fleet.digits, serialPattern(fleet)],
    );
    await a.query(
      `CREATE UNLOGGED TABLE bench_coverage_copy AS
       SELECT c.id AS seed_id, m.id AS record_id, gen_random_uuid() AS id, m.n, m.org_id
         FROM bench_copy m JOIN coverage c ON c.org_id = m.org_id AND c.warranty_record_id = m.seed_id`,
    );
    step('map');

    const recordCopy = await copyStatement(a, 'warranty_record', 's', {
      id: 'm.id',
      serial_number: serial,
      customer_id: `'cust-' || s.org_id || '-' || (m.n % ${CUSTOMERS_PER_ORG})`,
      registered_at: `s.registered_at - ${shift('m')}`,
      created_at: `s.created_at - ${shift('m')}`,
      updated_at: `s.updated_at - ${shift('m')}`,
    }, `FROM bench_copy m JOIN warranty_record s ON s.org_id = m.org_id AND s.id = m.seed_id WHERE (m.n * 2 >= $1::int) = $2::boolean ORDER BY m.org_id, m.n`);
    const records = await Promise.all([false, true].map((upper, i) => clients[i].query(recordCopy, [fleet.unitsPerOrg, upper])));
    step('records');

    const [coverages, events] = await Promise.all([
      a.query(
        await copyStatement(a, 'coverage', 'c', {
          id: 'cc.id',
          warranty_record_id: 'cc.record_id',
          created_at: `c.created_at - ${shift('cc')}`,
        }, `FROM bench_coverage_copy cc JOIN coverage c ON c.org_id = cc.org_id AND c.id = cc.seed_id ORDER BY cc.record_id`),
      ),
      b.query(
        await copyStatement(b, 'warranty_event', 'e', {
          warranty_record_id: 'm.id',
          coverage_id: 'cc.id',
          to_value: `CASE WHEN e.event = 'WARRANTY_REGISTERED' THEN ${serial} ELSE e.to_value END`,
          occurred_at: `e.occurred_at - ${shift('m')}`,
        }, `FROM bench_copy m JOIN warranty_event e ON e.org_id = m.org_id AND e.warranty_record_id = m.seed_id
            LEFT JOIN bench_coverage_copy cc ON cc.seed_id = e.coverage_id AND cc.record_id = m.id
            ORDER BY m.org_id, m.n, e.id`),
      ),
    ]);
    step('coverages and events');

    await a.query('DROP TABLE bench_copy, bench_coverage_copy');
    await Promise.all([
      a.query('VACUUM ANALYZE "warranty_record"'),
      b.query('VACUUM ANALYZE "coverage"').then(() => b.query('VACUUM ANALYZE "warranty_event"')),
    ]);
    // Write the copies' pages out now rather than in a checkpoint during a measured round (needs a superuser or
    // pg_checkpoint on a DATABASE_URL server; skipped without).
    await a.query('CHECKPOINT').catch(() => undefined);
    step('vacuum and checkpoint');
    const sum = (results: Array<{ rowCount: number | null }>) => results.reduce((total, r) => total + (r.rowCount ?? 0), 0);
    return { records: sum(records), coverages: coverages.rowCount ?? 0, events: events.rowCount ?? 0, stepsMs };
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

/** Step 3: the units the load generator and the CSP stub choose from, with an AGENT token per organisation. */
export async function benchData(client: Client, jwtSecret: string): Promise<BenchData> {
  const { rows } = await client.query<{ org_id: string; serial_number: string; id: string; checkable: boolean }>(
    `SELECT org_id, serial_number, id, (product_family = 'INVERTER' AND start_status = 'STARTED' AND voided_at IS NULL) AS checkable
       FROM warranty_record WHERE serial_number ~ $1 ORDER BY org_id, serial_number`,
    [serialPattern(READ_FLEET)],
  );
  const data: BenchData = { orgs: [] };
  for (let o = 0; o < ORGS; o++) {
    const org = orgName(o);
    const mine = rows.filter((r) => r.org_id === org);
    if (mine.length !== UNITS_PER_ORG) throw new Error(`seeding: ${org} has ${mine.length} units, not ${UNITS_PER_ORG}`);
    data.orgs.push({
      org,
      token: await signToken(jwtSecret, { sub: `bench-agent-${org}`, org, roles: ['AGENT'] }),
      serialPrefix: serialPrefix(o),
      serials: mine.map((r) => r.serial_number),
      ids: mine.map((r) => r.id),
      checkable: mine.flatMap((r, i) => (r.checkable ? [i] : [])),
    });
  }
  return data;
}
