import type { DataSource } from 'typeorm';
import { logger } from '../common/logger';
import { DELIVERY_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../common/signing';
import { judgeAttempt, type AttemptResult, type Outcome, type RetryPolicy } from './delivery-rules';

export type Destination = 'CSP' | 'OA';

export interface DispatcherOptions {
  /** Where each destination's messages go and the secret they are signed with; a destination without one waits. */
  destinations: Partial<Record<Destination, { url: string; secret: string }>>;
  retry: RetryPolicy;
  /** One attempt's budget, answer body included; past it the attempt counts as failed. */
  timeoutMs: number;
  /** How long an idle dispatcher waits before it looks again. */
  pollMs: number;
  /** Messages taken per round. */
  batchSize: number;
  /** For tests: the jitter's source. */
  random?: () => number;
  /** Told of every attempt (metrics). */
  onAttempt?: (destination: Destination, outcome: Outcome['kind'], seconds: number) => void;
}

interface DueMessage {
  id: string;
  org_id: string;
  destination: Destination;
  topic: string;
  aggregate_id: string;
  payload: unknown;
  delivery_id: string;
  attempts: number;
  created_at: Date;
}

/**
 * The due messages that head their aggregate's queue for their destination: nothing earlier of the same aggregate
 * and destination is still undelivered (a parked one included: order before progress, so CSP never sees a claim's
 * statuses out of order). Locked for this round; rows another dispatcher holds are skipped, so two processes never
 * deliver one message at the same time, and the message behind a locked head is not due either.
 */
const TAKE_DUE = `
  SELECT m.id, m.org_id, m.destination, m.topic, m.aggregate_id, m.payload, m.delivery_id, m.attempts, m.created_at
  FROM outbox_message m
  WHERE m.delivered_at IS NULL AND m.parked_at IS NULL AND m.next_attempt_at <= now() AND m.destination = ANY($1::text[])
    AND NOT EXISTS (
      SELECT 1 FROM outbox_message e
      WHERE e.aggregate_id = m.aggregate_id AND e.destination = m.destination AND e.id < m.id AND e.delivered_at IS NULL)
  ORDER BY m.next_attempt_at, m.id
  LIMIT $2
  FOR UPDATE OF m SKIP LOCKED`;

/** Every attempt's outcome in one statement. */
const RECORD = `
  UPDATE outbox_message m SET
    attempts = m.attempts + 1,
    last_attempt_at = now(),
    delivered_at = CASE WHEN o.kind = 'DELIVERED' THEN now() END,
    parked_at = CASE WHEN o.kind = 'PARKED' THEN now() END,
    last_error = coalesce(o.error, m.last_error),
    next_attempt_at = CASE WHEN o.kind = 'RETRY' THEN now() + o.delay_ms * interval '1 millisecond' ELSE m.next_attempt_at END
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[]) AS o(id, kind, error, delay_ms)
  WHERE m.id = o.id`;

/**
 * Delivers the outbox: rounds of due messages, each round one transaction that locks its messages (FOR UPDATE SKIP
 * LOCKED), POSTs them side by side, signed, and records what came of each. A process killed mid-round loses its
 * transaction, so its messages are due again for the others: a receiver may see one twice, with the same delivery
 * id, never at the same time. Runs inside the server (OUTBOX_DISPATCH) and alone as `npm run dispatch`.
 */
export class OutboxDispatcher {
  private stopping = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.loop) return;
    const waiting = (['CSP', 'OA'] as const).filter((d) => !this.options.destinations[d]);
    if (waiting.length) logger.info('outbox: no URL for these destinations; their messages wait', { destinations: waiting });
    this.loop = this.run();
  }

  /** Finishes the round in progress (its attempts are bounded by the timeout), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let taken = 0;
      try {
        taken = await this.dispatchOnce();
        failures = 0;
      } catch (error) {
        failures += 1;
        // Once per run of failures (a database outage would otherwise log every poll).
        if (failures === 1) logger.warn('outbox: a dispatch round failed; retrying', { message: (error as Error).message });
      }
      if (taken === 0 && !this.stopping) await this.sleep(this.options.pollMs * Math.min(failures + 1, 10));
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** One round: answers how many messages it took (0 when none were due). */
  async dispatchOnce(): Promise<number> {
    const destinations = (Object.keys(this.options.destinations) as Destination[]).filter((d) => this.options.destinations[d]);
    if (destinations.length === 0) return 0;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const due: DueMessage[] = await runner.query(TAKE_DUE, [destinations, this.options.batchSize]);
      if (due.length === 0) {
        await runner.commitTransaction();
        return 0;
      }
      const outcomes = await Promise.all(due.map((message) => this.attempt(message)));
      await runner.query(RECORD, [
        due.map((m) => m.id),
        outcomes.map((o) => o.kind),
        outcomes.map((o) => ('error' in o ? o.error.slice(0, 2000) : null)),
        outcomes.map((o) => (o.kind === 'RETRY' ? o.delayMs : null)),
      ]);
      await runner.commitTransaction();
      for (const [i, outcome] of outcomes.entries()) {
        if (outcome.kind === 'PARKED') logger.warn('outbox: message parked', { id: due[i].id, destination: due[i].destination, topic: due[i].topic, error: outcome.error });
      }
      return due.length;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async attempt(message: DueMessage): Promise<Outcome> {
    const started = process.hrtime.bigint();
    const result = await this.post(message);
    const outcome = judgeAttempt(result, message.attempts, this.options.retry, (this.options.random ?? Math.random)());
    this.options.onAttempt?.(message.destination, outcome.kind, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  private async post(message: DueMessage): Promise<AttemptResult> {
    const target = this.options.destinations[message.destination]!;
    const body = JSON.stringify({
      deliveryId: message.delivery_id,
      messageId: message.id,
      destination: message.destination,
      topic: message.topic,
      orgId: message.org_id,
      aggregateId: message.aggregate_id,
      createdAt: new Date(message.created_at).toISOString(),
      attempt: message.attempts + 1,
      payload: message.payload,
    });
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [DELIVERY_HEADER]: message.delivery_id,
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: sign(target.secret, timestamp, body),
          'x-sofar-topic': message.topic,
        },
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await response.text();
      return { status: response.status, body: text.slice(0, 1000) };
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { error: `no answer within ${this.options.timeoutMs} ms` };
      return { error: cause?.message ?? (error as Error).message };
    }
  }
}
