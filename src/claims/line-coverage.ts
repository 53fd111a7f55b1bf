import DecimalJs from 'decimal.js';
import { fitsStoredDecimal, MAX_STORED_DECIMAL, minorUnits, storedDecimalProblem } from '../common/money';
import { normaliseOperationCode } from '../labour/labour-input';
import { flatRateReason, flatRateSplit, type FlatRateTerms } from '../labour/labour-rules';
import type { ClaimCover } from './claim-states';

export { minorUnits };

/**
 * What each line of a claim costs and who pays it (rules 4–6 applied to the lines): a PART line follows the
 * coverage of its component (the claim's component unless the line names its own), a LABOUR or TRAVEL line
 * follows labour cover (so in UK-IE a labour line after year 5 is self-paid while the parts are not). The check
 * results come in per component, already decided by the active-warranty check; here they are applied line by
 * line, and the amounts added up exactly.
 *
 * Money is exact decimal (decimal.js), never a float: a line's amount is quantity × unit price (hours × rate;
 * for travel, its duration in hours × rate), rounded half-up to the currency's minor unit (2 for EUR, 0 for JPY),
 * and the totals add the rounded line amounts, so the lines always sum to the totals shown.
 */

export type LineKind = 'PART' | 'LABOUR' | 'TRAVEL';

export interface PartLineInput {
  kind: 'PART';
  partNumber: string;
  /** The component the part belongs to; the claim's component when absent. */
  component?: string | null;
  quantity: string;
  unitPrice: string;
}
export interface LabourLineInput {
  kind: 'LABOUR';
  hours: string;
  rate: string;
  /** A flat-rate labour operation (rule 17), upper-case: its standard hours and the approved rate cap the line. */
  operationCode?: string | null;
}
export interface TravelLineInput {
  kind: 'TRAVEL';
  startAt: Date;
  endAt: Date;
  /** Per hour of travel; a trip logged only for the SLA clock costs nothing. */
  rate?: string | null;
}
export type LineInput = PartLineInput | LabourLineInput | TravelLineInput;

/** What the active-warranty check decided for one component, as far as lines need it. */
export interface ComponentCover {
  paysParts: boolean;
  paysLabour: boolean;
  /** The check's own explanation (policy versions, which check failed). */
  reason: string;
}

export interface PricedLine {
  index: number;
  kind: LineKind;
  component: string | null;
  /** Exact decimal, rounded to the currency's minor unit. */
  amount: string;
  /** Whether the warranty pays the line, in whole or in part. */
  covered: boolean;
  /** The part the warranty pays, and the rest (exact, at the minor unit): they add up to `amount`. */
  coveredAmount: string;
  selfPaidAmount: string;
  /** A flat-rate LABOUR line: the operation version it was capped by. */
  operationId: string | null;
  reason: string;
}

export interface PricedClaim {
  currency: string;
  lines: PricedLine[];
  coveredTotal: string;
  selfPaidTotal: string;
  total: string;
  cover: ClaimCover;
}

export interface LineProblem {
  /** Below the claim input: ["lines", 2, "quantity"]. */
  field: Array<string | number>;
  message: string;
}

/**
 * decimal.js rounds every result to 20 significant digits by default: a product of two 19-digit amounts needs 38, so
 * a default Decimal would round it before the half-up to the minor unit (a double rounding). Ours keeps 80.
 */
const Decimal = DecimalJs.clone({ precision: 80 });
type Decimal = DecimalJs;
const DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;
/**
 * A travel line is one trip to the site: at most three days. Longer is a mistake (a wrong year), and it bounds the
 * SLA clock's pauses: 200 lines of 72 hours pause it for at most 600 days, so the on-site target (at most 9,999.99
 * service hours, about five years of a working week) is always found within the calendar's 3,660-day horizon.
 */
export const MAX_TRAVEL_HOURS = 72;
const HOUR_MS = 3_600_000;

/** The hours a travel line lasts, exact. */
function travelHours(line: TravelLineInput): Decimal {
  return new Decimal(line.endAt.getTime() - line.startAt.getTime()).dividedBy(HOUR_MS);
}

