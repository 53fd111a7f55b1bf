/**
 * `npm run bench`: the real subgraph (migrations, HTTP server, auth, DataLoaders) on a scratch database, loaded
 * with 1,000 units of org "sofar", then timed over loopback HTTP the way the gateway calls it.
 *
 *   DATABASE_URL unset → a throw-away embedded PostgreSQL; set → a scratch database on that server (dropped after).
 *
 * SQL per request is the server's own count: every request runs in a `requestScope` whose `sqlQueries` the
 * TypeORM logger increments, and the request log plugin reports it in its 'graphql' line. The bench listens to
 * those lines (the logger itself stays silent), so the numbers come from the very requests being timed.
 *
 * The last scenario goes through a real @apollo/gateway in front of the subgraph and a stub CSP subgraph (all in
 * this one process). The gateway forwards the caller's Authorization and x-request-id headers, so every
 * warranty-subgraph request a gateway request causes logs under that gateway request's id: its SQL/request is
 * the sum over those subgraph requests, and "subgraph req/request" says how many there were.
 */
import { cpus, platform, release } from 'node:os';
import { performance } from 'node:perf_hooks';
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import gql from 'graphql-tag';
import { startApp, type RunningApp } from '../src/app';
import type { Actor } from '../src/auth/actor';
import { signToken } from '../src/auth/tokens';
import { logger, requestScope } from '../src/common/logger';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../src/config';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database';
import { loadContractSchema } from '../src/schema-parts';
import { CSP_SDL } from '../test/support/sibling-subgraphs';

logger.setLevel('silent');

const ORG = 'sofar';
const UNITS = 1000;
/** Requests per HTTP scenario: single lookups, `_entities` pages of BATCH representations, active-warranty
 * checks, and gateway queries for the CSP's BATCH cases. */
const LOOKUP_REQUESTS = 2000;
const BATCH_REQUESTS = 600;
const CHECK_REQUESTS = 1000;
const GATEWAY_REQUESTS = 600;
const WARMUP = 50;
const CONCURRENCY = 8;
const BATCH = 100;
/** Per scenario: stop issuing requests after this long, whatever the count (the table shows how many ran). */
const MAX_SCENARIO_MS = 40_000;

const SKUS = ['SOFAR-INV-10KTL-X-G2', 'SOFAR-PM-V2-10'] as const;
/** The inverter SKU: its policy sets no usage limits, so its check needs no readings. */
const INVERTER_SKU = SKUS[0];
const SITES = [
  { countryCode: 'DE', timeZone: 'Europe/Berlin' },
  { countryCode: 'FR', timeZone: 'Europe/Paris' },
  { countryCode: 'PL', timeZone: 'Europe/Warsaw' },
  { countryCode: 'GB', timeZone: 'Europe/London' },
];

const WARRANTY_LOOKUP = `query Lookup($serialNumber: String!) {
  warranty(serialNumber: $serialNumber) {
    id region status expiresAt start { date source } coverages { scope endDate }
  }
}`;

const CASE_ENTITIES = `query CaseEntities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Case { id warranty { id status expiresAt coverages { scope } } }
  }
}`;

const RECORD_ENTITIES = `query RecordEntities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on WarrantyRecord { serialNumber coverages { scope } policy { version } }
  }
}`;

const CHECK_WARRANTY = `query Check($input: CheckWarrantyInput!) {
  checkWarranty(input: $input) {
    decision paysParts paysLabour reason coverages { active checks { check outcome } projectedEnd { date } }
  }
}`;
/** Batteries need the throughput reading (their policy caps it); inverters ignore it. */
const CHECK_REPAIR_DATE = '2026-01-10';
const CHECK_READINGS = { throughputMwh: 5 };

const GATEWAY_CASES = `{ cases { id serialNumber warranty { serialNumber status expiresAt } warrantyCheck { decision reason } } }`;
const CASE_OPENED_AT = '2026-01-10T09:00:00Z';

interface Unit {
  id: string;
  serialNumber: string;
  sku: string;
}

