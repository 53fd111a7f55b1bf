/**
 * What the CSV import commands (import-products, import-labour-operations) share besides reading the file
 * (csv-file.ts): their arguments, and sending the checked rows to the subgraph's mutation in batches, each all or
 * nothing, a refused batch reported by line and column.
 */
import { readFileSync } from 'node:fs';
import { subgraphEndpoint, type Endpoint } from '../src/endpoints';
import { announce, CommandError, parseCommandLine, resolveEndpoint } from './command-line';
import { adminToken } from './subgraph-client';

export interface ImportOptions {
  file: string;
  subgraph: Endpoint;
  token: string | null;
  org: string | null;
  sub: string;
  batchSize: number;
}

/** `<file.csv> [--url] [--token | --org [--sub]] [--batch-size 1..maxBatch]`, the token or --org required. */
export function parseImportArguments(
  argv: string[],
  env: Record<string, string | undefined>,
  command: { name: string; maxBatch: number },
): ImportOptions {
  const usage = `usage: npm run ${command.name} -- <file.csv> [--url <subgraph URL>] [--token <JWT> | --org <org> [--sub <who>]] [--batch-size 1..${command.maxBatch}]`;
  const { values, positionals } = parseCommandLine(
    argv,
    { url: { type: 'string' }, token: { type: 'string' }, org: { type: 'string' }, sub: { type: 'string' }, 'batch-size': { type: 'string' } },
    usage,
    true,
  );
  for (const name of ['url', 'token', 'org', 'sub', 'batch-size'] as const) {
    if (values[name] === '') throw new CommandError(`--${name} needs a value\n${usage}`, 2);
  }
  if (positionals.length !== 1) throw new CommandError(`give exactly one CSV file\n${usage}`, 2);
  const batchSize = Number(values['batch-size'] ?? command.maxBatch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > command.maxBatch) {
    throw new CommandError(`--batch-size must be a whole number from 1 to ${command.maxBatch}`, 2);
  }
  const token = values.token ?? (env.TOKEN || null);
  const org = values.org ?? null;
  if (!token && !org) throw new CommandError(`give --token (or TOKEN), or --org to mint a development admin token\n${usage}`, 2);
  if (!token && env.NODE_ENV === 'production') {
    throw new CommandError('in production, give a WARRANTY_ADMIN token with --token or TOKEN; --org only mints development tokens', 2);
  }
  return {
    file: positionals[0],
    subgraph: resolveEndpoint(() => subgraphEndpoint(env, values.url)),
    token,
    org,
    sub: values.sub ?? command.name,
    batchSize,
  };
}

/** The file's text, or a usage error (exit 2) when it cannot be read. */
export function readImportFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CommandError(`cannot read ${path}: ${(error as Error).message}`, 2);
  }
}

/**
 * The versions of versioned data a file gives (labour operations, supplier contracts): a code's version twice is a
 * problem of the later line, and `sorted` orders the rows by code, then version, so that each batch publishes the
 * next version after the one before it.
 */
export class FileVersions<Row> {
  private readonly firstLine = new Map<string, number>();
  private readonly rows: Array<{ line: number; code: string; version: number; row: Row }> = [];

  /** Keeps the row unless its code and version came on an earlier line (then `problem` says so for this one). */
  add(line: number, code: string, version: number, row: Row, problem: (line: number, field: string, message: string) => void): void {
    const key = `${code}@${version}`;
    const earlier = this.firstLine.get(key);
    if (earlier !== undefined) problem(line, 'version', `${code} version ${version} is already on line ${earlier}`);
    else this.firstLine.set(key, line);
    this.rows.push({ line, code, version, row });
  }

  sorted(): Row[] {
    return [...this.rows].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : a.version - b.version)).map((r) => r.row);
  }
}

export interface BatchAnswer {
  userErrors: Array<{ code: string; field: string[] | null; message: string }>;
}

/**
 * Sends the rows in batches of `options.batchSize` with `send`, adding each answer to the totals with `add`. A
 * batch with userErrors stops the import: each problem is reported by its row's line (the field's third part is
 * the row's index in the batch, the fourth its column), with what the earlier batches imported. Returns the number
 * of batches sent.
 */
export async function importInBatches<Row extends { line: number }, Answer extends BatchAnswer>(
  command: string,
  options: ImportOptions,
  rows: readonly Row[],
  send: (url: string, token: string, batch: Row[]) => Promise<Answer>,
  add: (answer: Answer) => void,
  summary: () => string,
): Promise<number> {
  const token = await adminToken(options.token, options.org, options.sub);
  announce(command, 'sending to the subgraph at', options.subgraph);
  const batches = Math.ceil(rows.length / options.batchSize);
  for (let b = 0; b < batches; b += 1) {
    const batch = rows.slice(b * options.batchSize, (b + 1) * options.batchSize);
    const answer = await send(options.subgraph.url, token, batch);
    if (answer.userErrors.length > 0) {
      const refused = answer.userErrors.map((problem) => {
        const [, , index, column] = problem.field ?? [];
        const where = index !== undefined ? `line ${batch[Number(index)]?.line}${column ? `, column ${column}` : ''}: ` : '';
        return `${where}${problem.code} ${problem.message}.`;
      });
      const done = b > 0 ? ` Batches 1 to ${b} (up to line ${rows[b * options.batchSize - 1].line}) were imported: ${summary()}.` : ' Nothing was imported.';
      throw new CommandError(`${refused.join('\n')}${done}`);
    }
    add(answer);
  }
  return batches;
}
