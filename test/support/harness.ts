import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { startApp, type RunningApp } from '../../src/app';
import type { Role } from '../../src/auth/actor';
import { signToken } from '../../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET, loadConfig } from '../../src/config';
import type { Clock } from '../../src/common/clock';

/** The organisation the example policies are seeded for; test organisations copy its policies and SKUs. */
export const SEEDED_ORG = 'sofar';

export interface TestApp {
  url: string;
  app: RunningApp;
  dataSource: DataSource;
  /** POSTs a GraphQL operation to the running subgraph over HTTP. */
  graphql<T = any>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

export interface GraphQLResponse<T> {
  status: number;
  data?: T;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; [key: string]: unknown } }>;
}

/** The subgraph on a real port (0 = any free one) against the run's scratch database. */
export async function startTestApp(options: { clock?: Clock; env?: Record<string, string>; databaseUrl?: string } = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? process.env.TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run the tests through jest (global setup)');
  const config = loadConfig({
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    PLAYGROUND: 'false',
    SEED_DEMO_DATA: 'false',
    JWT_SECRET: '',
    ...options.env,
  });
  const app = await startApp({ ...config, databaseUrl, dbPoolSize: 4 }, options);
  return {
    url: app.url,
    app,
    dataSource: app.dataSource,
    graphql: (query, variables, token) => postGraphQL(app.url, query, variables, token),
    stop: () => app.stop(),
  };
}

export async function postGraphQL<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string | null,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as GraphQLResponse<T>;
  return { ...body, status: response.status };
}

export function tokenFor(org: string, roles: Role[], options: { sub?: string; customerId?: string } = {}): Promise<string> {
  return signToken(DEVELOPMENT_JWT_SECRET, {
    sub: options.sub ?? `${roles[0].toLowerCase()}-${org}`,
    org,
    roles,
    customerId: options.customerId,
  });
}

/**
 * A fresh organisation with a copy of the seeded example policies and product references, so each test file
 * works on its own data in the shared scratch database.
 */
export async function createTestOrg(dataSource: DataSource, label = 'org'): Promise<string> {
  const orgId = `${label}-${randomUUID().slice(0, 8)}`;
  await dataSource.query(
    `INSERT INTO warranty_policy (id, org_id, product_family, region, version, effective_from, term_months,
       labour_months, soh_guarantee_pct, throughput_mwh_per_kwh, mileage_limit_km, engine_hours_limit, component_scopes,
       extension_tiers, extension_cliff_months, extension_window_months, late_start_cap_months, sla_response_hours,
       sla_onsite_hours, extension_prices)
     SELECT gen_random_uuid(), $1, product_family, region, version, effective_from, term_months, labour_months,
       soh_guarantee_pct, throughput_mwh_per_kwh, mileage_limit_km, engine_hours_limit, component_scopes,
       extension_tiers, extension_cliff_months, extension_window_months, late_start_cap_months, sla_response_hours,
       sla_onsite_hours, extension_prices
     FROM warranty_policy WHERE org_id = $2`,
    [orgId, SEEDED_ORG],
  );
  // The seeded organisation's service calendars (rule 9; the seed has no closing days to copy).
  await dataSource.query(
    `INSERT INTO service_calendar (id, org_id, region, version, effective_from, service_days, opens_minute, closes_minute, published_by_id)
     SELECT gen_random_uuid(), $1, region, version, effective_from, service_days, opens_minute, closes_minute, published_by_id
     FROM service_calendar WHERE org_id = $2`,
    [orgId, SEEDED_ORG],
  );
  await dataSource.query(
    `INSERT INTO product_reference (org_id, sku, product_id, product_family, capacity_kwh)
     SELECT $1, sku, product_id, product_family, capacity_kwh FROM product_reference WHERE org_id = $2`,
    [orgId, SEEDED_ORG],
  );
  return orgId;
}

/** A clock pinned to one day: it starts at noon UTC and moves one second per reading, so order is kept. */
export function clockAt(isoDate: string): Clock {
  let tick = 0;
  const noon = Date.parse(`${isoDate}T12:00:00Z`);
  return () => new Date(noon + 1000 * tick++);
}
