import { connect } from 'node:net';
import { Client } from 'pg';
import { logger, requestScope } from '../common/logger';

/** The statements that end a transaction: never cancelled (a cancelled COMMIT leaves its outcome unknown). */
const ENDS_TRANSACTION = /^\s*(COMMIT|ROLLBACK|RELEASE)\b/i;
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
    // No extra hop unless a cancel request was sent: the caller then waits for its delivery.
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

/** PostgreSQL's CancelRequest for this client's backend, on a connection of its own; resolves when delivered. */
function cancelBackend(client: Client): Promise<void> {
  const { processID, secretKey, connectionParameters } = client as unknown as {
    processID: number | null;
    secretKey: number | null;
    connectionParameters: { host?: string; port?: number };
  };
  if (processID === null || secretKey === null) return Promise.resolve();
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4); // the cancel request code
  message.writeInt32BE(processID, 8);
  message.writeInt32BE(secretKey, 12);
  const host = connectionParameters.host ?? 'localhost';
  const port = connectionParameters.port ?? 5432;
  return new Promise((resolve) => {
    const socket = host.startsWith('/') ? connect(`${host}/.s.PGSQL.${port}`) : connect(port, host);
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    };
    timer = setTimeout(() => {
      logger.warn('sql cancel request unanswered', { pid: processID, ms: CANCEL_WAIT_MS });
      done();
    }, CANCEL_WAIT_MS);
    socket.once('connect', () => socket.end(message));
    // PostgreSQL closes the connection once it has passed the request on to the backend.
    socket.once('close', done);
    socket.once('error', (error) => {
      logger.warn('sql cancel request failed', { pid: processID, error: error.message });
      done();
    });
  });
}
