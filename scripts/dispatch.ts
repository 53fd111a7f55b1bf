/**
 * `npm run dispatch`: the outbox dispatcher alone, beside (or instead of) the servers' own. Any number may run against
 * one database: each round locks the messages it takes and skips those another holds.
 *
 * Configuration is the server's (docs/OPERATIONS.md, Configuration): DATABASE_URL (without it, the embedded PostgreSQL `npm start`
 * runs on EMBEDDED_PG_PORT), OUTBOX_CSP_URL / OUTBOX_CSP_SECRET, OUTBOX_OA_URL / OUTBOX_OA_SECRET and the OUTBOX_*
 * timings. It does not migrate: the server does. SIGTERM or SIGINT finishes the round in progress, then exits 0.
 */
import 'reflect-metadata';
import { loadConfigOrExit } from '../src/config';
import { logger } from '../src/common/logger';
import { installProcessSafetyNet } from '../src/common/process-safety';
import { createDataSource } from '../src/data-source';
import { databaseEndpoint, describeEndpoint } from '../src/endpoints';
import { supplierTargets } from '../src/recovery/supplier-endpoints';
import { OutboxDispatcher } from '../src/outbox/dispatcher';
import { recordDelivery } from '../src/server/metrics';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  logger.setLevel(config.logLevel);
  const database = databaseEndpoint(config);
  process.stderr.write(`dispatch: delivering the outbox of the database at ${describeEndpoint(database)}\n`);
  const dataSource = createDataSource(database.url, { poolSize: 2, statementTimeoutMs: config.limits.statementTimeoutMs });
  await dataSource.initialize();
  const dispatcher = new OutboxDispatcher(dataSource, { ...config.outbox, suppliers: supplierTargets(dataSource, config.outbox.supplierSecrets), onAttempt: recordDelivery });
  let stopping = false;
  const stop = (signal: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('outbox dispatcher stopping', { signal });
    void dispatcher
      .stop()
      .then(() => dataSource.destroy())
      .then(() => process.exit(exitCode), () => process.exit(1));
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal, 0));
  // As the server's (src/common/process-safety.ts): a rejection or an I/O error is logged; a true uncaught exception
  // finishes the round in progress and exits 1.
  installProcessSafetyNet({ onFatal: () => stop('uncaughtException', 1) });
  dispatcher.start();
  logger.info('outbox dispatcher ready', { destinations: Object.keys(config.outbox.destinations), database: config.databaseUrl ? 'DATABASE_URL' : 'embedded' });
}

main().catch((error) => {
  logger.error('outbox dispatcher failed to start', { message: (error as Error).message });
  process.exit(1);
});
