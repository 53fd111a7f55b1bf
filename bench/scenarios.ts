/**
 * What the bench sends and what it accepts as a right answer, shared by the load generator (builds the requests
 * and checks every response), the floor server (answers the same documents) and the gateway child (the CSP stub
 * picks its cases from the same units).
 */
import { readFileSync } from 'node:fs';

/** Representations per `_entities` request, and cases per gateway request. */
export const BATCH = 100;
/** Connections of the load generator, each with one request in flight. */
export const CONCURRENCY = 20;
/** The repair date of `checkWarranty`, and the day the gateway's CSP cases were opened (inside every seeded
 * inverter's term: they were commissioned from 2022-03 to 2026-01 on 60- or 120-month policies). */
export const REPAIR_DATE = '2026-06-15';
export const CASE_OPENED_AT = `${REPAIR_DATE}T09:00:00Z`;

export type ScenarioKey = 'recordsBySerial' | 'recordsById' | 'cases' | 'caseChecks' | 'lookup' | 'check' | 'gateway' | 'submitClaim' | 'submitClaimWaiting' | 'approveClaim' | 'gatewayClaims';
export type Target = 'floor' | 'subgraph' | 'gateway';

/** The GraphQL documents; the floor server knows them by their exact text, as a persisted-query server would. */
export const DOCUMENTS = {
  /** What the gateway sends for WarrantyRecord references (by serialNumber or by id: the same document). */
  records:
    'query WarrantyRecordEntities($representations: [_Any!]!) { _entities(representations: $representations) { ... on WarrantyRecord { __typename id tier expiresAt } } }',
  /** What the gateway sends for CSP cases: `warranty` @requires the case's serialNumber. */
  cases:
    'query CaseEntities($representations: [_Any!]!) { _entities(representations: $representations) { ... on Case { __typename warranty { id tier expiresAt } } } }',
  /** What the gateway sends for a page of CSP cases with their unit and its check on the day each case was opened. */
  caseChecks:
    'query CaseChecks($representations: [_Any!]!) { _entities(representations: $representations) { ... on Case { __typename warranty { id tier expiresAt } warrantyCheck { decision paysParts paysLabour reason } } } }',
  lookup: 'query Lookup($serialNumber: String!) { warranty(serialNumber: $serialNumber) { id tier expiresAt } }',
  check:
    'query Check($input: CheckWarrantyInput!) { checkWarranty(input: $input) { decision paysParts paysLabour reason warranty { id tier expiresAt } coverages { coverage { id kind scope startDate endDate labourEndDate } } } }',
  gateway:
    'query GatewayCases { cases { id serialNumber warranty { id serialNumber tier expiresAt } warrantyCheck { decision } } }',
  submitClaim:
    'mutation SubmitClaim($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id status cover total { amount currency } sla { response { dueAt state } } } userErrors { code message } } }',
  approveClaim:
    'mutation ApproveClaim($input: ClaimDecisionInput!) { approveClaim(input: $input) { claim { id status cover total { amount currency } sla { response { dueAt state } } } userErrors { code message } } }',
  /** The CSP stub answers this operation with cases that have claims (claim-case-<serial>, seeded by run.ts). */
  gatewayClaims:
    'query GatewayCaseClaims { cases { id serialNumber claims { edges { node { status cover total { amount currency } sla { response { dueAt state } onsite { dueAt state } } } } } } }',
} as const;

/** Units per organisation that get a seeded claim linked to the CSP case `claim-case-<serial>`. */
export const CLAIMED_PER_ORG = 1_000;
export const claimCaseId = (serialNumber: string) => `claim-case-${serialNumber}`;

/**
 * SUBMITTED claims seeded for the approval scenario (run.ts), each approved once: the floor and the subgraph each get
 * their own (so neither finds a claim the other approved), numbered 0…APPROVABLE_PER_TARGET-1 with a fixed id.
 */
export const APPROVABLE_PER_TARGET = 30_000;
export const approvableClaimId = (target: Target, n: number) =>
  `a0000000-0000-4000-8000-${target === 'floor' ? '0' : '1'}${String(n).padStart(11, '0')}`;
