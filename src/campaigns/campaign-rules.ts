/**
 * Campaigns (rule 19), the pure part: what a publication must carry, which units a SKU range affects, how a campaign
 * claim is priced by the remedy, and how a unit's campaign status may move. No database or GraphQL here.
 */
import DecimalJs from 'decimal.js';
import { DomainError } from '../common/errors';
import { isInputDate } from '../common/input-guards';
import { minorUnits, storedDecimalProblem } from '../common/money';
import { normaliseOperationCode } from '../labour/labour-input';
import { flatRateTermsOf, type FlatRateTerms, type OperationInForce } from '../labour/labour-rules';
import { CAMPAIGN_KINDS, type CampaignKind, type CampaignUnitStatus, type Remedy } from './campaign.entities';

const Decimal = DecimalJs.clone({ precision: 80 });

const CODE = /^[A-Z0-9][A-Z0-9._-]{0,39}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const PLAIN_DECIMAL = /^(0|[1-9]\d*)(\.\d+)?$/;
export const MAX_TITLE = 200;
export const MAX_REASON = 4_000;
/** Serials a publication may carry inline; a longer list goes through the import (command or endpoint). */
export const MAX_INLINE_SERIALS = 1_000;
export const MAX_SKU_RANGES = 100;
export const MAX_REMEDY_OPERATIONS = 20;
export const MAX_REMEDY_PARTS = 50;
/** Unknown serials an answer lists (all are counted). */
export const MAX_LISTED_UNKNOWN = 100;

/** A campaign code as stored (trimmed, upper-case), or null when it is not one: 1 to 40 letters, digits and . _ -. */
export function normaliseCampaignCode(value: string): string | null {
  const code = value.trim().toUpperCase();
  return CODE.test(code) ? code : null;
}

export interface SkuRangeInput {
  sku: string;
  producedFrom?: string | null;
  producedTo?: string | null;
}

export interface PublishCampaignInput {
  code: string;
  title: string;
  kind: CampaignKind;
  periodFrom: string;
  periodTo?: string | null;
  remedy: { currency: string; labourOperations: string[]; parts: Array<{ partNumber: string; quantity: string; unitPrice: string }> };
  skuRanges?: SkuRangeInput[] | null;
  serialNumbers?: string[] | null;
}

export interface NormalisedCampaign {
  code: string;
  title: string;
  kind: CampaignKind;
  periodFrom: string;
  periodTo: string | null;
  remedy: Remedy;
  skuRanges: Array<{ sku: string; producedFrom: string | null; producedTo: string | null }>;
  serialNumbers: string[];
}

function decimalProblem(value: string, positive: boolean, maxDigits?: number): string | null {
  if (!PLAIN_DECIMAL.test(value)) return `must be a decimal number written plainly, e.g. "12.50" (got ${JSON.stringify(value.slice(0, 40))})`;
  const stored = storedDecimalProblem(value);
  if (stored) return stored;
  if (positive && new Decimal(value).isZero()) return 'must be more than zero';
  if (maxDigits !== undefined && new Decimal(value).decimalPlaces() > maxDigits) return `has more than ${maxDigits} decimals`;
  return null;
}

/**
 * The publication as stored, or every problem of it with its field (below `input`): a code, a title, a kind, a
 * period, a remedy (operation codes, parts with quantity and unit price in one currency, at least one of the two)
 * and affected units (SKU ranges, serials, or both; at least one of them).
 */
