/**
 * Prometheus metrics (`GET /metrics`, prom-client): requests and errors by operation, SQL statements per request,
 * the outbox's depth and the age of its oldest due message, deliveries by destination and outcome, webhook calls by
 * source and result, the read replicas' health and lag and where queries read, and the process's own (memory, CPU,
 * event loop). One registry per process: the in-server dispatcher and the HTTP server report into the same one.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import type { ReplicaSet } from '../db/replicas';

export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Operation names are the client's: only plain ones are labels, and only so many, or a client could grow the registry without end. */
const MAX_OPERATIONS = 200;
const operations = new Set<string>();
function operationLabel(name: string | null | undefined): string {
  if (!name) return '(anonymous)';
  if (operations.has(name)) return name;
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) || operations.size >= MAX_OPERATIONS) return '(other)';
  operations.add(name);
  return name;
}

const requests = new Counter({ name: 'warranty_graphql_requests_total', help: 'GraphQL requests by operation and HTTP status.', labelNames: ['operation', 'status'], registers: [registry] });
const errors = new Counter({ name: 'warranty_graphql_errors_total', help: 'GraphQL errors by operation and code.', labelNames: ['operation', 'code'], registers: [registry] });
const duration = new Histogram({
  name: 'warranty_graphql_request_duration_seconds',
  help: 'GraphQL request duration by operation.',
  labelNames: ['operation'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});
const sqlStatements = new Histogram({
  name: 'warranty_graphql_sql_statements',
  help: 'SQL statements one GraphQL request ran.',
  buckets: [0, 1, 2, 3, 5, 8, 13, 21, 50, 100, 300],
  registers: [registry],
});

export function recordRequest(answer: { operation: string | null | undefined; status: number; seconds: number; sqlStatements: number; errors?: Record<string, number> }): void {
  const operation = operationLabel(answer.operation);
  requests.inc({ operation, status: String(answer.status) });
  duration.observe({ operation }, answer.seconds);
  sqlStatements.observe(answer.sqlStatements);
  for (const [code, count] of Object.entries(answer.errors ?? {})) errors.inc({ operation, code }, count);
}

const deliveries = new Counter({
  name: 'warranty_outbox_deliveries_total',
  help: 'Outbox delivery attempts by destination and outcome (DELIVERED, RETRY, PARKED).',
  labelNames: ['destination', 'outcome'],
  registers: [registry],
});
const deliveryDuration = new Histogram({
  name: 'warranty_outbox_delivery_duration_seconds',
  help: 'One delivery attempt, from the request to the answer (or the timeout), by destination.',
  labelNames: ['destination'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export function recordDelivery(destination: string, outcome: string, seconds: number): void {
  deliveries.inc({ destination, outcome });
  deliveryDuration.observe({ destination }, seconds);
}

const webhookRequests = new Counter({
  name: 'warranty_webhook_requests_total',
  help: 'Inbound webhook calls by source (OA, CLOUD, PRODUCTS) and result (ACCEPTED, REPLAYED, BAD_SIGNATURE, STALE, ...).',
  labelNames: ['source', 'result'],
  registers: [registry],
});

/** Both labels come from closed sets (webhook-rules.ts), never from the caller. */
export function recordWebhook(source: string, result: string): void {
  webhookRequests.inc({ source, result });
}

/** The outbox as the database holds it, read when scraped (at most every OUTBOX_SAMPLE_MS, however often scraped). */
const OUTBOX_SAMPLE_MS = 5_000;
let outboxSource: DataSource | null = null;
type OutboxSample = Array<{ destination: string; pending: number; parked: number; oldest_seconds: number | null }>;
/** The last sample, as a promise: a scrape collects the three gauges at once, and they share one query. */
let sampled: { at: number; rows: Promise<OutboxSample> } | null = null;

export function watchOutbox(dataSource: DataSource | null): void {
  outboxSource = dataSource;
  sampled = null;
}

function outboxRows(): Promise<OutboxSample> {
  if (!outboxSource?.isInitialized) return Promise.resolve([]);
  if (!sampled || Date.now() - sampled.at > OUTBOX_SAMPLE_MS) {
    const rows: Promise<OutboxSample> = outboxSource.query(
      `SELECT destination,
              count(*) FILTER (WHERE parked_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE parked_at IS NOT NULL)::int AS parked,
              extract(epoch FROM now() - min(created_at) FILTER (WHERE parked_at IS NULL))::float8 AS oldest_seconds
       FROM outbox_message WHERE delivered_at IS NULL GROUP BY destination`,
    );
    const sample = { at: Date.now(), rows };
    sampled = sample;
    // A failed sample is not kept: the next scrape asks again.
    rows.catch(() => {
      if (sampled === sample) sampled = null;
    });
  }
  return sampled.rows;
}

new Gauge({
  name: 'warranty_outbox_pending_messages',
  help: 'Outbox messages not yet delivered (not parked), by destination.',
  labelNames: ['destination'],
  registers: [registry],
  async collect() {
    this.reset();
    for (const row of await outboxRows()) this.set({ destination: row.destination }, row.pending);
  },
});
new Gauge({
  name: 'warranty_outbox_parked_messages',
  help: 'Outbox messages parked (dead) until an admin retries them, by destination.',
  labelNames: ['destination'],
  registers: [registry],
  async collect() {
    this.reset();
    for (const row of await outboxRows()) this.set({ destination: row.destination }, row.parked);
  },
});
new Gauge({
  name: 'warranty_outbox_oldest_pending_age_seconds',
  help: 'Age of the oldest undelivered (not parked) outbox message, by destination.',
  labelNames: ['destination'],
  registers: [registry],
  async collect() {
    this.reset();
    for (const row of await outboxRows()) if (row.oldest_seconds !== null) this.set({ destination: row.destination }, row.oldest_seconds);
  },
});

/** The read replicas (db/replicas.ts) as the last background check left them, read when scraped. */
let replicaSource: ReplicaSet | null = null;
export function watchReplicas(replicas: ReplicaSet | null): void {
  replicaSource = replicas;
}

new Gauge({
  name: 'warranty_db_replica_healthy',
  help: 'Whether a read replica is read from (1) or skipped (0: lagging, down, not a standby, not yet checked), by replica.',
  labelNames: ['replica'],
  registers: [registry],
  collect() {
    this.reset();
    for (const replica of replicaSource?.replicas ?? []) this.set({ replica: replica.label }, replica.state === 'HEALTHY' ? 1 : 0);
  },
});
new Gauge({
  name: 'warranty_db_replica_lag_seconds',
  help: 'How far a read replica was behind the primary at the last check (absent when it could not be measured), by replica.',
  labelNames: ['replica'],
  registers: [registry],
  collect() {
    this.reset();
    for (const replica of replicaSource?.replicas ?? []) if (replica.lagMs !== undefined) this.set({ replica: replica.label }, replica.lagMs / 1000);
  },
});
const replicaStateChanges = new Counter({
  name: 'warranty_db_replica_state_changes_total',
  help: 'Read replica state changes by replica and the state entered (HEALTHY, LAGGING, DOWN, NOT_STANDBY).',
  labelNames: ['replica', 'state'],
  registers: [registry],
});
const readRoutes = new Counter({
  name: 'warranty_db_read_routes_total',
  help: 'GraphQL queries by where their reads went (a replica, or primary) and why (REPLICA, ASKED_PRIMARY, NO_HEALTHY_REPLICA, REPLICA_UNREACHABLE).',
  labelNames: ['target', 'reason'],
  registers: [registry],
});

export function recordReplicaState(replica: string, state: string): void {
  replicaStateChanges.inc({ replica, state });
}

export function recordReadRoute(target: string, reason: string): void {
  readRoutes.inc({ target, reason });
}