/** The organisation (index) of approvable claim n; the claim is on one of its started inverters. */
export const approvableOrg = (n: number, orgs: number) => n % orgs;
/** The next approvable claim of each target, across rounds and warm-ups (one load-generator process). */
const approvalsSent = new Map<Target, number>();

export const OPERATION_NAMES: Record<ScenarioKey, string> = {
  recordsBySerial: 'WarrantyRecordEntities',
  recordsById: 'WarrantyRecordEntities',
  cases: 'CaseEntities',
  caseChecks: 'CaseChecks',
  lookup: 'Lookup',
  check: 'Check',
  gateway: 'GatewayCases',
  submitClaim: 'SubmitClaim',
  submitClaimWaiting: 'SubmitClaim',
  approveClaim: 'ApproveClaim',
  gatewayClaims: 'GatewayCaseClaims',
};

// ---------------------------------------------------------------------------------------------------------------
// The seeded units, as the orchestrator writes them for the children

export interface OrgUnits {
  org: string;
  /** An AGENT token of the organisation (HS256, the run's JWT_SECRET). */
  token: string;
  /** Serial prefix of the organisation's units, e.g. "SN-O03-". */
  serialPrefix: string;
  serials: string[];
  ids: string[];
  /** Indices of started inverters: their policy sets no usage limit, so a check needs no readings. */
  checkable: number[];
}

export interface BenchData {
  orgs: OrgUnits[];
}

export function readBenchData(path: string): BenchData {
  return JSON.parse(readFileSync(path, 'utf8')) as BenchData;
}

// ---------------------------------------------------------------------------------------------------------------
// Pseudo-random choices from a fixed seed

/** Seed of every request sequence: each scenario's floor and subgraph are sent the same requests (run.ts, instructions.ts). */
export const SEED = 20_261_124;

/** mulberry32: a small, fast 32-bit generator; the same seed gives the same sequence in every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pickInt(next: () => number, below: number): number {
  return Math.floor(next() * below);
}

/** `count` distinct values of `pool` (or of 0..pool-1), in random order. */
export function pickDistinct(next: () => number, pool: number | readonly number[], count: number): number[] {
  const size = typeof pool === 'number' ? pool : pool.length;
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(pickInt(next, size));
  return typeof pool === 'number' ? [...chosen] : [...chosen].map((i) => pool[i]);
}

// ---------------------------------------------------------------------------------------------------------------
// Requests and their checks

export interface BenchRequest {
  token: string;
  body: string;
  /** Returns null when the response is right, else what is wrong with it. */
  check(target: Target, response: any): string | null;
}

const entityCountError = (list: unknown, expected: number): string | null =>
  Array.isArray(list) && list.length === expected ? null : `expected ${expected} entities, got ${Array.isArray(list) ? list.length : typeof list}`;

function checkRecords(expectedIds: string[], response: any): string | null {
  const entities = response?.data?._entities;
  const countError = entityCountError(entities, expectedIds.length);
  if (countError) return countError;
  for (let k = 0; k < expectedIds.length; k++) {
    const entity = entities[k];
    if (!entity) return `entity ${k} is null`;
    if (entity.__typename !== 'WarrantyRecord' || entity.id !== expectedIds[k]) return `entity ${k} is not record ${expectedIds[k]}`;
    if (typeof entity.tier !== 'string' || !('expiresAt' in entity)) return `entity ${k} lacks tier or expiresAt`;
  }
  return null;
}

/**
 * Builds the requests of one scenario: the organisation, and the units within it, chosen pseudo-randomly from
 * `seed`, so the floor and the subgraph are sent the same sequence.
 */
