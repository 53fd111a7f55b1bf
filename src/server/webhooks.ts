/**
 * The inbound webhooks over HTTP: Landray OA's exception decisions, CSP's answers to case requests, Sofar Products'
 * SKU changes (JSON bodies) and
 * Sofar CLOUD's telemetry (an NDJSON stream). Each request is authenticated (a signature with the source's shared
 * secret, or a SERVICE bearer token), dated (x-sofar-timestamp within the tolerance), parsed, and handed to
 * WebhooksService, which applies it with its replay guard in one transaction. Anything refused is answered with
 * its 4xx and a message, and nothing is written. One log line per call, never with a secret, signature or token.
 *
 * A sender not yet known holds nothing scarce: a SERVICE token is checked before the body is read; a signature
 * only can be checked after it, so a signed body is read first (into memory for JSON, within the ordinary body
 * limit; into a spool file for a stream, webhook-spool.ts), and only a verified delivery takes a stream slot, a
 * pooled connection and a transaction.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline, Transform, type Readable } from 'node:stream';
import split2 from 'split2';
import { hasRole, type Actor } from '../auth/actor';
import type { TokenVerifier } from '../auth/tokens';
import { DATABASE_TIMEOUT, databaseFailureCode, SERVICE_UNAVAILABLE } from '../common/db-errors';
import { DomainError } from '../common/errors';
import { logger, requestScope } from '../common/logger';
import type { WebhookConfig } from '../config';
import { DELIVERY_HEADER, SIGNATURE_HEADER, startSignatureCheck, TIMESTAMP_HEADER } from '../common/signing';
import type { Services } from '../services';
import {
  checkTimestamp, malformed, MAX_NDJSON_LINE_CHARS, readCaseLink, readEnvelope, readExceptionDecision, readPartReturnStep,
  readRecoveryAnswer, readSkuChanges, readTelemetryLine,
  statusOfDomainCode, WebhookRefusal, type TelemetryLine, type WebhookResult, type WebhookSource,
} from '../webhooks/webhook-rules';
import type { Delivery, Receipt } from '../webhooks/webhooks.service';
import { HttpError, isPeerGone, readBodyBytes, sendJson } from './http-body';
import { spoolBody } from './webhook-spool';
import { identify } from './authentication';
import { recordWebhook } from './metrics';

export interface WebhookHandlerOptions {
  services: Services;
  verifyToken: TokenVerifier;
  config: WebhookConfig;
  /** Aborted at the request's deadline or when the sender goes away (http-server.ts). */
  signal: AbortSignal;
}

/**
 * Telemetry streams being ingested at once in this process. Each holds a transaction, and with it one of the
 * pool's connections, for as long as it runs: past WEBHOOK_MAX_STREAMS a stream is turned away (503, retry) rather
 * than leaving GraphQL requests without connections. Only an authenticated stream takes one (a SERVICE token, or a
 * signature already checked over the whole, spooled body).
 */
let openStreams = 0;


const CONTENT_TYPES = { json: ['application/json'], ndjson: ['application/x-ndjson', 'application/ndjson'] };

/** How the request proved who sent it: a SERVICE token (its actor) or a signature (checked as the body arrives). */
type Authentication = { kind: 'token'; actor: Actor } | { kind: 'signature'; update(chunk: Buffer): void; verify(): 'BAD_SIGNATURE' | null };

const badSignature = () =>
  new WebhookRefusal(401, 'BAD_SIGNATURE', 'the signature does not match the body (HMAC-SHA256 over "<x-sofar-timestamp>.<body>" with the shared secret)', 'BAD_SIGNATURE', [SIGNATURE_HEADER]);

