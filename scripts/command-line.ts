/**
 * What every companion command shares: its arguments read by `node:util` parseArgs, a usage error as exit code 2,
 * a refusal the user can fix as its message and exit code 1, and one line on stderr saying where it connects.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../src/config';
import { describeEndpoint, type Endpoint } from '../src/endpoints';

/** A refusal the user can fix; printed as is, exit code 1 (or 2 for usage). */
export class CommandError extends Error {
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, strict; a malformed command line (unknown option, missing value, stray argument) is a usage error. */
export function parseCommandLine<T extends Options>(argv: string[], options: T, usage: string, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new CommandError(`${(error as Error).message}\n${usage}`, 2);
    throw error;
  }
}

/** The endpoint, or a configuration problem (a bad PORT, SUBGRAPH_URL, DATABASE_URL...) as a usage error. */
export function resolveEndpoint(resolve: () => Endpoint): Endpoint {
  try {
    return resolve();
  } catch (error) {
    if (error instanceof ConfigError) throw new CommandError(error.message, 2);
    throw error;
  }
}

/** The one line a command prints on stderr before it connects. */
export function announce(name: string, what: string, endpoint: Endpoint): void {
  process.stderr.write(`${name}: ${what} ${describeEndpoint(endpoint)}\n`);
}

/** Runs a command's main: a CommandError prints its message and exits with its code; anything else is a bug (stack, 1). */
export function runCommand(name: string, main: () => Promise<void>): void {
  main().catch((error) => {
    if (error instanceof CommandError) {
      process.stderr.write(`${name}: ${error.message}\n`);
      process.exit(error.exitCode);
    }
    process.stderr.write(`${name}: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
