import { Client } from 'pg';
import { logger, requestScope } from '../common/logger';
import { cancelRunningStatement } from './cancel-statement';
// The statements that end a transaction are never cancelled either (a cancelled COMMIT leaves its outcome unknown).
import { ENDS_TRANSACTION } from './statement-budget';

/** How long a cancel request may take before the statement's caller is let go anyway. */
const CANCEL_WAIT_MS = 2_000;

/**
 * The pool's connections (TypeORM's and the row reader's alike: data-source.ts gives this class to pg's Pool).
 * A statement sent while serving a request is cancelled in PostgreSQL as soon as the request is stopped (its
 * deadline, its client gone), so no SQL of a stopped request runs on: PostgreSQL's cancel request goes to the
 * backend on a connection of its own, so it needs no pooled connection. The statement then fails (SQLSTATE
 * 57014), its caller sees the error only after the cancel request has been delivered (so the backend cannot be
 * cancelled later, running someone else's statement), and the response carries one REQUEST_TIMEOUT error for it
 * (oneStopErrorPlugin in server/limits.ts). A statement that ends a transaction is left to finish.
 */
export class RequestBoundClient extends Client {
  // pg's query has many overloads; the promise form (TypeORM's and the row reader's) is the one watched here.
  query(...args: unknown[]): any {
    const result = (Client.prototype.query as (...a: unknown[]) => unknown).apply(this, args);
    const signal = requestScope.getStore()?.signal;
    if (!signal || signal.aborted || !(result instanceof Promise)) return result;
    const first = args[0];
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
    if (typeof text === 'string' && ENDS_TRANSACTION.test(text)) return result;
    const busy = busyClients(signal);
    const entry: Busy = { client: this, cancelled: undefined };
    busy.add(entry);
    // One more promise hop per statement; only a statement whose request was stopped waits for its cancel's delivery.
    return result.then(
      (value) => {
        busy.delete(entry);
        return entry.cancelled ? entry.cancelled.then(() => value) : value;
      },
      (error) => {
        busy.delete(entry);
        if (entry.cancelled) return entry.cancelled.then(() => Promise.reject(error));
        throw error;
      },
    );
  }
}

interface Busy {
  client: Client;
  cancelled: Promise<void> | undefined;
}

/**
 * The statements in flight for one request, with one abort listener per request (not one per statement: an
 * AbortSignal warns past ten listeners).
 */
const inFlight = new WeakMap<AbortSignal, Set<Busy>>();
function busyClients(signal: AbortSignal): Set<Busy> {
  let busy = inFlight.get(signal);
  if (!busy) {
    const entries = new Set<Busy>();
    busy = entries;
    inFlight.set(signal, entries);
    signal.addEventListener(
      'abort',
      () => {
        for (const entry of entries) entry.cancelled ??= cancelBackend(entry.client);
      },
      { once: true },
    );
  }
  return busy;
}

/**
 * PostgreSQL's CancelRequest for this client's backend (cancel-statement.ts); resolves once delivered. One that could
 * not be delivered in time might still arrive later and cancel whatever the connection runs next, so the connection
 * is closed then (the pool drops it) rather than handed to another request.
 */
function cancelBackend(client: Client): Promise<void> {
  return cancelRunningStatement(client, CANCEL_WAIT_MS).then((delivered) => {
    if (delivered) return;
    const { processID } = client as unknown as { processID: number | null };
    logger.warn('sql cancel request not delivered; closing the connection', { pid: processID, ms: CANCEL_WAIT_MS });
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
  });
}
