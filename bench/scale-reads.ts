/**
 * The reads of `npm run bench:scale`: a sample of units per organisation, the requests of each scenario (built from a
 * fixed seed, every answer checked) and a small closed-loop driver (CONCURRENCY requests in flight over keep-alive
 * connections). The driver runs in the bench's own process, which is otherwise idle while it measures.
 */
import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { signToken } from '../src/auth/tokens';
import { BATCH, CASE_OPENED_AT, DOCUMENTS, pickDistinct, pickInt, rng } from './scenarios';
import { serialOf } from './scale-seed';
import type { Fleet } from './seed';

export interface SampleOrg {
  org: string;
  token: string;
  serials: string[];
  ids: string[];
  /** Indices of started inverters (their check on CASE_OPENED_AT is COVERED). */
  checkable: number[];
}

/** `perOrg` units of every organisation, spread over all its numbers, with their ids (the same seed at every scale). */
export async function sampleUnits(client: Client, fleet: Fleet, unitsPerOrg: number, perOrg: number, jwtSecret: string): Promise<SampleOrg[]> {
  const next = rng(2_026_1207);
  const sample: SampleOrg[] = [];
  for (let o = 0; o < fleet.orgs.length; o++) {
    const { org } = fleet.orgs[o];
    const serials = pickDistinct(next, unitsPerOrg, Math.min(perOrg, unitsPerOrg)).map((n) => serialOf(fleet, o, n));
    const { rows } = await client.query<{ serial_number: string; id: string; checkable: boolean }>(
      `SELECT serial_number, id, (product_family = 'INVERTER' AND start_status = 'STARTED' AND voided_at IS NULL) AS checkable
         FROM warranty_record WHERE org_id = $1 AND serial_number = ANY($2::text[]) ORDER BY serial_number`,
      [org, serials],
    );
    if (rows.length !== serials.length) throw new Error(`scale: ${org} has ${rows.length} of ${serials.length} sampled units`);
    sample.push({
      org,
      token: await signToken(jwtSecret, { sub: `bench-agent-${org}`, org, roles: ['AGENT'] }, { expiresIn: '4h' }),
      serials: rows.map((r) => r.serial_number),
      ids: rows.map((r) => r.id),
      checkable: rows.flatMap((r, i) => (r.checkable ? [i] : [])),
    });
  }
  return sample;
}

export type ReadKey = 'entities' | 'lookup' | 'caseChecks' | 'claimsPage' | 'claimsAtRisk' | 'unitsAtRisk';

export const READS: Array<{ key: ReadKey; label: string; list: boolean }> = [
  { key: 'entities', label: `\`_entities\` ${BATCH} × WarrantyRecord by serialNumber`, list: false },
  { key: 'lookup', label: '`warranty(serialNumber:)`', list: false },
  { key: 'caseChecks', label: `\`_entities\` ${BATCH} × Case → \`warrantyCheck\` (serialNumber + openedAt)`, list: false },
  { key: 'claimsPage', label: '`claims(first: 20)`: a page, newest first', list: true },
  { key: 'claimsAtRisk', label: '`claimsAtRisk(withinServiceHours: 8, first: 50)`', list: true },
  { key: 'unitsAtRisk', label: '`unitsAtRisk(withinDays: 30, first: 100)`', list: true },
];

const CASE_CHECKS =
  'query CaseChecks($representations: [_Any!]!) { _entities(representations: $representations) { ... on Case { __typename warranty { id } warrantyCheck { decision reason } } } }';
const CLAIMS_PAGE = 'query ClaimsPage { claims(first: 20) { edges { cursor node { id status cover total { amount currency } } } pageInfo { hasNextPage endCursor } } }';
const CLAIMS_AT_RISK = 'query ClaimsAtRisk { claimsAtRisk(withinServiceHours: 8, first: 50) { target dueAt serviceHoursLeft claim { id status } } }';
const UNITS_AT_RISK = 'query UnitsAtRisk { unitsAtRisk(withinDays: 30, first: 100) { voidsOn lastContactAt warranty { id serialNumber } release { version } } }';

interface Request {
  token: string;
  body: string;
  check(response: any): string | null;
}

