import type { Actor } from '../../src/auth/actor';
import { requestScope } from '../../src/common/logger';
import { createRequestContext } from '../../src/context';
import { createTestOrg, startTestApp, type TestApp } from '../support/harness';
import { captureLogs } from '../support/log-capture';

/**
 * `_entities` batching: however many representations the router sends, each kind of row is read with one SQL
 * statement, scoped to the caller's organisation. Operations run in-process through the subgraph's own
 * ApolloServer inside a request scope, so the TypeORM logger counts exactly this request's statements.
 */

const UNITS = 100;

const RECORD_ENTITIES = `query($r: [_Any!]!) {
  _entities(representations: $r) {
    ... on WarrantyRecord { id serialNumber coverages { scope } policy { version } }
  }
}`;

const CASE_ENTITIES = `query($r: [_Any!]!) {
  _entities(representations: $r) { ... on Case { id warranty { id } } }
}`;

interface Run<T> {
  data: T | undefined;
  errors: readonly unknown[] | undefined;
  sqlQueries: number;
}

function adminOf(orgId: string): Actor {
  return { id: `admin-${orgId}`, orgId, roles: ['WARRANTY_ADMIN'], customerId: null };
}

function serialOf(org: 'A' | 'B', index: number): string {
  return `DL-${org}-${String(index).padStart(4, '0')}`;
}

