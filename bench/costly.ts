/**
 * A single lookup while the most expensive request that is still accepted arrives back to back (issue 17, item 6):
 * `warranty(serialNumber:)` from one client, one request at a time, alone and then while COSTLY_CLIENTS clients
 * each send the heaviest request the cost estimate (src/server/operation-cost.ts) lets through, back to back.
 *
 * The heavy request is the gateway's `_entities` document for a CSP page (each case's unit with its coverages and
 * policy, and its active-warranty check with every coverage's checks: the coverage engine runs per case), with as
 * many Case representations as the estimate allows under MAX_COST: the same function the subgraph runs counts
 * them, so the request is the most expensive of its kind that is accepted. One more representation is refused;
 * the bench checks both.
 *
 * Reported: the lookup's p50 and p99 alone and loaded and their ratio (the target: p50 within ×3), the heavy
 * requests answered, their p50, and the subgraph's largest event-loop delay while loaded (prom-client's
 * `nodejs_eventloop_lag_max_seconds`, reset by the scrape before the loaded round).
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parse } from 'graphql';
import { loadConfig } from '../src/config';
import { buildWarrantySchema } from '../src/schema';
import { operationCost, selectOperation } from '../src/server/operation-cost';
import type { RoundResult, RunMessage } from './load-generator';
import { fixed } from './process-stats';
import { CASE_OPENED_AT, type BenchData } from './scenarios';

export const COSTLY_CLIENTS = 3;
/** The subgraph's default MAX_COST (src/config.ts); the bench starts it with the defaults. */
const MAX_COST = loadConfig({ NODE_ENV: 'test' }).limits.maxCost;

const COSTLY_DOCUMENT = `query CostlyCases($representations: [_Any!]!) { _entities(representations: $representations) { ... on Case {
  __typename
  warranty { id serialNumber productFamily region tier status expiresAt start { status date source }
    coverages { kind scope startDate endDate labourEndDate voidedAt } policy { region version } }
  warrantyCheck { decision paysParts paysLabour reason
    coverages { active paysParts paysLabour coverage { kind scope } checks { check outcome limit reading reason } projectedEnd { date } } }
} } }`;

export interface CostlyResult {
  cases: number;
  cost: number;
  refusedOneMore: boolean;
  aloneP50: number;
  aloneP99: number;
  loadedP50: number;
  loadedP99: number;
  lookups: number;
  lookupErrors: number;
  heavyAnswered: number;
  heavyErrors: number;
  heavyCodes: string[];
  heavyAloneMs: number;
  heavyP50: number;
  loopDelayMaxMs: number;
  roundMs: number;
}

type RunLoad = (message: Omit<RunMessage, 'type' | 'id'>) => Promise<RoundResult>;

function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)];
}

/** The largest event-loop delay the subgraph saw since the last scrape, in ms. */
async function loopDelayMaxMs(subgraphUrl: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', subgraphUrl))).text();
  const match = /^nodejs_eventloop_lag_max_seconds\s+([0-9.e+-]+)/m.exec(text);
  return match ? Number(match[1]) * 1000 : NaN;
}

