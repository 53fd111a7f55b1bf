/**
 * Checks every client value passes before it reaches a service, whatever operation or type carries it.
 *
 * - Strings: PostgreSQL `text` and `jsonb` cannot hold U+0000, and a lone UTF-16 surrogate is not a character
 *   at all (the driver would silently store U+FFFD instead, and jsonb refuses the escape). Refusing both here,
 *   once, keeps each service from having to know it.
 * - Dates a client sends (every `Date` and `DateTime` argument): 1900-01-01 to 2199-12-31, what a warranty date can
 *   mean (production, sale, repair and shift dates, release and travel times). Every date the rules derive from
 *   them (an end date 50 years on, a service item's window 60 years on) then stays well inside what PostgreSQL and
 *   our four-digit outputs hold (years 0001–9999, `MIN_DATE`..`MAX_DATE`), so no derivation can fall outside.
 * - Observed instants (`ObservedAt`: heartbeats, firmware reports): not later than now plus the configured clock
 *   skew (`CLOCK_SKEW_SECONDS`), since nothing is observed in the future.
 * - Values a scalar parsed but refused (`RefusedValue`): a throw in parseLiteral fails document validation
 *   (GRAPHQL_VALIDATION_FAILED, no path), so a literal's refusal travels to the argument guard, which knows its path.
 */

/** What PostgreSQL and the calendar maths can store and show: the bound of derived dates. */
export const MIN_DATE = '0001-01-01';
export const MAX_DATE = '9999-12-31';
export const MIN_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** What a date sent by a client may be: the bound of every `Date` and `DateTime` argument. */
export const EARLIEST_INPUT_DATE = '1900-01-01';
export const LATEST_INPUT_DATE = '2199-12-31';
const EARLIEST_INPUT_MS = Date.parse(`${EARLIEST_INPUT_DATE}T00:00:00.000Z`);
const LATEST_INPUT_MS = Date.parse(`${LATEST_INPUT_DATE}T23:59:59.999Z`);
export const INPUT_DATE_PROBLEM = `must be from ${EARLIEST_INPUT_DATE} to ${LATEST_INPUT_DATE}`;
export const INPUT_INSTANT_PROBLEM = `must be from ${EARLIEST_INPUT_DATE}T00:00:00Z to ${LATEST_INPUT_DATE}T23:59:59.999Z`;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A literal a scalar parsed but cannot accept: the argument guard answers it with the argument's path. */
export class RefusedValue {
  constructor(readonly problem: string) {}
}

/** An instant something was observed at (the `ObservedAt` scalar): the argument guard holds it to now + skew. */
export class ObservedInstant extends Date {}

/** Why a string cannot be accepted, or null when it can. */
export function stringProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it contains a lone surrogate)';
  return null;
}

/** Why an observed instant cannot be accepted: later than `notAfter` (now plus the clock skew). */
export function observedProblem(at: Date, notAfter: Date): string | null {
  if (at.getTime() <= notAfter.getTime()) return null;
  return `must not be in the future: ${at.toISOString()} is later than now plus the allowed clock skew (${notAfter.toISOString()})`;
}

export interface InputBounds {
  /**
   * The latest an `ObservedAt` may be (now plus the clock skew), asked only when one is met (reading the clock is not
   * free, and a test's clock ticks); without it, observed instants are not held to it.
   */
  observedNotAfter?: () => Date;
}

/**
 * The first value inside an argument (objects and arrays walked) that cannot be accepted, with its path below
 * `path`: a string as above, a literal a scalar refused, a Date (a coerced Date or DateTime) outside the input range,
 * or an observed instant later than `bounds.observedNotAfter`. Null when none.
 */
export function findBadInput(value: unknown, path: Array<string | number>, bounds: InputBounds = {}): { path: Array<string | number>; problem: string } | null {
  // The path below `path` is kept on one stack and copied only for the value that fails: this runs over every
  // argument and representation of every request, which are nearly always fine.
  const below: Array<string | number> = [];
  const visit = (inner: unknown): string | null => {
    if (typeof inner === 'string') return stringProblem(inner);
    if (inner instanceof RefusedValue) return inner.problem;
    if (inner instanceof Date) {
      if (!isInputInstant(inner)) return INPUT_DATE_PROBLEM;
      return inner instanceof ObservedInstant && bounds.observedNotAfter ? observedProblem(inner, bounds.observedNotAfter()) : null;
    }
    if (Array.isArray(inner)) {
      for (let index = 0; index < inner.length; index++) {
        below.push(index);
        const problem = visit(inner[index]);
        if (problem) return problem;
        below.pop();
      }
      return null;
    }
    if (inner !== null && typeof inner === 'object') {
      for (const key in inner) {
        if (!Object.prototype.hasOwnProperty.call(inner, key)) continue;
        below.push(key);
        const problem = visit((inner as Record<string, unknown>)[key]);
        if (problem) return problem;
        below.pop();
      }
    }
    return null;
  };
  const problem = visit(value);
  return problem ? { path: [...path, ...below], problem } : null;
}

/** A calendar date string (`YYYY-MM-DD`) inside the range PostgreSQL and the calendar maths share. */
export function isDateInRange(isoDate: string): boolean {
  // Compared as strings, which is only right for four-digit years: the calendar maths may produce five.
  return /^\d{4}-\d{2}-\d{2}$/.test(isoDate) && isoDate >= MIN_DATE && isoDate <= MAX_DATE;
}

export function isInstantInRange(instant: Date): boolean {
  const ms = instant.getTime();
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}

/** A date a client may send (`Date` arguments): 1900-01-01 to 2199-12-31. */
export function isInputDate(isoDate: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(isoDate) && isoDate >= EARLIEST_INPUT_DATE && isoDate <= LATEST_INPUT_DATE;
}

/** An instant a client may send (`DateTime` arguments, and a `Date` as its UTC midnight): inside the input dates. */
export function isInputInstant(instant: Date): boolean {
  const ms = instant.getTime();
  return Number.isFinite(ms) && ms >= EARLIEST_INPUT_MS && ms <= LATEST_INPUT_MS;
}
