/**
 * Configuration comes only from environment variables. Every value is checked at start-up so that a typo fails
 * fast with a message naming the variable, instead of surfacing later as a confusing runtime error.
 */
export interface AppConfig {
  /** PostgreSQL connection string; absent means "start the embedded PostgreSQL". */
  databaseUrl?: string;
  /** Folder the embedded PostgreSQL keeps its data in (git-ignored). */
  embeddedDataDir: string;
  embeddedPort: number;
  port: number;
  host: string;
  nodeEnv: string;
  auth: AuthConfig;
  logLevel: LogLevel;
  /** Serve the offline GraphiQL playground at the subgraph URL (on by default outside production). */
  playground: boolean;
  /** Seed the demo organisation's sample units on start (embedded database only, unless forced). */
  seedDemoData: boolean;
  dbPoolSize: number;
  /** Hot standbys GraphQL queries read from (db/replicas.ts); none: every read goes to DATABASE_URL. */
  replicas: ReplicaConfig;
  limits: RequestLimits;
  /** Answer introspection queries (`__schema`); `_service { sdl }` for the gateway works either way. */
  introspection: boolean;
  /** After SIGTERM: how long in-flight requests may take to finish before the pool closes anyway. */
  drainTimeoutMs: number;
  /** Answer the gateway's hot read documents from their plans (server/planned-reads.ts); off runs them all through Apollo. */
  plannedReads: boolean;
  outbox: OutboxConfig;
  webhooks: WebhookConfig;
  /** The deadline of one fleet export over HTTP (`GET /exports/fleet.parquet`). */
  exportTimeoutMs: number;
  /** How far a sender's clock may run ahead of ours: an observed instant (a heartbeat) later than now + this is refused. */
  clockSkewSeconds: number;
  /**
   * How often the server charges back overdue part returns (rule 18, returns.service.ts evaluateOverdue), in ms; 0 is
   * never (`npm run evaluate-returns` runs it alone either way). RETURNS_EVALUATION_INTERVAL_MS: an hour by default,
   * off under NODE_ENV=test unless set.
   */
  returnsEvaluationIntervalMs: number;
}

/** The inbound webhooks of Landray OA, Sofar CSP, Sofar CLOUD and Sofar Products (server/webhooks.ts). */
export interface WebhookConfig {
  /**
   * Per source, the shared secrets its signed requests may be signed with (two during a rotation); a source with
   * none takes SERVICE bearer tokens only.
   */
  secrets: Record<'OA' | 'CLOUD' | 'PRODUCTS' | 'CSP' | 'WAREHOUSE' | 'SUPPLIER', string[]>;
  /** How far a request's x-sofar-timestamp may be from now, either way. */
  toleranceSeconds: number;
  /** The most a streamed (NDJSON) delivery may carry; JSON deliveries have the ordinary body limit. */
  maxStreamBytes: number;
  /** Wall-clock budget of one streamed delivery (other webhooks have the ordinary request budget). */
  streamTimeoutMs: number;
  /** Streamed deliveries taken at once per process (each holds a pooled connection while it runs). */
  maxStreams: number;
}

/** Read replicas (DATABASE_REPLICA_*), see docs/OPERATIONS.md#read-replicas. */
export interface ReplicaConfig {
  /** DATABASE_REPLICA_URLS, comma-separated: PostgreSQL hot standbys of DATABASE_URL's server. */
  urls: string[];
  /** A replica further behind the primary than this is skipped until it has caught up. */
  maxLagMs: number;
  /** How often the background check measures each replica's lag and reachability. */
  checkIntervalMs: number;
  /** How long a connection to a replica (and its check) may take before the replica counts as down. */
  connectTimeoutMs: number;
  /** Connections per replica. */
  poolSize: number;
}

/** Delivery of the outbox to CSP and Landray OA (outbox/dispatcher.ts). */
export interface OutboxConfig {
  /** Run the dispatcher inside the server (on by default); `npm run dispatch` runs it alone either way. */
  dispatchInServer: boolean;
  /** Per destination, its URL and the shared secret its requests are signed with; without a URL its messages wait. */
  destinations: Partial<Record<'CSP' | 'OA', { url: string; secret: string }>>;
  /**
   * The secrets suppliers' messages are signed with (rule 20; each supplier's URL is on its row): OUTBOX_SUPPLIER_SECRET
   * for suppliers without a secret reference, OUTBOX_SUPPLIER_SECRET_<REF> for those with one.
   */
  supplierSecrets: { fallback: string | null; byRef: Record<string, string> };
  retry: { maxAttempts: number; baseDelayMs: number; maxDelayMs: number };
  timeoutMs: number;
  pollMs: number;
  batchSize: number;
}

/**
 * What one request may cost. The shape limits (aliases, depth, tokens, directives, estimated cost) refuse a
 * hostile operation before it runs; the rest bound the work of one that runs.
 */
