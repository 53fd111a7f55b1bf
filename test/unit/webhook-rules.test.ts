import { sign, startSignatureCheck, verifySignature } from '../../src/common/signing';
import {
  checkTimestamp, readEnvelope, readExceptionDecision, readRecoveryAnswer, readSkuChanges, readTelemetryLine, statusOfDomainCode, WEBHOOK_ROUTES, WebhookRefusal,
} from '../../src/webhooks/webhook-rules';

/** The refusal `act` throws, for its status, code and field. */
function refusal(act: () => unknown): Pick<WebhookRefusal, 'status' | 'code' | 'field' | 'result'> {
  try {
    act();
  } catch (error) {
    if (error instanceof WebhookRefusal) return { status: error.status, code: error.code, field: error.field, result: error.result };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkTimestamp', () => {
  const now = 1_800_000_000;
  it.each([
    ['now', String(now), null],
    ['at the edge, late', String(now - 300), null],
    ['at the edge, early', String(now + 300), null],
    ['a second too old', String(now - 301), { status: 401, code: 'STALE_TIMESTAMP' }],
    ['a second too far ahead', String(now + 301), { status: 401, code: 'STALE_TIMESTAMP' }],
    ['missing', undefined, { status: 400, code: 'BAD_TIMESTAMP' }],
    ['in milliseconds-like text', '1.8e9', { status: 400, code: 'BAD_TIMESTAMP' }],
    ['an ISO date', '2026-11-24T00:00:00Z', { status: 400, code: 'BAD_TIMESTAMP' }],
    ['negative', '-5', { status: 400, code: 'BAD_TIMESTAMP' }],
  ])('%s', (_, header, expected) => {
    const problem = checkTimestamp(header, now, 300);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatchObject({ ...expected, field: ['x-sofar-timestamp'] });
  });

  it('says how old or how far ahead', () => {
    expect(checkTimestamp(String(now - 400), now, 300)?.message).toContain('400 s old');
    expect(checkTimestamp(String(now + 400), now, 300)?.message).toContain('400 s in the future');
  });
});

describe('startSignatureCheck', () => {
  const secret = 'a-shared-secret-of-some-length';
  const body = Buffer.from('{"deliveryId":"d-1","orgId":"acme","changes":[]}\n{"more":"bytes"}');

  it('verifies a body fed in any pieces exactly as verifySignature does it whole', () => {
    const header = { signature: sign(secret, 1000, body), timestamp: '1000' };
    for (const size of [1, 7, 64, body.length]) {
      const check = startSignatureCheck([secret], header, 1000, 300);
      if ('problem' in check) throw new Error(check.problem);
      for (let offset = 0; offset < body.length; offset += size) check.update(body.subarray(offset, offset + size));
      expect(check.verify()).toBeNull();
    }
    expect(verifySignature([secret], header, body, 1000, 300)).toBeNull();
  });

  it('finds a changed byte, a wrong secret, and takes either of two secrets during a rotation', () => {
    const header = { signature: sign(secret, 1000, body), timestamp: '1000' };
    const changed = Buffer.from(body);
    changed[10] ^= 1;
    expect(verifySignature([secret], header, changed, 1000, 300)).toBe('BAD_SIGNATURE');
    expect(verifySignature(['another-secret-of-some-length'], header, body, 1000, 300)).toBe('BAD_SIGNATURE');
    expect(verifySignature(['another-secret-of-some-length', secret], header, body, 1000, 300)).toBeNull();
  });

  it('judges the headers before any byte of the body', () => {
    expect(startSignatureCheck([secret], { timestamp: '1000' }, 1000, 300)).toEqual({ problem: 'MISSING' });
    expect(startSignatureCheck([secret], { signature: 'v1=abc', timestamp: '1000' }, 1000, 300)).toEqual({ problem: 'MALFORMED' });
    expect(startSignatureCheck([secret], { signature: `v1=${'0'.repeat(64)}`, timestamp: '1000' }, 1400, 300)).toEqual({ problem: 'STALE' });
  });
});

