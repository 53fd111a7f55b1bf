/**
 * The floor: the least a server must do to answer the bench's requests from the same rows, so that the subgraph's
 * figures can be read against it. Bare `node:http` and `pg`, run as a child process of its own.
 *
 * What it does, per request, like a minimal real server would:
 * - reads the JSON body (refusing bodies over 1 MB) and parses it;
 * - verifies the bearer token: HS256 with the shared secret through `jose` (signature, `exp` required and not
 *   past, `nbf`), and takes the organisation from its `org` claim; no token or a bad one is a 401;
 * - finds the operation by the exact text of the document (as a persisted-query server would: no GraphQL parsing,
 *   validation or execution) and checks the variables it needs;
 * - runs ONE named prepared statement per read, always filtered by the caller's organisation
 *   (`WHERE org_id = $1 AND ...`), the same tenancy filter the subgraph applies; a claim's intake or approval runs
 *   its transaction in as few statements as PostgreSQL allows (floor-claims.ts: five and four);
 * - sends back how many statements it ran (`x-sql-statements`), for the bench's report;
 * - writes a GraphQL-shaped JSON response with the fields the document selects.
 *
 * What it does not do: GraphQL parsing, validation and execution; the request limits (depth, cost, aliases);
 * request ids, deadlines, the SQL statement budget and the per-request log line; the token's maximum lifetime and
 * role checks, and customer scoping (the bench's tokens are AGENT tokens, which see the whole organisation);
 * error masking. For `checkWarranty` it fetches the rows the engine reads (record, coverages, policy versions,
 * readings) in one statement and runs the coverage engine on them: the subgraph's own pure functions
 * (src/coverage/check-inputs.ts, active-check.ts), so the check's ratio measures only the subgraph's overhead.
 * Whatever the subgraph spends beyond this floor is the price of those features and of the libraries behind them.
 *
 * Environment: DATABASE_URL, JWT_SECRET, DB_POOL_SIZE (default 10, the subgraph's default). Prints one JSON line
 * `{"msg":"floor ready","url":...}` on stdout when listening; stops on SIGTERM.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';
import { Pool, types } from 'pg';
import { calendarDateOf } from '../src/common/calendar';
import { checkWarranty } from '../src/coverage/active-check';
import { checkInputs, type CoverageFacts, type PolicyFacts, type RecordFacts } from '../src/coverage/check-inputs';
import { historyOfRows, type ReadingRow } from '../src/readings/readings-history';
import { approveClaim, FloorError, submitClaim, type Stats } from './floor-claims';
import { COVERAGES, READINGS, RECORD_FACTS, UNIT_POLICIES } from './floor-claims-sql';
import { DOCUMENTS } from './scenarios';

// `date` columns as 'YYYY-MM-DD', which is what the subgraph's Date scalar returns.
types.setTypeParser(1082, (value) => value);

const MAX_BODY_BYTES = 1024 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const secret = process.env.JWT_SECRET;
if (!process.env.DATABASE_URL || !secret) {
  process.stderr.write('floor-server: set DATABASE_URL and JWT_SECRET\n');
  process.exit(2);
}
const key = new TextEncoder().encode(secret);
const pool = new Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DB_POOL_SIZE || 10),
  application_name: 'bench-floor',
});

// ---------------------------------------------------------------------------------------------------------------
// The statements, one per request

const RECORDS_BY_SERIAL = {
  name: 'floor_records_by_serial',
  text: 'SELECT id, serial_number, tier, expires_at FROM warranty_record WHERE org_id = $1 AND serial_number = ANY($2::text[])',
};
const RECORDS_BY_ID = {
  name: 'floor_records_by_id',
  text: 'SELECT id, serial_number, tier, expires_at FROM warranty_record WHERE org_id = $1 AND id = ANY($2::uuid[])',
};
const RECORD_BY_SERIAL = {
  name: 'floor_record_by_serial',
  text: 'SELECT id, tier, expires_at FROM warranty_record WHERE org_id = $1 AND serial_number = $2',
};
/**
 * What the coverage engine reads about a unit, as the subgraph's check reads it (coverage-loaders.ts): the record
 * with the facts its start is judged on, its coverages, the policy versions of both, and its readings history.
 */