export async function measureCostly(options: {
  run: RunLoad;
  subgraphUrl: string;
  data: BenchData;
  roundMs: number;
  progress: (line: string) => void;
}): Promise<CostlyResult> {
  const { run, subgraphUrl, data, roundMs } = options;
  const org = data.orgs[0];
  const schema = buildWarrantySchema();
  const document = parse(COSTLY_DOCUMENT);
  const operation = selectOperation(document)!;
  const representationsOf = (count: number, round: number) =>
    Array.from({ length: count }, (_, k) => {
      const unit = org.checkable[(round * 7 + k) % org.checkable.length];
      return { __typename: 'Case', id: `costly-${round}-${k}`, serialNumber: org.serials[unit], openedAt: CASE_OPENED_AT };
    });
  const costOf = (count: number) => operationCost({ schema, document, operation, variables: { representations: representationsOf(count, 0) } });
  let cases = 1;
  while (costOf(cases + 1) <= MAX_COST) cases++;
  const cost = costOf(cases);

  const agent = new Agent({ keepAlive: true, maxSockets: COSTLY_CLIENTS + 1 });
  const target = new URL(subgraphUrl);
  let sequence = 0;
  const send = (count: number, round: number) =>
    new Promise<{ status: number; text: string; ms: number }>((resolve, reject) => {
      const body = JSON.stringify({ query: COSTLY_DOCUMENT, variables: { representations: representationsOf(count, round) } });
      const started = performance.now();
      const req = httpRequest(
        {
          hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${org.token}`, 'x-request-id': `costly.heavy.${sequence++}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const codesOf = (text: string) => [...text.matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1]);

  // The heaviest accepted, once alone (and checked), and one more representation refused.
  const alone = await send(cases, 0);
  if (alone.status !== 200 || codesOf(alone.text).length) throw new Error(`the costly request was not answered: HTTP ${alone.status} ${alone.text.slice(0, 300)}`);
  const entities = JSON.parse(alone.text).data?._entities;
  if (!Array.isArray(entities) || entities.length !== cases || entities.some((e: any) => !e?.warrantyCheck?.decision)) throw new Error('the costly request answered wrongly');
  const oneMore = await send(cases + 1, 0);
  const refusedOneMore = oneMore.status === 400 && codesOf(oneMore.text).includes('GRAPHQL_VALIDATION_FAILED');

  const lookup = (prefix: string) =>
    run({ scenario: 'lookup', target: 'subgraph', url: subgraphUrl, durationMs: roundMs, requestIdPrefix: prefix, seed: 0xc057, concurrency: 1 });
  options.progress('costly: the lookup alone…');
  await lookup('costly.warm');
  const lookupAlone = await lookup('costly.alone');

  options.progress(`costly: the lookup while ${COSTLY_CLIENTS} clients send ${cases} cases (cost ${cost}) back to back…`);
  let sending = true;
  const heavyMs: number[] = [];
  const codes = new Set<string>();
  let heavyErrors = 0;
  const client = async (index: number) => {
    let round = 1 + index;
    while (sending) {
      const answer = await send(cases, round);
      round += COSTLY_CLIENTS;
      heavyMs.push(answer.ms);
      const found = codesOf(answer.text);
      found.forEach((code) => codes.add(code));
      if (answer.status !== 200 || found.length) heavyErrors++;
    }
  };
  await loopDelayMaxMs(subgraphUrl); // resets the maximum
  const clients = Array.from({ length: COSTLY_CLIENTS }, (_, i) => client(i));
  // Let the heavy clients get going before the lookups are timed.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const loaded = await lookup('costly.loaded');
  const loopDelay = await loopDelayMaxMs(subgraphUrl);
  sending = false;
  await Promise.all(clients);
  agent.destroy();

  return {
    cases,
    cost,
    refusedOneMore,
    aloneP50: percentile(lookupAlone.latenciesMs, 0.5),
    aloneP99: percentile(lookupAlone.latenciesMs, 0.99),
    loadedP50: percentile(loaded.latenciesMs, 0.5),
    loadedP99: percentile(loaded.latenciesMs, 0.99),
    lookups: lookupAlone.requests + loaded.requests,
    lookupErrors: lookupAlone.errors + loaded.errors,
    heavyAnswered: heavyMs.length,
    heavyErrors,
    heavyCodes: [...codes],
    heavyAloneMs: alone.ms,
    heavyP50: percentile(heavyMs, 0.5),
    loopDelayMaxMs: loopDelay,
    roundMs,
  };
}

export function costlyReport(result: CostlyResult): string {
  const ratio = result.loadedP50 / result.aloneP50;
  return [
    '## A lookup while the most expensive accepted request arrives back to back',
    '',
    `\`warranty(serialNumber:)\` from one client, one request at a time, for ${result.roundMs / 1000} s alone, then for ${result.roundMs / 1000} s while ` +
      `${COSTLY_CLIENTS} clients sent the heaviest accepted request back to back: the gateway's \`_entities\` for a CSP page ` +
      `(unit, coverages, policy and the active-warranty check with every check) for ${result.cases} cases, cost ${result.cost} of ${MAX_COST} ` +
      `(${result.cases + 1} cases: ${result.refusedOneMore ? 'refused' : 'NOT refused'}).`,
    '',
    '| | lookup p50 ms | lookup p99 ms |',
    '|---|---:|---:|',
    `| alone | ${fixed(result.aloneP50, 2)} | ${fixed(result.aloneP99, 2)} |`,
    `| loaded | ${fixed(result.loadedP50, 2)} | ${fixed(result.loadedP99, 2)} |`,
    '',
    `- **loaded / alone p50: ×${fixed(ratio, 2)}** (target ≤ ×3: ${ratio <= 3 ? 'met' : 'NOT met'})`,
    `- heavy requests: ${result.heavyAnswered} answered while loaded, p50 ${fixed(result.heavyP50, 0)} ms (${fixed(result.heavyAloneMs, 0)} ms alone), ` +
      `${result.heavyErrors} with errors${result.heavyCodes.length ? ` (${result.heavyCodes.join(', ')})` : ''}`,
    `- the subgraph's largest event-loop delay while loaded: ${fixed(result.loopDelayMaxMs, 1)} ms`,
    `- lookups: ${result.lookups}, ${result.lookupErrors} errors. The heavy clients run in the bench's own process; the machine's cores are shared with PostgreSQL and the load generator (and, on a shared machine, with whatever else runs).`,
  ].join('\n');
}