describe('readEnvelope', () => {
  const signed = { tokenOrgId: null, headerDeliveryId: undefined };

  it('takes the delivery id and organisation of a signed body', () => {
    expect(readEnvelope({ deliveryId: 'oa-2026-0042:1', orgId: 'acme', other: 1 }, signed)).toEqual({ deliveryId: 'oa-2026-0042:1', orgId: 'acme' });
  });

  it.each([
    ['not an object', [], 'MALFORMED_BODY', undefined],
    ['null', null, 'MALFORMED_BODY', undefined],
    ['no delivery id', { orgId: 'acme' }, 'MALFORMED_BODY', ['deliveryId']],
    ['a delivery id with spaces', { deliveryId: 'a b', orgId: 'acme' }, 'MALFORMED_BODY', ['deliveryId']],
    ['a delivery id of 129 characters', { deliveryId: 'x'.repeat(129), orgId: 'acme' }, 'MALFORMED_BODY', ['deliveryId']],
    ['a number for a delivery id', { deliveryId: 42, orgId: 'acme' }, 'MALFORMED_BODY', ['deliveryId']],
    ['no organisation (signed)', { deliveryId: 'd-1' }, 'MALFORMED_BODY', ['orgId']],
    ['an organisation with a line break', { deliveryId: 'd-1', orgId: 'ac\nme' }, 'MALFORMED_BODY', ['orgId']],
    ['an empty organisation', { deliveryId: 'd-1', orgId: '' }, 'MALFORMED_BODY', ['orgId']],
  ])('refuses %s', (_, body, code, field) => {
    expect(refusal(() => readEnvelope(body, signed))).toMatchObject({ status: 400, code, field });
  });

  it('with a token: the token names the organisation; a body naming another is forbidden', () => {
    const token = { tokenOrgId: 'acme', headerDeliveryId: undefined };
    expect(readEnvelope({ deliveryId: 'd-1' }, token)).toEqual({ deliveryId: 'd-1', orgId: 'acme' });
    expect(readEnvelope({ deliveryId: 'd-1', orgId: 'acme' }, token)).toEqual({ deliveryId: 'd-1', orgId: 'acme' });
    expect(refusal(() => readEnvelope({ deliveryId: 'd-1', orgId: 'other' }, token))).toMatchObject({ status: 403, code: 'FORBIDDEN', field: ['orgId'], result: 'FORBIDDEN' });
  });

  it('a delivery id header must agree with the body', () => {
    expect(readEnvelope({ deliveryId: 'd-1', orgId: 'acme' }, { tokenOrgId: null, headerDeliveryId: 'd-1' }).deliveryId).toBe('d-1');
    expect(refusal(() => readEnvelope({ deliveryId: 'd-1', orgId: 'acme' }, { tokenOrgId: null, headerDeliveryId: 'd-2' }))).toMatchObject({ status: 400, field: ['deliveryId'] });
  });
});

describe('readExceptionDecision', () => {
  const good = { claimId: '3f1c2a9e-8d7b-4c6a-9e5f-1a2b3c4d5e6f', outcome: 'APPROVED', approver: 'Li Wei', reference: 'OA-1' };

  it('takes a decision, with or without a reason', () => {
    expect(readExceptionDecision(good)).toEqual({ ...good, reason: null });
    expect(readExceptionDecision({ ...good, outcome: 'REJECTED', reason: 'tampering' })).toEqual({ ...good, outcome: 'REJECTED', reason: 'tampering' });
  });

  it.each([
    ['a claim id that is no UUID', { claimId: 'claim-1' }, ['claimId']],
    ['an outcome in lower case', { outcome: 'approved' }, ['outcome']],
    ['no approver', { approver: undefined }, ['approver']],
    ['a numeric reference', { reference: 42 }, ['reference']],
    ['a reason that is not text', { reason: { why: 'x' } }, ['reason']],
    ['a reason of 2001 characters', { reason: 'x'.repeat(2001) }, ['reason']],
  ])('refuses %s', (_, change, field) => {
    expect(refusal(() => readExceptionDecision({ ...good, ...change }))).toMatchObject({ status: 400, code: 'MALFORMED_BODY', field });
  });
});

describe('readSkuChanges', () => {
  it('passes the changes on for the product rules to judge', () => {
    const changes = [{ sku: 'A', productId: 'p', productFamily: 'battery', capacityKwh: 10 }, { sku: 'B', productId: 'q', productFamily: 'INVERTER', capacityKwh: null }];
    expect(readSkuChanges({ changes })).toBe(changes);
  });

  it.each([
    ['no list', {}, ['changes']],
    ['an object for a list', { changes: { sku: 'A' } }, ['changes']],
    ['a change that is text', { changes: ['A'] }, ['changes', '0']],
    ['a capacity as text', { changes: [{ sku: 'A' }, { sku: 'B', capacityKwh: '10.5' }] }, ['changes', '1', 'capacityKwh']],
  ])('refuses %s', (_, body, field) => {
    expect(refusal(() => readSkuChanges(body as Record<string, unknown>))).toMatchObject({ status: 400, field });
  });
});

