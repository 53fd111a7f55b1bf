import { judgeAttempt, retryDelayMs, type RetryPolicy } from '../../src/outbox/delivery-rules';
import { sign, verifySignature } from '../../src/common/signing';

const policy: RetryPolicy = { maxAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 60_000 };

describe('retryDelayMs', () => {
  it.each([
    // failed attempts, random, expected
    [1, 0, 500],
    [1, 1, 1_000],
    [2, 0, 1_000],
    [2, 1, 2_000],
    [3, 0.5, 3_000],
    [6, 1, 32_000],
    [7, 1, 60_000], // 64 s capped at 60
    [7, 0, 30_000],
    [60, 1, 60_000], // no overflow far out
    [0, 1, 1_000],
  ])('after %i failures with jitter %d: %i ms', (failures, random, expected) => {
    expect(retryDelayMs(policy, failures, random)).toBe(expected);
  });

  it('never waits less than half the step nor more than the step', () => {
    for (let failures = 1; failures < 12; failures++) {
      const step = Math.min(60_000, 1_000 * 2 ** (failures - 1));
      for (const random of [0, 0.1, 0.5, 0.99, 1]) {
        const delay = retryDelayMs(policy, failures, random);
        expect(delay).toBeGreaterThanOrEqual(step / 2);
        expect(delay).toBeLessThanOrEqual(step);
      }
    }
  });
});

describe('judgeAttempt', () => {
  it.each([
    [{ status: 200, body: '' }, 0, 'DELIVERED'],
    [{ status: 204, body: '' }, 4, 'DELIVERED'],
    [{ status: 299, body: '' }, 0, 'DELIVERED'],
    [{ status: 300, body: '' }, 0, 'RETRY'],
    [{ status: 500, body: 'down' }, 0, 'RETRY'],
    [{ status: 503, body: '' }, 3, 'RETRY'],
    [{ status: 503, body: '' }, 4, 'PARKED'], // the fifth attempt was the last
    [{ status: 408, body: '' }, 0, 'RETRY'],
    [{ status: 429, body: '' }, 0, 'RETRY'],
    [{ status: 400, body: 'unknown claim' }, 0, 'PARKED'],
    [{ status: 404, body: '' }, 0, 'PARKED'],
    [{ status: 499, body: '' }, 0, 'PARKED'],
    [{ error: 'timed out after 1000 ms' }, 0, 'RETRY'],
    [{ error: 'ECONNREFUSED' }, 4, 'PARKED'],
  ] as const)('%j after %i attempts: %s', (result, attempts, kind) => {
    expect(judgeAttempt(result, attempts, policy, 0.5).kind).toBe(kind);
  });

  it('keeps the answer for an admin: the status and body of a refusal, the give-up count', () => {
    expect(judgeAttempt({ status: 422, body: '{"error":"unknown claim"}' }, 0, policy, 0)).toEqual({ kind: 'PARKED', error: 'HTTP 422: {"error":"unknown claim"}' });
    expect(judgeAttempt({ error: 'socket hang up' }, 4, policy, 0)).toEqual({ kind: 'PARKED', error: 'socket hang up (gave up after 5 attempts)' });
    expect(judgeAttempt({ status: 502, body: '' }, 1, policy, 0)).toEqual({ kind: 'RETRY', delayMs: 1_000, error: 'HTTP 502' });
  });
});

describe('signatures', () => {
  const body = '{"topic":"claim.status_changed"}';
  const now = 1_795_000_000;
  const header = (secret: string, at = now) => ({ signature: sign(secret, at, body), timestamp: String(at) });

  it('signs the timestamp with the body (HMAC-SHA256, hex)', () => {
    expect(sign('s3cret', now, body)).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(sign('s3cret', now, body)).toBe(sign('s3cret', now, Buffer.from(body)));
    expect(sign('s3cret', now, body)).not.toBe(sign('s3cret', now + 1, body));
    expect(sign('s3cret', now, body)).not.toBe(sign('other', now, body));
  });

  it('accepts a good signature within the window, under either of two secrets', () => {
    expect(verifySignature(['s3cret'], header('s3cret'), body, now, 300)).toBeNull();
    expect(verifySignature(['new', 's3cret'], header('s3cret', now - 300), body, now, 300)).toBeNull();
    expect(verifySignature(['s3cret'], header('s3cret', now + 300), body, now, 300)).toBeNull();
  });

  it.each([
    ['no signature', { timestamp: String(now) }, 'MISSING'],
    ['no timestamp', { signature: sign('s3cret', now, body) }, 'MISSING'],
    ['a timestamp that is not a number', { signature: sign('s3cret', now, body), timestamp: '2026-11-24' }, 'MALFORMED'],
    ['a signature of another form', { signature: 'sha256=abc', timestamp: String(now) }, 'MALFORMED'],
    ['one second too old', header('s3cret', now - 301), 'STALE'],
    ['one second too far ahead', header('s3cret', now + 301), 'STALE'],
    ['another secret', header('wrong'), 'BAD_SIGNATURE'],
  ] as const)('refuses %s', (_, given, problem) => {
    expect(verifySignature(['s3cret'], given, body, now, 300)).toBe(problem);
  });

  it('refuses a body changed after signing, and a timestamp moved after signing', () => {
    expect(verifySignature(['s3cret'], header('s3cret'), body.replace('status', 'statuz'), now, 300)).toBe('BAD_SIGNATURE');
    expect(verifySignature(['s3cret'], { signature: sign('s3cret', now - 1000, body), timestamp: String(now) }, body, now, 300)).toBe('BAD_SIGNATURE');
  });
});
