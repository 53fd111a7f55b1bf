/**
 * Imports product references from a CSV file into an organisation, through a running subgraph's
 * upsertProductReferences mutation (so the same validation, role check, tenancy and transaction apply).
 *
 *   npm run import-products -- products.csv [--url <subgraph URL>] [--token <JWT> | --org <org> [--sub <who>]]
 *                                            [--batch-size 1000]
 *
 * The subgraph is --url, else SUBGRAPH_URL, else the one `npm start` runs with the same environment
 * (http://localhost:$PORT/, PORT defaulting to 4001); the command says which on stderr before it calls.
 *
 * The CSV has a header row naming the columns sku, productId, productFamily and optionally capacityKwh (in any
 * order; capacityKwh may be empty). The whole file is checked before anything is sent, and every bad line is
 * reported (a bad header stops the check there: the rows cannot be read without it); a good file is then sent in
 * batches of at most 1,000 rows, each all or nothing. Re-running a file is harmless: rows already stored with
 * the same values are counted as unchanged.
 *
 * The token comes from --token, else the TOKEN variable; outside production, --org mints a WARRANTY_ADMIN token
 * for that organisation with JWT_SECRET or the development secret (like `npm run token`).
 *
 * Exit codes: 0 imported, 1 refused (bad file, refused batch, unreachable subgraph), 2 usage.
 *
 * Why over HTTP rather than straight to the database: the embedded PostgreSQL of `npm start` belongs to that
 * running process, and a second process cannot start another server on its data folder; over HTTP the import
 * works the same next to `npm start`, against a deployed subgraph, or on any DATABASE_URL, and it is checked by
 * the token's organisation and role like every other write.
 */
import { DomainError } from '../src/common/errors';
import {
  MAX_REFERENCES_PER_CALL,
  normaliseProductReference,
  type NormalisedProductReference,
} from '../src/products/product-reference-input';
import { runCommand } from './command-line';
import { readCsv } from './csv-file';
import { importInBatches, parseImportArguments, readImportFile, type BatchAnswer, type ImportOptions } from './csv-import';
import { callSubgraph } from './subgraph-client';

export { FileProblems } from './csv-file';

const REQUIRED_COLUMNS = ['sku', 'productId', 'productFamily'] as const;
const COLUMNS = [...REQUIRED_COLUMNS, 'capacityKwh'] as const;

export function parseArguments(argv: string[], env: Record<string, string | undefined> = process.env): ImportOptions {
  return parseImportArguments(argv, env, { name: 'import-products', maxBatch: MAX_REFERENCES_PER_CALL });
}

interface Row {
  line: number;
  reference: NormalisedProductReference;
}

const DECIMAL = /^[0-9]+(\.[0-9]+)?$/;

/**
 * Parses and checks the whole file, and returns its rows or refuses with every problem found (FileProblems): each
 * malformed record, cell and repeated SKU, by line and column. Problems of the header row stop the check there.
 */
export function readReferences(text: string): Row[] {
  const file = readCsv(text, COLUMNS, REQUIRED_COLUMNS, 'product');
  const firstLineOfSku = new Map<string, number>();
  const rows: Row[] = [];
  for (const { line, cell } of file.records) {
    const capacityText = cell('capacityKwh').trim();
    const capacityIsNumber = capacityText === '' || DECIMAL.test(capacityText);
    if (!capacityIsNumber) file.problem(line, 'capacityKwh', `"${capacityText}" is not a number such as 10.24 (leave it empty when there is none)`);
    let reference: NormalisedProductReference;
    try {
      reference = normaliseProductReference(
        {
          sku: cell('sku'),
          productId: cell('productId'),
          productFamily: cell('productFamily'),
          capacityKwh: capacityText === '' || !capacityIsNumber ? null : Number(capacityText),
        },
        [],
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      file.problem(line, error.field?.at(-1) ?? null, error.message);
      continue;
    }
    // Batches are separate calls, so a SKU repeated across two of them would not be caught by the subgraph.
    const earlier = firstLineOfSku.get(reference.sku);
    if (earlier !== undefined) file.problem(line, 'sku', `"${reference.sku}" is already on line ${earlier}`);
    else firstLineOfSku.set(reference.sku, line);
    rows.push({ line, reference });
  }
  file.finish();
  return rows;
}

const UPSERT = `mutation ImportProductReferences($input: UpsertProductReferencesInput!) {
  upsertProductReferences(input: $input) { created updated unchanged userErrors { code field message } }
}`;

interface BatchResult extends BatchAnswer {
  created: number;
  updated: number;
  unchanged: number;
}

function sendBatch(url: string, token: string, rows: Row[]): Promise<BatchResult> {
  return callSubgraph<BatchResult>(url, token, UPSERT, { input: { references: rows.map((row) => row.reference) } }, 'upsertProductReferences', 'the import');
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const rows = readReferences(readImportFile(options.file));
  const totals = { created: 0, updated: 0, unchanged: 0 };
  const batches = await importInBatches('import-products', options, rows, sendBatch, (answer) => {
    totals.created += answer.created;
    totals.updated += answer.updated;
    totals.unchanged += answer.unchanged;
  }, () => summary(totals));
  process.stdout.write(`imported ${rows.length} product reference(s) in ${batches} batch(es): ${summary(totals)}\n`);
}

function summary(totals: { created: number; updated: number; unchanged: number }): string {
  return `${totals.created} created, ${totals.updated} updated, ${totals.unchanged} unchanged`;
}

if (require.main === module) runCommand('import-products', main);
