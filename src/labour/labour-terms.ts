/** What intake reads for flat-rate labour (rule 17): the named operations' versions and the approved rate, in one statement. */
import type { RowSource } from '../db/row-reader';
import type { OperationInForce } from './labour-rules';

interface TermsRow {
  kind: 'OPERATION' | 'RATE';
  id: string;
  code: string | null;
  version: number;
  productFamily: string | null;
  sku: string | null;
  standardHours: string | null;
  retired: boolean | null;
  validFrom: string;
  hourlyRate: string | null;
}

/**
 * The version in force on `asOf` of each code (the latest validFrom on or before it, the highest version on a tie)
 * and the approved hourly rate in force for the region and currency, through the caller's reader (intake passes
 * its transaction's). Numbers come back as text: they are exact decimals.
 */
export async function flatRateTermsIn(
  rows: RowSource,
  query: { orgId: string; codes: string[]; asOf: string; region: string; currency: string },
): Promise<{ operations: OperationInForce[]; approvedRate: string | null }> {
  const found = await rows.rows<TermsRow>(
    `SELECT 'OPERATION' AS kind, o.id, o.code, o.version, o.product_family AS "productFamily", o.sku, o.standard_hours::text AS "standardHours",
            o.retired, o.valid_from AS "validFrom", NULL::text AS "hourlyRate"
       FROM (SELECT DISTINCT ON (code) * FROM labour_operation
              WHERE org_id = $1 AND code = ANY($2::text[]) AND valid_from <= $3::date
              ORDER BY code, valid_from DESC, version DESC) o
     UNION ALL
     SELECT 'RATE', r.id, NULL, r.version, NULL, NULL, NULL, NULL, r.valid_from, r.hourly_rate::text
       FROM (SELECT * FROM labour_rate
              WHERE org_id = $1 AND region = $4 AND currency = $5 AND valid_from <= $3::date
              ORDER BY valid_from DESC, version DESC LIMIT 1) r`,
    [query.orgId, query.codes, query.asOf, query.region, query.currency],
  );
  const rate = found.find((row) => row.kind === 'RATE');
  return {
    operations: found
      .filter((row) => row.kind === 'OPERATION')
      .map((row) => ({
        id: row.id,
        code: row.code!,
        version: row.version,
        productFamily: row.productFamily,
        sku: row.sku,
        standardHours: row.standardHours,
        retired: Boolean(row.retired),
        validFrom: row.validFrom,
      })),
    approvedRate: rate?.hourlyRate ?? null,
  };
}

/** The codes of these operation versions (the ones claim lines were priced under), in one statement; none for none. */
export async function operationCodesIn(rows: RowSource, orgId: string, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const found = await rows.rows<{ id: string; code: string }>(`SELECT id, code FROM labour_operation WHERE org_id = $1 AND id = ANY($2::uuid[])`, [orgId, ids]);
  return new Map(found.map((row) => [row.id, row.code]));
}
