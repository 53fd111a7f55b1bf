import 'reflect-metadata';
import { startApp, type RunningApp } from './app';
import { DEVELOPMENT_JWT_SECRET, loadConfigOrExit } from './config';
import { logger } from './common/logger';
import { installProcessSafetyNet } from './common/process-safety';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './db/embedded-postgres';

/** After an uncaught exception: how long past the drain timeout the orderly stop may take before the process exits. */
const FATAL_STOP_MARGIN_MS = 15_000;

/**
 * `npm start`: with DATABASE_URL, serve from that PostgreSQL; without, start the embedded PostgreSQL (data kept
 * in .data/postgres) first. Either way the database is migrated before the first request.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  logger.setLevel(config.logLevel);

  let embedded: EmbeddedDatabase | undefined;
  let app: RunningApp | undefined;
  let stopping = false;
  const shutdown = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    try {
      await app?.stop();
      logger.info('server and pool stopped');
      await embedded?.stop();
      logger.info('stopped');
      process.exit(exitCode);
    } catch (error) {
      logger.error('shutdown failed', { message: (error as Error).message });
      process.exit(1);
    }
  };
  // Ours must be the only signal handlers: embedded-postgres installs its own (stop the database at once), which
  // would race the ordered shutdown below (HTTP server, then the pool, then the database).
  const installSignalHandlers = () => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(signal);
      process.on(signal, () => void shutdown(signal));
    }
  };
  installSignalHandlers();
  // No rejected promise and no stream error ends the process (one log line each); a true uncaught exception (a bug:
  // the process's state is unknown) stops it in order and exits 1, within the drain timeout and a margin.
  installProcessSafetyNet({
    onFatal: () => {
      setTimeout(() => process.exit(1), config.drainTimeoutMs + FATAL_STOP_MARGIN_MS).unref();
      void shutdown('uncaughtException', 1);
    },
  });

  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info('starting embedded PostgreSQL', { dataDir: config.embeddedDataDir, port: config.embeddedPort });
    embedded = await startEmbeddedPostgres({ dataDir: config.embeddedDataDir, port: config.embeddedPort, persistent: true });
    installSignalHandlers();
    databaseUrl = embedded.url;
  }
  app = await startApp({ ...config, databaseUrl });
  logger.info('Sofar Warranty subgraph ready', {
    url: app.url,
    playground: config.playground,
    database: embedded ? 'embedded' : 'DATABASE_URL',
    developmentToken: config.auth.jwtSecret === DEVELOPMENT_JWT_SECRET ? 'npm run token -- --org sofar --role AGENT' : undefined,
  });
}

main().catch((error) => {
  logger.error('failed to start', { message: (error as Error).message, stack: (error as Error).stack });
  process.exit(1);
});