async function authenticate(request: IncomingMessage, source: WebhookSource, options: WebhookHandlerOptions, nowSeconds: number): Promise<Authentication> {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const timestampProblem = checkTimestamp(header(TIMESTAMP_HEADER), nowSeconds, options.config.toleranceSeconds);
  const authorization = header('authorization');
  if (authorization !== undefined) {
    const { actor, authError } = await identify(authorization, options.verifyToken);
    if (!actor) throw new WebhookRefusal(401, 'UNAUTHENTICATED', authError ?? 'a SERVICE bearer token is required', 'UNAUTHENTICATED');
    if (!hasRole(actor, 'SERVICE')) throw new WebhookRefusal(403, 'FORBIDDEN', 'webhooks take SERVICE tokens only', 'FORBIDDEN');
    if (timestampProblem) throw timestampProblem;
    return { kind: 'token', actor };
  }
  const signature = header(SIGNATURE_HEADER);
  if (signature === undefined) {
    throw new WebhookRefusal(401, 'UNAUTHENTICATED', `sign the request (${SIGNATURE_HEADER}, ${TIMESTAMP_HEADER}) or send a SERVICE bearer token`, 'UNAUTHENTICATED');
  }
  const secrets = options.config.secrets[source];
  if (secrets.length === 0) {
    throw new WebhookRefusal(401, 'UNAUTHENTICATED', `signed ${source} deliveries are not configured here (WEBHOOK_${source}_SECRET); send a SERVICE bearer token`, 'UNAUTHENTICATED');
  }
  if (timestampProblem) throw timestampProblem;
  const check = startSignatureCheck(secrets, { signature, timestamp: header(TIMESTAMP_HEADER) }, nowSeconds, options.config.toleranceSeconds);
  if ('problem' in check) throw badSignature();
  return { kind: 'signature', update: check.update, verify: check.verify };
}

/** Serves one webhook call and answers it; the log line and the metric say what it came to. */
export async function handleWebhook(
  route: { source: WebhookSource; body: 'json' | 'ndjson' },
  request: IncomingMessage,
  response: ServerResponse,
  requestId: string,
  options: WebhookHandlerOptions,
): Promise<void> {
  const started = process.hrtime.bigint();
  const { source } = route;
  // Which delivery this was, once its envelope has been read: for the answer and the log line.
  const noted: { delivery?: Pick<Delivery, 'deliveryId' | 'orgId'> } = {};
  let status = 200;
  let result: WebhookResult = 'ACCEPTED';
  let failure: { code: string; message: string; stack?: string } | null = null;
  const headers: Record<string, string> = { 'x-request-id': requestId };
  try {
    if (request.method !== 'POST') {
      headers.allow = 'POST';
      throw new WebhookRefusal(405, 'METHOD_NOT_ALLOWED', 'webhooks take POST only', 'MALFORMED');
    }
    const contentType = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (!CONTENT_TYPES[route.body].includes(contentType)) {
      throw new WebhookRefusal(415, 'UNSUPPORTED_MEDIA_TYPE', `this webhook takes ${CONTENT_TYPES[route.body].join(' or ')}`, 'MALFORMED');
    }
    const nowSeconds = Math.floor(Date.now() / 1000);
    const authentication = await authenticate(request, source, options, nowSeconds);
    const tokenOrgId = authentication.kind === 'token' ? authentication.actor.orgId : null;
    const actorId = authentication.kind === 'token' ? authentication.actor.id : `webhook:${source.toLowerCase()}`;
    const headerDeliveryId = typeof request.headers[DELIVERY_HEADER] === 'string' ? (request.headers[DELIVERY_HEADER] as string) : undefined;

    const sender: Sender = { source, actorId, tokenOrgId, headerDeliveryId, noteDelivery: (envelope) => (noted.delivery = envelope) };
    const receipt = route.body === 'json' ? await receiveJson(request, authentication, sender, options) : await receiveStream(request, authentication, sender, options, headers);

    if (receipt.replayed) {
      status = 409;
      result = 'REPLAYED';
      const message = `delivery ${noted.delivery!.deliveryId} was already received at ${new Date(receipt.receivedAt).toISOString()}; nothing changed`;
      sendJson(response, status, { errors: [{ message, extensions: { code: 'REPLAYED_DELIVERY', receivedAt: receipt.receivedAt, result: receipt.result } }] }, headers);
    } else {
      sendJson(response, status, { deliveryId: noted.delivery!.deliveryId, result: receipt.result }, headers);
    }
  } catch (error) {
    const refusal = asRefusal(error);
    status = refusal.status;
    result = refusal.result;
    failure = { code: refusal.code, message: refusal.message, ...(refusal.result === 'ERROR' ? { stack: (error as Error).stack } : {}) };
    if (!response.headersSent && !response.destroyed) {
      // A body left unread cannot be followed by another request on this connection.
      if (!request.readableEnded) headers.connection = 'close';
      if (refusal.status === 503) headers['retry-after'] ??= '1';
      const extensions = { code: refusal.code, ...(refusal.field ? { field: refusal.field } : {}), ...(refusal.status === 503 ? { retryable: true } : {}) };
      sendJson(response, refusal.status, { errors: [{ message: refusal.message, extensions }] }, headers);
    }
  } finally {
    recordWebhook(source, result);
    const fields = {
      source,
      result,
      http: status,
      ms: Number(process.hrtime.bigint() - started) / 1e6,
      sqlQueries: requestScope.getStore()?.sqlQueries ?? 0,
      ...(noted.delivery ? { deliveryId: noted.delivery.deliveryId, orgId: noted.delivery.orgId } : {}),
      ...(failure ? { code: failure.code, message: failure.message.slice(0, 500) } : {}),
    };
    if (failure?.stack) logger.error('webhook', { ...fields, stack: failure.stack });
    else if (status >= 500) logger.warn('webhook', fields);
    else logger.info('webhook', fields);
  }
}

