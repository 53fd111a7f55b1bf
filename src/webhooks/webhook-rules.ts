/**
 * What an inbound webhook delivery must look like, and what each refusal answers: pure, no network, no database.
 * The HTTP layer (server/webhooks.ts) reads and authenticates the request; these functions judge its headers and
 * its body; the service (webhooks.service.ts) applies it.
 */
import { isUuid } from '../common/ids';
import { isCalendarDate } from '../common/calendar';
import type { ProductReferenceInput } from '../products/product-reference-input';
import { isComponentName, parseVersion } from '../telemetry/firmware-rules';

export const WEBHOOK_SOURCES = ['OA', 'CLOUD', 'PRODUCTS', 'CSP', 'WAREHOUSE', 'SUPPLIER'] as const;
export type WebhookSource = (typeof WEBHOOK_SOURCES)[number];

/** The webhook endpoints: what each takes and from whom. */
export const WEBHOOK_ROUTES: Readonly<Record<string, { source: WebhookSource; body: 'json' | 'ndjson' }>> = {
  '/webhooks/oa/exception-decisions': { source: 'OA', body: 'json' },
  '/webhooks/products/skus': { source: 'PRODUCTS', body: 'json' },
  '/webhooks/cloud/telemetry': { source: 'CLOUD', body: 'ndjson' },
  '/webhooks/csp/cases': { source: 'CSP', body: 'json' },
  '/webhooks/warehouse/part-returns': { source: 'WAREHOUSE', body: 'json' },
  '/webhooks/suppliers/recovery-answers': { source: 'SUPPLIER', body: 'json' },
};

/**
 * What a webhook call came to, as the metric's `result` label and the log line's: a closed set, so a caller cannot
 * grow the registry.
 */
export type WebhookResult =
  | 'ACCEPTED'
  | 'REPLAYED'
  | 'UNAUTHENTICATED'
  | 'BAD_SIGNATURE'
  | 'STALE'
  | 'FORBIDDEN'
  | 'MALFORMED'
  | 'REFUSED'
  | 'UNAVAILABLE'
  | 'ERROR';

/** A delivery refused before anything was written: the HTTP status, a stable code, the message and where. */
export class WebhookRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly result: WebhookResult,
    readonly field?: string[],
  ) {
    super(message);
    this.name = 'WebhookRefusal';
  }
}

export const malformed = (message: string, field?: string[]) => new WebhookRefusal(400, 'MALFORMED_BODY', message, 'MALFORMED', field);

/**
 * The HTTP status of a domain refusal (the services' DomainError codes): the claim or unit is not there (404), the
 * caller may not (403), the claim is not in a state for it, was decided otherwise or has another case, or the case is
 * another organisation's (409), anything else the body's
 * values (422).
 */
export function statusOfDomainCode(code: string): number {
  if (code === 'NOT_FOUND') return 404;
  if (code === 'FORBIDDEN') return 403;
  if (code === 'UNAUTHENTICATED') return 401;
  if (code === 'RETURN_NOT_AUTHORISED') return 404;
  if (code === 'INVALID_TRANSITION' || code === 'IDEMPOTENCY_CONFLICT' || code === 'CASE_TAKEN' || code === 'CASE_ALREADY_LINKED' || code === 'RETURN_NOT_RECEIVED' || code === 'RETURN_STEP_CONFLICT') return 409;
  return 422;
}

/**
 * Every delivery carries `x-sofar-timestamp` (Unix seconds), signed or sent with a token: one older or newer than
 * the tolerance is refused, so a captured request stops working within minutes, and the replay guard only has to
 * catch copies within that window.
 */
export function checkTimestamp(header: string | undefined, nowSeconds: number, toleranceSeconds: number): WebhookRefusal | null {
  if (header === undefined || !/^\d{1,12}$/.test(header)) {
    return new WebhookRefusal(400, 'BAD_TIMESTAMP', 'x-sofar-timestamp must be the time of sending in whole Unix seconds', 'MALFORMED', ['x-sofar-timestamp']);
  }
  const skew = nowSeconds - Number(header);
  if (Math.abs(skew) > toleranceSeconds) {
    const how = skew > 0 ? `${skew} s old` : `${-skew} s in the future`;
    return new WebhookRefusal(401, 'STALE_TIMESTAMP', `the request is ${how}; at most ${toleranceSeconds} s either way is accepted (re-sign it with the current time)`, 'STALE', ['x-sofar-timestamp']);
  }
  return null;
}

