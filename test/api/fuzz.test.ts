import { appendFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { extendSchema, parse } from 'graphql';
import { loadConfig } from '../../src/config';
import { MAX_BODY_BYTES } from '../../src/server/http-body';
import { operationLimits } from '../../src/server/limits';
import { buildWarrantySchema } from '../../src/schema';
import { fuzzCases } from '../support/fuzz-cases';
import { seedFuzzOrganisation } from '../support/fuzz-fixtures';
import type { FuzzRequest, TokenKind } from '../support/fuzz-http';
import { buildOperations } from '../support/fuzz-operations';
import { CauseBook, outcomeOf, problemsOf, type Answer } from '../support/fuzz-report';
import { emptyPools } from '../support/fuzz-values';
import { captureLogs } from '../support/log-capture';
import { clockAt, startTestApp, type TestApp } from '../support/harness';

/**
 * Seeded fuzzing of every operation over HTTP. The operations come from the schema (fuzz-operations.ts): every
 * Query and Mutation root field, every entity type of `_entities`, and the entity fields that take arguments or
 * that this subgraph adds to another's entity, each with every argument of its selection drawn from its type
 * (fuzz-values.ts) and the test organisation's real ids (fuzz-fixtures.ts); one request in 25 is malformed at the
 * HTTP level instead (fuzz-http.ts). A client's mistake must come back typed: no INTERNAL_SERVER_ERROR in any
 * answer, no HTTP 5xx but 503/504 (overload, timeout), no untyped error, no stack trace.
 *
 *   CI (default):  npx jest test/api/fuzz.test.ts                      FUZZ_RUNS=2000, seed 20261207
 *   a long hunt:   FUZZ_RUNS=10000 npx jest test/api/fuzz.test.ts      (FUZZ_SEED=<n> for another seed)
 *   one request:   FUZZ_ONLY=4711,4712 (same seed and runs)            FUZZ_REPORT=causes.json writes the causes
 *
 * A failed run prints each cause once (kind, operation, field path, the server's own message from its log line,
 * count) with the first request that showed it, which FUZZ_ONLY sends again.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261207);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const ONLY = process.env.FUZZ_ONLY ? new Set(process.env.FUZZ_ONLY.split(',').map(Number)) : null;
const TRACE = process.env.FUZZ_TRACE;
const IN_FLIGHT = 6;
/** A request unanswered this long is a bug (the request deadline is 10 s), however busy the machine. */
const CLIENT_TIMEOUT_MS = 120_000;

const limits = loadConfig({ ...process.env, PORT: '0', JWT_SECRET: '' }).limits;
const shapeRules = operationLimits(limits, { hideFieldSuggestions: false }).validationRules;

describe('the fuzz covers every operation of the schema', () => {
  const schema = buildWarrantySchema();

  it('builds an accepted operation with drawable values for every root field, entity type and entity field', () => {
    const set = buildOperations(schema, shapeRules, limits.maxTokens);
    const { uncovered } = fuzzCases(schema, set, emptyPools());
    const covered = new Set(set.operations.flatMap((o) => o.covers));
    const roots = [schema.getQueryType()!, schema.getMutationType()!].flatMap((type) => Object.keys(type.getFields()).map((f) => `${type.name}.${f}`));
    expect(uncovered).toEqual([]);
    expect(roots.filter((name) => !covered.has(name))).toEqual([]);
    expect(set.required.filter((name) => !covered.has(name))).toEqual([]);
  });

  it('covers a root field added to the schema without being told, and says which field it cannot fill in', () => {
    const extended = extendSchema(schema, parse(`
      scalar Mystery
      input ProbeInput { when: Date!, amounts: [Decimal!], nested: SiteInput }
      extend type Query { probe(input: ProbeInput!, first: Int): WarrantyRecord }
      extend type Mutation { mystery(value: Mystery): Int }
    `));
    const set = buildOperations(extended, shapeRules, limits.maxTokens);
    const { uncovered } = fuzzCases(extended, set, emptyPools());
    expect(set.operations.map((o) => o.name)).toEqual(expect.arrayContaining(['Query.probe', 'Mutation.mystery']));
    expect(uncovered).toEqual([{ what: 'Mutation.mystery', reason: expect.stringContaining('Mystery') }]);
  });
});

describe('fuzzing every operation over HTTP', () => {
  let t: TestApp;
  let tokens: Record<TokenKind, string | null>;
  let cases: FuzzRequest[];
  let othersUnits: string[];

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-06-01') });
    const seeded = await seedFuzzOrganisation(t);
    tokens = seeded.tokens;
    othersUnits = seeded.othersUnits;
    const schema = buildWarrantySchema();
    const { arbitrary } = fuzzCases(schema, buildOperations(schema, shapeRules, limits.maxTokens), seeded.pools);
    cases = fc.sample(arbitrary, { seed: SEED, numRuns: RUNS });
  }, 120_000);
  afterAll(() => t?.stop());

  /**
   * Sends one request. A connection reset before any answer is tried once more on a new connection: the client
   * may have reused a kept-alive socket the server was closing (Node closes idle ones after 5 s, e.g. while the
   * cases were drawn), which is no bug of ours; a reset that happens again is reported. undici reports the same
   * race as UND_ERR_SOCKET ("other side closed") when the close arrives as the request is written (seen once in
   * 2,000 requests, at a different request each run, on a machine at load 12).
   */
  async function send(request: FuzzRequest, index: number, retried = false): Promise<Answer> {
    const answer = await sendOnce(request, index);
    if (/ECONNRESET|UND_ERR_SOCKET/.test(answer.failure ?? '') && !retried) return send(request, index, true);
    return answer;
  }

  async function sendOnce(request: FuzzRequest, index: number): Promise<Answer> {
    const sender = tokens[request.token];
    try {
      const response = await fetch(`${t.url}${request.search}`, {
        method: request.method,
        headers: { ...request.headers, 'x-request-id': `fz-${index}`, ...(sender ? { authorization: `Bearer ${sender}` } : {}) },
        body: request.body,
        signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
      });
      const text = await response.text();
      try {
        return { status: response.status, body: JSON.parse(text) };
      } catch {
        return { status: response.status };
      }
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { status: 0, failure: `${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}` };
    }
  }

  it(`answers ${RUNS} fuzzed requests (seed ${SEED}) with no internal error, no 5xx but 503/504, no untyped error`, async () => {
    const logs = captureLogs('warn');
    // The server's own message of each request's first unexpected error, by request id: the request log line's,
    // else the HTTP handler's, else the failed statement's. Warnings and errors are written before the answer is
    // sent, so each answer is judged as it comes, and nothing but the causes is kept.
    const logged = new Map<string, Answer['log'] & { rank: number }>();
    const readLogs = () => {
      for (const line of logs.lines.splice(0)) {
        if (typeof line.requestId !== 'string') continue;
        const found =
          line.msg === 'graphql' && line.error?.message ? { rank: 3, message: line.error.message, path: line.error.path }
            : line.msg === 'http handler failed' ? { rank: 2, message: line.message }
              : line.msg === 'sql error' && typeof line.error === 'string' ? { rank: 1, message: line.error }
                : null;
        if (found && found.rank > (logged.get(line.requestId)?.rank ?? 0)) logged.set(line.requestId, found);
      }
    };
    const book = new CauseBook();
    const statuses = new Map<number, number>();
    const outcomes: Record<string, Record<string, number>> = {};
    const perOperation = new Map<string, number>();
    let sent = 0;
    const judge = (request: FuzzRequest, index: number, answer: Answer) => {
      readLogs();
      const id = `fz-${index}`;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const outcome = outcomeOf(answer);
      const counts = (outcomes[request.operation] ??= {});
      counts[outcome] = (counts[outcome] ?? 0) + 1;
      const oversize = Buffer.byteLength(request.body ?? '') > MAX_BODY_BYTES;
      book.add(problemsOf(request, { ...answer, log: logged.get(id) }, oversize, othersUnits), request, index);
      logged.delete(id);
    };
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const index = next++;
        if (ONLY && !ONLY.has(index)) continue;
        const request = cases[index];
        perOperation.set(request.operation, (perOperation.get(request.operation) ?? 0) + 1);
        // FUZZ_TRACE=<file>: each request's number before it is sent, to find the one in flight if the process dies.
        if (TRACE) appendFileSync(TRACE, `${index}\n`);
        judge(request, index, await send(request, index));
        sent++;
      }
    };
    try {
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    } finally {
      logs.stop();
    }
    const seconds = (Date.now() - started) / 1000;
    const causes = book.list();
    // How many got past coercion into the resolvers (answered with data or a refusal in the payload).
    const reached = Object.values(outcomes).flatMap((o) => Object.entries(o)).filter(([k]) => k === 'ok' || k.startsWith('userError')).reduce((n, [, c]) => n + c, 0);
    process.stdout.write(
      `fuzz: ${sent} requests (FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}) in ${seconds.toFixed(1)} s over ${perOperation.size} operations, ` +
        `${reached} answered with data or userErrors; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `${book.total} problems from ${causes.length} causes\n${book.format()}\n`,
    );
    if (process.env.FUZZ_REPORT) {
      const report = { seed: SEED, runs: RUNS, seconds, outcomes: Object.fromEntries(Object.entries(outcomes).sort()), causes };
      writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(report, null, 2));
    }

    // Every root field, entity type and entity field was asked for (a run long enough to reach them all).
    if (!ONLY && RUNS >= 1000) {
      const operations = buildOperations(buildWarrantySchema(), shapeRules, limits.maxTokens).operations;
      expect(operations.filter((o) => !perOperation.has(o.name)).map((o) => o.name)).toEqual([]);
    }
    // One line per cause: what, where, how often, and the request that shows it.
    expect(causes.map((c) => `×${c.count} ${c.kind} in ${c.operation}${c.path ? ` at ${c.path}` : ''}: ${c.raw} — ${c.example.slice(0, 600)}`)).toEqual([]);
  }, 120_000 + RUNS * 60);
});