/** Every problem of the lines, each with its field; empty when they can be priced. */
export function lineProblems(currency: string, lines: readonly LineInput[], options: { maxLines: number }): LineProblem[] {
  const problems: LineProblem[] = [];
  if (minorUnits(currency) === null) problems.push({ field: ['currency'], message: `${JSON.stringify(currency)} is not an ISO 4217 currency code` });
  if (lines.length > options.maxLines) problems.push({ field: ['lines'], message: `at most ${options.maxLines} lines per claim (got ${lines.length})` });
  lines.forEach((line, index) => {
    const amount = (name: string, value: string, positive: boolean) => {
      const problem = decimalProblem(value, positive);
      if (problem) problems.push({ field: ['lines', index, name], message: `${name} ${problem}` });
    };
    if (line.kind === 'PART') {
      if (!line.partNumber.trim()) problems.push({ field: ['lines', index, 'partNumber'], message: 'partNumber must not be empty' });
      amount('quantity', line.quantity, true);
      amount('unitPrice', line.unitPrice, false);
    } else if (line.kind === 'LABOUR') {
      amount('hours', line.hours, true);
      amount('rate', line.rate, false);
      if (line.operationCode !== null && line.operationCode !== undefined && normaliseOperationCode(line.operationCode) === null) {
        problems.push({ field: ['lines', index, 'operationCode'], message: 'an operation code is 1 to 40 letters, digits and . _ - (starting with a letter or digit)' });
      }
    } else {
      if (!(line.endAt.getTime() > line.startAt.getTime())) {
        problems.push({ field: ['lines', index, 'endAt'], message: 'a trip must end after it starts' });
      } else if (line.endAt.getTime() - line.startAt.getTime() > MAX_TRAVEL_HOURS * HOUR_MS) {
        problems.push({ field: ['lines', index, 'endAt'], message: `a trip lasts at most ${MAX_TRAVEL_HOURS} hours (this one ${travelHours(line).toDecimalPlaces(1).toString()})` });
      }
      if (line.rate !== undefined && line.rate !== null) amount('rate', line.rate, false);
    }
  });
  if (problems.length === 0) problems.push(...amountProblems(currency, lines));
  return problems;
}

/**
 * The amounts computed from valid lines must fit their NUMERIC(19,4) columns too: each line's quantity × unit price
 * (hours × rate), and the claim's total, although each factor fits on its own.
 */
function amountProblems(currency: string, lines: readonly LineInput[]): LineProblem[] {
  const digits = minorUnits(currency) ?? 4;
  const problems: LineProblem[] = [];
  let total = new Decimal(0);
  lines.forEach((line, index) => {
    const amount = lineAmount(line, digits);
    if (!fitsStoredDecimal(amount)) {
      const what = line.kind === 'PART' ? 'quantity × unitPrice' : 'hours × rate';
      problems.push({ field: ['lines', index], message: `${what} comes to ${amount.toFixed()}, more than the largest amount a claim line can hold (${MAX_STORED_DECIMAL.toFixed()})` });
    }
    total = total.plus(amount);
  });
  if (problems.length === 0 && !fitsStoredDecimal(total)) {
    problems.push({ field: ['lines'], message: `the lines come to ${total.toFixed()}, more than the largest total a claim can hold (${MAX_STORED_DECIMAL.toFixed()})` });
  }
  return problems;
}

/** A line's amount: quantity × unit price (hours × rate; for travel, its duration × rate), rounded half-up to the minor unit. */
function lineAmount(line: LineInput, digits: number): Decimal {
  const raw =
    line.kind === 'PART'
      ? new Decimal(line.quantity).times(line.unitPrice)
      : line.kind === 'LABOUR'
        ? new Decimal(line.hours).times(line.rate)
        : travelHours(line).times(line.rate ?? '0');
  return raw.toDecimalPlaces(digits, Decimal.ROUND_HALF_UP);
}

function decimalProblem(value: string, positive: boolean): string | null {
  if (/^-\d/.test(value)) return positive ? 'must be more than zero' : 'must not be negative';
  if (!DECIMAL.test(value)) return `must be a decimal number written plainly, e.g. "12.50" (got ${JSON.stringify(value.slice(0, 40))})`;
  const stored = storedDecimalProblem(value);
  if (stored) return stored;
  if (positive && new Decimal(value).isZero()) return 'must be more than zero';
  return null;
}

/**
 * Prices the lines and says who pays each. `coverFor(component)` gives the check's decision for a component
 * (the claim's own is `claimComponent`). Lines must have passed `lineProblems`. `flatRates` holds, by line index,
 * the terms of each LABOUR line that names an operation (rule 17): the warranty pays such a line only up to the
 * operation's standard hours and the approved rate, and the rest is self-paid.
 */
