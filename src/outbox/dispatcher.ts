import type { DataSource } from 'typeorm';
import { logger } from '../common/logger';
import { DELIVERY_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../common/signing';
import { judgeAttempt, type AttemptResult, type Outcome, type RetryPolicy } from './delivery-rules';

export type Destination = 'CSP' | 'OA' | 'SUPPLIER';

/** Where one message goes and what it is signed with, or why it waits (no endpoint, no secret yet). */
export type Target = { url: string; secret: string } | { wait: string };

/**
 * The receivers of a destination with many (SUPPLIER: one endpoint per supplier), looked up when their messages are
 * sent, for a round's messages at once; keyed `<orgId>/<recipient>`. Given at composition, so the outbox knows no
 * module's tables.
 */
export type RecipientTargets = (messages: ReadonlyArray<{ orgId: string; recipient: string }>) => Promise<Map<string, Target>>;

export interface DispatcherOptions {
  /** Where each destination's messages go and the secret they are signed with; a destination without one waits. */
  destinations: Partial<Record<'CSP' | 'OA', { url: string; secret: string }>>;
  /** The suppliers' endpoints (recovery/): without it, SUPPLIER messages wait. */
  suppliers?: RecipientTargets;
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
  recipient: string | null;
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
  SELECT m.id, m.org_id, m.destination, m.recipient, m.topic, m.aggregate_id, m.payload, m.delivery_id, m.attempts, m.created_at
  FROM outbox_message m
  WHERE m.delivered_at IS NULL AND m.parked_at IS NULL AND m.next_attempt_at <= now() AND m.destination = ANY($1::text[])
    AND NOT EXISTS (
      SELECT 1 FROM outbox_message e
      WHERE e.org_id = m.org_id AND e.aggregate_id = m.aggregate_id AND e.destination = m.destination AND e.id < m.id AND e.delivered_at IS NULL)
  ORDER BY m.next_attempt_at, m.id
  LIMIT $2
  FOR UPDATE OF m SKIP LOCKED`;

/** The destinations (of those asked) with at least one message due now: the poller's one statement. */
const DUE_DESTINATIONS = `
  SELECT d AS destination FROM unnest($1::text[]) AS d
  WHERE EXISTS (SELECT 1 FROM outbox_message m WHERE m.destination = d AND m.delivered_at IS NULL AND m.parked_at IS NULL AND m.next_attempt_at <= now())`;

/** Every attempt's outcome in one statement. */
const RECORD = `
  UPDATE outbox_message m SET
    attempts = m.attempts + CASE WHEN o.kind = 'WAIT' THEN 0 ELSE 1 END,
    last_attempt_at = CASE WHEN o.kind = 'WAIT' THEN m.last_attempt_at ELSE now() END,
    delivered_at = CASE WHEN o.kind = 'DELIVERED' THEN now() END,
    parked_at = CASE WHEN o.kind = 'PARKED' THEN now() END,
    last_error = coalesce(o.error, m.last_error),
    next_attempt_at = CASE WHEN o.kind IN ('RETRY', 'WAIT') THEN now() + o.delay_ms * interval '1 millisecond' ELSE m.next_attempt_at END
  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[]) AS o(id, kind, error, delay_ms, org_id)
  WHERE m.org_id = o.org_id AND m.id = o.id`;

/**
 * Delivers the outbox: rounds of due messages, each round one transaction that locks its messages (FOR UPDATE SKIP
 * LOCKED), POSTs them side by side, signed, and records what came of each. A process killed mid-round loses its
 * transaction, so its messages are due again for the others: a receiver may see one twice, with the same delivery
 * id, never at the same time. Runs inside the server (OUTBOX_DISPATCH) and alone as `npm run dispatch`.
 */
export class OutboxDispatcher {
  private stopping = false;
  private loop: Promise<void> | null = null;
  private readonly wakes = new Set<() => void>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: DispatcherOptions,
  ) {}

  /** The destinations this dispatcher delivers: those with a URL, and SUPPLIER when it can look up the suppliers' endpoints. */
  private enabled(): Destination[] {
    const fixed = (['CSP', 'OA'] as const).filter((d) => this.options.destinations[d]);
    return this.options.suppliers ? [...fixed, 'SUPPLIER'] : fixed;
  }

  /**
   * One lane per destination, each with rounds of its own: a receiver that fails or hangs (a supplier's) slows its
   * own lane only, never CSP's or OA's messages. One poller asks which destinations have a message due (one cheap
   * statement, no transaction) and starts a lane for each that is not running; a lane runs rounds for as long as they
   * take messages, then stops until the poller starts it again.
   */
  start(): void {
    if (this.loop) return;
    const waiting = (['CSP', 'OA'] as const).filter((d) => !this.options.destinations[d]);
    if (waiting.length) logger.info('outbox: no URL for these destinations; their messages wait', { destinations: waiting });
    this.loop = this.run();
  }

  /** Finishes the rounds in progress (their attempts are bounded by the timeout), then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of this.wakes) wake();
    await this.loop;
    this.loop = null;
  }

  private async run(): Promise<void> {
    const lanes = new Map<Destination, Promise<void>>();
    let failures = 0;
    while (!this.stopping) {
      try {
        const due: Array<{ destination: Destination }> = await this.dataSource.query(DUE_DESTINATIONS, [this.enabled().filter((d) => !lanes.has(d))]);
        failures = 0;
        for (const { destination } of due) {
          lanes.set(destination, this.lane(destination).finally(() => lanes.delete(destination)));
        }
      } catch (error) {
        failures += 1;
        // Once per run of failures (a database outage would otherwise log every poll).
        if (failures === 1) logger.warn('outbox: a dispatch round failed; retrying', { message: (error as Error).message });
      }
      if (!this.stopping) await this.sleep(this.options.pollMs * Math.min(failures + 1, 10));
    }
    await Promise.all(lanes.values());
  }

  /** A destination's rounds, one after another, while they take messages. */
  private async lane(destination: Destination): Promise<void> {
    while (!this.stopping) {
      try {
        if ((await this.dispatchOnce([destination])) === 0) return;
      } catch (error) {
        logger.warn('outbox: a dispatch round failed; retrying', { destination, message: (error as Error).message });
        return;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakes.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      this.wakes.add(done);
    });
  }

  /** One round of `lane` (every enabled destination unless told): answers how many messages it took (0 when none were due). */
  async dispatchOnce(lane?: Destination[]): Promise<number> {
    const destinations = (lane ?? this.enabled()).filter((d) => this.enabled().includes(d));
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
      const targets = await this.targetsOf(due);
      const outcomes = await Promise.all(due.map((message) => this.attempt(message, targets.get(message.id)!)));
      await runner.query(RECORD, [
        due.map((m) => m.id),
        outcomes.map((o) => o.kind),
        outcomes.map((o) => ('error' in o ? o.error.slice(0, 2000) : null)),
        outcomes.map((o) => (o.kind === 'RETRY' || o.kind === 'WAIT' ? o.delayMs : null)),
        due.map((m) => m.org_id),
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

  /** Each due message's target: its destination's, or its recipient's (a supplier's endpoint, looked up for the round at once). */
  private async targetsOf(due: DueMessage[]): Promise<Map<string, Target>> {
    const targets = new Map<string, Target>();
    const many = due.filter((m) => m.destination === 'SUPPLIER');
    const found = many.length && this.options.suppliers ? await this.options.suppliers(many.map((m) => ({ orgId: m.org_id, recipient: m.recipient ?? '' }))) : new Map<string, Target>();
    for (const m of due) {
      if (m.destination === 'SUPPLIER') targets.set(m.id, found.get(`${m.org_id}/${m.recipient}`) ?? { wait: `no supplier ${m.recipient} in ${m.org_id}` });
      else targets.set(m.id, this.options.destinations[m.destination]!);
    }
    return targets;
  }

  private async attempt(message: DueMessage, target: Target): Promise<Outcome | { kind: 'WAIT'; delayMs: number; error: string }> {
    // A receiver not set up yet (no endpoint, no secret): the message waits without spending an attempt.
    if ('wait' in target) return { kind: 'WAIT', delayMs: this.options.retry.maxDelayMs, error: `waiting: ${target.wait}` };
    const started = process.hrtime.bigint();
    const result = await this.post(message, target);
    const outcome = judgeAttempt(result, message.attempts, this.options.retry, (this.options.random ?? Math.random)());
    this.options.onAttempt?.(message.destination, outcome.kind, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  private async post(message: DueMessage, target: { url: string; secret: string }): Promise<AttemptResult> {
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
