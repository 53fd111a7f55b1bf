/**
 * The checks of labour operation versions and rates as sent (an admin's call, a CSV line): each problem with the
 * field at fault, every problem of a call at once. Shared by the service and `npm run import-labour-operations`.
 */
import DecimalJs from 'decimal.js';
import { isCalendarDate } from '../common/calendar';
import { DomainError, DomainErrors } from '../common/errors';
import { isInputDate } from '../common/input-guards';
import { minorUnits } from '../common/money';

const Decimal = DecimalJs.clone({ precision: 80 });

/** The most operation versions one call (or one import batch) may carry: one statement, one transaction, bounded. */
export const MAX_OPERATIONS_PER_CALL = 1000;
export const MAX_DESCRIPTION = 500;
/** A flat-rate job takes at most this many standard hours (longer work is not flat-rate). */
export const MAX_STANDARD_HOURS = 1000;
export const MAX_VERSION = 100_000;
const CODE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;
const FAMILY = /^[A-Z][A-Z0-9_]{1,31}$/;
const REGION = /^[A-Z]{2}(-[A-Z]{2})*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const PLAIN_DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;

export interface LabourOperationInput {
  code: string;
  version: number;
  description: string;
  productFamily?: string | null;
  sku?: string | null;
  standardHours: string;
  /** YYYY-MM-DD. */
  validFrom: string;
}

/** As stored: code and family upper-case, texts trimmed, hours at two decimals. */
export interface NormalisedLabourOperation {
  code: string;
  version: number;
  description: string;
  productFamily: string | null;
  sku: string | null;
  standardHours: string;
  validFrom: string;
}

/** A code as stored (trimmed, upper-case), or null when it is not one: 1 to 40 letters, digits and . _ -. */
export function normaliseOperationCode(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const code = value.trim().toUpperCase();
  return CODE.test(code) ? code : null;
}

/** Why a date text cannot be a validFrom, or null. */
export function dateProblem(value: unknown): string | null {
  if (typeof value !== 'string' || !isCalendarDate(value)) return `must be a calendar date YYYY-MM-DD (got ${JSON.stringify(String(value ?? '')).slice(0, 40)})`;
  if (!isInputDate(value)) return 'must be from 1900-01-01 to 2199-12-31';
  return null;
}

/** Checks one operation version; `path` is where it sits in the input, e.g. ["input","operations","3"]. */
export function normaliseLabourOperation(input: LabourOperationInput, path: string[]): NormalisedLabourOperation {
  const problems: DomainError[] = [];
  const refuse = (field: string, message: string) => problems.push(new DomainError('BAD_USER_INPUT', message, [...path, field]));
  const code = normaliseOperationCode(input.code);
  if (code === null) refuse('code', `code must be 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit (got ${JSON.stringify(String(input.code ?? '').slice(0, 50))})`);
  if (!Number.isInteger(input.version) || input.version < 1 || input.version > MAX_VERSION) refuse('version', `version must be a whole number from 1 to ${MAX_VERSION} (got ${String(input.version)})`);
  const description = typeof input.description === 'string' ? input.description.trim() : '';
  if (!description) refuse('description', 'description must not be empty');
  else if (description.length > MAX_DESCRIPTION) refuse('description', `description must be at most ${MAX_DESCRIPTION} characters (got ${description.length})`);
  else if (CONTROL.test(description)) refuse('description', 'description must not contain control characters (tab, line breaks ...)');
  const family = input.productFamily?.trim() ? input.productFamily.trim().toUpperCase() : null;
  const sku = input.sku?.trim() ? input.sku.trim() : null;
  if ((family === null) === (sku === null)) refuse(family === null ? 'productFamily' : 'sku', 'give the operation a productFamily or a sku (exactly one)');
  if (family !== null && !FAMILY.test(family)) refuse('productFamily', `productFamily must be a family name such as BATTERY (got ${JSON.stringify(family.slice(0, 40))})`);
  if (sku !== null && (sku.length > 100 || CONTROL.test(sku))) refuse('sku', 'sku must be at most 100 characters without control characters');
  const hours = String(input.standardHours ?? '').trim();
  const hoursProblem = standardHoursProblem(hours);
  if (hoursProblem) refuse('standardHours', hoursProblem);
  const validFromProblem = dateProblem(input.validFrom);
  if (validFromProblem) refuse('validFrom', `validFrom ${validFromProblem}`);
  if (problems.length > 0) throw new DomainErrors(problems);
  return {
    code: code!,
    version: input.version,
    description,
    productFamily: family,
    sku,
    standardHours: new Decimal(hours).toFixed(2),
    validFrom: input.validFrom,
  };
}