/** A sender's delivery id, the replay guard's key: plain and short (a UUID, `oa-2026-0042-1` ...). */
const DELIVERY_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** An organisation id as tokens carry it (auth/tokens.ts): non-empty, at most 128 characters, no control characters. */
const ORG_ID = /^[^\u0000-\u001f\u007f]{1,128}$/;

export interface Envelope {
  deliveryId: string;
  orgId: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Every delivery names itself in its (signed) body: `deliveryId`, the replay guard's key, and `orgId`, the
 * organisation it is for. Signed, neither can be changed without breaking the signature, so a captured request
 * cannot be replayed under a new id or into another organisation. With a SERVICE token the organisation is the
 * token's, and a body that names another is refused; the `x-sofar-delivery-id` header, if sent, must agree.
 */
export function readEnvelope(body: unknown, expected: { tokenOrgId: string | null; headerDeliveryId: string | undefined }): Envelope {
  if (!isObject(body)) throw malformed('the body must be a JSON object');
  const { deliveryId, orgId } = body;
  if (typeof deliveryId !== 'string' || !DELIVERY_ID.test(deliveryId)) {
    throw malformed('deliveryId must be 1 to 128 letters, digits and ._:- (the same on every retry of one delivery)', ['deliveryId']);
  }
  if (expected.headerDeliveryId !== undefined && expected.headerDeliveryId !== deliveryId) {
    throw malformed(`the x-sofar-delivery-id header (${JSON.stringify(expected.headerDeliveryId.slice(0, 130))}) differs from the body's deliveryId`, ['deliveryId']);
  }
  if (orgId !== undefined && (typeof orgId !== 'string' || !ORG_ID.test(orgId))) {
    throw malformed('orgId must be the organisation id: 1 to 128 characters, no control characters', ['orgId']);
  }
  if (expected.tokenOrgId !== null) {
    if (orgId !== undefined && orgId !== expected.tokenOrgId) {
      throw new WebhookRefusal(403, 'FORBIDDEN', 'the body names another organisation than the token', 'FORBIDDEN', ['orgId']);
    }
    return { deliveryId, orgId: expected.tokenOrgId };
  }
  if (orgId === undefined) throw malformed('orgId is required in a signed delivery: name the organisation it is for', ['orgId']);
  return { deliveryId, orgId };
}

export interface ExceptionDecisionInput {
  claimId: string;
  outcome: 'APPROVED' | 'REJECTED';
  approver: string;
  reference: string;
  reason: string | null;
}

/** OA's decision: the claim, APPROVED or REJECTED, who decided and OA's reference (rule 11), optionally why. */
export function readExceptionDecision(body: Record<string, unknown>): ExceptionDecisionInput {
  const { claimId, outcome, approver, reference, reason } = body;
  if (typeof claimId !== 'string' || !isUuid(claimId)) throw malformed('claimId must be the claim id (a UUID)', ['claimId']);
  if (outcome !== 'APPROVED' && outcome !== 'REJECTED') throw malformed('outcome must be APPROVED or REJECTED', ['outcome']);
  if (typeof approver !== 'string') throw malformed('approver must be text: who decided in OA', ['approver']);
  if (typeof reference !== 'string') throw malformed("reference must be text: OA's reference of the decision", ['reference']);
  if (reason !== undefined && reason !== null && (typeof reason !== 'string' || reason.length > 2000)) {
    throw malformed('reason, when given, must be text of at most 2000 characters', ['reason']);
  }
  return { claimId, outcome, approver, reference, reason: (reason as string | null | undefined) ?? null };
}

export interface CaseLinkInput {
  claimId: string;
  caseId: string;
  openedAt: Date | null;
}

/** CSP's answer to a claim's case request (rule 14): the claim, the case id CSP gave it and, optionally, when it opened. */
export function readCaseLink(body: Record<string, unknown>): CaseLinkInput {
  const { claimId, caseId, openedAt } = body;
  if (typeof claimId !== 'string' || !isUuid(claimId)) throw malformed('claimId must be the claim id (a UUID)', ['claimId']);
  if (typeof caseId !== 'string') throw malformed("caseId must be text: CSP's id of the case it opened", ['caseId']);
  const opened = openedAt === undefined || openedAt === null ? null : instant(openedAt, ['openedAt'], 'openedAt');
  return { claimId, caseId, openedAt: opened };
}

/**
 * Products' SKU changes: `changes`, a list of { sku, productId, productFamily, capacityKwh? } objects. Their
 * values are checked by the same rules as the admin mutation and the CSV import (product-reference-input.ts).
 */
export function readSkuChanges(body: Record<string, unknown>): ProductReferenceInput[] {
  const { changes } = body;
  if (!Array.isArray(changes)) throw malformed('changes must be a list of SKU changes', ['changes']);
  changes.forEach((change, index) => {
    if (!isObject(change)) throw malformed('each change must be an object { sku, productId, productFamily, capacityKwh }', ['changes', String(index)]);
    if (change.capacityKwh !== undefined && change.capacityKwh !== null && typeof change.capacityKwh !== 'number') {
      throw malformed('capacityKwh must be a number (kWh) or null', ['changes', String(index), 'capacityKwh']);
    }
  });
  return changes as ProductReferenceInput[];
}

/** A step of a part's return from the warehouse's system (rule 18): the same facts as the recordPart* mutations take. */
export type PartReturnStepInput =
  | { rmaNumber: string; step: 'SHIPMENT'; carrier: string | null; trackingNumber: string | null }
  | { rmaNumber: string; step: 'RECEIPT' }
  | { rmaNumber: string; step: 'INSPECTION'; outcome: 'CONFIRMED' | 'NO_FAULT_FOUND' | 'CUSTOMER_DAMAGE'; note: string | null };

/** `{ rmaNumber, step: SHIPMENT | RECEIPT | INSPECTION, carrier?, trackingNumber?, outcome?, note? }`. */
export function readPartReturnStep(body: Record<string, unknown>): PartReturnStepInput {
  const { rmaNumber, step, carrier, trackingNumber, outcome, note } = body;
  if (typeof rmaNumber !== 'string' || rmaNumber.length === 0 || rmaNumber.length > 200) throw malformed('rmaNumber must be the RMA number (text)', ['rmaNumber']);
  const optional = (value: unknown, name: string, max: number): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.length > max) throw malformed(`${name}, when given, must be text of at most ${max} characters`, [name]);
    return value;
  };
  if (step === 'SHIPMENT') return { rmaNumber, step, carrier: optional(carrier, 'carrier', 200), trackingNumber: optional(trackingNumber, 'trackingNumber', 200) };
  if (step === 'RECEIPT') return { rmaNumber, step };
  if (step === 'INSPECTION') {
    if (outcome !== 'CONFIRMED' && outcome !== 'NO_FAULT_FOUND' && outcome !== 'CUSTOMER_DAMAGE') throw malformed('outcome must be CONFIRMED, NO_FAULT_FOUND or CUSTOMER_DAMAGE', ['outcome']);
    return { rmaNumber, step, outcome, note: optional(note, 'note', 4000) };
  }
  throw malformed('step must be SHIPMENT, RECEIPT or INSPECTION', ['step']);
}