describe('readTelemetryLine', () => {
  it('takes 29 February in a leap year only', () => {
    expect(readTelemetryLine('{"type":"heartbeat","serialNumber":"SN","at":"2028-02-29T00:00:00Z"}', 1).type).toBe('heartbeat');
    expect(() => readTelemetryLine('{"type":"heartbeat","serialNumber":"SN","at":"2026-02-29T00:00:00Z"}', 1)).toThrow(WebhookRefusal);
  });

  it('reads heartbeats and firmware reports', () => {
    expect(readTelemetryLine('{"type":"heartbeat","serialNumber":"SN-1","at":"2026-11-24T08:15:00Z"}', 2)).toEqual({ type: 'heartbeat', serialNumber: 'SN-1', at: new Date('2026-11-24T08:15:00Z') });
    expect(readTelemetryLine('{"type":"firmware","serialNumber":"SN-1","component":"CELLS","version":"3.2.1","at":"2026-11-24T09:15:00.123+01:00"}', 3)).toEqual({
      type: 'firmware', serialNumber: 'SN-1', component: 'CELLS', version: '3.2.1', at: new Date('2026-11-24T08:15:00.123Z'),
    });
  });

  it.each([
    ['not JSON', '{"type":', ['line', '7']],
    ['a list', '[1,2]', ['line', '7']],
    ['an unknown type', '{"type":"reboot","serialNumber":"SN","at":"2026-11-24T08:15:00Z"}', ['line', '7', 'type']],
    ['no serial number', '{"type":"heartbeat","at":"2026-11-24T08:15:00Z"}', ['line', '7', 'serialNumber']],
    ['a serial number of 101 characters', `{"type":"heartbeat","serialNumber":"${'S'.repeat(101)}","at":"2026-11-24T08:15:00Z"}`, ['line', '7', 'serialNumber']],
    ['a time without an offset', '{"type":"heartbeat","serialNumber":"SN","at":"2026-11-24T08:15:00"}', ['line', '7', 'at']],
    ['a date only', '{"type":"heartbeat","serialNumber":"SN","at":"2026-11-24"}', ['line', '7', 'at']],
    ['an impossible day', '{"type":"heartbeat","serialNumber":"SN","at":"2026-02-31T08:15:00Z"}', ['line', '7', 'at']],
    ['month 13', '{"type":"heartbeat","serialNumber":"SN","at":"2026-13-01T08:15:00Z"}', ['line', '7', 'at']],
    ['hour 24', '{"type":"heartbeat","serialNumber":"SN","at":"2026-11-24T24:00:00Z"}', ['line', '7', 'at']],
    ['a time in epoch seconds', '{"type":"heartbeat","serialNumber":"SN","at":1795000000}', ['line', '7', 'at']],
    ['a version with letters', '{"type":"firmware","serialNumber":"SN","component":"CELLS","version":"v3.2","at":"2026-11-24T08:15:00Z"}', ['line', '7', 'version']],
    ['a version of five parts', '{"type":"firmware","serialNumber":"SN","component":"CELLS","version":"1.2.3.4.5","at":"2026-11-24T08:15:00Z"}', ['line', '7', 'version']],
    ['a component with a space', '{"type":"firmware","serialNumber":"SN","component":"CELL S","version":"3","at":"2026-11-24T08:15:00Z"}', ['line', '7', 'component']],
  ])('refuses %s, naming the line', (_, text, field) => {
    expect(refusal(() => readTelemetryLine(text, 7))).toMatchObject({ status: 400, code: 'MALFORMED_BODY', field });
  });
});

describe('statusOfDomainCode and the routes', () => {
  it.each([
    ['NOT_FOUND', 404],
    ['FORBIDDEN', 403],
    ['INVALID_TRANSITION', 409],
    ['IDEMPOTENCY_CONFLICT', 409],
    ['CASE_TAKEN', 409],
    ['CASE_ALREADY_LINKED', 409],
    ['BAD_USER_INPUT', 422],
    ['WARRANTY_VOIDED', 422],
  ])('%s answers %d', (code, status) => {
    expect(statusOfDomainCode(code)).toBe(status);
  });

  it('one route per source; only CLOUD streams', () => {
    expect(Object.values(WEBHOOK_ROUTES).map((route) => `${route.source}:${route.body}`).sort()).toEqual(['CLOUD:ndjson', 'CSP:json', 'OA:json', 'PRODUCTS:json', 'SUPPLIER:json', 'WAREHOUSE:json']);
  });
});

describe('a supplier answer (rule 20)', () => {
  const id = '00000000-0000-4000-8000-000000000001';
  it('takes the recordRecoveryAnswer facts and the supplier', () => {
    expect(readRecoveryAnswer({ recoveryClaimId: id, supplierCode: 'ACME', action: 'ACCEPT', amount: '120.50', reference: 'R-1' })).toEqual({
      recoveryClaimId: id, supplierCode: 'ACME', action: 'ACCEPT', amount: '120.50', reference: 'R-1', reason: null,
    });
  });
  it.each([
    [{ recoveryClaimId: 'x', supplierCode: 'ACME', action: 'PAY' }, 'recoveryClaimId'],
    [{ recoveryClaimId: id, action: 'PAY' }, 'supplierCode'],
    [{ recoveryClaimId: id, supplierCode: 'ACME', action: 'REOPEN' }, 'action'],
    [{ recoveryClaimId: id, supplierCode: 'ACME', action: 'ACCEPT', amount: 120.5 }, 'amount'],
    [{ recoveryClaimId: id, supplierCode: 'ACME', action: 'ACCEPT', reference: 7 }, 'reference'],
  ])('%j is malformed at %s', (body, field) => {
    expect(() => readRecoveryAnswer(body)).toThrow(expect.objectContaining({ code: 'MALFORMED_BODY', field: [field] }));
  });
});
