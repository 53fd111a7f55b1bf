/**
 * `GET /exports/fleet.parquet?at=YYYY-MM-DD`: the organisation's fleet projection (rule 13) streamed as Parquet to a
 * WARRANTY_ADMIN, a row group at a time as it is made: the same export as `npm run export`, over HTTP. Bounded like
 * the rest: one export at a time per process (it holds a pooled connection while it runs), its own deadline
 * (EXPORT_TIMEOUT_MS, which also bounds its transaction in PostgreSQL: see exportFleet), and a client that goes away
 * stops it. A stopped or failed export is one log line; its client gets a broken connection (the status was sent).
 */
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { hasRole } from '../auth/actor';
import type { TokenVerifier } from '../auth/tokens';
import { identify } from './authentication';
import { logger } from '../common/logger';
import { isDatabaseTimeout } from '../common/db-errors';
import { calendarDateOf, isCalendarDate } from '../common/calendar';
import { ExportFailure, exportFleet } from '../projection/fleet-export';
import { exportCampaignUnits } from '../campaigns/campaign-export';
import type { Services } from '../services';
import { sendJson } from './http-body';

export const FLEET_EXPORT_PATH = '/exports/fleet.parquet';

let running = 0;

function refuse(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}, field?: string[]): void {
  sendJson(response, status, { errors: [{ message, extensions: field ? { code, field } : { code } }] }, headers);
}

export async function handleFleetExport(
  request: IncomingMessage,
  response: ServerResponse,
  url: Readonly<URL>,
  options: { services: Services; verifyToken: TokenVerifier; signal: AbortSignal; requestId: string; timeoutMs: number },
): Promise<void> {
  // The export's budget (EXPORT_TIMEOUT_MS) counts from here; the HTTP server aborts `signal` at the same deadline.
  const deadline = Date.now() + options.timeoutMs;
  const headers = { 'x-request-id': options.requestId };
  if (request.method !== 'GET') return refuse(response, 405, 'METHOD_NOT_ALLOWED', 'the export is a GET', { ...headers, allow: 'GET' });
  const { actor, authError } = await identify(request.headers.authorization, options.verifyToken);
  if (!actor) return refuse(response, 401, 'UNAUTHENTICATED', authError ?? 'a WARRANTY_ADMIN bearer token is required', { ...headers, 'www-authenticate': 'Bearer' });
  if (!hasRole(actor, 'WARRANTY_ADMIN')) return refuse(response, 403, 'FORBIDDEN', 'your role may not export the fleet (needs WARRANTY_ADMIN)', headers);
  const at = url.searchParams.get('at');
  if (at !== null && !isCalendarDate(at)) {
    return refuse(response, 400, 'BAD_USER_INPUT', `at must be a calendar date, YYYY-MM-DD (got ${at.slice(0, 40)})`, headers, ['at']);
  }
  if (running > 0) return refuse(response, 503, 'SERVICE_UNAVAILABLE', 'an export is running already; try again when it is done', { ...headers, 'retry-after': '30' });
  running += 1;
  try {
    await streamExport(response, actor.orgId, at ?? calendarDateOf(options.services.now(), 'UTC'), options.services, options.signal, deadline, headers);
  } finally {
    running -= 1;
  }
}

/** Why an export ended early, for its log line: the HTTP server's abort reason, or PostgreSQL's own deadline. */
function reasonOf(signal: AbortSignal, cause: unknown): string {
  if (signal.aborted) return String(signal.reason);
  // The transaction's statement and idle timeouts are the export's deadline (exportFleet sets them).
  return isDatabaseTimeout(cause) ? 'REQUEST_TIMEOUT' : 'FAILED';
}

