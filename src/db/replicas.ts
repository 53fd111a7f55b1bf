import { performance } from 'node:perf_hooks';
import { Pool, type PoolClient } from 'pg';
import { logger } from '../common/logger';
import { parseLsn, PrimaryProgress, stateAfterCheck, type ReplicaState } from './replica-lag';
import { RequestBoundClient } from './request-bound-client';

/**
 * The hot standbys that GraphQL queries read from (DATABASE_REPLICA_URLS), each with a pool of its own and a state
 * kept by a check in the background, never on a request's path: every DATABASE_REPLICA_CHECK_INTERVAL_MS the
 * primary's WAL position is sampled, then each standby is asked how far it has replayed; one that lags past
 * DATABASE_REPLICA_MAX_LAG_MS, cannot be reached, or is not a standby is skipped until a later check finds it
 * healthy again. A change of state is one log line (not one per request) and a metric.
 *
 * The pools are built as the primary's are (data-source.ts): the same connection class, so a stopped request's
 * statements are cancelled on the standby too, and the same statement_timeout. Statements are counted against the
 * request's budget by whoever sends them (TypeORM's logger, the row reader), whichever pool they go to.
 */
export interface ReplicaOptions {
  urls: readonly string[];
  maxLagMs: number;
  checkIntervalMs: number;
  connectTimeoutMs: number;
  poolSize: number;
  statementTimeoutMs?: number;
}

export interface ReplicaEvents {
  /** A replica's state changed (also logged here). */
  onState?(label: string, state: ReplicaState): void;
}

export interface Replica {
  /** `host:port/database`: no user, no password (a label for logs and metrics). */
  readonly label: string;
  readonly pool: Pool;
  state: ReplicaState;
  /** The lag the last check measured; undefined when it could not. */
  lagMs: number | undefined;
}

/** The pool settings the primary's pool and the replicas' share (data-source.ts passes them to TypeORM as `extra`). */
export function sharedPoolSettings(statementTimeoutMs: number | undefined) {
  return { Client: RequestBoundClient, ...(statementTimeoutMs ? { statement_timeout: statementTimeoutMs } : {}) };
}

export function replicaLabel(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname || '/'}`;
  } catch {
    return 'replica';
  }
}

const PRIMARY_POSITION = 'SELECT pg_current_wal_flush_lsn()::text AS lsn';
const STANDBY_POSITION = 'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replayed';

export class ReplicaSet {
  readonly replicas: Replica[];
  private readonly progress: PrimaryProgress;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;
  private stopped = false;
  private next = 0;

  constructor(
    /** The primary's pool (TypeORM's): where the WAL position is sampled. */
    private readonly primary: Pool,
    private readonly options: ReplicaOptions,
    private readonly events: ReplicaEvents = {},
  ) {
    this.progress = new PrimaryProgress(options.maxLagMs + 2 * options.checkIntervalMs);
    this.replicas = options.urls.map((url) => {
      const pool = new Pool({
        connectionString: url,
        max: options.poolSize,
        application_name: 'sofar-warranty',
        connectionTimeoutMillis: options.connectTimeoutMs,
        ...sharedPoolSettings(options.statementTimeoutMs),
      });
      // An idle connection of a standby that goes away errors here; without a listener it would end the process.
      pool.on('error', (error) => logger.debug('replica connection lost', { replica: replicaLabel(url), error: error.message }));
      return { label: replicaLabel(url), pool, state: 'STARTING' as ReplicaState, lagMs: undefined };
    });
  }

  /** Runs the first check (so reads can go to the replicas from the first request), then checks in the background. */
  async start(): Promise<void> {
    await this.check();
    this.schedule();
  }

  /** A healthy replica for one request, in turn; null when none is (the request reads from the primary). */
  pick(): Replica | null {
    const count = this.replicas.length;
    for (let i = 0; i < count; i++) {
      const replica = this.replicas[(this.next + i) % count];
      if (replica.state === 'HEALTHY') {
        this.next = (this.next + i + 1) % count;
        return replica;
      }
    }
    return null;
  }

  /** A request could not get a connection from `replica`: it is skipped from now until a check finds it healthy. */
  markDown(replica: Replica, error: Error): void {
    this.setState(replica, 'DOWN', { error: error.message });
  }

  /** One round of checks; rounds never overlap. */
  check(): Promise<void> {
    this.round ??= this.checkAll().finally(() => (this.round = undefined));
    return this.round;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    await Promise.all(this.replicas.map((replica) => replica.pool.end().catch(() => undefined)));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.check().finally(() => this.schedule()), this.options.checkIntervalMs);
    this.timer.unref();
  }

  private async checkAll(): Promise<void> {
    try {
      const [row] = await this.ask<{ lsn: string }>(this.primary, PRIMARY_POSITION);
      this.progress.record(performance.now(), parseLsn(row.lsn));
    } catch (error) {
      // Without the primary's position the lag is judged against the last one known (it only grows).
      logger.debug('replica check: primary position unknown', { error: (error as Error).message });
    }
    await Promise.all(this.replicas.map((replica) => this.checkOne(replica)));
  }

  private async checkOne(replica: Replica): Promise<void> {
    let row: { standby: boolean; replayed: string | null };
    try {
      [row] = await this.ask(replica.pool, STANDBY_POSITION);
    } catch (error) {
      replica.lagMs = undefined;
      this.setState(replica, 'DOWN', { error: (error as Error).message });
      return;
    }
    replica.lagMs = row.replayed === null ? undefined : this.progress.lagMs(parseLsn(row.replayed), performance.now());
    this.setState(replica, stateAfterCheck({ standby: row.standby, lagMs: replica.lagMs }, this.options.maxLagMs), {});
  }

  /** One statement on its own connection, given up (and the connection dropped) past the connect timeout. */
  private async ask<Row>(pool: Pool, text: string): Promise<Row[]> {
    const client: PoolClient = await pool.connect();
    let broken: Error | undefined;
    try {
      const result = await client.query({ text, query_timeout: this.options.connectTimeoutMs } as { text: string });
      return result.rows as Row[];
    } catch (error) {
      broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private setState(replica: Replica, state: ReplicaState, detail: Record<string, unknown>): void {
    if (replica.state === state) return;
    const from = replica.state;
    replica.state = state;
    const line = { replica: replica.label, from, to: state, lagMs: replica.lagMs, maxLagMs: this.options.maxLagMs, ...detail };
    if (state === 'HEALTHY') logger.info('read replica in use', line);
    else logger.warn('read replica skipped', line);
    this.events.onState?.(replica.label, state);
  }
}
