import { performance } from 'node:perf_hooks';
import { GraphQLError } from 'graphql';
import { requestStopped } from '../common/request-stopped';

/** A request that waited for a slot until its deadline: the service is busy, retry (HTTP 503). */
function stoppedWaiting(reason: unknown): GraphQLError {
  const stop = requestStopped(reason);
  return new GraphQLError(`${stop.message} (it waited for capacity for expensive requests)`, {
    extensions: { ...stop.extensions, http: { status: 503, headers: new Map([['retry-after', '1']]) } } as Record<string, unknown>,
  });
}

/** The longest pause between two heavy requests, however long the last one kept the event loop busy. */
const MAX_COOL_DOWN_MS = 1_000;
/** The pause is kept only while light requests come: one seen within this time. */
const LIGHT_RECENT_MS = 100;

export interface HeavySlotOptions {
  /**
   * The share of the event loop's busy time heavy requests may take (0 < share ≤ 1; 1: no pause). After a heavy
   * request that kept the loop busy for B ms while it held its slot, the slot is given out again only after
   * B × (1 − share) / share ms, so light requests always have the rest (only while there are light requests: with
   * none seen for LIGHT_RECENT_MS, heavy requests follow one another at once).
   */
  loopShare?: number;
  /**
   * How long the event loop was busy since a mark: `busySince(mark())` in ms. Default: Node's event-loop
   * utilisation (its active time). The unit test gives its own, so that it does not depend on how Node accounts a
   * busy stretch on a loaded machine.
   */
  loopBusy?: { mark(): unknown; busySince(mark: unknown): number };
}

const EVENT_LOOP_BUSY = {
  mark: () => performance.eventLoopUtilization(),
  busySince: (mark: unknown) => performance.eventLoopUtilization(mark as ReturnType<typeof performance.eventLoopUtilization>).active,
};

/**
 * A few slots for expensive requests. A request whose estimated cost is over the light limit (operation-cost.ts)
 * runs only while it holds one; a light one (a lookup, a page of references) never waits. So however many
 * clients send the most expensive request still accepted, at most `size` of them use the event loop and the
 * pool at once, and they get at most `loopShare` of the loop's busy time: a lookup waits behind at most one slice
 * of their work, not behind all of them. Taken only by an authenticated caller, after the cost is known; a
 * request waiting for one stops waiting at its deadline (HTTP 503, REQUEST_TIMEOUT, retryable).
 */
export class HeavySlots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly loopShare: number;
  private readonly loopBusy: NonNullable<HeavySlotOptions['loopBusy']>;
  /** No slot is given out before this time (performance.now()). */
  private coolUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastLight = -Infinity;

  constructor(
    readonly size: number,
    options: HeavySlotOptions = {},
  ) {
    this.loopShare = Math.min(1, Math.max(0.01, options.loopShare ?? 1));
    this.loopBusy = options.loopBusy ?? EVENT_LOOP_BUSY;
  }

  /** Resolves with the release function once a slot is free; rejects with REQUEST_TIMEOUT when `signal` aborts first. */
  take(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(stoppedWaiting(signal.reason));
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener('abort', stop);
        resolve(this.releaser());
      };
      const stop = () => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(stoppedWaiting(signal?.reason));
      };
      signal?.addEventListener('abort', stop, { once: true });
      this.waiting.push(grant);
      this.pump();
    });
  }

  /** A light request has arrived: the pauses between heavy ones are for it. */
  noteLight(): void {
    this.lastLight = performance.now();
  }

  /** Requests holding a slot now, and waiting for one. */
  get load(): { running: number; waiting: number } {
    return { running: this.used, waiting: this.waiting.length };
  }

  private pump = (): void => {
    this.timer = undefined;
    while (this.used < this.size && this.waiting.length > 0) {
      const now = performance.now();
      const wait = this.coolUntil - now;
      if (wait > 0 && now - this.lastLight <= LIGHT_RECENT_MS) {
        this.timer ??= setTimeout(this.pump, Math.ceil(wait));
        return;
      }
      this.used++;
      this.waiting.shift()!();
    }
  };

  private releaser(): () => void {
    let released = false;
    const loopBefore = this.loopBusy.mark();
    return () => {
      if (released) return;
      released = true;
      this.used--;
      if (this.loopShare < 1) {
        const busyMs = this.loopBusy.busySince(loopBefore);
        const coolDown = Math.min(MAX_COOL_DOWN_MS, (busyMs * (1 - this.loopShare)) / this.loopShare);
        this.coolUntil = Math.max(this.coolUntil, performance.now() + coolDown);
      }
      this.pump();
    };
  }
}
