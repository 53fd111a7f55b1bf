/**
 * The load generator, a child process of its own (forked by run.ts, with an IPC channel), so that its CPU is not
 * counted against either server. Plain `node:http` with a keep-alive agent: CONCURRENCY connections, each with one
 * request in flight, for a fixed time; every response is checked (HTTP 200, no `errors`, the expected entities).
 *
 * Messages from run.ts:
 *   { type: 'init', dataFile }                                  → { type: 'ready' }
 *   { type: 'run', id, scenario, target, url, durationMs, requestIdPrefix, seed }
 *                                                               → { type: 'done', id, result: RoundResult }
 *   { type: 'drop-connections' }                                → { type: 'dropped' }
 * A round stops sending at its deadline and waits for the requests in flight, so the servers are idle between
 * messages and run.ts can read their CPU counters then.
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  CONCURRENCY, readBenchData, requestMaker, type BenchData, type BenchRequest, type ScenarioKey, type Target,
} from './scenarios';

export interface RunMessage {
  type: 'run';
  id: number;
  scenario: ScenarioKey;
  target: Target;
  url: string;
  durationMs: number;
  requestIdPrefix: string;
  /** Seed of the request sequence; the same for the floor and the subgraph of a scenario. */
  seed: number;
  /** Requests in flight (default CONCURRENCY). */
  concurrency?: number;
}

export interface RoundResult {
  requests: number;
  errors: number;
  /** The first few wrong answers, with what was wrong. */
  errorSamples: string[];
  latenciesMs: number[];
  elapsedMs: number;
  /** The floor's own count of SQL statements (its `x-sql-statements` header), summed over the round's answers. */
  floorSql: number;
}

let data: BenchData | undefined;
const agents = new Map<string, Agent>();
/** One request sequence per (scenario, target, seed): each round continues where the last one of its kind stopped. */
const makers = new Map<string, () => BenchRequest>();

function agentFor(url: string): Agent {
  let agent = agents.get(url);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, maxFreeSockets: CONCURRENCY });
    agents.set(url, agent);
  }
  return agent;
}

function post(url: URL, agent: Agent, token: string, requestId: string, body: string): Promise<{ status: number; text: string; sql: number }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
          'x-request-id': requestId,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), sql: Number(res.headers['x-sql-statements'] ?? 0) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function runRound(message: RunMessage): Promise<RoundResult> {
  if (!data) throw new Error('not initialised');
  const makerKey = `${message.scenario}|${message.target}|${message.seed}`;
  let make = makers.get(makerKey);
  if (!make) {
    make = requestMaker(message.scenario, data, message.seed, message.target);
    makers.set(makerKey, make);
  }
  const url = new URL(message.url);
  const agent = agentFor(message.url);
  const latenciesMs: number[] = [];
  const errorSamples: string[] = [];
  let errors = 0;
  let floorSql = 0;
  let sequence = 0;
  const fail = (problem: string) => {
    errors++;
    if (errorSamples.length < 5) errorSamples.push(problem.slice(0, 400));
  };
  const started = performance.now();
  const deadline = started + message.durationMs;
  async function worker(): Promise<void> {
    while (performance.now() < deadline) {
      const next = make!();
      const requestId = `${message.requestIdPrefix}.${sequence++}`;
      const t0 = performance.now();
      try {
        const { status, text, sql } = await post(url, agent, next.token, requestId, next.body);
        latenciesMs.push(performance.now() - t0);
        floorSql += sql;
        let parsed: any;
        try {
          parsed = JSON.parse(text);
        } catch {
          fail(`${requestId}: HTTP ${status}, not JSON: ${text.slice(0, 200)}`);
          continue;
        }
        if (status !== 200) fail(`${requestId}: HTTP ${status}: ${JSON.stringify(parsed?.errors ?? parsed)}`);
        else if (parsed.errors?.length) fail(`${requestId}: errors: ${JSON.stringify(parsed.errors)}`);
        else {
          const problem = next.check(message.target, parsed);
          if (problem) fail(`${requestId}: ${problem}`);
        }
      } catch (error) {
        latenciesMs.push(performance.now() - t0);
        fail(`${requestId}: ${(error as Error).message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: message.concurrency ?? CONCURRENCY }, worker));
  return { requests: latenciesMs.length, errors, errorSamples, latenciesMs, elapsedMs: performance.now() - started, floorSql };
}

process.on('message', (message: any) => {
  const reply = (value: unknown) => process.send!(value);
  if (message.type === 'init') {
    data = readBenchData(message.dataFile);
    reply({ type: 'ready' });
  } else if (message.type === 'run') {
    runRound(message as RunMessage).then(
      (result) => reply({ type: 'done', id: message.id, result }),
      (error) => reply({ type: 'done', id: message.id, error: (error as Error).stack ?? String(error) }),
    );
  } else if (message.type === 'drop-connections') {
    for (const agent of agents.values()) agent.destroy();
    agents.clear();
    reply({ type: 'dropped' });
  }
});
process.on('disconnect', () => process.exit(0));
