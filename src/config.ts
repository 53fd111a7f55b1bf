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
}

export interface AuthConfig {
  /** HS256 shared secret. */
  jwtSecret?: string;
  /** JWKS endpoint for RS256/ES256 tokens; wins over the secret when both are set. */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** The development secret: only ever used when NODE_ENV is not production and no secret or JWKS is configured. */
export const DEVELOPMENT_JWT_SECRET = 'sofar-warranty-development-secret-change-me';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

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
  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL (got "${parsed.protocol}")`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const databaseUrl = url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const jwksUrl = url('JWT_JWKS_URL', ['http:', 'https:']);
  let jwtSecret = env.JWT_SECRET || undefined;
  if (jwtSecret !== undefined && jwtSecret.length < 16) {
    problems.push('JWT_SECRET must be at least 16 characters long');
  }
  if (!jwtSecret && !jwksUrl) {
    if (production) problems.push('set JWT_SECRET or JWT_JWKS_URL in production');
    else jwtSecret = DEVELOPMENT_JWT_SECRET;
  }

  const logLevel = (env.LOG_LEVEL ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const config: AppConfig = {
    databaseUrl,
    embeddedDataDir: env.EMBEDDED_PG_DIR || '.data/postgres',
    embeddedPort: integer('EMBEDDED_PG_PORT', 54329, 1, 65535),
    port: integer('PORT', 4001, 0, 65535),
    host: env.HOST || '0.0.0.0',
    nodeEnv,
    auth: { jwtSecret, jwksUrl, issuer: env.JWT_ISSUER || undefined, audience: env.JWT_AUDIENCE || undefined },
    logLevel,
    playground: boolean('PLAYGROUND', !production),
    seedDemoData: boolean('SEED_DEMO_DATA', !databaseUrl),
    dbPoolSize: integer('DB_POOL_SIZE', 10, 1, 200),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