describe('_entities batching', () => {
  let app: TestApp;
  let orgA: string;
  let orgB: string;
  /** Org A's units in registration order. */
  let unitsA: Array<{ id: string; serialNumber: string; sku: string }> = [];
  let unitsB: Array<{ id: string; serialNumber: string }> = [];

  async function execute<T = any>(actor: Actor, query: string, variables: Record<string, unknown>): Promise<Run<T>> {
    const scope = { requestId: `dataloader-${Math.random()}`, sqlQueries: 0 };
    const response = await requestScope.run(scope, () =>
      app.app.http.apollo.executeOperation(
        { query, variables },
        { contextValue: createRequestContext(app.app.services, scope.requestId, actor, null) },
      ),
    );
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    const { data, errors } = response.body.singleResult;
    return { data: (data ?? undefined) as T | undefined, errors, sqlQueries: scope.sqlQueries };
  }

  async function registerMany(actor: Actor, org: 'A' | 'B', count: number) {
    const registered: Array<{ id: string; serialNumber: string; sku: string }> = [];
    for (let start = 0; start < count; start += 10) {
      const chunk = await Promise.all(
        Array.from({ length: Math.min(10, count - start) }, (_, offset) => {
          const index = start + offset;
          // Alternate families so that coverages differ (a battery also gets a CELLS coverage) and so do policies.
          const sku = index % 2 === 0 ? 'SOFAR-INV-10KTL-X-G2' : 'SOFAR-PM-V2-10';
          return app.app.services.records
            .register(actor, {
              serialNumber: serialOf(org, index),
              sku,
              customerId: `dl-customer-${index % 7}`,
              site: { countryCode: index % 3 === 0 ? 'PL' : 'DE', timeZone: 'Europe/Berlin' },
              commissioningDate: '2024-03-01',
            })
            .then((record) => ({ id: record.id, serialNumber: record.serialNumber, sku }));
        }),
      );
      registered.push(...chunk);
    }
    return registered;
  }

  beforeAll(async () => {
    app = await startTestApp();
    orgA = await createTestOrg(app.dataSource, 'dl-a');
    orgB = await createTestOrg(app.dataSource, 'dl-b');
    unitsA = await registerMany(adminOf(orgA), 'A', UNITS);
    unitsB = await registerMany(adminOf(orgB), 'B', 5);
  });

  afterAll(async () => {
    await app?.stop();
  });

  it('resolves 100 records by id and 100 by serialNumber with at most one SQL query per key type', async () => {
    // By id in reverse registration order, by serial number in an interleaved order: the answer must follow
    // the representations, not the database.
    const byId = [...unitsA].reverse();
    const bySerial = [...unitsA.filter((_, i) => i % 2 === 1), ...unitsA.filter((_, i) => i % 2 === 0)];
    const representations = [
      ...byId.map((u) => ({ __typename: 'WarrantyRecord', id: u.id })),
      ...bySerial.map((u) => ({ __typename: 'WarrantyRecord', serialNumber: u.serialNumber })),
    ];

    const run = await execute<{ _entities: any[] }>(adminOf(orgA), RECORD_ENTITIES, { r: representations });
    expect(run.errors).toBeUndefined();
    const entities = run.data!._entities;
    expect(entities).toHaveLength(2 * UNITS);
    expect(entities.map((e) => e.id)).toEqual([...byId, ...bySerial].map((u) => u.id));
    expect(entities.map((e) => e.serialNumber)).toEqual([...byId, ...bySerial].map((u) => u.serialNumber));
    for (const [i, unit] of [...byId, ...bySerial].entries()) {
      const scopes = entities[i].coverages.map((c: { scope: string }) => c.scope).sort();
      expect(scopes).toEqual(unit.sku === 'SOFAR-PM-V2-10' ? ['CELLS', 'UNIT'] : ['UNIT']);
      expect(entities[i].policy).toEqual({ version: 1 });
    }

    // records by id 1 + records by serial 1 + coverages 1 + policies 1.
    console.log(`_entities: ${representations.length} WarrantyRecord representations -> ${run.sqlQueries} SQL statements`);
    expect(run.sqlQueries).toBeGreaterThan(0);
    expect(run.sqlQueries).toBeLessThanOrEqual(4);
  });

  it('costs the same few statements for 1 representation of each kind as for 100', async () => {
    const small = await execute(adminOf(orgA), RECORD_ENTITIES, {
      r: [
        { __typename: 'WarrantyRecord', id: unitsA[0].id },
        { __typename: 'WarrantyRecord', serialNumber: unitsA[0].serialNumber },
      ],
    });
    expect(small.errors).toBeUndefined();
    console.log(`_entities: 2 WarrantyRecord representations -> ${small.sqlQueries} SQL statements`);
    expect(small.sqlQueries).toBeLessThanOrEqual(4);
  });

  it('returns null for every representation of another organisation’s records', async () => {
    const representations = [
      ...unitsB.map((u) => ({ __typename: 'WarrantyRecord', id: u.id })),
      ...unitsB.map((u) => ({ __typename: 'WarrantyRecord', serialNumber: u.serialNumber })),
    ];
    const asA = await execute<{ _entities: unknown[] }>(adminOf(orgA), RECORD_ENTITIES, { r: representations });
    expect(asA.errors).toBeUndefined();
    expect(asA.data!._entities).toEqual(representations.map(() => null));

    // The same representations resolve for their own organisation.
    const asB = await execute<{ _entities: Array<{ id: string } | null> }>(adminOf(orgB), RECORD_ENTITIES, { r: representations });
    expect(asB.errors).toBeUndefined();
    expect(asB.data!._entities.map((e) => e?.id)).toEqual([...unitsB, ...unitsB].map((u) => u.id));
  });

  it('resolves Case.warranty for 100 case representations with one SQL query', async () => {
    const representations = unitsA.map((u, i) => ({
      __typename: 'Case',
      id: `case-${i}`,
      // Serial numbers from the CSP may differ in case; they are matched normalised.
      serialNumber: i % 10 === 0 ? u.serialNumber.toLowerCase() : u.serialNumber,
    }));
    const run = await execute<{ _entities: Array<{ id: string; warranty: { id: string } | null }> }>(
      adminOf(orgA),
      CASE_ENTITIES,
      { r: representations },
    );
    expect(run.errors).toBeUndefined();
    expect(run.data!._entities).toEqual(unitsA.map((u, i) => ({ id: `case-${i}`, warranty: { id: u.id } })));
    console.log(`_entities: ${representations.length} Case representations -> ${run.sqlQueries} SQL statements`);
    expect(run.sqlQueries).toBe(1);
  });

  it('gives Case.warranty null for another organisation’s, unknown and missing serials, still in one query', async () => {
    const representations = [
      { __typename: 'Case', id: 'case-b', serialNumber: unitsB[0].serialNumber },
      { __typename: 'Case', id: 'case-unknown', serialNumber: 'DL-NOT-REGISTERED' },
      { __typename: 'Case', id: 'case-none', serialNumber: null },
      { __typename: 'Case', id: 'case-a', serialNumber: unitsA[1].serialNumber },
    ];
    const run = await execute<{ _entities: unknown[] }>(adminOf(orgA), CASE_ENTITIES, { r: representations });
    expect(run.errors).toBeUndefined();
    expect(run.data!._entities).toEqual([
      { id: 'case-b', warranty: null },
      { id: 'case-unknown', warranty: null },
      { id: 'case-none', warranty: null },
      { id: 'case-a', warranty: { id: unitsA[1].id } },
    ]);
    expect(run.sqlQueries).toBe(1);
  });

  it('checks 100 cases, with their warranties, in one statement and one checkWarranty in one, with the answers of single checks', async () => {
    const openedAt = '2026-01-10T09:00:00Z';
    // Inverters only: a battery's check needs a throughput reading, which a case does not carry.
    const inverters = unitsA.filter((u) => u.sku === 'SOFAR-INV-10KTL-X-G2');
    const representations = inverters.map((u) => ({ __typename: 'Case', id: `case-${u.id}`, serialNumber: u.serialNumber, openedAt }));
    const page = await execute<{ _entities: any[] }>(
      adminOf(orgA),
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case {
        id warranty { id tier expiresAt } warrantyCheck { decision paysParts paysLabour reason coverages { active coverage { scope policy { version } } } }
      } } }`,
      { r: representations },
    );
    expect(page.errors).toBeUndefined();
    // One statement reads record, coverages and policies for the checks, and `warranty` takes its record from there.
    console.log(`_entities: ${representations.length} Case representations with warranty and check -> ${page.sqlQueries} SQL statements`);
    expect(page.sqlQueries).toBe(1);

    const CHECK = `query($input: CheckWarrantyInput!) { checkWarranty(input: $input) {
      decision paysParts paysLabour reason coverages { active coverage { scope policy { version } } } } }`;
    for (const index of [0, 1, 2, inverters.length - 1]) {
      const single = await execute<{ checkWarranty: any }>(adminOf(orgA), CHECK, {
        input: { serialNumber: inverters[index].serialNumber, repairDate: '2026-01-10' },
      });
      expect(single.errors).toBeUndefined();
      expect(single.sqlQueries).toBe(1);
      expect(page.data!._entities[index].warrantyCheck).toEqual(single.data!.checkWarranty);
      expect(page.data!._entities[index].warranty.id).toBe(inverters[index].id);
      expect(page.data!._entities[index].warrantyCheck.decision).toBe('COVERED');
    }
    // A battery has a cells coverage as well as the unit's, each with its policy: all read in the one statement.
    const battery = await execute<{ checkWarranty: any }>(adminOf(orgA), `query($input: CheckWarrantyInput!) {
      checkWarranty(input: $input) { decision warranty { serialNumber coverages { scope policy { version } } } } }`, {
      input: { serialNumber: unitsA[1].serialNumber, repairDate: '2026-01-10', readings: { throughputMwh: 1 } },
    });
    expect(battery.errors).toBeUndefined();
    expect(battery.sqlQueries).toBe(1);
    expect(battery.data!.checkWarranty.warranty.serialNumber).toBe(unitsA[1].serialNumber);
    expect(battery.data!.checkWarranty.warranty.coverages.map((c: any) => c.scope).sort()).toEqual(['CELLS', 'UNIT']);
    expect(battery.data!.checkWarranty.warranty.coverages.every((c: any) => c.policy.version === 1)).toBe(true);
  });

  it('reads only the record columns the operation selects, and the same values as a full read', async () => {
    const logs = captureLogs('debug');
    try {
      const representations = unitsA.slice(0, 5).map((u) => ({ __typename: 'WarrantyRecord', serialNumber: u.serialNumber }));
      const narrow = await execute<{ _entities: any[] }>(adminOf(orgA),
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id tier expiresAt } } }', { r: representations });
      const narrowSql = logs.lines.filter((l) => l.msg === 'sql' && String(l.query).includes('FROM warranty_record r')).pop()!.query as string;
      expect(narrowSql).toContain('"tier"');
      expect(narrowSql).toContain('"expires_at"');
      expect(narrowSql).not.toContain('"registered_at"');
      expect(narrowSql).not.toContain('"sale_invoice_date"');

      const wide = await execute<{ _entities: any[] }>(adminOf(orgA),
        `query($r: [_Any!]!) { _entities(representations: $r) { ...Everything } }
         fragment Everything on WarrantyRecord {
           id tier expiresAt serialNumber sku productFamily capacityKwh registrantRole registeredAt region status(asOf: "2026-01-10")
           start { date source } startFacts { activationRecordDate } site { countryCode timeZone } version updatedAt voidedAt
         }`, { r: representations });
      const wideSql = logs.lines.filter((l) => l.msg === 'sql' && String(l.query).includes('FROM warranty_record r')).pop()!.query as string;
      expect(wideSql).toContain('"registered_at"');
      expect(wideSql).toContain('"activation_record_date"');
      expect(narrow.errors).toBeUndefined();
      expect(wide.errors).toBeUndefined();
      for (const [i, entity] of wide.data!._entities.entries()) {
        expect(narrow.data!._entities[i]).toEqual({ id: entity.id, tier: entity.tier, expiresAt: entity.expiresAt });
        expect(entity).toMatchObject({
          serialNumber: unitsA[i].serialNumber,
          status: 'ACTIVE',
          start: { date: '2024-03-01', source: 'ACTIVATION_RECORD' },
          startFacts: { activationRecordDate: '2024-03-01' },
          site: { timeZone: 'Europe/Berlin' },
          voidedAt: null,
        });
        expect(Number.isNaN(Date.parse(entity.registeredAt))).toBe(false);
      }
    } finally {
      logs.stop();
    }
  });

  it('reads only the policy columns the check judges by unless the operation shows a policy version, with the same answer', async () => {
    const logs = captureLogs('debug');
    try {
      const checkSql = () => logs.lines.filter((l) => l.msg === 'sql' && String(l.query).includes('FROM warranty_policy p')).pop()!.query as string;
      const input = { serialNumber: unitsA[1].serialNumber, repairDate: '2026-01-10', readings: { throughputMwh: 1 } };
      const FIELDS = 'decision paysParts paysLabour reason coverages { active coverage { id scope endDate';
      const narrow = await execute<{ checkWarranty: any }>(adminOf(orgA), `query($input: CheckWarrantyInput!) { checkWarranty(input: $input) { ${FIELDS} } } } }`, { input });
      const narrowSql = checkSql();
      const whole = await execute<{ checkWarranty: any }>(adminOf(orgA), `query($input: CheckWarrantyInput!) { checkWarranty(input: $input) { ${FIELDS} policy { version extensionTiers } } } } }`, { input });
      const wholeSql = checkSql();
      expect([narrow.errors, whole.errors, narrow.sqlQueries, whole.sqlQueries]).toEqual([undefined, undefined, 1, 1]);
      expect(narrowSql).toContain('"late_start_cap_months"');
      expect(narrowSql).not.toContain('"extension_prices"');
      expect(wholeSql).toContain('"extension_prices"');
      // The same decision on each coverage, read either way; the policies shown are the units' own.
      expect(whole.data!.checkWarranty.coverages.map(({ coverage: { policy, ...coverage }, ...rest }: any) => ({ ...rest, coverage })))
        .toEqual(narrow.data!.checkWarranty.coverages);
      expect(whole.data!.checkWarranty.coverages.every((c: any) => c.coverage.policy.version === 1)).toBe(true);
      expect({ ...whole.data!.checkWarranty, coverages: null }).toEqual({ ...narrow.data!.checkWarranty, coverages: null });
    } finally {
      logs.stop();
    }
  });

  it('resolves Customer.warranties for many customers with two SQL queries, each customer its own first page', async () => {
    const customers = [...Array.from({ length: 7 }, (_, k) => `dl-customer-${k}`), 'dl-nobody-1', 'dl-nobody-2'];
    const run = await execute<{ _entities: Array<{ id: string; warranties: any }> }>(
      adminOf(orgA),
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id
         warranties(first: 5) { totalCount edges { cursor node { serialNumber } } pageInfo { hasNextPage hasPreviousPage } } } } }`,
      { r: customers.map((id) => ({ __typename: 'Customer', id })) },
    );
    expect(run.errors).toBeUndefined();
    console.log(`_entities: ${customers.length} Customer representations with warranties -> ${run.sqlQueries} SQL statements`);
    expect(run.sqlQueries).toBe(2);
    for (const [k, entity] of run.data!._entities.entries()) {
      const own = unitsA.filter((_, index) => `dl-customer-${index % 7}` === customers[k]).map((u) => u.serialNumber);
      expect(entity.warranties.totalCount).toBe(own.length);
      expect(entity.warranties.edges).toHaveLength(Math.min(5, own.length));
      expect(entity.warranties.pageInfo).toEqual({ hasNextPage: own.length > 5, hasPreviousPage: false });
      for (const edge of entity.warranties.edges) expect(own).toContain(edge.node.serialNumber);
    }
    // The batched first page is the page the paged path gives, and its cursor continues it.
    const batched = run.data!._entities[0].warranties;
    const paged = await app.app.services.records.list(adminOf(orgA), { customerId: 'dl-customer-0' }, { first: 5 });
    expect(batched.edges.map((e: any) => e.cursor)).toEqual(paged.edges.map((e) => e.cursor));
    const next = await execute<{ _entities: Array<{ warranties: any }> }>(
      adminOf(orgA),
      `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer { warranties(first: 5, after: $after) { edges { node { serialNumber } } } } } }`,
      { r: [{ __typename: 'Customer', id: 'dl-customer-0' }], after: batched.edges[4].cursor },
    );
    const firstTen = (await app.app.services.records.list(adminOf(orgA), { customerId: 'dl-customer-0' }, { first: 10 })).edges.map((e) => e.node.serialNumber);
    expect(next.data!._entities[0].warranties.edges.map((e: any) => e.node.serialNumber)).toEqual(firstTen.slice(5));
  });
});