async function streamExport(response: ServerResponse, orgId: string, asOf: string, services: Services, signal: AbortSignal, deadline: number, headers: Record<string, string>): Promise<void> {
  const driver = services.dataSource.driver as PostgresDriver;
  const [client, release] = await driver.obtainMasterConnection();
  // The connection goes back to the pool only when the export left it clean (exportFleet says); else it is closed.
  let usable = true;
  // A write to a socket that has gone reports its error here too, and a connection lost between statements is an
  // 'error' event of the client (a checked-out client has no listener of the pool's): the statement that meets
  // either fails the export, whose one line is logged below.
  response.on('error', () => undefined);
  const lost = () => undefined;
  client.on('error', lost);
  try {
    response.writeHead(200, {
      ...headers,
      'content-type': 'application/vnd.apache.parquet',
      'content-disposition': `attachment; filename="fleet-${orgId.replace(/[^A-Za-z0-9._-]/g, '_')}-${asOf}.parquet"`,
    });
    // The client hears at once that the export has started, not when the first row group is encoded.
    response.flushHeaders();
    const summary = await exportFleet(client, {
      orgIds: [orgId],
      asOf,
      signal,
      deadline,
      sink: async (bytes) => {
        signal.throwIfAborted();
        // Backpressure; a client that goes away (or the deadline) while the socket is full ends the wait too.
        if (!response.write(bytes)) await once(response, 'drain', { signal });
      },
    });
    response.end();
    logger.info('fleet export', { orgId, asOf, ...summary });
  } catch (error) {
    const cause = error instanceof ExportFailure ? error.cause : error;
    usable = error instanceof ExportFailure && error.connectionUsable;
    const reason = reasonOf(signal, cause);
    // The status went out when the export started: breaking the connection is how the client learns the file is
    // not whole (chunked without its last chunk, and a Parquet file without its footer does not open).
    response.destroy();
    const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
    const fields = { orgId, asOf, reason, code, message: String(message ?? cause), connection: usable ? 'returned' : 'closed' };
    if (reason === 'FAILED') logger.error('fleet export failed', fields);
    else logger.warn('fleet export stopped', fields);
  } finally {
    client.off('error', lost);
    release(usable ? undefined : new Error('the fleet export left its connection unfit for the pool'));
  }
}

export const CAMPAIGN_UNITS_EXPORT_PATH = '/exports/campaign-units.parquet';

/**
 * `GET /exports/campaign-units.parquet`: the organisation's campaign-units dataset (rule 19) streamed as Parquet to a
 * WARRANTY_ADMIN, a row group at a time (campaigns/campaign-export.ts); the same file as `npm run export -- --dataset
 * campaign-units`. Bounded like the fleet export: one export at a time per process, its deadline, backpressure.
 */
export async function handleCampaignUnitsExport(
  request: IncomingMessage,
  response: ServerResponse,
  options: { services: Services; verifyToken: TokenVerifier; signal: AbortSignal; requestId: string; deadline: number },
): Promise<void> {
  const headers = { 'x-request-id': options.requestId };
  if (request.method !== 'GET') return refuse(response, 405, 'METHOD_NOT_ALLOWED', 'the export is a GET', { ...headers, allow: 'GET' });
  const { actor, authError } = await identify(request.headers.authorization, options.verifyToken);
  if (!actor) return refuse(response, 401, 'UNAUTHENTICATED', authError ?? 'a WARRANTY_ADMIN bearer token is required', { ...headers, 'www-authenticate': 'Bearer' });
  if (!hasRole(actor, 'WARRANTY_ADMIN')) return refuse(response, 403, 'FORBIDDEN', 'your role may not export campaign units (needs WARRANTY_ADMIN)', headers);
  if (running > 0) return refuse(response, 503, 'SERVICE_UNAVAILABLE', 'an export is running already; try again when it is done', { ...headers, 'retry-after': '30' });
  running += 1;
  const driver = options.services.dataSource.driver as PostgresDriver;
  const [client, release] = await driver.obtainMasterConnection();
  let usable = true;
  response.on('error', () => undefined);
  try {
    response.writeHead(200, { ...headers, 'content-type': 'application/vnd.apache.parquet', 'content-disposition': `attachment; filename="campaign-units-${actor.orgId.replace(/[^A-Za-z0-9._-]/g, '_')}.parquet"` });
    response.flushHeaders();
    const summary = await exportCampaignUnits(client, {
      orgIds: [actor.orgId],
      signal: options.signal,
      deadline: options.deadline,
      sink: async (bytes) => {
        options.signal.throwIfAborted();
        if (!response.write(bytes)) await once(response, 'drain', { signal: options.signal });
      },
    });
    response.end();
    logger.info('campaign units export', { orgId: actor.orgId, ...summary });
  } catch (error) {
    usable = false;
    response.destroy();
    logger.warn('campaign units export stopped', { orgId: actor.orgId, reason: options.signal.aborted ? String(options.signal.reason) : 'FAILED', message: (error as Error).message });
  } finally {
    running -= 1;
    release(usable ? undefined : new Error('the campaign units export left its connection unfit for the pool'));
  }
}
