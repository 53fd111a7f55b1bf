/**
 * How an outbox message is delivered and what one attempt's answer means: pure, no network, no database. The
 * dispatcher (dispatcher.ts) applies these and signs with common/signing.ts, which the inbound webhooks verify with.
 */

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
