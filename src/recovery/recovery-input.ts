/**
 * The checks of suppliers and supplier contract versions as sent (an admin's call, a CSV line), each problem with the
 * field at fault and every problem of a call at once; and the plan of a call against the stored versions (which are
 * new, unchanged or refused). Pure: shared by the service and `npm run import-supplier-contracts`.
 */
import DecimalJs from 'decimal.js';
import { isCalendarDate } from '../common/calendar';
import { DomainError, DomainErrors } from '../common/errors';
import { isInputDate } from '../common/input-guards';
import { minorUnits } from '../common/money';
import { firstOverlap, type ContractTerms } from './recovery-rules';

const Decimal = DecimalJs.clone({ precision: 60 });

export const MAX_CONTRACTS_PER_CALL = 1000;
export const MAX_PART_NUMBERS = 200;
export const MAX_WINDOW_MONTHS = 600;
export const MAX_VERSION = 100_000;
const CODE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;
const FAMILY = /^[A-Z][A-Z0-9_]{1,31}$/;
const COMPONENT = /^[A-Z][A-Z0-9_]{0,39}$/;
const PART = /^[^\u0000-\u001f\u007f,]{1,100}$/;
const PERCENT = /^(0|[1-9]\d{0,2})(\.\d{1,2})?$/;
const SECRET_REF = /^[A-Z0-9_]{1,40}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface SupplierInput {
  code: string;
  name: string;
  endpointUrl?: string | null;
  secretRef?: string | null;
}

export interface NormalisedSupplier {
  code: string;
  name: string;
  endpointUrl: string | null;
  secretRef: string | null;
}

export interface ContractInput {
  code: string;
  version: number;
  supplierCode: string;
  partNumbers?: readonly string[] | null;
  component?: string | null;
  productFamily?: string | null;
  recoverySharePct: string;
  windowMonths: number;
  labourSharePct?: string | null;
  capPerClaim?: { amount: string; currency: string } | null;
  validFrom: string;
  validTo?: string | null;
}

/** As stored: codes upper-case, part numbers trimmed and sorted, percentages at two decimals. */
export interface NormalisedContract {
  code: string;
  version: number;
  supplierCode: string;
  partNumbers: string[];
  component: string | null;
  productFamily: string | null;
  recoverySharePct: string;
  windowMonths: number;
  labourSharePct: string | null;
  cap: { amount: string; currency: string } | null;
  validFrom: string;
  validTo: string | null;
}

export function normaliseCode(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const code = value.trim().toUpperCase();
  return CODE.test(code) ? code : null;
}

function dateProblem(value: unknown): string | null {
  if (typeof value !== 'string' || !isCalendarDate(value)) return 'must be a calendar date YYYY-MM-DD';
  if (!isInputDate(value)) return 'must be from 1900-01-01 to 2199-12-31';
  return null;
}

function percent(value: unknown, field: string[], problems: DomainError[], name: string): string | null {
  const given = typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
  if (!PERCENT.test(given) || new Decimal(given).gt(100)) {
    problems.push(new DomainError('BAD_USER_INPUT', `${name} must be a percentage from 0 to 100 with at most two decimals (got ${JSON.stringify(String(value ?? '')).slice(0, 30)})`, field));
    return null;
  }
  return new Decimal(given).toFixed(2);
}

/** A supplier as stored, or its problems. The endpoint is an http(s) URL without credentials; the secret is a reference, never the secret. */
export function normaliseSupplier(input: SupplierInput, path: string[]): NormalisedSupplier {
  const problems: DomainError[] = [];
  const code = normaliseCode(input.code);
  if (!code) problems.push(new DomainError('BAD_USER_INPUT', 'a supplier code is 1 to 40 letters, digits and . _ -', [...path, 'code']));
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (!name || name.length > 200 || CONTROL.test(name)) problems.push(new DomainError('BAD_USER_INPUT', 'name: 1 to 200 characters, no control characters', [...path, 'name']));
  let endpointUrl: string | null = null;
  if (input.endpointUrl !== null && input.endpointUrl !== undefined && input.endpointUrl.trim() !== '') {
    try {
      const url = new URL(input.endpointUrl.trim());
      if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || input.endpointUrl.length > 500) throw new Error('bad');
      endpointUrl = url.toString();
    } catch {
      problems.push(new DomainError('BAD_USER_INPUT', 'endpointUrl must be an http or https URL of at most 500 characters, without credentials (the secret is a reference: secretRef)', [...path, 'endpointUrl']));
    }
  }
  let secretRef: string | null = null;
  if (input.secretRef !== null && input.secretRef !== undefined && input.secretRef.trim() !== '') {
    secretRef = input.secretRef.trim().toUpperCase();
    if (!SECRET_REF.test(secretRef)) problems.push(new DomainError('BAD_USER_INPUT', 'secretRef names OUTBOX_SUPPLIER_SECRET_<secretRef>: 1 to 40 letters, digits and _', [...path, 'secretRef']));
  }
  if (problems.length) throw problems.length === 1 ? problems[0] : new DomainErrors(problems);
  return { code: code!, name, endpointUrl, secretRef };
}

