/**
 * Imports supplier contract versions (rule 20) from a CSV file into an organisation, through a running subgraph's
 * publishSupplierContracts mutation (the same validation, role check, tenancy and transaction apply).
 *
 *   npm run import-supplier-contracts -- contracts.csv [--url <subgraph URL>] [--token <JWT> | --org <org> [--sub <who>]]
 *                                                     [--batch-size 1000]
 *
 * The CSV has a header row naming the columns code, version, supplierCode, recoverySharePct, windowMonths, validFrom,
 * and optionally partNumbers (several separated by ";"), component, productFamily, labourSharePct, capAmount,
 * capCurrency, validTo (each row names partNumbers or a component). The whole file is checked before anything is sent,
 * and every bad line is reported; the suppliers must be set up first (upsertSupplier), and overlaps with the
 * contracts already published are refused by the subgraph, by line. Re-running a file is harmless: versions already
 * published with the same values are counted as unchanged.
 *
 * Exit codes: 0 imported, 1 refused (bad file, refused batch, unreachable subgraph), 2 usage.
 */
import { DomainError } from '../src/common/errors';
import { MAX_CONTRACTS_PER_CALL, normaliseContract, type NormalisedContract } from '../src/recovery/recovery-input';
import { runCommand } from './command-line';
import { readCsv } from './csv-file';
import { importInBatches, parseImportArguments, readImportFile, type BatchAnswer, type ImportOptions, FileVersions } from './csv-import';
import { callSubgraph } from './subgraph-client';

const REQUIRED_COLUMNS = ['code', 'version', 'supplierCode', 'recoverySharePct', 'windowMonths', 'validFrom'] as const;
const COLUMNS = [...REQUIRED_COLUMNS, 'partNumbers', 'component', 'productFamily', 'labourSharePct', 'capAmount', 'capCurrency', 'validTo'] as const;
const WHOLE = /^[0-9]{1,9}$/;

export function parseArguments(argv: string[], env: Record<string, string | undefined> = process.env): ImportOptions {
  return parseImportArguments(argv, env, { name: 'import-supplier-contracts', maxBatch: MAX_CONTRACTS_PER_CALL });
}

export interface Row {
  line: number;
  contract: NormalisedContract;
}

/** Parses and checks the whole file: its rows in code and version order, or every problem found (FileProblems). */
export function readContracts(text: string): Row[] {
  const file = readCsv(text, COLUMNS, REQUIRED_COLUMNS, 'supplier contract');
  const versions = new FileVersions<Row>();
  for (const { line, cell } of file.records) {
    const version = cell('version').trim();
    const months = cell('windowMonths').trim();
    if (!WHOLE.test(version)) file.problem(line, 'version', `"${version}" is not a whole number such as 1`);
    if (!WHOLE.test(months)) file.problem(line, 'windowMonths', `"${months}" is not a whole number of months`);
    const capAmount = cell('capAmount').trim();
    const capCurrency = cell('capCurrency').trim();
    if ((capAmount === '') !== (capCurrency === '')) file.problem(line, capAmount ? 'capCurrency' : 'capAmount', 'a cap needs both capAmount and capCurrency');
    const problems: DomainError[] = [];
    const contract = normaliseContract(
      {
        code: cell('code'), version: WHOLE.test(version) ? Number(version) : 1, supplierCode: cell('supplierCode'),
        partNumbers: cell('partNumbers').split(';').map((p) => p.trim()).filter(Boolean), component: cell('component'), productFamily: cell('productFamily'),
        recoverySharePct: cell('recoverySharePct').trim(), windowMonths: WHOLE.test(months) ? Number(months) : 1, labourSharePct: cell('labourSharePct').trim() || null,
        capPerClaim: capAmount && capCurrency ? { amount: capAmount, currency: capCurrency } : null, validFrom: cell('validFrom').trim(), validTo: cell('validTo').trim() || null,
      },
      [],
      problems,
    );
    for (const e of problems) {
      const field = e.field?.[0] === 'capPerClaim' ? (e.field[1] === 'amount' ? 'capAmount' : 'capCurrency') : e.field?.at(-1) ?? null;
      file.problem(line, field, e.message);
    }
    if (!contract || !WHOLE.test(version) || !WHOLE.test(months)) continue;
    versions.add(line, contract.code, contract.version, { line, contract }, file.problem);
  }
  file.finish();
  return versions.sorted();
}

const PUBLISH = `mutation ImportSupplierContracts($input: PublishSupplierContractsInput!) {
  publishSupplierContracts(input: $input) { created unchanged userErrors { code field message } }
}`;

interface BatchResult extends BatchAnswer {
  created: number;
  unchanged: number;
}

/** A contract as the mutation takes it. */
function asInput(c: NormalisedContract) {
  return {
    code: c.code, version: c.version, supplierCode: c.supplierCode, partNumbers: c.partNumbers, component: c.component, productFamily: c.productFamily,
    recoverySharePct: c.recoverySharePct, windowMonths: c.windowMonths, labourSharePct: c.labourSharePct, capPerClaim: c.cap, validFrom: c.validFrom, validTo: c.validTo,
  };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const rows = readContracts(readImportFile(options.file));
  const totals = { created: 0, unchanged: 0 };
  const batches = await importInBatches(
    'import-supplier-contracts',
    options,
    rows,
    (url, token, batch) => callSubgraph<BatchResult>(url, token, PUBLISH, { input: { contracts: batch.map((row) => asInput(row.contract)) } }, 'publishSupplierContracts', 'the import'),
    (answer) => {
      totals.created += answer.created;
      totals.unchanged += answer.unchanged;
    },
    () => `${totals.created} created, ${totals.unchanged} unchanged`,
  );
  process.stdout.write(`imported ${rows.length} supplier contract version(s) in ${batches} batch(es): ${totals.created} created, ${totals.unchanged} unchanged\n`);
}

if (require.main === module) runCommand('import-supplier-contracts', main);
