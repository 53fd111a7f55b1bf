/**
 * Checks every client value passes before it reaches a service, whatever operation or type carries it.
 *
 * - Strings: PostgreSQL `text` and `jsonb` cannot hold U+0000, and a lone UTF-16 surrogate is not a character
 *   at all (the driver would silently store U+FFFD instead, and jsonb refuses the escape). Refusing both here,
 *   once, keeps each service from having to know it.
 * - Calendar range: dates and instants must lie in years 0001–9999. PostgreSQL has no year 0, and our outputs
 *   are four-digit ISO strings (the calendar maths formats years with four digits), so anything outside cannot
 *   be stored or shown.
 */

export const MIN_DATE = '0001-01-01';
export const MAX_DATE = '9999-12-31';
export const MIN_INSTANT_MS = Date.parse('0001-01-01T00:00:00.000Z');
export const MAX_INSTANT_MS = Date.parse('9999-12-31T23:59:59.999Z');

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why a string cannot be accepted, or null when it can. */
export function stringProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (it contains a lone surrogate)';
  return null;
}

/**
 * The first value inside an argument (objects and arrays walked) that cannot be accepted, with its path below
 * `path`: a string as above, or a Date (a coerced Date or DateTime) outside years 0001–9999. Variables meet the
 * range check in the scalars already; literals of the document meet it here, where the argument path is known.
 * (A Date scalar's value is UTC midnight of its day, so the instant range is the date range.) Null when none.
 */
export function findBadInput(value: unknown, path: Array<string | number>): { path: Array<string | number>; problem: string } | null {
  // The path below `path` is kept on one stack and copied only for the value that fails: this runs over every
  // argument and representation of every request, which are nearly always fine.
  const below: Array<string | number> = [];
  const visit = (inner: unknown): string | null => {
    if (typeof inner === 'string') return stringProblem(inner);
    if (inner instanceof Date) return isInstantInRange(inner) ? null : `must be from ${MIN_DATE} to ${MAX_DATE}`;
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