interface Row {
  scenario: string;
  requests: number;
  /** Fewer requests ran than planned because the scenario hit MAX_SCENARIO_MS. */
  capped?: boolean;
  seconds: number;
  latenciesMs: number[];
  sqlPerRequest: number[];
  /** Warranty-subgraph HTTP requests per request: 1 for direct HTTP, absent in-process. */
  subgraphRequests?: number[];
}

interface Scenario {
  name: string;
  requests: number;
  /** Where to send it: the subgraph itself unless set (the gateway). */
  url?: string;
  query: string;
  variables(index: number): Record<string, unknown>;
  /** Throws when a response is not what the gateway would expect, so a broken server cannot look fast. */
  check(data: any, index: number): void;
}

// ---------------------------------------------------------------------------------------------------------------
// SQL counts from the server's request log

/**
 * sqlQueries of the 'graphql' log lines, summed by request id (the bench sends its own x-request-id; the gateway
 * passes it on, so one id may log several subgraph requests), with the number of lines.
 */
const sqlByRequestId = new Map<string, { sql: number; requests: number }>();
const originalInfo = logger.info.bind(logger);
logger.info = (message: string, fields?: Record<string, unknown>) => {
  if (message === 'graphql') {
    const scope = requestScope.getStore();
    if (scope && typeof fields?.sqlQueries === 'number') {
      const seen = sqlByRequestId.get(scope.requestId) ?? { sql: 0, requests: 0 };
      sqlByRequestId.set(scope.requestId, { sql: seen.sql + fields.sqlQueries, requests: seen.requests + 1 });
    }
  }
  originalInfo(message, fields);
};

// ---------------------------------------------------------------------------------------------------------------
// Statistics and formatting

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function sqlSummary(counts: number[]): string {
  if (counts.length === 0) return 'n/a';
  const min = Math.min(...counts);
  const max = Math.max(...counts);
  const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
  return min === max ? String(min) : `${mean.toFixed(2)} (${min}–${max})`;
}