function standardHoursProblem(hours: string): string | null {
  if (/^-\d/.test(hours)) return 'standardHours must be more than zero';
  if (!PLAIN_DECIMAL.test(hours)) return `standardHours must be decimal hours written plainly, e.g. "1.5" (got ${JSON.stringify(hours.slice(0, 40))})`;
  const value = new Decimal(hours);
  if (value.isZero()) return 'standardHours must be more than zero';
  if (value.decimalPlaces() > 2) return 'standardHours has at most two decimals (1.25 = an hour and a quarter)';
  if (value.greaterThan(MAX_STANDARD_HOURS)) return `standardHours must be at most ${MAX_STANDARD_HOURS}`;
  return null;
}

/**
 * Checks a whole call: its size, every row (every problem, each with its field), and that no code and version
 * appears twice. `basePath` is the list's own path, e.g. ["input","operations"].
 */
export function normaliseLabourOperations(inputs: LabourOperationInput[], basePath: string[]): NormalisedLabourOperation[] {
  if (!Array.isArray(inputs) || inputs.length === 0) throw new DomainError('BAD_USER_INPUT', 'operations must hold at least one operation version', basePath);
  if (inputs.length > MAX_OPERATIONS_PER_CALL) {
    throw new DomainError('BAD_USER_INPUT', `operations may hold at most ${MAX_OPERATIONS_PER_CALL} versions per call (got ${inputs.length}); send them in batches`, basePath);
  }
  const problems: DomainError[] = [];
  const seen = new Map<string, number>();
  const rows: NormalisedLabourOperation[] = [];
  inputs.forEach((input, index) => {
    const path = [...basePath, String(index)];
    try {
      const row = normaliseLabourOperation(input, path);
      const key = `${row.code}@${row.version}`;
      const earlier = seen.get(key);
      if (earlier !== undefined) problems.push(new DomainError('DUPLICATE_VERSION', `${row.code} version ${row.version} appears twice (operations ${earlier} and ${index})`, [...path, 'version']));
      else seen.set(key, index);
      rows.push(row);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      problems.push(...(error instanceof DomainErrors ? error.errors : [error]));
    }
  });
  if (problems.length > 0) throw new DomainErrors(problems);
  return rows;
}

export interface LabourRateInput {
  region: string;
  hourlyRate: { amount: string; currency: string };
  validFrom: string;
}

/** Checks an approved rate: a region code, a known currency, an amount above 0 with at most the currency's minor unit digits. */
export function normaliseLabourRate(input: LabourRateInput, path: string[]): LabourRateInput {
  const problems: DomainError[] = [];
  const refuse = (field: string[], message: string) => problems.push(new DomainError('BAD_USER_INPUT', message, [...path, ...field]));
  const region = typeof input.region === 'string' ? input.region.trim().toUpperCase() : '';
  if (!REGION.test(region)) refuse(['region'], 'region must be a region code such as EU or DE-AT-CH');
  const currency = typeof input.hourlyRate?.currency === 'string' ? input.hourlyRate.currency.trim().toUpperCase() : '';
  const digits = minorUnits(currency);
  if (digits === null) refuse(['hourlyRate', 'currency'], `${JSON.stringify(currency)} is not an ISO 4217 currency code`);
  const amount = String(input.hourlyRate?.amount ?? '').trim();
  if (/^-\d/.test(amount) || (PLAIN_DECIMAL.test(amount) && new Decimal(amount).isZero())) refuse(['hourlyRate', 'amount'], 'an hourly rate must be more than zero');
  else if (!PLAIN_DECIMAL.test(amount) || amount.replace('.', '').length > 19) refuse(['hourlyRate', 'amount'], `must be a decimal amount written plainly, e.g. "65.00" (got ${JSON.stringify(amount.slice(0, 40))})`);
  else if (digits !== null && new Decimal(amount).decimalPlaces() > digits) refuse(['hourlyRate', 'amount'], `${currency} has ${digits} decimal(s): the rate is approved to its minor unit`);
  else if (new Decimal(amount).greaterThanOrEqualTo('1000000000')) refuse(['hourlyRate', 'amount'], 'an hourly rate must be less than 1,000,000,000');
  const validFromProblem = dateProblem(input.validFrom);
  if (validFromProblem) refuse(['validFrom'], `validFrom ${validFromProblem}`);
  if (problems.length > 0) throw new DomainErrors(problems);
  return { region, hourlyRate: { amount: new Decimal(amount).toFixed(digits!), currency }, validFrom: input.validFrom };
}
