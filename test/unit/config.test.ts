import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../../src/config';

describe('loadConfig', () => {
  it('has working defaults for a newcomer: embedded database, development secret, playground, demo units', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      databaseUrl: undefined,
      embeddedDataDir: '.data/postgres',
      port: 4001,
      playground: true,
      seedDemoData: true,
      logLevel: 'info',
      auth: { jwtSecret: DEVELOPMENT_JWT_SECRET },
    });
  });

  it('does not seed demo units into a database named by DATABASE_URL unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).seedDemoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', SEED_DEMO_DATA: 'yes' }).seedDemoData).toBe(true);
  });

  it('reads the replicas: comma-separated URLs, each checked, and only beside DATABASE_URL', () => {
    const primary = 'postgres://u@h/db';
    expect(loadConfig({ DATABASE_URL: primary }).replicas).toEqual({ urls: [], maxLagMs: 5_000, checkIntervalMs: 1_000, connectTimeoutMs: 2_000, poolSize: 10 });
    expect(loadConfig({ DATABASE_URL: primary, DB_POOL_SIZE: '4', DATABASE_REPLICA_URLS: ' postgres://u@r1/db , postgresql://u@r2:5433/db,', DATABASE_REPLICA_MAX_LAG_MS: '250' }).replicas)
      .toMatchObject({ urls: ['postgres://u@r1/db', 'postgresql://u@r2:5433/db'], maxLagMs: 250, poolSize: 4 });
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_URLS: 'postgres://u@r1/db,http://r2/' })).toThrow(/DATABASE_REPLICA_URLS \(URL 2\) must be a postgres: or postgresql: URL/);
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://u@r1/db' })).toThrow(/DATABASE_REPLICA_URLS needs DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_URL: primary, DATABASE_REPLICA_MAX_LAG_MS: '5' })).toThrow(/DATABASE_REPLICA_MAX_LAG_MS must be a whole number from 100/);
  });

  it('in production needs a real secret and turns the playground off', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET or JWT_JWKS_URL/);
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'a-long-enough-secret-value' });
    expect(config.playground).toBe(false);
    expect(config.auth.jwtSecret).toBe('a-long-enough-secret-value');
  });

  it('in production refuses the published development secret, however it is given', () => {
    for (const env of [{ JWT_SECRET: DEVELOPMENT_JWT_SECRET }, { JWT_SECRET: ` ${DEVELOPMENT_JWT_SECRET} ` }, { JWT_SECRET: DEVELOPMENT_JWT_SECRET, JWT_JWKS_URL: 'https://id.example/jwks' }]) {
      expect(() => loadConfig({ NODE_ENV: 'production', ...env })).toThrow(/JWT_SECRET is the development secret, which is published/);
    }
    // Outside production it is what a newcomer gets.
    expect(loadConfig({ JWT_SECRET: DEVELOPMENT_JWT_SECRET }).auth.jwtSecret).toBe(DEVELOPMENT_JWT_SECRET);
  });

  it('`npm start` with NODE_ENV=production and the development secret exits 2 with the reason, before connecting', async () => {
    const root = resolve(__dirname, '../..');
    // What `npm start` runs (ts-node), without npm; the database named cannot be reached, so a start that went on
    // past the configuration would fail differently (exit 1, "failed to start").
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(output).toMatch(/Invalid configuration:\n {2}- JWT_SECRET is the development secret, which is published/);
    expect(output).not.toMatch(/ready|failed to start/);
    expect(code).toBe(2);
  }, 120_000);

  it('allows a token 60 s of clock skew by default (JWT_CLOCK_SKEW_SECONDS)', () => {
    expect(loadConfig({}).auth.clockSkewSeconds).toBe(60);
    expect(loadConfig({ JWT_CLOCK_SKEW_SECONDS: '5' }).auth.clockSkewSeconds).toBe(5);
  });

  it.each([
    [{ JWT_CLOCK_SKEW_SECONDS: '-1' }, 'JWT_CLOCK_SKEW_SECONDS must be a whole number from 0 to 600'],
    [{ PORT: 'abc' }, 'PORT must be a whole number'],
    [{ PORT: '70000' }, 'PORT must be a whole number'],
    [{ DATABASE_URL: 'mysql://x@y/z' }, 'DATABASE_URL must be a postgres: or postgresql: URL'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a valid URL'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET must be at least 16 characters'],
    [{ JWT_JWKS_URL: 'ftp://keys' }, 'JWT_JWKS_URL must be a http: or https: URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ PLAYGROUND: 'maybe' }, 'PLAYGROUND must be true or false'],
    [{ DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE must be a whole number from 1 to 200'],
    [{ OUTBOX_CSP_URL: 'http://csp.local/hooks' }, 'OUTBOX_CSP_SECRET must be at least 16 characters long when OUTBOX_CSP_URL is set'],
    [{ OUTBOX_OA_URL: 'http://oa.local/', OUTBOX_OA_SECRET: 'short' }, 'OUTBOX_OA_SECRET must be at least 16 characters'],
    [{ OUTBOX_CSP_URL: 'ftp://csp.local/', OUTBOX_CSP_SECRET: 'a-long-enough-secret-value' }, 'OUTBOX_CSP_URL must be a http: or https: URL'],
    [{ OUTBOX_MAX_ATTEMPTS: '0' }, 'OUTBOX_MAX_ATTEMPTS must be a whole number from 1'],
    [{ OUTBOX_DISPATCH: 'sometimes' }, 'OUTBOX_DISPATCH must be true or false'],
    [{ WEBHOOK_OA_SECRET: 'short' }, 'WEBHOOK_OA_SECRET must hold secrets of at least 16 characters'],
    [{ WEBHOOK_CLOUD_SECRET: 'a-long-enough-secret-value,short' }, 'WEBHOOK_CLOUD_SECRET must hold secrets of at least 16 characters'],
    [{ WEBHOOK_PRODUCTS_SECRET: 'a-long-enough-secret-1,a-long-enough-secret-2,a-long-enough-secret-3' }, 'WEBHOOK_PRODUCTS_SECRET may hold at most two secrets'],
    [{ WEBHOOK_TOLERANCE_SECONDS: '0' }, 'WEBHOOK_TOLERANCE_SECONDS must be a whole number from 1'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('delivers the outbox in the server by default, to the destinations that have a URL and a secret', () => {
    expect(loadConfig({}).outbox).toMatchObject({ dispatchInServer: true, destinations: {}, retry: { maxAttempts: 10, baseDelayMs: 1_000, maxDelayMs: 300_000 } });
    const config = loadConfig({ OUTBOX_CSP_URL: 'https://csp.example/hooks', OUTBOX_CSP_SECRET: 'a-long-enough-secret-value', OUTBOX_DISPATCH: 'false' });
    expect(config.outbox).toMatchObject({ dispatchInServer: false, destinations: { CSP: { url: 'https://csp.example/hooks', secret: 'a-long-enough-secret-value' } } });
    expect(config.outbox.destinations.OA).toBeUndefined();
  });

  it('takes signed webhooks only from sources with a secret (two during a rotation), within five minutes by default', () => {
    expect(loadConfig({}).webhooks).toEqual({
      secrets: { OA: [], CLOUD: [], PRODUCTS: [], CSP: [], WAREHOUSE: [], SUPPLIER: [] },
      toleranceSeconds: 300,
      maxStreamBytes: 256 * 1024 * 1024,
      streamTimeoutMs: 300_000,
      maxStreams: 2,
    });
    const config = loadConfig({ WEBHOOK_PRODUCTS_SECRET: ' new-products-secret-1 , old-products-secret-0 ', WEBHOOK_OA_SECRET: 'the-oa-secret-0000', WEBHOOK_CSP_SECRET: 'the-csp-secret-0000' });
    expect(config.webhooks.secrets).toEqual({ OA: ['the-oa-secret-0000'], CLOUD: [], PRODUCTS: ['new-products-secret-1', 'old-products-secret-0'], CSP: ['the-csp-secret-0000'], WAREHOUSE: [], SUPPLIER: [] });
  });

  it('reads the suppliers\' signing secrets: one per secret reference, and one for suppliers without (rule 20)', () => {
    expect(loadConfig({}).outbox.supplierSecrets).toEqual({ fallback: null, byRef: {} });
    const config = loadConfig({ OUTBOX_SUPPLIER_SECRET: 'the-default-supplier-secret', OUTBOX_SUPPLIER_SECRET_ACME: 'the-acme-supplier-secret' });
    expect(config.outbox.supplierSecrets).toEqual({ fallback: 'the-default-supplier-secret', byRef: { ACME: 'the-acme-supplier-secret' } });
    expect(() => loadConfig({ OUTBOX_SUPPLIER_SECRET_ACME: 'short' })).toThrow(/OUTBOX_SUPPLIER_SECRET_ACME must be at least 16 characters/);
  });

  it('allows a sender\'s clock to run 5 minutes ahead by default (CLOCK_SKEW_SECONDS, 0 to 3600)', () => {
    expect(loadConfig({}).clockSkewSeconds).toBe(300);
    expect(loadConfig({ CLOCK_SKEW_SECONDS: '0' }).clockSkewSeconds).toBe(0);
    expect(() => loadConfig({ CLOCK_SKEW_SECONDS: '3601' })).toThrow(/CLOCK_SKEW_SECONDS must be a whole number from 0 to 3600/);
    expect(() => loadConfig({ CLOCK_SKEW_SECONDS: '-1' })).toThrow(ConfigError);
  });

  it('evaluates overdue part returns hourly in the server, never under NODE_ENV=test unless set (RETURNS_EVALUATION_INTERVAL_MS, 0 off)', () => {
    expect(loadConfig({}).returnsEvaluationIntervalMs).toBe(3_600_000);
    expect(loadConfig({ NODE_ENV: 'test' }).returnsEvaluationIntervalMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'test', RETURNS_EVALUATION_INTERVAL_MS: '60000' }).returnsEvaluationIntervalMs).toBe(60_000);
    expect(() => loadConfig({ RETURNS_EVALUATION_INTERVAL_MS: '-5' })).toThrow(/RETURNS_EVALUATION_INTERVAL_MS must be a whole number/);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({ PORT: 'x', LOG_LEVEL: 'y' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as ConfigError).problems).toHaveLength(2);
    }
  });
});