export function requestMaker(key: ReadKey, sample: SampleOrg[], seed: number): () => Request {
  const next = rng(seed);
  let sequence = 0;
  return () => {
    const org = sample[pickInt(next, sample.length)];
    const n = sequence++;
    const body = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
    switch (key) {
      case 'entities': {
        const chosen = pickDistinct(next, org.serials.length, BATCH);
        return {
          token: org.token,
          body: body(DOCUMENTS.records, { representations: chosen.map((i) => ({ __typename: 'WarrantyRecord', serialNumber: org.serials[i] })) }),
          check: (r) => (chosen.every((i, k) => r?.data?._entities?.[k]?.id === org.ids[i]) ? null : 'wrong or missing records'),
        };
      }
      case 'lookup': {
        const i = pickInt(next, org.serials.length);
        return { token: org.token, body: body(DOCUMENTS.lookup, { serialNumber: org.serials[i] }), check: (r) => (r?.data?.warranty?.id === org.ids[i] ? null : `warranty ${org.serials[i]}: wrong`) };
      }
      case 'caseChecks': {
        const chosen = pickDistinct(next, org.checkable, BATCH);
        const representations = chosen.map((i, k) => ({ __typename: 'Case', id: `case-${n}-${k}`, serialNumber: org.serials[i], openedAt: CASE_OPENED_AT }));
        return {
          token: org.token,
          body: body(CASE_CHECKS, { representations }),
          check: (r) => {
            const entities = r?.data?._entities;
            for (let k = 0; k < chosen.length; k++) {
              if (entities?.[k]?.warranty?.id !== org.ids[chosen[k]]) return `case ${k}: wrong warranty`;
              if (entities[k].warrantyCheck?.decision !== 'COVERED') return `case ${k}: ${JSON.stringify(entities[k].warrantyCheck)}`;
            }
            return null;
          },
        };
      }
      case 'claimsPage':
        return { token: org.token, body: body(CLAIMS_PAGE), check: (r) => (r?.data?.claims?.edges?.length === 20 ? null : `claims page: ${r?.data?.claims?.edges?.length} claims`) };
      case 'claimsAtRisk':
        return { token: org.token, body: body(CLAIMS_AT_RISK), check: (r) => (Array.isArray(r?.data?.claimsAtRisk) ? null : 'claimsAtRisk: no list') };
      case 'unitsAtRisk':
        return { token: org.token, body: body(UNITS_AT_RISK), check: (r) => (r?.data?.unitsAtRisk?.length > 0 ? null : 'unitsAtRisk: empty') };
    }
  };
}

/** Every sampled unit read once (`_entities` pages of BATCH), so both scales are measured on a warm sample. */
export async function warmSample(subgraphUrl: string, sample: SampleOrg[], concurrency: number): Promise<void> {
  const pages = sample.flatMap((org) =>
    Array.from({ length: Math.ceil(org.serials.length / BATCH) }, (_, p) => ({
      token: org.token,
      body: JSON.stringify({ query: DOCUMENTS.records, variables: { representations: org.serials.slice(p * BATCH, (p + 1) * BATCH).map((serialNumber) => ({ __typename: 'WarrantyRecord', serialNumber })) } }),
    })),
  );
  const url = new URL(subgraphUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < pages.length) {
        const page = pages[next++];
        const { status } = await post(url, agent, page.token, page.body);
        if (status !== 200) throw new Error(`warming the sample: HTTP ${status}`);
      }
    }),
  );
  agent.destroy();
}

export interface ReadResult {
  requests: number;
  seconds: number;
  latenciesMs: number[];
  errors: number;
  errorSamples: string[];
  /** Items answered per request, for the lists (to show what a page held). */
  items: number;
}

function post(url: URL, agent: Agent, token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** `concurrency` requests in flight for `ms`, every answer checked. */
export async function drive(subgraphUrl: string, make: () => Request, ms: number, concurrency: number): Promise<ReadResult> {
  const url = new URL(subgraphUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const result: ReadResult = { requests: 0, seconds: 0, latenciesMs: [], errors: 0, errorSamples: [], items: 0 };
  const fail = (problem: string) => {
    result.errors++;
    if (result.errorSamples.length < 3) result.errorSamples.push(problem.slice(0, 300));
  };
  const started = performance.now();
  const deadline = started + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const next = make();
        const t0 = performance.now();
        try {
          const { status, text } = await post(url, agent, next.token, next.body);
          result.latenciesMs.push(performance.now() - t0);
          const parsed = JSON.parse(text);
          const list = parsed?.data && (Object.values(parsed.data)[0] as any);
          result.items += Array.isArray(list) ? list.length : Array.isArray(list?.edges) ? list.edges.length : 0;
          if (status !== 200 || parsed.errors?.length) fail(`HTTP ${status}: ${JSON.stringify(parsed.errors ?? parsed)}`);
          else {
            const problem = next.check(parsed);
            if (problem) fail(problem);
          }
        } catch (error) {
          fail((error as Error).message);
        }
      }
    }),
  );
  agent.destroy();
  result.requests = result.latenciesMs.length;
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
