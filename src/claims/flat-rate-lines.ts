/** Flat-rate labour terms of a claim's lines (rule 17), read in the claim's transaction. */
import type { EntityManager } from 'typeorm';
import { DomainError, DomainErrors } from '../common/errors';
import { transactionRows } from '../db/row-reader';
import { normaliseOperationCode } from '../labour/labour-input';
import { flatRateTermsOf, type FlatRateTerms } from '../labour/labour-rules';
import { flatRateTermsIn } from '../labour/labour-terms';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import type { LineInput } from './line-coverage';

/**
 * Flat-rate labour (rule 17): the terms of each LABOUR line that names an operation, read in one statement of the
 * claim's transaction (none when no line names one); an unknown operation, or one for another family or SKU, is
 * refused on its line before anything is written. Intake's lines and an amendment's (claim-amendments.ts) alike.
 */
export async function flatRateTermsOfLines(
  manager: EntityManager,
  record: WarrantyRecord,
  claim: { lines: readonly LineInput[]; currency: string; repairDate: string },
  fieldOf: (index: number) => string[] = (index) => ['input', 'lines', String(index), 'operationCode'],
): Promise<Map<number, FlatRateTerms>> {
  const named = claim.lines.flatMap((line, index) => (line.kind === 'LABOUR' && line.operationCode ? [{ index, code: normaliseOperationCode(line.operationCode)! }] : []));
  if (named.length === 0) return new Map();
  const found = await flatRateTermsIn(transactionRows(manager), {
    orgId: record.orgId,
    codes: [...new Set(named.map((n) => n.code))],
    asOf: claim.repairDate,
    region: record.region,
    currency: claim.currency,
  });
  const { terms, refusals } = flatRateTermsOf(named, found.operations, record, found.approvedRate, claim.currency, claim.repairDate);
  if (refusals.length > 0) throw new DomainErrors(refusals.map((r) => new DomainError(r.code, r.message, fieldOf(r.index))));
  return terms;
}
