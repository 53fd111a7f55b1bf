import type { FuzzRequest } from './fuzz-http';

/**
 * What the fuzz counts as a bug in an answer, and the summary by cause that a failed run prints: the operation,
 * the server's own message for an internal error (from its log line, joined by request id), how many, and one
 * request that reproduces it.
 */

export interface Answer {
  status: number;
  /** The parsed JSON body; undefined when the body was not JSON (or there was no answer). */
  body?: any;
  /** Set when no answer came (the connection failed or the client gave up). */
  failure?: string;
  /** What the server logged for this request at warn or error level (its request id). */
  log?: { message?: string; path?: unknown };
}

export interface Problem {
  kind: string;
  operation: string;
  /** The field path at fault, list indexes folded (`submitClaim.claim.lines`). */
  path: string;
  /** Normalized (ids, numbers and quoted values folded), so that one cause is one group. */
  message: string;
  /** As it was, for the first of its group. */
  raw: string;
}

/** The HTTP statuses a client's request may get for reasons that are not a bug: overload and timeout. */
const RETRYABLE = new Set([503, 504]);
const STACK = /stacktrace|\.ts:\d+|node_modules|\n\s+at /;

const foldPath = (path: unknown) => (Array.isArray(path) ? path.filter((p) => typeof p === 'string').join('.') : '');

/** Messages with their ids, numbers and quoted values folded, so that one cause is one line. */
export function normalize(message: string): string {
  return message
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?/g, '<date>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .slice(0, 200);
}

/** What an answer shows, without what merely echoes the request (refusals, serials reported unknown). */
function shown(data: unknown): string {
  return JSON.stringify(data ?? null, (key, value) => (key === 'userErrors' || key === 'unknownSerialNumbers' ? undefined : value));
}

/**
 * `othersUnits`: serials and ids the customer token must never be shown (tenancy within an organisation: a
 * customer sees only their own units, on every surface).
 */
export function problemsOf(request: FuzzRequest, answer: Answer, oversize: boolean, othersUnits: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  const add = (kind: string, message: string, path = '') =>
    problems.push({ kind, operation: request.operation, path, message: normalize(message), raw: message.slice(0, 300) });
  if (answer.failure) {
    // A body over the limit may be cut off while it is still being sent: the 413 is answered, the upload fails.
    if (!oversize) add('no answer', answer.failure);
    return problems;
  }
  if (oversize && answer.status === 413) return problems;
  const logged = answer.log?.message;
  if (answer.status >= 500 && !RETRYABLE.has(answer.status)) add(`HTTP ${answer.status}`, logged ?? JSON.stringify(answer.body ?? null).slice(0, 200));
  const body = answer.body;
  if (body === undefined || body === null || typeof body !== 'object') return problems;
  const errors: any[] = Array.isArray(body.errors) ? body.errors : [];
  for (const error of errors) {
    const code = error?.extensions?.code;
    const path = foldPath(error?.path);
    if (code === 'INTERNAL_SERVER_ERROR') {
      // The log line carries the first unexpected error's own message; the others of the answer share its cause
      // when they share its path, else only their path is known.
      const sameAsLogged = logged !== undefined && (foldPath(answer.log?.path) === path || errors.length === 1);
      add('INTERNAL_SERVER_ERROR', sameAsLogged ? logged! : String(error?.message ?? ''), path);
    } else if (code === undefined) add('error without code', String(error?.message ?? ''), path);
    else if (code === 'BAD_USER_INPUT' && !Array.isArray(error.extensions.field)) add('BAD_USER_INPUT without field', String(error?.message ?? ''), path);
    if (STACK.test(JSON.stringify(error))) add('stack trace to client', String(error?.message ?? ''), path);
  }
  if (request.token === 'customer' && body.data) {
    const seen = shown(body.data);
    // A value the request itself carried is an echo (a Case representation's own serialNumber), not a leak; the
    // unit's id, which the request did not carry, still shows one.
    const sent = `${request.search}${request.body ?? ''}`;
    const leaked = othersUnits.find((unit) => seen.includes(`"${unit}"`) && !sent.includes(unit));
    if (leaked) add("another customer's unit shown", `a CUSTOMER token was shown ${leaked}`);
  }
  for (const [field, payload] of Object.entries(body.data ?? {})) {
    const userErrors = (payload as { userErrors?: unknown } | null)?.userErrors;
    if (!Array.isArray(userErrors)) continue;
    for (const userError of userErrors) {
      if (!userError?.code) add('userError without code', String(userError?.message ?? ''), field);
      else if (userError.code === 'BAD_USER_INPUT' && !Array.isArray(userError.field)) add('BAD_USER_INPUT userError without field', String(userError.message), field);
    }
  }
  return problems;
}