/** Who sent a delivery and what its headers said; `noteDelivery` tells the log line which delivery it was. */
interface Sender {
  source: WebhookSource;
  actorId: string;
  tokenOrgId: string | null;
  headerDeliveryId: string | undefined;
  noteDelivery(envelope: Pick<Delivery, 'deliveryId' | 'orgId'>): void;
}

/** OA's decision, CSP's case, Products' SKU changes, the warehouse's return steps or a supplier's answer: the whole (small) body, its signature checked before it is parsed. */
async function receiveJson(request: IncomingMessage, authentication: Authentication, sender: Sender, options: WebhookHandlerOptions): Promise<Receipt<unknown>> {
  const raw = await readBodyBytes(request, options.signal);
  if (authentication.kind === 'signature') {
    authentication.update(raw);
    if (authentication.verify()) throw badSignature();
  }
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw malformed('the body is not valid JSON');
  }
  const envelope = readEnvelope(body, sender);
  sender.noteDelivery(envelope);
  const delivery: Delivery = { source: sender.source, actorId: sender.actorId, ...envelope };
  const fields = body as Record<string, unknown>;
  if (sender.source === 'OA') return options.services.webhooks.exceptionDecision(delivery, readExceptionDecision(fields));
  if (sender.source === 'CSP') return options.services.webhooks.caseLink(delivery, readCaseLink(fields));
  if (sender.source === 'WAREHOUSE') return options.services.webhooks.partReturnStep(delivery, readPartReturnStep(fields));
  if (sender.source === 'SUPPLIER') return options.services.webhooks.recoveryAnswer(delivery, readRecoveryAnswer(fields));
  return options.services.webhooks.skuChanges(delivery, readSkuChanges(fields));
}

/**
 * CLOUD's telemetry. With a SERVICE token: read line by line as it arrives. Signed: spooled to a file and its
 * signature checked over the whole, holding nothing scarce meanwhile; then read line by line from the file.
 */
