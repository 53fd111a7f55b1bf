/**
 * Flat-rate labour (rule 17), the pure part: how much of a LABOUR line the warranty pays when the line names an
 * operation, and why. Hours are covered up to the operation's standard hours, the hourly rate up to the approved
 * rate for the unit's region and the claim's currency; the rest of the line is self-paid.
 *
 * Money is exact decimal (decimal.js), never a float: the line's amount is hours × rate and its covered part
 * covered hours × covered rate, each rounded half-up to the currency's minor unit; the self-paid part is their
 * difference, so the two parts always add up to the amount shown.
 */
import DecimalJs from 'decimal.js';

const Decimal = DecimalJs.clone({ precision: 80 });
type Decimal = DecimalJs;

/** What a LABOUR line is capped by: the operation version in force on the repair date and the approved rate. */
export interface FlatRateTerms {
  /** The operation version's row id (kept on the claim line). */
  operationId: string;
  code: string;
  version: number;
  /** Decimal hours, exact. */
  standardHours: string;
  /** The approved hourly rate for the region and currency in force on the repair date; null when none is. */
  approvedRate: string | null;
  region: string;
  currency: string;
}

export interface FlatRateSplit {
  /** hours × rate, rounded to the minor unit. */
  amount: string;
  /** covered hours × covered rate, rounded to the minor unit. */
  covered: string;
  /** amount − covered. */
  selfPaid: string;
  coveredHours: string;
  /** Hours above the standard hours (0 when within). */
  excessHours: string;
  coveredRate: string;
  /** Per hour above the approved rate (0 when within, or when no rate is approved). */
  excessRate: string;
}

function minimum(a: Decimal, b: Decimal): Decimal {
  return a.lessThan(b) ? a : b;
}

/**
 * Splits a LABOUR line of `hours` at `rate` (plain decimals, hours > 0, rate ≥ 0) into the part the warranty pays
 * under `terms` and the self-paid rest, amounts at `digits` decimals (the currency's minor unit).
 */
export function flatRateSplit(hours: string, rate: string, terms: Pick<FlatRateTerms, 'standardHours' | 'approvedRate'>, digits: number): FlatRateSplit {
  const h = new Decimal(hours);
  const r = new Decimal(rate);
  const coveredHours = minimum(h, new Decimal(terms.standardHours));
  const coveredRate = terms.approvedRate === null ? r : minimum(r, new Decimal(terms.approvedRate));
  const amount = h.times(r).toDecimalPlaces(digits, Decimal.ROUND_HALF_UP);
  const covered = coveredHours.times(coveredRate).toDecimalPlaces(digits, Decimal.ROUND_HALF_UP);
  return {
    amount: amount.toFixed(digits),
    covered: covered.toFixed(digits),
    selfPaid: amount.minus(covered).toFixed(digits),
    coveredHours: coveredHours.toString(),
    excessHours: h.minus(coveredHours).toString(),
    coveredRate: coveredRate.toString(),
    excessRate: r.minus(coveredRate).toString(),
  };
}

/** How a rate reads in a reason: at the currency's minor unit, with its currency. */
function money(value: string, currency: string, digits: number): string {
  return `${new Decimal(value).toFixed(digits)} ${currency}`;
}

/**
 * Why a flat-rate line is paid as it is, appended to the coverage's own reason: which operation version capped it,
 * and by how much the hours and the rate went over (or that they did not).
 */
export function flatRateReason(split: FlatRateSplit, terms: FlatRateTerms, digits: number): string {
  const operation = `operation ${terms.code} v${terms.version} (${new Decimal(terms.standardHours).toString()} standard hours)`;
  const parts: string[] = [];
  if (new Decimal(split.excessHours).greaterThan(0)) {
    parts.push(`${split.coveredHours} hours covered, the ${split.excessHours} hours above the standard hours self-paid`);
  } else {
    parts.push('the hours are within the standard hours');
  }
  if (terms.approvedRate === null) {
    parts.push(`no labour rate is approved for ${terms.region} in ${terms.currency}, so the rate is not capped`);
  } else if (new Decimal(split.excessRate).greaterThan(0)) {
    parts.push(
      `the rate is covered up to the approved ${money(terms.approvedRate, terms.currency, digits)} per hour for ${terms.region}, ` +
        `the ${money(split.excessRate, terms.currency, digits)} per hour above it self-paid`,
    );
  } else {
    parts.push(`the rate is within the approved ${money(terms.approvedRate, terms.currency, digits)} per hour for ${terms.region}`);
  }
  const total = new Decimal(split.selfPaid).greaterThan(0) ? `; ${money(split.selfPaid, terms.currency, digits)} of the line is self-paid` : '';
  return `flat rate by ${operation}: ${parts.join('; ')}${total}`;
}

/** An operation version in force on the repair date, as intake reads it. */
export interface OperationInForce {
  id: string;
  code: string;
  version: number;
  productFamily: string | null;
  sku: string | null;
  /** Exact decimal text; null for a retirement. */
  standardHours: string | null;
  retired: boolean;
  validFrom: string;
}

export interface OperationRefusal {
  /** The claim line's index. */
  index: number;
  code: 'UNKNOWN_LABOUR_OPERATION' | 'LABOUR_OPERATION_NOT_FOR_UNIT';
  message: string;
}

/**
 * The terms of each LABOUR line that names an operation, or why a line is refused: a code with no version in force
 * on the repair date (never published, not yet valid, or retired), or one for another family or SKU than the unit's.
 */
export function flatRateTermsOf(
  named: ReadonlyArray<{ index: number; code: string }>,
  inForce: readonly OperationInForce[],
  unit: { productFamily: string; sku: string; region: string },
  approvedRate: string | null,
  currency: string,
  repairDate: string,
): { terms: Map<number, FlatRateTerms>; refusals: OperationRefusal[] } {
  const byCode = new Map(inForce.map((op) => [op.code, op]));
  const terms = new Map<number, FlatRateTerms>();
  const refusals: OperationRefusal[] = [];
  for (const { index, code } of named) {
    const op = byCode.get(code);
    if (!op) {
      refusals.push({ index, code: 'UNKNOWN_LABOUR_OPERATION', message: `no labour operation ${code} is in force on ${repairDate}` });
    } else if (op.retired || op.standardHours === null) {
      refusals.push({ index, code: 'UNKNOWN_LABOUR_OPERATION', message: `labour operation ${code} was retired from ${op.validFrom} (version ${op.version})` });
    } else if (op.sku !== null ? op.sku !== unit.sku : op.productFamily !== unit.productFamily) {
      const scope = op.sku !== null ? `SKU ${op.sku}` : `the ${op.productFamily} family`;
      refusals.push({ index, code: 'LABOUR_OPERATION_NOT_FOR_UNIT', message: `labour operation ${code} is for ${scope}, not for this unit (${unit.productFamily}, SKU ${unit.sku})` });
    } else {
      terms.set(index, { operationId: op.id, code, version: op.version, standardHours: op.standardHours, approvedRate, region: unit.region, currency });
    }
  }
  return { terms, refusals };
}