export function checkPublication(input: PublishCampaignInput): { campaign: NormalisedCampaign | null; problems: DomainError[] } {
  const problems: DomainError[] = [];
  const refuse = (field: Array<string | number>, message: string) => problems.push(new DomainError('BAD_USER_INPUT', message, ['input', ...field.map(String)]));
  const code = normaliseCampaignCode(input.code);
  if (code === null) refuse(['code'], 'a campaign code is 1 to 40 letters, digits and . _ - (starting with a letter or digit)');
  const title = input.title.trim();
  if (!title || title.length > MAX_TITLE || CONTROL.test(title)) refuse(['title'], `a title is 1 to ${MAX_TITLE} characters without control characters`);
  if (!CAMPAIGN_KINDS.includes(input.kind)) refuse(['kind'], `kind is one of ${CAMPAIGN_KINDS.join(', ')}`);
  if (!isInputDate(input.periodFrom)) refuse(['periodFrom'], 'must be a date from 1900-01-01 to 2199-12-31');
  const periodTo = input.periodTo ?? null;
  if (periodTo !== null && !isInputDate(periodTo)) refuse(['periodTo'], 'must be a date from 1900-01-01 to 2199-12-31');
  else if (periodTo !== null && periodTo < input.periodFrom) refuse(['periodTo'], `the period ends (${periodTo}) before it starts (${input.periodFrom})`);

  const currency = input.remedy.currency.trim().toUpperCase();
  const digits = minorUnits(currency);
  if (digits === null) refuse(['remedy', 'currency'], `${JSON.stringify(input.remedy.currency.slice(0, 10))} is not an ISO 4217 currency code`);
  const operations: string[] = [];
  if (input.remedy.labourOperations.length > MAX_REMEDY_OPERATIONS) refuse(['remedy', 'labourOperations'], `at most ${MAX_REMEDY_OPERATIONS} operations`);
  input.remedy.labourOperations.forEach((given, index) => {
    const op = normaliseOperationCode(given);
    if (op === null) refuse(['remedy', 'labourOperations', index], 'an operation code is 1 to 40 letters, digits and . _ -');
    else if (operations.includes(op)) refuse(['remedy', 'labourOperations', index], `${op} is named twice`);
    else operations.push(op);
  });
  if (input.remedy.parts.length > MAX_REMEDY_PARTS) refuse(['remedy', 'parts'], `at most ${MAX_REMEDY_PARTS} parts`);
  const parts = input.remedy.parts.map((part, index) => {
    const partNumber = part.partNumber.trim();
    if (!partNumber || partNumber.length > 100 || CONTROL.test(partNumber)) refuse(['remedy', 'parts', index, 'partNumber'], 'a part number is 1 to 100 characters without control characters');
    const quantity = decimalProblem(part.quantity, true);
    if (quantity) refuse(['remedy', 'parts', index, 'quantity'], `quantity ${quantity}`);
    const price = decimalProblem(part.unitPrice, false, digits ?? 4);
    if (price) refuse(['remedy', 'parts', index, 'unitPrice'], `unitPrice ${price}`);
    return { partNumber, quantity: part.quantity, unitPrice: part.unitPrice };
  });
  if (operations.length === 0 && parts.length === 0) refuse(['remedy'], 'a remedy names at least one labour operation or part');

  const skuRanges = (input.skuRanges ?? []).map((range, index) => {
    const sku = range.sku.trim();
    const from = range.producedFrom ?? null;
    const to = range.producedTo ?? null;
    if (!sku || sku.length > 200 || CONTROL.test(sku)) refuse(['skuRanges', index, 'sku'], 'a SKU is 1 to 200 characters');
    if (from !== null && !isInputDate(from)) refuse(['skuRanges', index, 'producedFrom'], 'must be a date from 1900-01-01 to 2199-12-31');
    if (to !== null && !isInputDate(to)) refuse(['skuRanges', index, 'producedTo'], 'must be a date from 1900-01-01 to 2199-12-31');
    else if (from !== null && to !== null && to < from) refuse(['skuRanges', index, 'producedTo'], `the range ends (${to}) before it starts (${from})`);
    return { sku, producedFrom: from, producedTo: to };
  });
  if (skuRanges.length > MAX_SKU_RANGES) refuse(['skuRanges'], `at most ${MAX_SKU_RANGES} SKU ranges`);
  const serials = input.serialNumbers ?? [];
  if (serials.length > MAX_INLINE_SERIALS) refuse(['serialNumbers'], `at most ${MAX_INLINE_SERIALS} serials inline; import a longer list (npm run import-campaign-units)`);
  const serialNumbers = [...new Set(serials.map((s) => s.trim().toUpperCase()).filter(Boolean))];
  serials.forEach((s, index) => {
    if (s.length > 200 || CONTROL.test(s)) refuse(['serialNumbers', index], 'a serial number is at most 200 characters without control characters');
  });
  if (skuRanges.length === 0 && serialNumbers.length === 0) {
    problems.push(new DomainError('NO_AFFECTED_UNITS', 'a campaign affects units: give SKU ranges (skuRanges) or serials (serialNumbers)', ['input', 'skuRanges']));
  }
  if (problems.length > 0) return { campaign: null, problems };
  return {
    campaign: { code: code!, title, kind: input.kind, periodFrom: input.periodFrom, periodTo, remedy: { currency, labourOperations: operations, parts }, skuRanges, serialNumbers },
    problems,
  };
}

/** A unit as a SKU range sees it. */
export interface UnitFacts {
  sku: string;
  productionDate: string | null;
}

/**
 * Whether a SKU range affects a unit: the same SKU, and a production date within the range (both ends included). A
 * unit without a production date is affected only by a range open at both ends (the whole SKU): its date cannot be
 * placed in a bounded range.
 */
export function rangeAffects(range: { sku: string; producedFrom: string | null; producedTo: string | null }, unit: UnitFacts): boolean {
  if (range.sku !== unit.sku) return false;
  if (range.producedFrom === null && range.producedTo === null) return true;
  if (unit.productionDate === null) return false;
  return (range.producedFrom === null || unit.productionDate >= range.producedFrom) && (range.producedTo === null || unit.productionDate <= range.producedTo);
}