/** A supplier's answer on a recovery claim (rule 20): the same facts as `recordRecoveryAnswer`, and the supplier that answers. */
export interface RecoveryAnswerWebhookInput {
  recoveryClaimId: string;
  supplierCode: string;
  action: 'SUBMIT' | 'ACCEPT' | 'REJECT' | 'PAY' | 'WRITE_OFF';
  amount: string | null;
  reference: string | null;
  reason: string | null;
}

/** `{ recoveryClaimId, supplierCode, action: SUBMIT | ACCEPT | REJECT | PAY | WRITE_OFF, amount?, reference?, reason? }`. */
export function readRecoveryAnswer(body: Record<string, unknown>): RecoveryAnswerWebhookInput {
  const { recoveryClaimId, supplierCode, action, amount, reference, reason } = body;
  if (typeof recoveryClaimId !== 'string' || !isUuid(recoveryClaimId)) throw malformed('recoveryClaimId must be the recovery claim id (a UUID)', ['recoveryClaimId']);
  if (typeof supplierCode !== 'string' || supplierCode.length === 0 || supplierCode.length > 40) throw malformed('supplierCode must be the supplier code the claim was sent to', ['supplierCode']);
  if (action !== 'SUBMIT' && action !== 'ACCEPT' && action !== 'REJECT' && action !== 'PAY' && action !== 'WRITE_OFF') throw malformed('action must be SUBMIT, ACCEPT, REJECT, PAY or WRITE_OFF', ['action']);
  if (amount !== undefined && amount !== null && (typeof amount !== 'string' || !/^\d{1,15}(\.\d{1,4})?$/.test(amount))) throw malformed('amount, when given, must be a decimal string such as "120.50"', ['amount']);
  const optional = (value: unknown, name: string, max: number): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || value.length > max) throw malformed(`${name}, when given, must be text of at most ${max} characters`, [name]);
    return value;
  };
  return { recoveryClaimId, supplierCode, action, amount: (amount as string | null | undefined) ?? null, reference: optional(reference, 'reference', 200), reason: optional(reason, 'reason', 4000) };
}