async function receiveStream(
  request: IncomingMessage,
  authentication: Authentication,
  sender: Sender,
  options: WebhookHandlerOptions,
  headers: Record<string, string>,
): Promise<Receipt<unknown>> {
  if (authentication.kind === 'token') return ingestStream(request, sender, options, headers);
  const { maxStreamBytes, maxStreams } = options.config;
  let spool;
  try {
    spool = await spoolBody(request, {
      maxBytes: maxStreamBytes,
      // The unverified bodies of this process together: as much as the streams it ingests at once may carry.
      budgetBytes: maxStreams * maxStreamBytes,
      signal: options.signal,
      hash: authentication.update,
      tooLarge: () => streamTooLarge(maxStreamBytes),
      overBudget: () => {
        headers['retry-after'] = '5';
        return new WebhookRefusal(503, 'SERVICE_UNAVAILABLE', 'too many unverified telemetry streams are being received; send it again shortly', 'UNAVAILABLE');
      },
      stopped: () => stoppedBy(options.signal),
    });
  } catch (error) {
    throw isPeerGone(error) ? senderGone() : error;
  }
  if (authentication.verify()) {
    await spool.remove();
    throw badSignature();
  }
  // A refusal or a replay leaves the file partly read: its descriptor is closed before the file is removed, or the
  // disk would not be given back.
  const body = spool.open();
  try {
    return await ingestStream(body, sender, options, headers);
  } finally {
    body.destroy();
    await spool.remove();
  }
}

/** An authenticated stream (its sender known): takes a slot, and in one transaction, the lines as they are read. */
async function ingestStream(body: Readable, sender: Sender, options: WebhookHandlerOptions, headers: Record<string, string>): Promise<Receipt<unknown>> {
  if (openStreams >= options.config.maxStreams) {
    headers['retry-after'] = '5';
    throw new WebhookRefusal(503, 'SERVICE_UNAVAILABLE', `${openStreams} telemetry streams are being taken already (WEBHOOK_MAX_STREAMS); send it again shortly`, 'UNAVAILABLE');
  }
  openStreams += 1;
  try {
    // On a refusal the rest of the stream is left unread: the answer closes the connection.
    const stream = openLineStream(body, options.config.maxStreamBytes, options.signal);
    const first = await stream.next();
    if (first === null) throw malformed('the stream is empty: its first line must be the envelope {"deliveryId", "orgId"}', ['line', '1']);
    let envelopeJson: unknown;
    try {
      envelopeJson = JSON.parse(first);
    } catch {
      throw malformed('line 1 (the envelope {"deliveryId", "orgId"}) is not JSON', ['line', '1']);
    }
    const envelope = readEnvelope(envelopeJson, sender);
    sender.noteDelivery(envelope);
    // The sender is known already (token, or a signature checked over the spooled body): nothing to check at the end.
    return await options.services.webhooks.telemetryStream({ source: sender.source, actorId: sender.actorId, ...envelope }, stream.telemetry());
  } finally {
    openStreams -= 1;
  }
}

const timedOut = () =>
  new WebhookRefusal(408, 'REQUEST_TIMEOUT', 'the delivery did not finish within its deadline; nothing was written, send it again (a long stream in smaller parts)', 'UNAVAILABLE');
/** The sender closed the connection before the end of its body: nobody hears the answer, but the log line says so. */
const senderGone = () => new WebhookRefusal(400, 'CLIENT_CLOSED_REQUEST', 'the sender closed the connection before the end of the body; nothing was written', 'MALFORMED');
const stoppedBy = (signal: AbortSignal) => (signal.reason === 'REQUEST_TIMEOUT' ? timedOut() : senderGone());
const streamTooLarge = (maxBytes: number) =>
  new WebhookRefusal(413, 'PAYLOAD_TOO_LARGE', `the stream is larger than ${maxBytes} bytes; send it in parts, each its own delivery`, 'MALFORMED');

