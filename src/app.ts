import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import { createTokenVerifier, signToken } from './auth/tokens';
import { DEVELOPMENT_JWT_SECRET, type AppConfig } from './config';
import { logger } from './common/logger';
import { createDataSource } from './data-source';
import { runMigrationsAlone } from './db/migration-lock';
import { installReadRouting } from './db/read-routing';
import { ReplicaSet } from './db/replicas';
import { seedDemoSuppliers, seedDemoUnits } from './demo-data';
import type { Clock } from './common/clock';
import { supplierTargets } from './recovery/supplier-endpoints';
import { OutboxDispatcher } from './outbox/dispatcher';
import { ReturnsEvaluator } from './returns/returns-evaluator';
import { startHttpServer, type RunningServer } from './server/http-server';
import { recordDelivery, recordReadRoute, recordReplicaState, watchOutbox, watchReplicas } from './server/metrics';
import { createServices, type Services } from './services';

export interface RunningApp {
  url: string;
  dataSource: DataSource;
  services: Services;
  http: RunningServer;
  /** The read replicas (DATABASE_REPLICA_URLS), when any. */
  replicas: ReplicaSet | null;
  /** The in-server outbox dispatcher, when on. */
  dispatcher: OutboxDispatcher | null;
  stop(): Promise<void>;
}

/** Connects, migrates, optionally seeds the demo units, and serves. Used by `npm start` and by the tests. */
export async function startApp(config: AppConfig & { databaseUrl: string }, options: { clock?: Clock } = {}): Promise<RunningApp> {
  const dataSource = createDataSource(config.databaseUrl, { poolSize: config.dbPoolSize, statementTimeoutMs: config.limits.statementTimeoutMs });
  await dataSource.initialize();
  let replicas: ReplicaSet | null = null;
  try {
    const applied = await runMigrationsAlone(dataSource, config.databaseUrl);
    if (applied.length > 0) logger.info('migrations applied', { migrations: applied.map((m) => m.name) });
    // Queries read from the replicas once they are checked (read-routing.ts); a replica down at start is skipped.
    if (config.replicas.urls.length > 0) {
      replicas = new ReplicaSet(
        (dataSource.driver as unknown as { master: Pool }).master,
        { ...config.replicas, statementTimeoutMs: config.limits.statementTimeoutMs },
        { onState: recordReplicaState },
      );
      installReadRouting(dataSource, replicas, recordReadRoute);
      await replicas.start();
      watchReplicas(replicas);
    }
    const services = createServices(dataSource, options.clock, { clockSkewSeconds: config.clockSkewSeconds });
    if (config.seedDemoData) {
      await seedDemoUnits(services);
      await seedDemoSuppliers(services);
    }

    // With the built-in development secret, the playground fills in a ready-made admin token, for callers on
    // this machine only (see playground.ts).
    const mintPlaygroundToken =
      config.playground && config.auth.jwtSecret === DEVELOPMENT_JWT_SECRET
        ? () => signToken(DEVELOPMENT_JWT_SECRET, { sub: 'playground', org: 'sofar', roles: ['WARRANTY_ADMIN'] }, { expiresIn: `${Math.min(12 * 3600, config.auth.maxAgeSeconds ?? 12 * 3600)}s` })
        : undefined;
    const http = await startHttpServer({
      services,
      verifyToken: createTokenVerifier(config.auth),
      port: config.port,
      host: config.host,
      playground: config.playground,
      mintPlaygroundToken,
      limits: config.limits,
      introspection: config.introspection,
      hideFieldSuggestions: config.nodeEnv === 'production',
      drainTimeoutMs: config.drainTimeoutMs,
      plannedReads: config.plannedReads,
      webhooks: config.webhooks,
      exportTimeoutMs: config.exportTimeoutMs,
    });
    watchOutbox(dataSource);
    const dispatcher = config.outbox.dispatchInServer ? new OutboxDispatcher(dataSource, { ...config.outbox, suppliers: supplierTargets(dataSource, config.outbox.supplierSecrets), onAttempt: recordDelivery }) : null;
    dispatcher?.start();
    const returnsEvaluator = new ReturnsEvaluator(services.returns, config.returnsEvaluationIntervalMs);
    returnsEvaluator.start();
    return {
      url: http.url,
      dataSource,
      services,
      http,
      replicas,
      dispatcher,
      async stop() {
        await http.stop();
        await dispatcher?.stop();
        await returnsEvaluator.stop();
        await replicas?.stop();
        await dataSource.destroy();
      },
    };
  } catch (error) {
    await replicas?.stop();
    await dataSource.destroy();
    throw error;
  }
}