/** One contract version as stored, or its problems (pushed to `problems`; null then). */
export function normaliseContract(input: ContractInput, path: string[], problems: DomainError[]): NormalisedContract | null {
  const before = problems.length;
  const at = (name: string) => [...path, name];
  const code = normaliseCode(input.code);
  if (!code) problems.push(new DomainError('BAD_USER_INPUT', 'a contract code is 1 to 40 letters, digits and . _ -', at('code')));
  if (!Number.isInteger(input.version) || input.version < 1 || input.version > MAX_VERSION) problems.push(new DomainError('BAD_USER_INPUT', `version must be a whole number from 1 to ${MAX_VERSION}`, at('version')));
  const supplierCode = normaliseCode(input.supplierCode);
  if (!supplierCode) problems.push(new DomainError('BAD_USER_INPUT', 'supplierCode must be a supplier code', at('supplierCode')));
  const partNumbers = [...new Set((input.partNumbers ?? []).map((p) => (typeof p === 'string' ? p.trim() : '')))].sort();
  if (partNumbers.some((p) => !PART.test(p))) problems.push(new DomainError('BAD_USER_INPUT', 'each part number is 1 to 100 characters, no commas or control characters', at('partNumbers')));
  if (partNumbers.length > MAX_PART_NUMBERS) problems.push(new DomainError('BAD_USER_INPUT', `at most ${MAX_PART_NUMBERS} part numbers per contract`, at('partNumbers')));
  const component = input.component?.trim() ? input.component.trim().toUpperCase() : null;
  if (component !== null && !COMPONENT.test(component)) problems.push(new DomainError('BAD_USER_INPUT', 'component is a component name such as POWERTRAIN or CELLS', at('component')));
  if ((partNumbers.length > 0) === (component !== null)) problems.push(new DomainError('BAD_USER_INPUT', 'name either partNumbers or a component (one of them)', at(component ? 'partNumbers' : 'component')));
  const productFamily = input.productFamily?.trim() ? input.productFamily.trim().toUpperCase() : null;
  if (productFamily !== null && !FAMILY.test(productFamily)) problems.push(new DomainError('BAD_USER_INPUT', 'productFamily is a family name such as INVERTER', at('productFamily')));
  if (productFamily !== null && partNumbers.length > 0) problems.push(new DomainError('BAD_USER_INPUT', 'productFamily narrows a component contract only; a part number is the same part in every family', at('productFamily')));
  const recoverySharePct = percent(input.recoverySharePct, at('recoverySharePct'), problems, 'recoverySharePct');
  if (!Number.isInteger(input.windowMonths) || input.windowMonths < 1 || input.windowMonths > MAX_WINDOW_MONTHS) {
    problems.push(new DomainError('BAD_USER_INPUT', `windowMonths must be a whole number of months from 1 to ${MAX_WINDOW_MONTHS}`, at('windowMonths')));
  }
  const labourSharePct = input.labourSharePct === null || input.labourSharePct === undefined || input.labourSharePct === '' ? null : percent(input.labourSharePct, at('labourSharePct'), problems, 'labourSharePct');
  let cap: NormalisedContract['cap'] = null;
  if (input.capPerClaim) {
    const currency = input.capPerClaim.currency?.trim().toUpperCase() ?? '';
    const digits = minorUnits(currency);
    const amount = input.capPerClaim.amount?.trim() ?? '';
    if (digits === null) problems.push(new DomainError('BAD_USER_INPUT', `${JSON.stringify(currency)} is not an ISO 4217 currency code`, [...at('capPerClaim'), 'currency']));
    else if (!/^\d{1,15}(\.\d+)?$/.test(amount) || new Decimal(amount).decimalPlaces() > digits || new Decimal(amount).lte(0)) {
      problems.push(new DomainError('BAD_USER_INPUT', `the cap is an amount above 0 with at most ${digits} decimals for ${currency}`, [...at('capPerClaim'), 'amount']));
    } else cap = { amount: new Decimal(amount).toFixed(digits), currency };
  }
  const fromProblem = dateProblem(input.validFrom);
  if (fromProblem) problems.push(new DomainError('BAD_USER_INPUT', `validFrom ${fromProblem}`, at('validFrom')));
  const validTo = input.validTo ? input.validTo : null;
  const toProblem = validTo === null ? null : dateProblem(validTo);
  if (toProblem) problems.push(new DomainError('BAD_USER_INPUT', `validTo ${toProblem}`, at('validTo')));
  if (!fromProblem && validTo && !toProblem && validTo < input.validFrom) problems.push(new DomainError('BAD_USER_INPUT', `validTo ${validTo} is before validFrom ${input.validFrom}`, at('validTo')));
  if (problems.length > before) return null;
  return { code: code!, version: input.version, supplierCode: supplierCode!, partNumbers, component, productFamily, recoverySharePct: recoverySharePct!, windowMonths: input.windowMonths, labourSharePct, cap, validFrom: input.validFrom, validTo };
}