function table(rows: Row[]): string {
  const lines = [
    '| scenario | requests | req/s | p50 ms | p95 ms | SQL/request | subgraph req/request |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const sorted = [...row.latenciesMs].sort((a, b) => a - b);
    lines.push(
      `| ${row.scenario} | ${row.requests}${row.capped ? ' (time cap)' : ''} | ${(row.requests / row.seconds).toFixed(1)} | ` +
        `${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 95).toFixed(2)} | ${sqlSummary(row.sqlPerRequest)} | ` +
        `${row.subgraphRequests ? sqlSummary(row.subgraphRequests) : '—'} |`,
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Load

async function registerUnits(app: RunningApp): Promise<{ units: Unit[]; row: Row }> {
  const actor: Actor = { id: 'bench', orgId: ORG, roles: ['WARRANTY_ADMIN', 'INSTALLER'], customerId: null };
  const units: Unit[] = [];
  const latenciesMs: number[] = [];
  const sqlPerRequest: number[] = [];
  const runTag = Date.now().toString(36).toUpperCase();
  const started = performance.now();
  for (let index = 0; index < UNITS; index++) {
    const scope = { requestId: `bench-register-${index}`, sqlQueries: 0 };
    const t0 = performance.now();
    const record = await requestScope.run(scope, () =>
      app.services.records.register(actor, {
        serialNumber: `BENCH-${runTag}-${String(index).padStart(5, '0')}`,
        sku: SKUS[index % SKUS.length],
        customerId: `bench-customer-${index % 50}`,
        site: SITES[Math.floor(index / SKUS.length) % SITES.length],
        commissioningDate: '2024-03-01',
      }),
    );
    latenciesMs.push(performance.now() - t0);
    sqlPerRequest.push(scope.sqlQueries);
    units.push({ id: record.id, serialNumber: record.serialNumber, sku: record.sku });
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    units,
    row: { scenario: 'register (in-process, sequential)', requests: UNITS, seconds, latenciesMs, sqlPerRequest },
  };
}

async function post(url: string, token: string, requestId: string, query: string, variables: Record<string, unknown>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': requestId },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
  if (response.status !== 200 || body.errors?.length) {
    throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body.data;
}

/** `count` requests through a pool of CONCURRENCY workers, stopping early after `maxMs`. */
async function runPool(
  count: number,
  maxMs: number,
  send: (index: number) => Promise<void>,
): Promise<{ done: number; seconds: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const deadline = started + maxMs;
  async function worker(): Promise<void> {
    while (next < count && performance.now() < deadline) {
      const index = next++;
      const t0 = performance.now();
      await send(index);
      latenciesMs.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { done: latenciesMs.length, seconds: (performance.now() - started) / 1000, latenciesMs };
}

async function measure(app: RunningApp, token: string, scenario: Scenario, slug: string): Promise<Row> {
  const url = scenario.url ?? app.url;
  const send = (phase: string) => async (index: number) => {
    const data = await post(url, token, `bench-${slug}-${phase}-${index}`, scenario.query, scenario.variables(index));
    scenario.check(data, index);
  };
  await runPool(WARMUP, MAX_SCENARIO_MS, send('warmup'));
  sqlByRequestId.clear();
  const { done, seconds, latenciesMs } = await runPool(scenario.requests, MAX_SCENARIO_MS, send('run'));
  const sqlPerRequest: number[] = [];
  const subgraphRequests: number[] = [];
  for (let index = 0; index < done; index++) {
    const logged = sqlByRequestId.get(`bench-${slug}-run-${index}`);
    if (logged !== undefined) {
      sqlPerRequest.push(logged.sql);
      subgraphRequests.push(logged.requests);
    }
  }
  if (sqlPerRequest.length !== done) throw new Error(`${scenario.name}: ${done - sqlPerRequest.length} requests were not logged`);
  sqlByRequestId.clear();
  return {
    scenario: scenario.name,
    requests: done,
    capped: done < scenario.requests,
    seconds,
    latenciesMs,
    sqlPerRequest,
    subgraphRequests,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The gateway: a stub CSP subgraph and a real @apollo/gateway in front of it and the warranty subgraph

interface GatewayContext {
  authorization?: string;
  requestId?: string;
}

/** The default data source, plus forwarding of the caller's Authorization and x-request-id headers. */
class ForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
  }
}

interface BenchCase {
  id: string;
  serialNumber: string;
  title: string;
  openedAt: string;
}

interface Gateway {
  url: string;
  cases: BenchCase[];
  stop(): Promise<void>;
}

/** The stub CSP subgraph and the gateway, each on a free loopback port; `stop` closes whichever have started. */
async function startGateway(app: RunningApp, units: Unit[]): Promise<Gateway> {
  const inverters = units.filter((unit) => unit.sku === INVERTER_SKU).slice(0, BATCH);
  if (inverters.length < BATCH) throw new Error(`only ${inverters.length} inverters registered, ${BATCH} needed`);
  const cases: BenchCase[] = inverters.map((unit, k) => ({
    id: `bench-case-${k}`,
    serialNumber: unit.serialNumber,
    title: `Inverter fault ${k}`,
    openedAt: CASE_OPENED_AT,
  }));
  const servers: ApolloServer<any>[] = [];
  const stop = async () => {
    for (const server of servers.reverse()) {
      await server.stop().catch((error) => console.error(`stopping a gateway server failed: ${(error as Error).message}`));
    }
  };
  try {
    const byId = new Map(cases.map((c) => [c.id, c]));
    const csp = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: gql(CSP_SDL),
        resolvers: {
          Query: { cases: () => cases },
          Case: { __resolveReference: (ref: { id: string }) => byId.get(ref.id) ?? null },
        },
      }),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    servers.push(csp);
    const { url: cspUrl } = await startStandaloneServer(csp, { listen: { port: 0, host: '127.0.0.1' } });

    const composed = composeServices([
      { name: 'warranty', url: app.url, typeDefs: gql(loadContractSchema()) },
      { name: 'csp', url: cspUrl, typeDefs: gql(CSP_SDL) },
    ]);
    if (composed.errors) throw new Error(`composition failed:\n${composed.errors.map((e) => e.message).join('\n')}`);

    const gateway = new ApolloGateway({
      supergraphSdl: composed.supergraphSdl,
      buildService: ({ url }) => new ForwardingDataSource({ url }),
    });
    const gatewayServer = new ApolloServer<GatewayContext>({ gateway });
    servers.push(gatewayServer);
    const { url } = await startStandaloneServer(gatewayServer, {
      listen: { port: 0, host: '127.0.0.1' },
      context: async ({ req }) => ({
        authorization: req.headers.authorization,
        requestId: req.headers['x-request-id'] as string | undefined,
      }),
    });
    return { url, cases, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function scenarios(units: Unit[], gateway: Gateway): Array<[string, Scenario]> {
  /** The i-th batch: 100 consecutive units, wrapping around, starting 37 units later each time. */
  const batch = (index: number) => Array.from({ length: BATCH }, (_, k) => units[(index * 37 + k) % units.length]);
  const expect = (condition: unknown, message: string) => {
    if (!condition) throw new Error(message);
  };
  return [
    [
      'lookup',
      {
        name: '`warranty(serialNumber)`',
        requests: LOOKUP_REQUESTS,
        query: WARRANTY_LOOKUP,
        variables: (index) => ({ serialNumber: units[(index * 7) % units.length].serialNumber }),
        check: (data, index) => {
          const unit = units[(index * 7) % units.length];
          expect(data?.warranty?.id === unit.id, `lookup ${unit.serialNumber}: wrong or no record`);
          expect(data.warranty.coverages.length > 0, `lookup ${unit.serialNumber}: no coverages`);
        },
      },
    ],
    [
      'cases',
      {
        name: `\`_entities\` ${BATCH} × Case → warranty`,
        requests: BATCH_REQUESTS,
        query: CASE_ENTITIES,
        variables: (index) => ({
          representations: batch(index).map((unit, k) => ({
            __typename: 'Case',
            id: `case-${index}-${k}`,
            serialNumber: unit.serialNumber,
          })),
        }),
        check: (data, index) => {
          const expected = batch(index);
          expect(data?._entities?.length === BATCH, 'cases: wrong number of entities');
          data._entities.forEach((entity: any, k: number) =>
            expect(entity?.warranty?.id === expected[k].id, `cases: entity ${k} has the wrong warranty`),
          );
        },
      },
    ],
    [
      'records',
      {
        name: `\`_entities\` ${BATCH} × WarrantyRecord by id`,
        requests: BATCH_REQUESTS,
        query: RECORD_ENTITIES,
        variables: (index) => ({
          representations: batch(index).map((unit) => ({ __typename: 'WarrantyRecord', id: unit.id })),
        }),
        check: (data, index) => {
          const expected = batch(index);
          expect(data?._entities?.length === BATCH, 'records: wrong number of entities');
          data._entities.forEach((entity: any, k: number) =>
            expect(entity?.serialNumber === expected[k].serialNumber, `records: entity ${k} is the wrong record`),
          );
        },
      },
    ],
    [
      'check',
      {
        name: '`checkWarranty` (repair 2026-01-10, 5 MWh)',
        requests: CHECK_REQUESTS,
        query: CHECK_WARRANTY,
        variables: (index) => ({
          input: {
            serialNumber: units[(index * 7) % units.length].serialNumber,
            repairDate: CHECK_REPAIR_DATE,
            readings: CHECK_READINGS,
          },
        }),
        check: (data, index) => {
          const unit = units[(index * 7) % units.length];
          const result = data?.checkWarranty;
          expect(result?.decision === 'COVERED', `check ${unit.serialNumber}: ${result?.decision ?? 'no answer'}: ${result?.reason}`);
          expect(result.coverages.length > 0, `check ${unit.serialNumber}: no coverages`);
        },
      },
    ],
    [
      'gateway',
      {
        name: `gateway: ${BATCH} CSP cases → warranty + warrantyCheck`,
        requests: GATEWAY_REQUESTS,
        url: gateway.url,
        query: GATEWAY_CASES,
        variables: () => ({}),
        check: (data) => {
          expect(data?.cases?.length === gateway.cases.length, 'gateway: wrong number of cases');
          data.cases.forEach((c: any, k: number) => {
            const expected = gateway.cases[k];
            expect(c.id === expected.id, `gateway: case ${k} is the wrong case`);
            expect(c.warranty?.serialNumber === expected.serialNumber, `gateway: case ${k} has the wrong warranty`);
            expect(c.warrantyCheck?.decision === 'COVERED', `gateway: case ${k}: ${c.warrantyCheck?.decision ?? 'no check'}`);
          });
        },
      },
    ],
  ];
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const runStarted = performance.now();
  let scratch: ScratchDatabase | undefined;
  let app: RunningApp | undefined;
  let gateway: Gateway | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      await gateway?.stop();
      await app?.stop().catch((error) => console.error(`stopping the app failed: ${(error as Error).message}`));
      await scratch?.dispose().catch((error) => console.error(`disposing of the database failed: ${(error as Error).message}`));
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping`);
      void cleanUp().finally(() => process.exit(130));
    });
  }

  try {
    const external = Boolean(process.env.DATABASE_URL);
    console.error(`bench: scratch database on ${external ? 'DATABASE_URL' : 'an embedded PostgreSQL'}…`);
    scratch = await createScratchDatabase(process.env.DATABASE_URL || undefined);
    const config = loadConfig({
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PLAYGROUND: 'false',
      SEED_DEMO_DATA: 'false',
      JWT_SECRET: '',
      LOG_LEVEL: 'silent',
    });
    app = await startApp({ ...config, databaseUrl: scratch.url });
    const [{ version: pgVersion }] = await app.dataSource.query('SELECT version() AS version');

    console.error(`bench: registering ${UNITS} units…`);
    const { units, row: registerRow } = await registerUnits(app);

    const token = await signToken(DEVELOPMENT_JWT_SECRET, { sub: 'bench', org: ORG, roles: ['AGENT'] });
    console.error('bench: starting a stub CSP subgraph and a gateway…');
    gateway = await startGateway(app, units);
    const rows: Row[] = [registerRow];
    for (const [slug, scenario] of scenarios(units, gateway)) {
      console.error(`bench: ${scenario.name}, ${scenario.requests} requests, concurrency ${CONCURRENCY}…`);
      rows.push(await measure(app, token, scenario, slug));
    }

    const cpu = cpus();
    console.log(`## Sofar Warranty bench\n`);
    console.log(
      `${UNITS} units in org "${ORG}" (${SKUS.join(' / ')}, sites ${SITES.map((s) => s.countryCode).join('/')}); ` +
        `HTTP scenarios over loopback, ${CONCURRENCY} concurrent, after ${WARMUP} warm-up requests; ` +
        `\`_entities\` batches of ${BATCH}. SQL/request is the server's own count per request ` +
        `(mean and range when it varies). The gateway row goes through a real @apollo/gateway (same process) in ` +
        `front of the subgraph and a stub CSP subgraph serving ${BATCH} inverter cases: its SQL/request is the sum ` +
        `over the warranty-subgraph requests each gateway request caused, and "subgraph req/request" counts them.\n`,
    );
    console.log(table(rows));
    console.log('');
    console.log(`- machine: ${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${platform()} ${release()}`);
    console.log(`- node: ${process.version}`);
    console.log(`- database: ${external ? 'DATABASE_URL (scratch database)' : 'embedded PostgreSQL'}, ${pgVersion}`);
    console.log(`- total run: ${((performance.now() - runStarted) / 1000).toFixed(1)} s`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`bench failed: ${(error as Error).stack ?? error}`);
    process.exit(1);
  },
);