export function priceClaim(
  currency: string,
  lines: readonly LineInput[],
  claimComponent: string | null,
  coverFor: (component: string | null) => ComponentCover,
  flatRates: ReadonlyMap<number, FlatRateTerms> = new Map(),
): PricedClaim {
  const digits = minorUnits(currency);
  if (digits === null) throw new Error(`unknown currency ${currency}`);
  let covered = new Decimal(0);
  let selfPaid = new Decimal(0);
  const zero = new Decimal(0).toFixed(digits);
  const priced = lines.map((line, index): PricedLine => {
    const component = line.kind === 'PART' ? line.component?.trim() || claimComponent : claimComponent;
    const cover = coverFor(component);
    const amount = lineAmount(line, digits);
    const terms = line.kind === 'LABOUR' ? flatRates.get(index) : undefined;
    let paid: boolean;
    let reason: string;
    let coveredAmount = amount.toFixed(digits);
    if (line.kind === 'PART') {
      paid = cover.paysParts;
      reason = paid ? `parts of ${component ?? 'the unit'} are covered: ${cover.reason}` : `parts of ${component ?? 'the unit'} are self-paid: ${cover.reason}`;
    } else {
      paid = cover.paysLabour;
      const what = line.kind === 'LABOUR' ? 'labour' : 'travel (paid as labour)';
      reason = paid ? `${what} is covered: ${cover.reason}` : `${what} is self-paid: ${cover.reason}`;
      if (terms && line.kind === 'LABOUR') {
        if (paid) {
          const split = flatRateSplit(line.hours, line.rate, terms, digits);
          coveredAmount = split.covered;
          reason = `${reason}; ${flatRateReason(split, terms, digits)}`;
        } else {
          reason = `${reason} (operation ${terms.code} v${terms.version})`;
        }
      }
    }
    if (!paid) coveredAmount = zero;
    const rest = amount.minus(coveredAmount);
    covered = covered.plus(coveredAmount);
    selfPaid = selfPaid.plus(rest);
    return {
      index, kind: line.kind, component, amount: amount.toFixed(digits), covered: paid, coveredAmount, selfPaidAmount: rest.toFixed(digits),
      operationId: terms?.operationId ?? null, reason,
    };
  });
  const claimCover = coverFor(claimComponent);
  const anyPaid = priced.some((l) => l.covered);
  const allPaid = priced.every((l) => l.covered && new Decimal(l.selfPaidAmount).isZero());
  // A claim without lines is as covered as its component.
  const cover: ClaimCover =
    priced.length === 0
      ? claimCover.paysParts || claimCover.paysLabour
        ? claimCover.paysParts && claimCover.paysLabour ? 'COVERED' : 'PARTLY_COVERED'
        : 'NOT_COVERED'
      : allPaid ? 'COVERED' : anyPaid ? 'PARTLY_COVERED' : 'NOT_COVERED';
  return {
    currency,
    lines: priced,
    coveredTotal: covered.toFixed(digits),
    selfPaidTotal: selfPaid.toFixed(digits),
    total: covered.plus(selfPaid).toFixed(digits),
    cover,
  };
}

/** A line's own columns as `claim_line` stores them (the priced ones apart): intake and amendments alike. */
export function lineColumns(input: LineInput) {
  return {
    partNumber: input.kind === 'PART' ? input.partNumber.trim() : null,
    quantity: input.kind === 'PART' ? input.quantity : null,
    unitPrice: input.kind === 'PART' ? input.unitPrice : null,
    hours: input.kind === 'LABOUR' ? input.hours : null,
    rate: input.kind === 'LABOUR' ? input.rate : input.kind === 'TRAVEL' ? (input.rate ?? null) : null,
    startAt: input.kind === 'TRAVEL' ? input.startAt : null,
    endAt: input.kind === 'TRAVEL' ? input.endAt : null,
  };
}

/** A priced line's columns as `claim_line` stores them: only a line paid in part keeps its covered part (rule 17). */
export function pricedColumns(line: PricedLine) {
  return {
    component: line.component,
    amount: line.amount,
    covered: line.covered,
    coveredAmount: line.covered && line.coveredAmount !== line.amount ? line.coveredAmount : null,
    operationId: line.operationId,
    reason: line.reason,
  };
}
