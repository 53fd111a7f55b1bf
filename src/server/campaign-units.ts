/**
 * `POST /campaigns/<code>/units` (rule 19): a long serial list (CSV with a serialNumber column) streamed into a
 * campaign's affected units by a WARRANTY_ADMIN, read as it arrives (never buffered whole) and written set-based in
 * batches (campaigns/campaign-units-import.ts), in one transaction. The answer is the import's summary: serials
 * received, units added, already affected, unknown (counted, the first 100 listed). `npm run import-campaign-units`
 * sends its file here. One import at a time per process (it holds a pooled connection while it runs); its deadline
 * is EXPORT_TIMEOUT_MS, the bulk transfers' own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse } from 'csv-parse';
import { hasRole } from '../auth/actor';
import type { TokenVerifier } from '../auth/tokens';
import { DomainError, userErrorsOf } from '../common/errors';
import { logger } from '../common/logger';
import type { Services } from '../services';
import { identify } from './authentication';
import { bodyStopped, sendJson } from './http-body';

export const CAMPAIGN_UNITS_PATH = '/campaigns/:code/units';
const PATH = /^\/campaigns\/([^/]{1,80})\/units$/;

let running = 0;

function refuse(response: ServerResponse, status: number, code: string, message: string, headers: Record<string, string>, field?: string[] | null): void {
  sendJson(response, status, { errors: [{ message, extensions: field ? { code, field } : { code } }] }, { connection: 'close', ...headers });
}

export async function handleCampaignUnits(
  request: IncomingMessage,
  response: ServerResponse,
  url: Readonly<URL>,
  options: { services: Services; verifyToken: TokenVerifier; signal: AbortSignal; requestId: string; timeoutMs: number },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const headers = { 'x-request-id': options.requestId };
  if (request.method !== 'POST') return refuse(response, 405, 'METHOD_NOT_ALLOWED', 'the import is a POST of a CSV body', { ...headers, allow: 'POST' });
  const { actor, authError } = await identify(request.headers.authorization, options.verifyToken);
  if (!actor) return refuse(response, 401, 'UNAUTHENTICATED', authError ?? 'a WARRANTY_ADMIN bearer token is required', { ...headers, 'www-authenticate': 'Bearer' });
  if (!hasRole(actor, 'WARRANTY_ADMIN')) return refuse(response, 403, 'FORBIDDEN', "your role may not import a campaign's units (needs WARRANTY_ADMIN)", headers);
  const code = decodeURIComponent(PATH.exec(url.pathname)?.[1] ?? '');
  if (running > 0) return refuse(response, 503, 'SERVICE_UNAVAILABLE', 'a campaign import is running already; send it again when it is done', { ...headers, 'retry-after': '30' });
  running += 1;
  const started = Date.now();
  // The body as CSV records, parsed as it arrives; a stop (deadline, client gone) ends the parse with its reason.
  const records = parse({ relax_column_count: true, skip_empty_lines: true, bom: true, trim: true });
  const stop = () => records.destroy(bodyStopped(options.signal));
  options.signal.addEventListener('abort', stop, { once: true });
  request.on('error', (error) => records.destroy(error));
  request.pipe(records);
  try {
    const summary = await options.services.campaigns.importUnits(actor, code, records, { signal: options.signal, deadline });
    logger.info('campaign units imported', { orgId: actor.orgId, ...summary, unknownSerialNumbers: summary.unknownSerialNumbers.length, ms: Date.now() - started });
    sendJson(response, 200, summary, headers);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const [first] = userErrorsOf(error);
    const status = first.code === 'UNKNOWN_CAMPAIGN' ? 404 : first.code === 'FORBIDDEN' ? 403 : 400;
    sendJson(response, status, { errors: userErrorsOf(error).map((e) => ({ message: e.message, extensions: { code: e.code, field: e.field } })) }, { connection: 'close', ...headers });
  } finally {
    options.signal.removeEventListener('abort', stop);
    running -= 1;
  }
}
