/**
 * Finance's view of supplier recovery (rule 20): per supplier, month (of the warranty claim's close, UTC) and
 * currency, what warranty paid for the supplier's parts, what was claimed back, accepted and paid, and the recovery
 * rate (paid over warranty paid); as a query and as a Parquet file (the `supplier-recovery` dataset of `npm run
 * export`). Amounts in different currencies are never added together.
 */
import DecimalJs from 'decimal.js';
import { parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import { epochDay } from '../common/calendar';
import { recoveryRate } from './recovery-rules';

const Decimal = DecimalJs.clone({ precision: 60 });

export interface FinanceRow {
  orgId: string;
  supplierCode: string;
  supplierName: string;
  /** The first day of the month (null in a per-supplier total). */
  month: string | null;
  currency: string;
  warrantyPaid: string;
  claimed: string;
  accepted: string;
  paid: string;
  /** paid / warrantyPaid, 4 decimals; null when warranty paid nothing. */
  recoveryRate: string | null;
}

/**
 * One statement: warranty paid is the covered part amounts of the supplier's parts (every line whose part had a
 * contract in force, recovered or not, less the lines charged back later); claimed, accepted and paid come from the
 * recovery claims (accepted counts a claim accepted and later written off too). $1 organisations (null: all), $2 and
 * $3 the first and last day of the months (null: open), $4 a supplier code (null: all).
 */
export const FINANCE_SQL = `
  WITH lines AS (
    SELECT l.org_id, l.supplier_id, date_trunc('month', l.claim_closed_at AT TIME ZONE 'UTC')::date AS month, l.currency, sum(l.part_base) AS warranty_paid
    FROM recovery_line l
    WHERE ($1::text[] IS NULL OR l.org_id = ANY($1::text[])) AND l.withdrawn_at IS NULL
    GROUP BY 1, 2, 3, 4),
  claims AS (
    SELECT r.org_id, r.supplier_id, date_trunc('month', r.claim_closed_at AT TIME ZONE 'UTC')::date AS month, r.currency,
      sum(r.claimed_amount) AS claimed,
      coalesce(sum(r.accepted_amount) FILTER (WHERE r.status IN ('ACCEPTED', 'PAID', 'WRITTEN_OFF')), 0) AS accepted,
      coalesce(sum(r.paid_amount) FILTER (WHERE r.status = 'PAID'), 0) AS paid
    FROM recovery_claim r
    WHERE ($1::text[] IS NULL OR r.org_id = ANY($1::text[]))
    GROUP BY 1, 2, 3, 4)
  SELECT s.org_id AS "orgId", s.code AS "supplierCode", s.name AS "supplierName", to_char(x.month, 'YYYY-MM-DD') AS month, x.currency,
    coalesce(x.warranty_paid, 0)::text AS "warrantyPaid", coalesce(x.claimed, 0)::text AS claimed, coalesce(x.accepted, 0)::text AS accepted, coalesce(x.paid, 0)::text AS paid
  FROM (SELECT coalesce(l.org_id, c.org_id) AS org_id, coalesce(l.supplier_id, c.supplier_id) AS supplier_id, coalesce(l.month, c.month) AS month,
          coalesce(l.currency, c.currency) AS currency, l.warranty_paid, c.claimed, c.accepted, c.paid
        FROM lines l FULL JOIN claims c ON c.org_id = l.org_id AND c.supplier_id = l.supplier_id AND c.month = l.month AND c.currency = l.currency) x
  JOIN supplier s ON s.id = x.supplier_id AND s.org_id = x.org_id
  WHERE ($2::date IS NULL OR x.month >= date_trunc('month', $2::date)) AND ($3::date IS NULL OR x.month <= $3::date) AND ($4::text IS NULL OR s.code = $4::text)
  ORDER BY s.org_id, s.code, x.month, x.currency`;

/** The statement's rows with their rates. */
export function financeRows(rows: ReadonlyArray<Omit<FinanceRow, 'recoveryRate'>>): FinanceRow[] {
  return rows.map((r) => ({ ...r, warrantyPaid: fixed(r.warrantyPaid), claimed: fixed(r.claimed), accepted: fixed(r.accepted), paid: fixed(r.paid), recoveryRate: recoveryRate(r.paid, r.warrantyPaid) }));
}

const fixed = (value: string) => new Decimal(value).toFixed(4);

/** Per supplier and currency over all the months given: the sums and the rate over them. */
export function supplierTotals(rows: readonly FinanceRow[]): FinanceRow[] {
  const totals = new Map<string, FinanceRow>();
  for (const r of rows) {
    const key = `${r.orgId}\u0000${r.supplierCode}\u0000${r.currency}`;
    const t = totals.get(key) ?? { ...r, month: null, warrantyPaid: '0', claimed: '0', accepted: '0', paid: '0', recoveryRate: null };
    for (const k of ['warrantyPaid', 'claimed', 'accepted', 'paid'] as const) t[k] = new Decimal(t[k]).plus(r[k]).toFixed(4);
    totals.set(key, t);
  }
  return [...totals.values()].map((t) => ({ ...t, recoveryRate: recoveryRate(t.paid, t.warrantyPaid) }));
}

const DECIMAL = { precision: 18, scale: 4 };
const string = (name: string, optional = false): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' });
const decimal = (name: string, optional = false): SchemaElement => ({ name, type: 'INT64', converted_type: 'DECIMAL', ...DECIMAL, logical_type: { type: 'DECIMAL', ...DECIMAL }, repetition_type: optional ? 'OPTIONAL' : 'REQUIRED' });

/** The dataset's columns: one row per organisation, supplier, month and currency. */
export const FINANCE_SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 10 },
  string('org_id'),
  string('supplier_code'),
  string('supplier_name'),
  { name: 'month', type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type: 'REQUIRED' },
  string('currency'),
  decimal('warranty_paid'),
  decimal('recovery_claimed'),
  decimal('recovery_accepted'),
  decimal('recovery_paid'),
  decimal('recovery_rate', true),
];

/** An exact decimal as Parquet's unscaled DECIMAL(18,4). */
const unscaled = (value: string) => BigInt(new Decimal(value).times(10_000).toFixed(0));

/** The rows (per month) as one Parquet file. */
export function financeParquet(rows: readonly FinanceRow[]): Uint8Array {
  const monthly = rows.filter((r) => r.month !== null);
  const columns: Array<[string, unknown[]]> = [
    ['org_id', monthly.map((r) => r.orgId)],
    ['supplier_code', monthly.map((r) => r.supplierCode)],
    ['supplier_name', monthly.map((r) => r.supplierName)],
    ['month', monthly.map((r) => epochDay(r.month!))],
    ['currency', monthly.map((r) => r.currency)],
    ['warranty_paid', monthly.map((r) => unscaled(r.warrantyPaid))],
    ['recovery_claimed', monthly.map((r) => unscaled(r.claimed))],
    ['recovery_accepted', monthly.map((r) => unscaled(r.accepted))],
    ['recovery_paid', monthly.map((r) => unscaled(r.paid))],
    ['recovery_rate', monthly.map((r) => (r.recoveryRate === null ? null : unscaled(r.recoveryRate)))],
  ];
  const buffer = parquetWriteBuffer({
    schema: FINANCE_SCHEMA,
    columnData: columns.map(([name, data]) => ({ name, data: data as never })),
    createdBy: 'sofar-warranty supplier recovery',
  });
  return new Uint8Array(buffer);
}
