import { GraphQLError } from 'graphql';
import { requestStopped } from '../common/request-stopped';

/** A request that waited for a slot until its deadline: the service is busy, retry (HTTP 503). */
function stoppedWaiting(reason: unknown): GraphQLError {
  const stop = requestStopped(reason);
  return new GraphQLError(`${stop.message} (it waited for capacity for expensive requests)`, {
    extensions: { ...stop.extensions, http: { status: 503, headers: new Map([['retry-after', '1']]) } } as Record<string, unknown>,
  });
}

/**
 * A few slots for expensive requests. A request whose estimated cost is over the light limit (operation-cost.ts)
 * runs only while it holds one; a light one (a lookup, a page of references) never waits. So however many
 * clients send the most expensive request still accepted, at most `size` of them use the event loop and the
 * pool at once, and a lookup waits behind at most their slices of work, not behind all of them. Taken only by an
 * authenticated caller, after the cost is known; a request waiting for one stops waiting at its deadline.
 */
export class HeavySlots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  /** Resolves with the release function once a slot is free; rejects with REQUEST_TIMEOUT when `signal` aborts first. */
  take(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(stoppedWaiting(signal.reason));
    if (this.used < this.size) {
      this.used++;
      return Promise.resolve(this.releaser());
    }
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
    });
  }

  /** Requests holding a slot now, and waiting for one. */
  get load(): { running: number; waiting: number } {
    return { running: this.used, waiting: this.waiting.length };
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next in line.
      if (next) next();
      else this.used--;
    };
  }
}
