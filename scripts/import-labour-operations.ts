/**
 * Imports flat-rate labour operation versions (rule 17) from a CSV file into an organisation, through a running
 * subgraph's publishLabourOperations mutation (so the same validation, role check, tenancy and transaction apply).
 *
 *   npm run import-labour-operations -- operations.csv [--url <subgraph URL>] [--token <JWT> | --org <org> [--sub <who>]]
 *                                                      [--batch-size 1000]
 *
 * The subgraph is --url, else SUBGRAPH_URL, else the one `npm start` runs with the same environment
 * (http://localhost:$PORT/, PORT defaulting to 4001); the command says which on stderr before it calls.
 *
 * The CSV has a header row naming the columns code, version, description, standardHours, validFrom, and
 * productFamily and/or sku (in any order; each row fills exactly one of the two). The whole file is checked before
 * anything is sent, and every bad line is reported; a good file is then sent in batches of at most 1,000 rows,
 * each all or nothing, the versions of one code kept in one batch where they fit. Re-running a file is harmless:
 * versions already published with the same values are counted as unchanged.
 *
 * The token comes from --token, else the TOKEN variable; outside production, --org mints a WARRANTY_ADMIN token
 * for that organisation with JWT_SECRET or the development secret (like `npm run token`).
 *
 * Exit codes: 0 imported, 1 refused (bad file, refused batch, unreachable subgraph), 2 usage.
 */
import { DomainError, DomainErrors } from '../src/common/errors';
import { MAX_OPERATIONS_PER_CALL, normaliseLabourOperation, type NormalisedLabourOperation } from '../src/labour/labour-input';
import { runCommand } from './command-line';
import { readCsv } from './csv-file';
import { importInBatches, parseImportArguments, readImportFile, type BatchAnswer, type ImportOptions, FileVersions } from './csv-import';
import { callSubgraph } from './subgraph-client';

const REQUIRED_COLUMNS = ['code', 'version', 'description', 'standardHours', 'validFrom'] as const;
const COLUMNS = [...REQUIRED_COLUMNS, 'productFamily', 'sku'] as const;

export function parseArguments(argv: string[], env: Record<string, string | undefined> = process.env): ImportOptions {
  return parseImportArguments(argv, env, { name: 'import-labour-operations', maxBatch: MAX_OPERATIONS_PER_CALL });
}

export interface Row {
  line: number;
  operation: NormalisedLabourOperation;
}

const WHOLE = /^[0-9]{1,9}$/;

/**
 * Parses and checks the whole file, and returns its rows in code and version order, or refuses with every problem
 * found (FileProblems): each malformed record and cell, and a code and version on two lines.
 */
export function readOperations(text: string): Row[] {
  const file = readCsv(text, COLUMNS, REQUIRED_COLUMNS, 'labour operation');
  const versions = new FileVersions<Row>();
  for (const { line, cell } of file.records) {
    const versionText = cell('version').trim();
    if (!WHOLE.test(versionText)) file.problem(line, 'version', `"${versionText}" is not a whole number such as 1`);
    let operation: NormalisedLabourOperation;
    try {
      operation = normaliseLabourOperation(
        {
          code: cell('code'),
          version: WHOLE.test(versionText) ? Number(versionText) : 1,
          description: cell('description'),
          productFamily: cell('productFamily'),
          sku: cell('sku'),
          standardHours: cell('standardHours'),
          validFrom: cell('validFrom').trim(),
        },
        [],
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      for (const e of error instanceof DomainErrors ? error.errors : [error]) file.problem(line, e.field?.at(-1) ?? null, e.message);
      continue;
    }
    if (!WHOLE.test(versionText)) continue;
    versions.add(line, operation.code, operation.version, { line, operation }, file.problem);
  }
  file.finish();
  return versions.sorted();
}

const PUBLISH = `mutation ImportLabourOperations($input: PublishLabourOperationsInput!) {
  publishLabourOperations(input: $input) { created unchanged userErrors { code field message } }
}`;

interface BatchResult extends BatchAnswer {
  created: number;
  unchanged: number;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const rows = readOperations(readImportFile(options.file));
  const totals = { created: 0, unchanged: 0 };
  const batches = await importInBatches(
    'import-labour-operations',
    options,
    rows,
    (url, token, batch) =>
      callSubgraph<BatchResult>(url, token, PUBLISH, { input: { operations: batch.map((row) => row.operation) } }, 'publishLabourOperations', 'the import'),
    (answer) => {
      totals.created += answer.created;
      totals.unchanged += answer.unchanged;
    },
    () => summary(totals),
  );
  process.stdout.write(`imported ${rows.length} labour operation version(s) in ${batches} batch(es): ${summary(totals)}\n`);
}

function summary(totals: { created: number; unchanged: number }): string {
  return `${totals.created} created, ${totals.unchanged} unchanged`;
}

if (require.main === module) runCommand('import-labour-operations', main);