/**
 * How far a request got, for the statistics: `ok` (data, no error), `userError CODE` (a mutation refused in its
 * payload), `error CODE` (a GraphQL error, HTTP 200), `HTTP 400 CODE`, `no answer`.
 */
export function outcomeOf(answer: Answer): string {
  if (answer.failure) return 'no answer';
  const firstCode = answer.body?.errors?.[0]?.extensions?.code;
  if (answer.status !== 200) return `HTTP ${answer.status}${firstCode ? ` ${firstCode}` : ''}`;
  if (firstCode) return `error ${firstCode}`;
  for (const payload of Object.values(answer.body?.data ?? {})) {
    const first = (payload as { userErrors?: Array<{ code?: string; field?: unknown }> } | null)?.userErrors?.[0];
    if (first?.code) return `userError ${first.code}${Array.isArray(first.field) ? ` ${first.field.filter((p) => !/^\d+$/.test(String(p))).join('.')}` : ''}`;
  }
  return 'ok';
}

/** A request short enough to read: long strings and long lists inside the body cut, saying how long they were. */
export function reproduce(request: FuzzRequest, index: number): string {
  const shorten = (value: unknown): unknown => {
    if (typeof value === 'string') return value.length > 120 ? `${value.slice(0, 60)}…(${value.length} chars)` : value;
    if (Array.isArray(value)) {
      const head = value.slice(0, 3).map(shorten);
      return value.length > 3 ? [...head, `…(${value.length} items, the rest like these)`] : head;
    }
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'query' ? v : shorten(v)]));
    return value;
  };
  let body = request.body ?? '';
  try {
    body = JSON.stringify(shorten(JSON.parse(body)));
  } catch {
    body = JSON.stringify(body.length > 300 ? `${body.slice(0, 300)}…` : body);
  }
  const headers = Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`).join('; ');
  return `#${index} token=${request.token} ${request.method} /${request.search} [${headers}] ${body}`;
}

export interface Cause {
  kind: string;
  operation: string;
  path: string;
  message: string;
  raw: string;
  count: number;
  /** The first request that showed it. */
  example: string;
}

/** Problems grouped by kind, operation, path and message, the most frequent first. */
export class CauseBook {
  private readonly causes = new Map<string, Cause>();
  total = 0;

  add(problems: Problem[], request: FuzzRequest, index: number): void {
    for (const p of problems) {
      this.total++;
      const key = `${p.kind}|${p.operation}|${p.path}|${p.message}`;
      const known = this.causes.get(key);
      if (known) known.count++;
      else this.causes.set(key, { ...p, count: 1, example: reproduce(request, index) });
    }
  }

  list(): Cause[] {
    return [...this.causes.values()].sort((a, b) => b.count - a.count || a.operation.localeCompare(b.operation));
  }

  /** One paragraph per cause: count, kind, operation and path, message, and the request that reproduces it. */
  format(): string {
    return this.list()
      .map((c, i) => `${i + 1}. ×${c.count} ${c.kind} in ${c.operation}${c.path ? ` at ${c.path}` : ''}: ${c.raw}\n   ${c.example.slice(0, 1500)}`)
      .join('\n');
  }
}
