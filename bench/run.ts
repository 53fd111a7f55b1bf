/**
 * `npm run bench`: the real subgraph (migrations, HTTP server, auth, DataLoaders) on a scratch database, loaded
 * with 1,000 units of org "sofar", then timed over loopback HTTP the way the gateway calls it.
 *
 *   DATABASE_URL unset → a throw-away embedded PostgreSQL; set → a scratch database on that server (dropped after).
 *
 * SQL per request is the server's own count: every request runs in a `requestScope` whose `sqlQueries` the
 * TypeORM logger increments, and the request log plugin reports it in its 'graphql' line. The bench listens to
 * those lines (the logger itself stays silent), so the numbers come from the very requests being timed.
 */
import { cpus, platform, release } from 'node:os';
import { performance } from 'node:perf_hooks';
import { startApp, type RunningApp } from '../src/app';
import type { Actor } from '../src/auth/actor';
import { signToken } from '../src/auth/tokens';
import { logger, requestScope } from '../src/common/logger';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../src/config';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database';

logger.setLevel('silent');

const ORG = 'sofar';
const UNITS = 1000;
/** Requests per HTTP scenario: single lookups, and `_entities` pages of BATCH representations. */
const LOOKUP_REQUESTS = 2000;
const BATCH_REQUESTS = 1000;
const WARMUP = 50;
const CONCURRENCY = 8;
const BATCH = 100;
/** Per scenario: stop issuing requests after this long, whatever the count (the table shows how many ran). */
const MAX_SCENARIO_MS = 30_000;

const SKUS = ['SOFAR-INV-10KTL-X-G2', 'SOFAR-PM-V2-10'] as const;
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

interface Unit {
  id: string;
  serialNumber: string;
}

interface Row {
  scenario: string;
  requests: number;
  /** Fewer requests ran than planned because the scenario hit MAX_SCENARIO_MS. */
  capped?: boolean;
  seconds: number;
  latenciesMs: number[];
  sqlPerRequest: number[];
}

interface Scenario {
  name: string;
  requests: number;
  query: string;
  variables(index: number): Record<string, unknown>;
  /** Throws when a response is not what the gateway would expect, so a broken server cannot look fast. */
  check(data: any, index: number): void;
}

// ---------------------------------------------------------------------------------------------------------------
// SQL counts from the server's request log

/** sqlQueries of every 'graphql' log line, keyed by request id (the bench sends its own x-request-id). */
const sqlByRequestId = new Map<string, number>();
const originalInfo = logger.info.bind(logger);
logger.info = (message: string, fields?: Record<string, unknown>) => {
  if (message === 'graphql') {
    const scope = requestScope.getStore();
    if (scope && typeof fields?.sqlQueries === 'number') sqlByRequestId.set(scope.requestId, fields.sqlQueries);
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
    '| scenario | requests | req/s | p50 ms | p95 ms | SQL/request |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const sorted = [...row.latenciesMs].sort((a, b) => a - b);
    lines.push(
      `| ${row.scenario} | ${row.requests}${row.capped ? ' (time cap)' : ''} | ${(row.requests / row.seconds).toFixed(1)} | ` +
        `${percentile(sorted, 50).toFixed(2)} | ${percentile(sorted, 95).toFixed(2)} | ${sqlSummary(row.sqlPerRequest)} |`,
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
    units.push({ id: record.id, serialNumber: record.serialNumber });
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
  const send = (phase: string) => async (index: number) => {
    const data = await post(app.url, token, `bench-${slug}-${phase}-${index}`, scenario.query, scenario.variables(index));
    scenario.check(data, index);
  };
  await runPool(WARMUP, MAX_SCENARIO_MS, send('warmup'));
  const { done, seconds, latenciesMs } = await runPool(scenario.requests, MAX_SCENARIO_MS, send('run'));
  const sqlPerRequest: number[] = [];
  for (let index = 0; index < done; index++) {
    const count = sqlByRequestId.get(`bench-${slug}-run-${index}`);
    if (count !== undefined) sqlPerRequest.push(count);
  }
  if (sqlPerRequest.length !== done) throw new Error(`${scenario.name}: ${done - sqlPerRequest.length} requests were not logged`);
  sqlByRequestId.clear();
  return { scenario: scenario.name, requests: done, capped: done < scenario.requests, seconds, latenciesMs, sqlPerRequest };
}

function scenarios(units: Unit[]): Array<[string, Scenario]> {
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
  ];
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const runStarted = performance.now();
  let scratch: ScratchDatabase | undefined;
  let app: RunningApp | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
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
    const rows: Row[] = [registerRow];
    for (const [slug, scenario] of scenarios(units)) {
      console.error(`bench: ${scenario.name}, ${scenario.requests} requests, concurrency ${CONCURRENCY}…`);
      rows.push(await measure(app, token, scenario, slug));
    }

    const cpu = cpus();
    console.log(`## Sofar Warranty bench\n`);
    console.log(
      `${UNITS} units in org "${ORG}" (${SKUS.join(' / ')}, sites ${SITES.map((s) => s.countryCode).join('/')}); ` +
        `HTTP scenarios over loopback, ${CONCURRENCY} concurrent, after ${WARMUP} warm-up requests; ` +
        `\`_entities\` batches of ${BATCH}. SQL/request is the server's own count per request ` +
        `(mean and range when it varies).\n`,
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