export interface RequestLimits {
  maxAliases: number;
  maxDepth: number;
  maxTokens: number;
  maxDirectives: number;
  /** The estimate of server/operation-cost.ts: fields the response may hold, × `first` (literal or variable), × representations. */
  maxCost: number;
  /** Over this estimate a request runs only while it holds one of `maxHeavyRequests` slots (server/heavy-slots.ts). */
  heavyCost: number;
  maxHeavyRequests: number;
  /** The share of the event loop's busy time heavy requests may take (0.5: after one, a pause as long as its busy time). */
  heavyLoopShare: number;
  /** `_entities` representations in one request (the gateway sends one per parent). */
  maxRepresentations: number;
  /** SQL statements one request may run before it is stopped. */
  maxSqlStatements: number;
  /** Wall-clock budget of one request; fields not yet resolved by then fail with REQUEST_TIMEOUT. */
  requestTimeoutMs: number;
  /** PostgreSQL `statement_timeout` of every pooled connection. */
  statementTimeoutMs: number;
}

export interface AuthConfig {
  /** HS256 shared secret. */
  jwtSecret?: string;
  /** JWKS endpoint for RS256/ES256 tokens; wins over the secret when both are set. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** A token without `exp`, or whose lifetime (exp − iat, or exp − now if that is longer) is longer than this, is refused (default a day). */
  maxAgeSeconds?: number;
  /** How far a token's `iat` may be ahead of this server's clock (default 60 s); further ahead, it is refused. */
  clockSkewSeconds?: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/**
 * The development secret: used when NODE_ENV is not production and no secret or JWKS is configured. It is
 * published (in this repository), so anyone can sign tokens with it: production refuses to start with it.
 */
export const DEVELOPMENT_JWT_SECRET = 'sofar-warranty-development-secret-change-me';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** For the entry points (`npm start`, `npm run dispatch`): a bad configuration prints its problems and exits 2. */
export function loadConfigOrExit(): AppConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];
  const nodeEnv = env.NODE_ENV ?? 'development';
  const production = nodeEnv === 'production';

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
    if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };
  const url = (name: string, protocols: string[], value = env[name], position?: number): string | undefined => {
    const raw = value;
    if (raw === undefined || raw === '') return undefined;
    const which = position === undefined ? name : `${name} (URL ${position})`;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${which} must be a ${protocols.join(' or ')} URL (got "${parsed.protocol}")`);
      }
    } catch {
      problems.push(`${which} is not a valid URL`);
    }
    return raw;
  };

  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const replicaUrls = (env.DATABASE_REPLICA_URLS ?? '').split(',').map((value) => value.trim()).filter((value) => value !== '');
  replicaUrls.forEach((value, index) => url(`DATABASE_REPLICA_URLS`, ['postgres:', 'postgresql:'], value, index + 1));
  if (replicaUrls.length > 0 && !databaseUrl) problems.push('DATABASE_REPLICA_URLS needs DATABASE_URL (the primary they replicate): the embedded PostgreSQL has no replicas');
  const jwksUrl = url('JWT_JWKS_URL', ['http:', 'https:']);
  let jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 16) {
    problems.push('JWT_SECRET must be at least 16 characters long');
  }
  if (!jwtSecret && !jwksUrl) {
    if (production) problems.push('set JWT_SECRET or JWT_JWKS_URL in production');
    else jwtSecret = DEVELOPMENT_JWT_SECRET;
  }
  if (production && jwtSecret?.trim() === DEVELOPMENT_JWT_SECRET) {
    problems.push('JWT_SECRET is the development secret, which is published: anyone could sign tokens with it; set a secret of your own (or JWT_JWKS_URL) in production');
  }

  const destinations: OutboxConfig['destinations'] = {};
  for (const destination of ['CSP', 'OA'] as const) {
    const target = url(`OUTBOX_${destination}_URL`, ['http:', 'https:']);
    const secret = env[`OUTBOX_${destination}_SECRET`] ?? '';
    if (!target) continue;
    if (secret.length < 16) problems.push(`OUTBOX_${destination}_SECRET must be at least 16 characters long when OUTBOX_${destination}_URL is set`);
    destinations[destination] = { url: target, secret };
  }

  const supplierSecrets: OutboxConfig['supplierSecrets'] = { fallback: null, byRef: {} };
  for (const [name, value] of Object.entries(env)) {
    const match = /^OUTBOX_SUPPLIER_SECRET(?:_([A-Z0-9_]{1,40}))?$/.exec(name);
    if (!match || !value) continue;
    if (value.length < 16) problems.push(`${name} must be at least 16 characters long`);
    if (match[1]) supplierSecrets.byRef[match[1]] = value;
    else supplierSecrets.fallback = value;
  }

  const webhookSecrets = {} as WebhookConfig['secrets'];
  for (const source of ['OA', 'CLOUD', 'PRODUCTS', 'CSP', 'WAREHOUSE', 'SUPPLIER'] as const) {
    const name = `WEBHOOK_${source}_SECRET`;
    const secrets = (env[name] ?? '').split(',').map((secret) => secret.trim()).filter((secret) => secret !== '');
    if (secrets.some((secret) => secret.length < 16)) problems.push(`${name} must hold secrets of at least 16 characters each (comma-separated during a rotation)`);
    if (secrets.length > 2) problems.push(`${name} may hold at most two secrets (the new one and the old one, during a rotation)`);
    webhookSecrets[source] = secrets;
  }

  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const dbPoolSize = integer('DB_POOL_SIZE', 10, 1, 200);
  const config: AppConfig = {
    databaseUrl,
    embeddedDataDir: env.EMBEDDED_PG_DIR || '.data/postgres',
    embeddedPort: integer('EMBEDDED_PG_PORT', 54329, 1, 65535),
    port: integer('PORT', 4001, 0, 65535),
    host: env.HOST || '0.0.0.0',
    nodeEnv,
    auth: {
      jwtSecret,
      jwksUrl,
      issuer: env.JWT_ISSUER || undefined,
      audience: env.JWT_AUDIENCE || undefined,
      maxAgeSeconds: integer('JWT_MAX_AGE_SECONDS', 24 * 3600, 60, 366 * 24 * 3600),
      clockSkewSeconds: integer('JWT_CLOCK_SKEW_SECONDS', 60, 0, 600),
    },
    logLevel,
    playground: boolean('PLAYGROUND', !production),
    seedDemoData: boolean('SEED_DEMO_DATA', !databaseUrl),
    dbPoolSize,
    replicas: {
      urls: replicaUrls,
      maxLagMs: integer('DATABASE_REPLICA_MAX_LAG_MS', 5_000, 100, 3_600_000),
      checkIntervalMs: integer('DATABASE_REPLICA_CHECK_INTERVAL_MS', 1_000, 50, 600_000),
      connectTimeoutMs: integer('DATABASE_REPLICA_CONNECT_TIMEOUT_MS', 2_000, 100, 60_000),
      poolSize: integer('DATABASE_REPLICA_POOL_SIZE', dbPoolSize, 1, 200),
    },
    limits: {
      maxAliases: integer('MAX_ALIASES', 30, 1, 10_000),
      maxDepth: integer('MAX_DEPTH', 12, 1, 1_000),
      maxTokens: integer('MAX_TOKENS', 5_000, 10, 1_000_000),
      maxDirectives: integer('MAX_DIRECTIVES', 30, 1, 10_000),
      maxCost: integer('MAX_COST', 25_000, 1, 100_000_000),
      heavyCost: integer('HEAVY_COST', 2_000, 0, 100_000_000),
      maxHeavyRequests: integer('MAX_HEAVY_REQUESTS', 2, 1, 1_000),
      heavyLoopShare: integer('HEAVY_LOOP_SHARE_PERCENT', 50, 1, 100) / 100,
      maxRepresentations: integer('MAX_REPRESENTATIONS', 500, 1, 100_000),
      maxSqlStatements: integer('MAX_SQL_STATEMENTS', 300, 1, 1_000_000),
      requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', 10_000, 100, 600_000),
      statementTimeoutMs: integer('DB_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
    },
    introspection: boolean('INTROSPECTION', !production),
    drainTimeoutMs: integer('DRAIN_TIMEOUT_MS', 10_000, 0, 600_000),
    plannedReads: boolean('PLANNED_READS', true),
    outbox: {
      dispatchInServer: boolean('OUTBOX_DISPATCH', true),
      destinations,
      supplierSecrets,
      retry: {
        maxAttempts: integer('OUTBOX_MAX_ATTEMPTS', 10, 1, 1_000),
        baseDelayMs: integer('OUTBOX_RETRY_BASE_MS', 1_000, 1, 3_600_000),
        maxDelayMs: integer('OUTBOX_RETRY_MAX_MS', 300_000, 1, 86_400_000),
      },
      timeoutMs: integer('OUTBOX_TIMEOUT_MS', 10_000, 10, 300_000),
      pollMs: integer('OUTBOX_POLL_MS', 1_000, 10, 600_000),
      batchSize: integer('OUTBOX_BATCH', 50, 1, 1_000),
    },
    exportTimeoutMs: integer('EXPORT_TIMEOUT_MS', 1_800_000, 1_000, 86_400_000),
    clockSkewSeconds: integer('CLOCK_SKEW_SECONDS', 300, 0, 3_600),
    returnsEvaluationIntervalMs: integer('RETURNS_EVALUATION_INTERVAL_MS', nodeEnv === 'test' ? 0 : 3_600_000, 0, 7 * 86_400_000),
    webhooks: {
      secrets: webhookSecrets,
      toleranceSeconds: integer('WEBHOOK_TOLERANCE_SECONDS', 300, 1, 3_600),
      maxStreamBytes: integer('WEBHOOK_MAX_STREAM_BYTES', 256 * 1024 * 1024, 1_024, 4 * 1024 * 1024 * 1024),
      streamTimeoutMs: integer('WEBHOOK_STREAM_TIMEOUT_MS', 300_000, 1_000, 3_600_000),
      maxStreams: integer('WEBHOOK_MAX_STREAMS', 2, 1, 100),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