/** What any failure answers: a refusal as it is, a domain refusal by its code, an outage 503, anything else 500. */
function asRefusal(error: unknown): WebhookRefusal {
  if (error instanceof WebhookRefusal) return error;
  if (error instanceof HttpError) {
    if (error.code === 'REQUEST_TIMEOUT') return timedOut();
    if (error.code === 'CLIENT_CLOSED_REQUEST') return senderGone();
    return new WebhookRefusal(error.status, error.code, error.message, 'MALFORMED');
  }
  if (error instanceof DomainError) {
    // The services name fields as the GraphQL input does (["input","claimId"]); a webhook body has no "input".
    const field = error.field?.[0] === 'input' ? error.field.slice(1) : error.field;
    const status = statusOfDomainCode(error.code);
    return new WebhookRefusal(status, error.code, error.message, status === 403 ? 'FORBIDDEN' : 'REFUSED', field);
  }
  const code = (error as { extensions?: { code?: unknown } })?.extensions?.code ?? databaseFailureCode(error);
  if (code === 'REQUEST_TIMEOUT') return timedOut();
  if (code === 'CLIENT_CLOSED_REQUEST') return senderGone();
  if (code === SERVICE_UNAVAILABLE) return new WebhookRefusal(503, SERVICE_UNAVAILABLE, 'the database is unavailable; nothing was written, send the delivery again', 'UNAVAILABLE');
  if (code === DATABASE_TIMEOUT) return new WebhookRefusal(504, DATABASE_TIMEOUT, 'the database did not answer in time; nothing was written, send the delivery again', 'UNAVAILABLE');
  return new WebhookRefusal(500, 'INTERNAL_SERVER_ERROR', 'Internal server error', 'ERROR');
}

/**
 * The body (the request, or its spool file) as non-blank lines, read as they arrive: counted against the stream
 * limit, split at line breaks, no line longer than MAX_NDJSON_LINE_CHARS taken.
 */
function openLineStream(body: Readable, maxBytes: number, signal: AbortSignal) {
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      if (bytes > maxBytes) return done(streamTooLarge(maxBytes));
      done(null, chunk);
    },
  });
  const lines = split2({ maxLength: MAX_NDJSON_LINE_CHARS });
  let failure: Error | null = null;
  pipeline(body, meter, lines, (error) => {
    if (error) failure = error;
  });
  // A sender that stops sending would otherwise hold the delivery's transaction until the socket times out.
  const stop = () => lines.destroy(stoppedBy(signal));
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  const iterator = lines[Symbol.asyncIterator]() as AsyncIterator<string>;
  let lineNumber = 0;
  const tooLong = () => malformed(`line ${lineNumber} is longer than ${MAX_NDJSON_LINE_CHARS} characters`, ['line', String(lineNumber)]);
  const explain = (error: unknown): Error => {
    const cause = failure ?? (error as Error);
    if (cause instanceof WebhookRefusal) return cause;
    if (isPeerGone(cause)) return senderGone();
    if (/maximum buffer/i.test(cause?.message ?? '')) {
      lineNumber += 1;
      return tooLong();
    }
    return cause;
  };
  const next = async (): Promise<string | null> => {
    for (;;) {
      let step: IteratorResult<string>;
      try {
        step = await iterator.next();
      } catch (error) {
        throw explain(error);
      }
      if (step.done) {
        if (failure) throw explain(failure);
        signal.removeEventListener('abort', stop);
        return null;
      }
      lineNumber += 1;
      // split2 bounds only a line still waiting for its end; one that came whole within a chunk is checked here.
      if (step.value.length > MAX_NDJSON_LINE_CHARS) throw tooLong();
      if (step.value.trim() !== '') return step.value;
    }
  };
  return {
    next,
    async *telemetry(): AsyncGenerator<TelemetryLine> {
      for (let text = await next(); text !== null; text = await next()) yield readTelemetryLine(text, lineNumber);
    },
  };
}