const CHECK_DATA = {
  name: 'floor_check_data',
  text: `
    SELECT json_build_object(
      ${RECORD_FACTS}) AS record,
    ${COVERAGES},
    (SELECT coalesce(json_agg(json_build_object(
        'id', p.id, 'productFamily', p.product_family, 'region', p.region, 'version', p.version,
        'lateStartCapMonths', p.late_start_cap_months)), '[]')
       ${UNIT_POLICIES},
    ${READINGS}
    FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number = $2`,
};

/** The same rows for several units at once (a page of CSP cases), keyed by serial number. */
const CASE_CHECK_DATA = {
  name: 'floor_case_check_data',
  text: CHECK_DATA.text.replace('r.serial_number = $2', 'r.serial_number = ANY($2::text[])'),
};

// ---------------------------------------------------------------------------------------------------------------
// HTTP plumbing

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, 'the body is too large', 'PAYLOAD_TOO_LARGE');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown, sql = 0): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'x-sql-statements': String(sql) });
  response.end(text);
}

interface Caller {
  org: string;
  sub: string;
  roles: string[];
}

/** The caller (organisation, subject, roles) from a verified HS256 bearer token. */
async function callerOf(authorization: string | undefined): Promise<Caller> {
  const match = authorization ? /^Bearer\s+(\S+)$/i.exec(authorization) : null;
  if (!match) throw new HttpError(401, 'a bearer token is required', 'UNAUTHENTICATED');
  try {
    const { payload } = await jwtVerify(match[1], key, { algorithms: ['HS256'] });
    if (typeof payload.exp !== 'number') throw new Error('no exp claim');
    if (typeof payload.sub !== 'string' || typeof payload.org !== 'string' || payload.org === '') throw new Error('no sub or org claim');
    return { org: payload.org, sub: payload.sub, roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [] };
  } catch (error) {
    throw new HttpError(401, `invalid token: ${(error as Error).message}`, 'UNAUTHENTICATED');
  }
}

const badInput = (message: string) => new HttpError(400, message, 'BAD_USER_INPUT');
const normalise = (serial: string) => serial.trim().toUpperCase();

function stringArgument(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) throw badInput(`${name} must be a string of 1 to 64 characters`);
  return value;
}

function representationsOf(variables: any): Array<Record<string, unknown>> {
  const list = variables?.representations;
  if (!Array.isArray(list) || list.length > 500) throw badInput('representations must be a list of at most 500');
  return list;
}

interface RecordRow {
  id: string;
  serial_number: string;
  tier: string;
  expires_at: string | null;
}
const recordFields = (row: RecordRow) => ({ id: row.id, tier: row.tier, expiresAt: row.expires_at });

// ---------------------------------------------------------------------------------------------------------------
// The operations

/** The statements a request ran (`Stats`) go back in the `x-sql-statements` header, for the bench's report. */
type Operation = (org: string, variables: any, caller: Caller, stats: Stats) => Promise<unknown>;

/**
 * `_entities` for WarrantyRecord (by id or by serialNumber) and Case (warranty by serialNumber). A batch of one
 * kind costs one statement; a representation that is not an object with a known type and key is null.
 */
