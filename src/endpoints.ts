/**
 * Where the subgraph and its database are, read from the environment `npm start` reads, by the same rules: one
 * answer for the server and every companion command, so that `PORT=4301 npm start` and
 * `PORT=4301 npm run evaluate-telemetry` meet, and `EMBEDDED_PG_PORT=55000 npm start` and
 * `EMBEDDED_PG_PORT=55000 npm run export` read the same database.
 */
import { ConfigError, loadConfig, type AppConfig } from './config';
import { embeddedDatabaseUrl } from './db/embedded-postgres';

type Env = Record<string, string | undefined>;

export interface Endpoint {
  url: string;
  /** What chose it, for the one line each command prints about where it connects. */
  from: string;
}

/** The variables that say where things are; nothing else of the configuration is needed (or checked) to find them. */
const CONNECTION_VARIABLES = ['PORT', 'HOST', 'DATABASE_URL', 'EMBEDDED_PG_PORT'] as const;

/** The connection part of the configuration, checked and defaulted by `loadConfig` itself (throws ConfigError). */
export function connectionConfig(env: Env = process.env): Pick<AppConfig, 'port' | 'host' | 'databaseUrl' | 'embeddedPort'> {
  const picked: Env = {};
  for (const name of CONNECTION_VARIABLES) picked[name] = env[name];
  const { port, host, databaseUrl, embeddedPort } = loadConfig(picked);
  return { port, host, databaseUrl, embeddedPort };
}

/**
 * The subgraph a command talks to: `--url` (given), else SUBGRAPH_URL, else the server `npm start` runs with this
 * environment (`http://localhost:${PORT}/`, or HOST when it names one address).
 */
export function subgraphEndpoint(env: Env = process.env, given?: string | null): Endpoint {
  if (given) return { url: httpUrl(given, '--url'), from: '--url' };
  if (env.SUBGRAPH_URL) return { url: httpUrl(env.SUBGRAPH_URL, 'SUBGRAPH_URL'), from: 'SUBGRAPH_URL' };
  const { port, host } = connectionConfig(env);
  if (port === 0) throw new ConfigError(['PORT=0 lets the server pick any free port: give the subgraph\'s URL with --url or SUBGRAPH_URL']);
  const listening = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return { url: `http://${listening}:${port}/`, from: env.PORT ? 'PORT' : 'the default PORT, as `npm start`' };
}

/** The database `npm start` serves from with this environment: DATABASE_URL, else its embedded PostgreSQL. */
export function databaseEndpoint(config: Pick<AppConfig, 'databaseUrl' | 'embeddedPort'> = connectionConfig()): Endpoint {
  if (config.databaseUrl) return { url: config.databaseUrl, from: 'DATABASE_URL' };
  return { url: embeddedDatabaseUrl(config.embeddedPort), from: `the embedded PostgreSQL of \`npm start\`, EMBEDDED_PG_PORT ${config.embeddedPort}` };
}

/** "URL (from …)", with any password in the URL masked: the line a command prints on stderr before it connects. */
export function describeEndpoint(endpoint: Endpoint): string {
  let shown = endpoint.url;
  try {
    const url = new URL(endpoint.url);
    if (url.password) {
      url.password = '***';
      shown = url.toString();
    }
  } catch {
    // not a URL: shown as given
  }
  return `${shown} (from ${endpoint.from})`;
}

function httpUrl(raw: string, name: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError([`${name} is not a valid URL (got "${raw}")`]);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError([`${name} must be an http or https URL (got "${raw}")`]);
  return raw;
}