/** A stored contract version as the plan compares it. */
export type StoredContract = ContractTerms & { supplierCode: string };

export interface ContractPlan {
  create: number[];
  unchanged: number[];
  problems: DomainError[];
}

function sameValues(stored: StoredContract, sent: NormalisedContract): boolean {
  return (
    stored.supplierCode === sent.supplierCode &&
    stored.partNumbers.join('\n') === sent.partNumbers.join('\n') &&
    stored.component === sent.component &&
    stored.productFamily === sent.productFamily &&
    new Decimal(stored.recoverySharePct).eq(sent.recoverySharePct) &&
    stored.windowMonths === sent.windowMonths &&
    (stored.labourSharePct === null) === (sent.labourSharePct === null) &&
    (stored.labourSharePct === null || new Decimal(stored.labourSharePct).eq(sent.labourSharePct!)) &&
    JSON.stringify(stored.cap && { a: new Decimal(stored.cap.amount).toString(), c: stored.cap.currency }) === JSON.stringify(sent.cap && { a: new Decimal(sent.cap.amount).toString(), c: sent.cap.currency }) &&
    stored.validFrom === sent.validFrom &&
    stored.validTo === sent.validTo
  );
}

/**
 * Plans a call against the stored versions (every version of the organisation that could overlap): a code's versions
 * are 1, 2, 3 ... in order, each valid from a date not before the previous version's, never edited (DUPLICATE_VERSION);
 * a version sent again as stored is unchanged; and no two contracts may answer for one part number (or one component
 * of a family) on a common day (CONTRACT_OVERLAP).
 */
export function planContracts(stored: readonly StoredContract[], sent: readonly NormalisedContract[], path: (index: number) => string[]): ContractPlan {
  const plan: ContractPlan = { create: [], unchanged: [], problems: [] };
  const latest = new Map<string, { version: number; validFrom: string }>();
  for (const row of stored) {
    const top = latest.get(row.code);
    if (!top || row.version > top.version) latest.set(row.code, { version: row.version, validFrom: row.validFrom });
  }
  const seen = new Set<string>();
  const order = sent.map((row, index) => ({ row, index })).sort((a, b) => (a.row.code < b.row.code ? -1 : a.row.code > b.row.code ? 1 : a.row.version - b.row.version));
  const accepted: Array<{ terms: StoredContract; index: number }> = [];
  for (const { row, index } of order) {
    const key = `${row.code}@${row.version}`;
    if (seen.has(key)) {
      plan.problems.push(new DomainError('DUPLICATE_VERSION', `${row.code} version ${row.version} is sent twice in one call`, [...path(index), 'version']));
      continue;
    }
    seen.add(key);
    const existing = stored.find((s) => s.code === row.code && s.version === row.version);
    if (existing) {
      if (sameValues(existing, row)) plan.unchanged.push(index);
      else plan.problems.push(new DomainError('DUPLICATE_VERSION', `${row.code} version ${row.version} is already published with other values; versions are never edited: publish version ${(latest.get(row.code)?.version ?? 0) + 1}`, [...path(index), 'version']));
      continue;
    }
    const top = latest.get(row.code);
    const next = (top?.version ?? 0) + 1;
    if (row.version !== next) {
      plan.problems.push(new DomainError('BAD_USER_INPUT', `the next version of ${row.code} is ${next} (got ${row.version})`, [...path(index), 'version']));
      continue;
    }
    if (top && row.validFrom < top.validFrom) {
      plan.problems.push(new DomainError('BAD_USER_INPUT', `validFrom ${row.validFrom} is before version ${top.version}'s ${top.validFrom}; versions take effect in order`, [...path(index), 'validFrom']));
      continue;
    }
    latest.set(row.code, { version: row.version, validFrom: row.validFrom });
    accepted.push({ terms: { ...row, id: `new:${index}`, supplierId: `code:${row.supplierCode}` }, index });
    plan.create.push(index);
  }
  // Overlaps: the stored versions and the accepted ones together, checked one new version at a time.
  const all: StoredContract[] = [...stored];
  for (const { terms, index } of accepted.sort((a, b) => a.index - b.index)) {
    const overlap = firstOverlap([...all, terms]);
    if (overlap && (overlap.a === terms || overlap.b === terms)) {
      const other = overlap.a === terms ? overlap.b : overlap.a;
      const what = overlap.key.startsWith('P:') ? `part ${overlap.key.slice(2)}` : `component ${overlap.key.split(':').slice(2).join(':')}${overlap.key.split(':')[1] === '*' ? '' : ` of ${overlap.key.split(':')[1]}`}`;
      plan.problems.push(new DomainError('CONTRACT_OVERLAP', `${terms.code} version ${terms.version} answers for ${what} on days that ${other.code} version ${other.version} already does: one contract per part on any day (end the other with validTo, or publish a new version of it)`, [...path(index), 'validFrom']));
      plan.create = plan.create.filter((i) => i !== index);
      continue;
    }
    all.push(terms);
  }
  return plan;
}