async function entities(org: string, variables: any, _caller: Caller, stats: Stats): Promise<unknown> {
  const representations = representationsOf(variables);
  const ids: string[] = [];
  const serials: string[] = [];
  for (const r of representations) {
    if (r?.__typename === 'WarrantyRecord' && typeof r.id === 'string' && UUID.test(r.id)) ids.push(r.id);
    else if ((r?.__typename === 'WarrantyRecord' || r?.__typename === 'Case') && typeof r.serialNumber === 'string') {
      serials.push(normalise(r.serialNumber));
    }
  }
  const [byId, bySerial] = await Promise.all([
    ids.length ? pool.query<RecordRow>({ ...RECORDS_BY_ID, values: [org, ids] }) : null,
    serials.length ? pool.query<RecordRow>({ ...RECORDS_BY_SERIAL, values: [org, serials] }) : null,
  ]);
  stats.sql += (byId ? 1 : 0) + (bySerial ? 1 : 0);
  const idMap = new Map(byId?.rows.map((row) => [row.id, row]));
  const serialMap = new Map(bySerial?.rows.map((row) => [row.serial_number, row]));
  const _entities = representations.map((r) => {
    if (r?.__typename === 'Case') {
      const row = typeof r.serialNumber === 'string' ? serialMap.get(normalise(r.serialNumber)) : undefined;
      return { __typename: 'Case', warranty: row ? recordFields(row) : null };
    }
    if (r?.__typename !== 'WarrantyRecord') return null;
    const row = typeof r.id === 'string' ? idMap.get(r.id) : typeof r.serialNumber === 'string' ? serialMap.get(normalise(r.serialNumber)) : undefined;
    return row ? { __typename: 'WarrantyRecord', ...recordFields(row) } : null;
  });
  return { _entities };
}

async function lookup(org: string, variables: any, _caller: Caller, stats: Stats): Promise<unknown> {
  const serial = normalise(stringArgument(variables?.serialNumber, 'serialNumber'));
  stats.sql += 1;
  const { rows } = await pool.query<RecordRow>({ ...RECORD_BY_SERIAL, values: [org, serial] });
  return { warranty: rows[0] ? recordFields(rows[0]) : null };
}

const instant = (value: string | null): Date | null => (value === null ? null : new Date(value));

/**
 * The check with the engine: the same pure functions the subgraph runs (check-inputs.ts, active-check.ts, the
 * readings history) over the same rows, so that the ratio to this floor is only the subgraph's own overhead.
 */
interface CheckRow {
  record: any;
  coverages: any[];
  policies: PolicyFacts[];
  readings: ReadingRow[];
}

async function check(org: string, variables: any, _caller: Caller, stats: Stats): Promise<unknown> {
  const input = variables?.input;
  const serial = normalise(stringArgument(input?.serialNumber, 'input.serialNumber'));
  const repairDate = stringArgument(input?.repairDate, 'input.repairDate');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(repairDate)) throw badInput('input.repairDate must be a date');
  stats.sql += 1;
  const { rows } = await pool.query<CheckRow>({ ...CHECK_DATA, values: [org, serial] });
  if (!rows[0]) throw new HttpError(200, `no warranty for serial number ${serial}`, 'NOT_FOUND');
  const { record, coverages } = rows[0];
  const result = judge(rows[0], repairDate);
  const byId = new Map(coverages.map((c) => [c.id, c]));
  return {
    checkWarranty: {
      decision: result.decision,
      paysParts: result.paysParts,
      paysLabour: result.paysLabour,
      reason: result.reason,
      warranty: { id: record.id, tier: record.tier, expiresAt: record.expiresAt },
      coverages: result.coverages.map((r) => {
        const c = byId.get(r.coverage.id);
        return { coverage: { id: c.id, kind: c.kind, scope: c.scope, startDate: c.startDate, endDate: c.endDate, labourEndDate: c.labourEndDate } };
      }),
    },
  };
}

/**
 * `_entities` for a page of CSP cases with each case's unit and its check on the day the case was opened (the
 * site's calendar day): one statement for every unit, the engine for each.
 */