/** One line of CLOUD's telemetry stream after the envelope. */
export type TelemetryLine =
  | { type: 'heartbeat'; serialNumber: string; at: Date }
  | { type: 'firmware'; serialNumber: string; component: string; version: string; at: Date };

/** The longest line taken, in characters; a longer one is refused (a line is one small JSON object). */
export const MAX_NDJSON_LINE_CHARS = 4096;
const SERIAL = /^[^\u0000-\u001f\u007f]{1,100}$/;
/** An instant with its offset: a time without one would mean a different moment on every machine. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):([0-5]\d)(:[0-5]\d(\.\d{1,9})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/;

function instant(value: unknown, field: string[], name = 'at'): Date {
  // JavaScript rolls 31 February over into March; PostgreSQL refuses it. Neither may happen silently here.
  const at = typeof value === 'string' && INSTANT.test(value) && isCalendarDate(value.slice(0, 10)) ? new Date(value) : null;
  if (!at || Number.isNaN(at.getTime())) throw malformed(`${name} must be an instant with its offset, e.g. 2026-11-24T08:15:00Z`, field);
  return at;
}

/**
 * One NDJSON line of the telemetry stream (its number, from 1, for the refusal's `field`): a heartbeat
 * `{"type":"heartbeat","serialNumber","at"}` or a firmware report `{"type":"firmware","serialNumber","component",
 * "version","at"}`, the same facts as the `recordHeartbeats` and `recordFirmwareReports` mutations take.
 */
export function readTelemetryLine(text: string, lineNumber: number): TelemetryLine {
  const field = (name?: string) => (name ? ['line', String(lineNumber), name] : ['line', String(lineNumber)]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed(`line ${lineNumber} is not JSON`, field());
  }
  if (!isObject(value)) throw malformed(`line ${lineNumber} must be a JSON object`, field());
  const { type, serialNumber } = value;
  if (typeof serialNumber !== 'string' || !SERIAL.test(serialNumber)) throw malformed(`line ${lineNumber}: serialNumber must be 1 to 100 characters`, field('serialNumber'));
  const at = instant(value.at, field('at'));
  if (type === 'heartbeat') return { type, serialNumber, at };
  if (type === 'firmware') {
    const { component, version } = value;
    if (typeof component !== 'string' || !isComponentName(component)) throw malformed(`line ${lineNumber}: component must be a component name such as CELLS`, field('component'));
    if (typeof version !== 'string' || version.length > 40 || !parseVersion(version)) throw malformed(`line ${lineNumber}: version must be 1 to 4 whole numbers separated by dots, e.g. 3.2.1`, field('version'));
    return { type, serialNumber, component, version, at };
  }
  throw malformed(`line ${lineNumber}: type must be heartbeat or firmware`, field('type'));
}
