/**
 * `GET /exports/fleet.parquet?at=YYYY-MM-DD`: the organisation's fleet projection (rule 13) streamed as Parquet to a
 * WARRANTY_ADMIN, a row group at a time as it is made: the same export as `npm run export`, over HTTP. Bounded like
 * the rest: one export at a time per process (it holds a pooled connection while it runs), its own deadline, and a
 * client that goes away stops it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { hasRole } from '../auth/actor';
import type { TokenVerifier } from '../auth/tokens';
import { identify } from './authentication';
import { logger } from '../common/logger';
import { calendarDateOf, isCalendarDate } from '../coverage/calendar';
import { exportFleet } from '../projection/fleet-export';
import type { Services } from '../services';
import { sendJson } from './http-body';

export const FLEET_EXPORT_PATH = '/exports/fleet.parquet';

let running = 0;

function refuse(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { errors: [{ message, extensions: { code } }] }, headers);
}

export async function handleFleetExport(
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  options: { services: Services; verifyToken: TokenVerifier; signal: AbortSignal; requestId: string },
): Promise<void> {
  const headers = { 'x-request-id': options.requestId };
  if (request.method !== 'GET') return refuse(response, 405, 'METHOD_NOT_ALLOWED', 'the export is a GET', { ...headers, allow: 'GET' });
  const { actor, authError } = await identify(request.headers.authorization, options.verifyToken);
  if (!actor) return refuse(response, 401, 'UNAUTHENTICATED', authError ?? 'a WARRANTY_ADMIN bearer token is required', { ...headers, 'www-authenticate': 'Bearer' });
  if (!hasRole(actor, 'WARRANTY_ADMIN')) return refuse(response, 403, 'FORBIDDEN', 'your role may not export the fleet (needs WARRANTY_ADMIN)', headers);
  const at = url.searchParams.get('at');
  if (at !== null && !isCalendarDate(at)) {
    return refuse(response, 400, 'BAD_USER_INPUT', `at must be a calendar date, YYYY-MM-DD (got ${at.slice(0, 40)})`, headers);
  }
  if (running > 0) return refuse(response, 503, 'SERVICE_UNAVAILABLE', 'an export is running already; try again when it is done', { ...headers, 'retry-after': '30' });
  running += 1;
  const asOf = at ?? calendarDateOf(options.services.now(), 'UTC');
  const driver = options.services.dataSource.driver as PostgresDriver;
  const [client, release] = await driver.obtainMasterConnection();
  let failed: Error | undefined;
  const stop = () => client.connection?.stream?.destroy?.();
  options.signal.addEventListener('abort', stop, { once: true });
  try {
    response.writeHead(200, {
      ...headers,
      'content-type': 'application/vnd.apache.parquet',
      'content-disposition': `attachment; filename="fleet-${actor.orgId.replace(/[^A-Za-z0-9._-]/g, '_')}-${asOf}.parquet"`,
    });
    const summary = await exportFleet(client, {
      orgIds: [actor.orgId],
      asOf,
      sink: (bytes) =>
        new Promise<void>((resolve, reject) => {
          if (options.signal.aborted) return reject(new Error(`export stopped: ${String(options.signal.reason)}`));
          if (response.write(bytes)) resolve();
          else response.once('drain', resolve);
        }),
    });
    response.end();
    logger.info('fleet export', { orgId: actor.orgId, asOf, ...summary });
  } catch (error) {
    failed = error as Error;
    // The status went out with the first bytes: breaking the connection is how the client learns the file is not whole.
    logger.warn('fleet export failed', { orgId: actor.orgId, asOf, message: failed.message });
    response.destroy();
  } finally {
    options.signal.removeEventListener('abort', stop);
    release(failed);
    running -= 1;
  }
}