async function caseChecks(org: string, variables: any, _caller: Caller, stats: Stats): Promise<unknown> {
  const representations = representationsOf(variables);
  const serials = representations.map((r) => (r?.__typename === 'Case' && typeof r.serialNumber === 'string' ? normalise(r.serialNumber) : null));
  stats.sql += 1;
  const { rows } = await pool.query<CheckRow>({ ...CASE_CHECK_DATA, values: [org, serials.filter((s) => s !== null)] });
  const bySerial = new Map(rows.map((row) => [row.record.serialNumber as string, row]));
  const _entities = representations.map((r, k) => {
    if (r?.__typename !== 'Case') return null;
    const row = serials[k] ? bySerial.get(serials[k]!) : undefined;
    if (!row) return { __typename: 'Case', warranty: null, warrantyCheck: null };
    const { record } = row;
    const openedAt = typeof r.openedAt === 'string' ? new Date(r.openedAt) : null;
    if (!openedAt || Number.isNaN(openedAt.getTime())) throw badInput(`representations[${k}].openedAt must be an instant`);
    const result = judge(row, calendarDateOf(openedAt, record.siteTimeZone ?? 'UTC'));
    return {
      __typename: 'Case',
      warranty: { id: record.id, tier: record.tier, expiresAt: record.expiresAt },
      warrantyCheck: { decision: result.decision, paysParts: result.paysParts, paysLabour: result.paysLabour, reason: result.reason },
    };
  });
  return { _entities };
}

/** The engine on one unit's rows for a repair date: the subgraph's own pure functions. */
function judge(row: CheckRow, repairDate: string) {
  const { record, coverages, policies, readings } = row;
  const facts: RecordFacts = { ...record, voidedAt: instant(record.voidedAt), replacedAt: instant(record.replacedAt) };
  const stored: CoverageFacts[] = coverages.map((c) => ({ ...c, voidedAt: instant(c.voidedAt) }));
  const inputs = checkInputs(facts, stored, policies);
  // Without readings in the request, the unit's latest recorded ones (the subgraph's rule).
  const { latestReadings, history } = historyOfRows(readings);
  const latest = Object.fromEntries(Object.entries(latestReadings).filter(([, v]) => v !== null && v !== undefined));
  const result = checkWarranty(inputs.unit, inputs.coverages, { repairDate, readings: latest, history });
  if (result.missingReadings.length > 0) throw new HttpError(200, result.reason, 'READING_REQUIRED');
  return result;
}

const OPERATIONS = new Map<string, Operation>([
  [DOCUMENTS.records, entities],
  [DOCUMENTS.cases, entities],
  [DOCUMENTS.lookup, lookup],
  [DOCUMENTS.check, check],
  [DOCUMENTS.caseChecks, caseChecks],
  // The claims (floor-claims.ts): the same transaction as the subgraph's, in as few statements as PostgreSQL allows.
  [DOCUMENTS.submitClaim, (org, variables, caller, stats) => submitClaim(pool, stats, org, caller.sub, variables)],
  [DOCUMENTS.approveClaim, (org, variables, caller, stats) => approveClaim(pool, stats, org, caller.sub, caller.roles, variables)],
]);

async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== 'POST') throw new HttpError(405, 'POST only', 'METHOD_NOT_ALLOWED');
  const raw = await readBody(request);
  let body: any;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'the body is not valid JSON', 'BAD_REQUEST');
  }
  const caller = await callerOf(request.headers.authorization);
  const operation = typeof body?.query === 'string' ? OPERATIONS.get(body.query) : undefined;
  if (!operation) throw new HttpError(400, 'unknown document', 'PERSISTED_QUERY_NOT_FOUND');
  const stats: Stats = { sql: 0 };
  const data = await operation(caller.org, body.variables, caller, stats);
  send(response, 200, { data }, stats.sql);
}

const server = createServer((request, response) => {
  handle(request, response).catch((error: Error) => {
    if (response.headersSent) return void response.end();
    if (error instanceof HttpError || error instanceof FloorError) {
      send(response, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
    } else {
      process.stderr.write(`floor-server: ${error.stack ?? error}\n`);
      send(response, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ msg: 'floor ready', url: `http://127.0.0.1:${port}/` })}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  pool.end().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
