/**
 * Charges back the lines whose returned part is overdue (rule 18): not received within its window after the claim's
 * completion. The same function the server runs every RETURNS_EVALUATION_INTERVAL_MS (returns.service.ts,
 * evaluateOverdue), against the database `npm start` serves from with the same environment (DATABASE_URL, else its
 * embedded PostgreSQL on EMBEDDED_PG_PORT); the command says which on stderr before it connects. It does not migrate.
 *
 *   npm run evaluate-returns -- [--org <organisation>]
 *
 * Idempotent: a return charged back is never charged again, so a second run (or one beside the server's) charges
 * nothing twice. Exit codes: 0 done, 1 refused (unreachable database), 2 usage.
 */
import 'reflect-metadata';
import { connectionConfig, databaseEndpoint } from '../src/endpoints';
import { createDataSource } from '../src/data-source';
import { createServices } from '../src/services';
import { announce, CommandError, parseCommandLine, resolveEndpoint, runCommand } from './command-line';

const USAGE = 'usage: npm run evaluate-returns -- [--org <organisation>]';

export function parseArguments(argv: string[]): { org: string | null } {
  const { values } = parseCommandLine(argv, { org: { type: 'string' } }, USAGE);
  if (values.org === '') throw new CommandError(`--org needs a value\n${USAGE}`, 2);
  return { org: values.org ?? null };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const database = resolveEndpoint(() => databaseEndpoint(connectionConfig()));
  announce('evaluate-returns', 'evaluating the part returns of the database at', database);
  const dataSource = createDataSource(database.url, { poolSize: 2 });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw new CommandError(`cannot reach the database: ${(error as Error).message}`);
  }
  try {
    const services = createServices(dataSource);
    const started = Date.now();
    const { chargedBack, returns } = await services.returns.evaluateOverdue({ orgId: options.org });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(`charged back ${chargedBack} overdue part return(s) in ${seconds} s${options.org ? ` (organisation ${options.org})` : ''}\n`);
    for (const r of returns.slice(0, 20)) process.stdout.write(`  ${r.orgId} ${r.rmaNumber} claim ${r.claimId}\n`);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) runCommand('evaluate-returns', main);
