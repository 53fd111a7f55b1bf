/**
 * How an outbox message is delivered and what one attempt's answer means: pure, no network, no database. The
 * dispatcher (dispatcher.ts) applies these; the inbound webhooks verify with the same signature.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface RetryPolicy {
  /** Attempts before a message is parked (dead): the first delivery counts as one. */
  maxAttempts: number;
  /** The wait after the first failure; it doubles with each further one. */
  baseDelayMs: number;
  /** No wait is longer than this. */
  maxDelayMs: number;
}

/**
 * The wait before attempt `failedAttempts + 1`: exponential (base · 2^(failures − 1)), capped, with "equal jitter":
 * between half and all of it, so that many messages failing together do not come back together, yet none comes
 * back at once.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number, random: number): number {
  const exponential = policy.baseDelayMs * 2 ** Math.max(0, Math.min(failedAttempts - 1, 30));
  const capped = Math.min(policy.maxDelayMs, exponential);
  return Math.round(capped / 2 + (capped / 2) * Math.min(Math.max(random, 0), 1));
}

/** What one attempt came to: an answer with its status, or no answer (refused, reset, timed out). */
export type AttemptResult = { status: number; body: string } | { error: string };

export type Outcome =
  | { kind: 'DELIVERED' }
  | { kind: 'RETRY'; delayMs: number; error: string }
  /** Parked (dead): an admin lists it and may retry it; later messages of its aggregate wait behind it. */
  | { kind: 'PARKED'; error: string };

/**
 * A 2xx delivers. A 4xx other than 408 and 429 is the receiver refusing this message: sending it again would get the
 * same answer, so it is parked at once with the answer's body. No answer, a 5xx, 408 or 429 is retried with
 * backoff, and parked when the attempts run out.
 */
export function judgeAttempt(result: AttemptResult, attemptsSoFar: number, policy: RetryPolicy, random: number): Outcome {
  const attempts = attemptsSoFar + 1;
  if ('status' in result && result.status >= 200 && result.status < 300) return { kind: 'DELIVERED' };
  const error = 'status' in result ? `HTTP ${result.status}${result.body ? `: ${result.body}` : ''}` : result.error;
  if ('status' in result && result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429) {
    return { kind: 'PARKED', error };
  }
  if (attempts >= policy.maxAttempts) return { kind: 'PARKED', error: `${error} (gave up after ${attempts} attempts)` };
  return { kind: 'RETRY', delayMs: retryDelayMs(policy, attempts, random), error };
}

/** The headers a signed request carries (lower case, as node:http reads them). */
export const SIGNATURE_HEADER = 'x-sofar-signature';
export const TIMESTAMP_HEADER = 'x-sofar-timestamp';
export const DELIVERY_HEADER = 'x-sofar-delivery-id';

/** `v1=` + HMAC-SHA256 (hex) of "<timestamp>.<body>": the timestamp is signed with the body, so it cannot be moved. */
export function sign(secret: string, timestampSeconds: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex')}`;
}

export type SignatureProblem = 'MISSING' | 'MALFORMED' | 'STALE' | 'BAD_SIGNATURE';

/**
 * A signed request checked as its body arrives: the headers (present, well formed, the timestamp within
 * `toleranceSeconds` of now either way) at once, the signature once the whole body has been fed through `update`.
 * A streamed body is never held whole to be verified.
 */
export type SignatureCheck = { problem: SignatureProblem } | { update(chunk: string | Buffer): void; verify(): 'BAD_SIGNATURE' | null };

export function startSignatureCheck(
  secrets: readonly string[],
  header: { signature?: string; timestamp?: string },
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureCheck {
  if (!header.signature || !header.timestamp) return { problem: 'MISSING' };
  if (!/^\d{1,12}$/.test(header.timestamp) || !/^v1=[0-9a-f]{64}$/.test(header.signature)) return { problem: 'MALFORMED' };
  const timestamp = Number(header.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { problem: 'STALE' };
  // One HMAC per secret that may have signed it (two during a rotation), fed the same bytes.
  const hmacs = secrets.map((secret) => createHmac('sha256', secret).update(`${timestamp}.`));
  const given = Buffer.from(header.signature);
  return {
    update: (chunk) => hmacs.forEach((hmac) => hmac.update(chunk)),
    verify: () => {
      for (const hmac of hmacs) {
        const expected = Buffer.from(`v1=${hmac.digest('hex')}`);
        if (expected.length === given.length && timingSafeEqual(expected, given)) return null;
      }
      return 'BAD_SIGNATURE';
    },
  };
}

/**
 * Checks a signed request whose whole body is at hand: a signature and a timestamp present and well formed, the
 * timestamp within `toleranceSeconds` of now (either way), and the signature right for one of the secrets (two
 * during a rotation). Null when good.
 */
export function verifySignature(
  secrets: readonly string[],
  header: { signature?: string; timestamp?: string },
  body: string | Buffer,
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureProblem | null {
  const check = startSignatureCheck(secrets, header, nowSeconds, toleranceSeconds);
  if ('problem' in check) return check.problem;
  check.update(body);
  return check.verify();
}