export function requestMaker(scenario: ScenarioKey, data: BenchData, seed: number, target: Target = 'subgraph'): () => BenchRequest {
  const next = rng(seed);
  const orgs = data.orgs;
  let sequence = 0;
  const body = (query: string, variables: Record<string, unknown>) =>
    JSON.stringify({ query, operationName: OPERATION_NAMES[scenario], variables });
  return () => {
    const org = orgs[pickInt(next, orgs.length)];
    const n = sequence++;
    switch (scenario) {
      case 'recordsBySerial':
      case 'recordsById': {
        const chosen = pickDistinct(next, org.serials.length, BATCH);
        const representations = chosen.map((i) =>
          scenario === 'recordsById'
            ? { __typename: 'WarrantyRecord', id: org.ids[i] }
            : { __typename: 'WarrantyRecord', serialNumber: org.serials[i] },
        );
        const expected = chosen.map((i) => org.ids[i]);
        return { token: org.token, body: body(DOCUMENTS.records, { representations }), check: (_, r) => checkRecords(expected, r) };
      }
      case 'cases': {
        const chosen = pickDistinct(next, org.serials.length, BATCH);
        const representations = chosen.map((i, k) => ({ __typename: 'Case', id: `case-${n}-${k}`, serialNumber: org.serials[i] }));
        const expected = chosen.map((i) => org.ids[i]);
        return {
          token: org.token,
          body: body(DOCUMENTS.cases, { representations }),
          check: (_, response) => {
            const entities = response?.data?._entities;
            const countError = entityCountError(entities, BATCH);
            if (countError) return countError;
            for (let k = 0; k < BATCH; k++) {
              if (entities[k]?.__typename !== 'Case') return `entity ${k} is not a Case`;
              if (entities[k].warranty?.id !== expected[k]) return `case ${k}: warranty is not record ${expected[k]}`;
            }
            return null;
          },
        };
      }
      case 'caseChecks': {
        // Started inverters: their checks need no readings, and every one is covered on the day the case opened.
        const chosen = pickDistinct(next, org.checkable, BATCH);
        const representations = chosen.map((i, k) => ({ __typename: 'Case', id: `case-${n}-${k}`, serialNumber: org.serials[i], openedAt: CASE_OPENED_AT }));
        const expected = chosen.map((i) => org.ids[i]);
        return {
          token: org.token,
          body: body(DOCUMENTS.caseChecks, { representations }),
          check: (_, response) => {
            const entities = response?.data?._entities;
            const countError = entityCountError(entities, BATCH);
            if (countError) return countError;
            for (let k = 0; k < BATCH; k++) {
              const entity = entities[k];
              if (entity?.__typename !== 'Case') return `entity ${k} is not a Case`;
              if (entity.warranty?.id !== expected[k]) return `case ${k}: warranty is not record ${expected[k]}`;
              // Both servers run the same engine on the same rows (floor-server.ts): both must decide alike.
              if (entity.warrantyCheck?.decision !== 'COVERED') return `case ${k}: ${entity.warrantyCheck?.decision}: ${entity.warrantyCheck?.reason}`;
            }
            return null;
          },
        };
      }
      case 'lookup': {
        const i = pickInt(next, org.serials.length);
        return {
          token: org.token,
          body: body(DOCUMENTS.lookup, { serialNumber: org.serials[i] }),
          check: (_, response) => (response?.data?.warranty?.id === org.ids[i] ? null : `warranty ${org.serials[i]}: wrong or no record`),
        };
      }
      case 'check': {
        const i = org.checkable[pickInt(next, org.checkable.length)];
        return {
          token: org.token,
          body: body(DOCUMENTS.check, { input: { serialNumber: org.serials[i], repairDate: REPAIR_DATE } }),
          check: (target, response) => {
            const result = response?.data?.checkWarranty;
            if (result?.warranty?.id !== org.ids[i]) return `check ${org.serials[i]}: wrong or no record`;
            if (!Array.isArray(result.coverages) || result.coverages.length === 0) return `check ${org.serials[i]}: no coverages`;
            // The floor runs the same engine on the same rows (floor-server.ts): both must decide alike.
            if (result.decision !== 'COVERED') return `check ${org.serials[i]}: ${result.decision}: ${result.reason}`;
            return null;
          },
        };
      }
      case 'submitClaim':
      case 'submitClaimWaiting': {
        // Within the seeded inverter policies' auto-approval limit (1,500 EUR) the system approves the claim at intake
        // (rule 16); above it, the claim waits for an agent.
        const waits = scenario === 'submitClaimWaiting';
        const unitPrice = waits ? '1999.99' : '249.99';
        const total = waits ? '2119.99' : '369.99';
        const i = org.checkable[pickInt(next, org.checkable.length)];
        const input = {
          serialNumber: org.serials[i],
          kind: 'REPAIR',
          repairDate: REPAIR_DATE,
          currency: 'EUR',
          description: 'bench: no output',
          idempotencyKey: `bench-${scenario}-${target}-${seed}-${n}-${pickInt(next, 1e9)}`,
          lines: [
            { kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice },
            { kind: 'LABOUR', hours: '1.5', rate: '80' },
          ],
        };
        return {
          token: org.token,
          body: body(DOCUMENTS.submitClaim, { input }),
          check: (_, response) => {
            const payload = response?.data?.submitClaim;
            if (payload?.userErrors?.length) return `submitClaim ${org.serials[i]}: ${payload.userErrors[0].code} ${payload.userErrors[0].message}`;
            if (payload?.claim?.cover !== 'COVERED' || payload.claim.total?.amount !== total) return `submitClaim ${org.serials[i]}: ${JSON.stringify(payload?.claim)}`;
            if (payload.claim.status !== (waits ? 'SUBMITTED' : 'APPROVED')) return `submitClaim ${org.serials[i]}: status ${payload.claim.status}`;
            return null;
          },
        };
      }
      case 'approveClaim': {
        // Seeded SUBMITTED claims, a covered part (with a return rule: approval authorises its RMA) and a labour line.
        const k = approvalsSent.get(target) ?? 0;
        approvalsSent.set(target, k + 1);
        const id = approvableClaimId(target, k);
        const owner = orgs[approvableOrg(k, orgs.length)];
        return {
          token: owner.token,
          body: body(DOCUMENTS.approveClaim, { input: { id, reason: 'bench: approved' } }),
          check: (_, response) => {
            if (k >= APPROVABLE_PER_TARGET) return `approveClaim: the ${APPROVABLE_PER_TARGET} seeded claims are used up`;
            const payload = response?.data?.approveClaim;
            if (payload?.userErrors?.length) return `approveClaim ${id}: ${payload.userErrors[0].code} ${payload.userErrors[0].message}`;
            const claim = payload?.claim;
            if (claim?.id !== id || claim.status !== 'APPROVED' || claim.total?.amount !== '369.99' || claim.sla?.response?.state !== 'MET') {
              return `approveClaim ${id}: ${JSON.stringify(claim)}`;
            }
            return null;
          },
        };
      }
      case 'gatewayClaims':
        return {
          token: org.token,
          body: body(DOCUMENTS.gatewayClaims, {}),
          check: (_, response) => {
            const cases = response?.data?.cases;
            const countError = entityCountError(cases, BATCH);
            if (countError) return countError;
            for (const c of cases) {
              if (c?.id !== claimCaseId(c?.serialNumber)) return `case ${c?.id}: not a claimed case`;
              const claims = c.claims?.edges?.map((e: any) => e.node);
              if (!Array.isArray(claims) || claims.length !== 1 || claims[0].status !== 'SUBMITTED' || !claims[0].sla?.response?.dueAt) {
                return `case ${c.id}: claims ${JSON.stringify(c.claims)}`;
              }
            }
            return null;
          },
        };
      case 'gateway':
        return {
          token: org.token,
          body: body(DOCUMENTS.gateway, {}),
          check: (_, response) => {
            const cases = response?.data?.cases;
            const countError = entityCountError(cases, BATCH);
            if (countError) return countError;
            for (const c of cases) {
              if (typeof c?.serialNumber !== 'string' || !c.serialNumber.startsWith(org.serialPrefix)) return `case ${c?.id}: not a unit of ${org.org}`;
              if (c.warranty?.serialNumber !== c.serialNumber) return `case ${c.id}: wrong or no warranty`;
              if (c.warrantyCheck?.decision !== 'COVERED') return `case ${c.id}: warrantyCheck ${c.warrantyCheck?.decision ?? 'missing'}`;
            }
            return null;
          },
        };
    }
  };
}