/** Whether a repair on `date` falls in the campaign's period (both ends included; no end: until further notice). */
export function inPeriod(campaign: { periodFrom: string; periodTo: string | null }, date: string): boolean {
  return date >= campaign.periodFrom && (campaign.periodTo === null || date <= campaign.periodTo);
}

/** A line of a campaign claim, in the shape claims prices (claims/line-coverage.ts LineInput). */
export type RemedyLine =
  | { kind: 'LABOUR'; hours: string; rate: string; operationCode: string }
  | { kind: 'PART'; partNumber: string; quantity: string; unitPrice: string };

export interface RemedyRefusal {
  code: 'UNKNOWN_LABOUR_OPERATION' | 'LABOUR_OPERATION_NOT_FOR_UNIT' | 'BAD_USER_INPUT';
  message: string;
}

/**
 * The lines of a campaign claim, priced by the remedy: one LABOUR line per operation at its standard hours (the
 * version in force on the repair date) × the approved labour rate for the unit's region and the remedy's currency,
 * and one PART line per remedy part at its quantity and remedy price. `flatRates` carries each labour line's terms
 * (rule 17) by line index, so that claims prices and keeps them as any flat-rate line. An operation not in force, not
 * for this unit, or no approved rate: refused (the campaign cannot be paid as published).
 */
export function remedyLines(
  remedy: Remedy,
  inForce: readonly OperationInForce[],
  approvedRate: string | null,
  unit: { productFamily: string; sku: string; region: string },
  repairDate: string,
): { lines: RemedyLine[]; flatRates: Map<number, FlatRateTerms>; refusals: RemedyRefusal[] } {
  const named = remedy.labourOperations.map((code, index) => ({ index, code }));
  const { terms, refusals } = flatRateTermsOf(named, inForce, unit, approvedRate, remedy.currency, repairDate);
  const problems: RemedyRefusal[] = refusals.map((r) => ({ code: r.code, message: `the campaign's remedy: ${r.message}` }));
  if (named.length > 0 && approvedRate === null) {
    problems.push({ code: 'BAD_USER_INPUT', message: `no labour rate is approved for ${unit.region} in ${remedy.currency} on ${repairDate}: the remedy's labour cannot be priced` });
  }
  const lines: RemedyLine[] = [];
  const flatRates = new Map<number, FlatRateTerms>();
  if (problems.length > 0) return { lines, flatRates, refusals: problems };
  remedy.labourOperations.forEach((_, index) => {
    const t = terms.get(index)!;
    flatRates.set(lines.length, t);
    lines.push({ kind: 'LABOUR', hours: new Decimal(t.standardHours).toString(), rate: new Decimal(approvedRate!).toString(), operationCode: t.code });
  });
  for (const part of remedy.parts) lines.push({ kind: 'PART', partNumber: part.partNumber, quantity: part.quantity, unitPrice: part.unitPrice });
  return { lines, flatRates, refusals: [] };
}

/** What may happen to a unit's campaign status, and why not. */
export function unitChangeProblem(status: CampaignUnitStatus, change: 'COMPLETE' | 'NOT_APPLICABLE'): string | null {
  if (status === 'OPEN') return null;
  if (status === 'COMPLETED') return 'the unit has been fixed already (COMPLETED)';
  return change === 'COMPLETE' ? null : 'the unit is NOT_APPLICABLE already';
}

/** The order a unit's campaigns are shown in: safety recalls first, then by period start, then code. */
export function campaignOrder(a: { kind: CampaignKind; periodFrom: string; code: string }, b: { kind: CampaignKind; periodFrom: string; code: string }): number {
  const rank = (k: CampaignKind) => (k === 'SAFETY_RECALL' ? 0 : 1);
  return rank(a.kind) - rank(b.kind) || (a.periodFrom < b.periodFrom ? -1 : a.periodFrom > b.periodFrom ? 1 : 0) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}

/** One month of a campaign's progress: units added, completed and set aside in it, and the units open at its end. */
export interface MonthProgress {
  month: string;
  added: number;
  completed: number;
  notApplicable: number;
  openAtEnd: number;
}

/** The months from the counts of each (sparse months filled in with zeros), each with the units open at its end. */
export function monthlyProgress(counts: ReadonlyArray<{ month: string; added: number; completed: number; notApplicable: number }>): MonthProgress[] {
  if (counts.length === 0) return [];
  const byMonth = new Map(counts.map((c) => [c.month, c]));
  const months = [...byMonth.keys()].sort();
  const result: MonthProgress[] = [];
  let open = 0;
  for (let month = months[0]; month <= months[months.length - 1]; month = nextMonth(month)) {
    const c = byMonth.get(month) ?? { added: 0, completed: 0, notApplicable: 0 };
    open += c.added - c.completed - c.notApplicable;
    result.push({ month, added: c.added, completed: c.completed, notApplicable: c.notApplicable, openAtEnd: open });
  }
  return result;
}

function nextMonth(month: string): string {
  const [year, m] = month.split('-').map(Number);
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, '0')}`;
}
