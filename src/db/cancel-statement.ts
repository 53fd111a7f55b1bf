import type { Socket } from 'node:net';
import { Client, type ClientConfig } from 'pg';

/** What pg's Client keeps of its session and settings (JavaScript fields its typings leave out). */
interface ClientInternals {
  connectionParameters: ClientConfig & { host: string; port: number };
  processID: number | null;
  secretKey: number | null;
}

/** pg's protocol connection (lib/connection.js), as a Client builds it from its settings (TLS included). */
interface ProtocolConnection extends NodeJS.EventEmitter {
  stream: Socket;
  connect(portOrPath: number | string, host?: string): void;
  cancel(processID: number, secretKey: number): void;
}

/**
 * Asks PostgreSQL to cancel whatever `client`'s session is running now: the protocol's CancelRequest, on a connection
 * of its own (no pooled connection, no login), sent as pg's `Client#cancel` sends it (which reads the deprecated
 * `activeQuery`). Resolves true once the server has taken the request (it signals the session, then closes that
 * connection), false when it could not be delivered within `timeoutMs`.
 *
 * A request that arrives while the session waits for its next command is dropped by the server; one still on its way
 * could cancel a later statement. So a caller sends nothing more on `client` until this has resolved, and gives the
 * connection up (rather than back to a pool) when it resolved false.
 */
export function cancelRunningStatement(client: Client, timeoutMs = 5_000): Promise<boolean> {
  const { connectionParameters: settings, processID, secretKey } = client as unknown as ClientInternals;
  if (processID === null || secretKey === null) return Promise.resolve(true);
  const { connection } = new Client(settings) as unknown as { connection: ProtocolConnection };
  return new Promise<boolean>((resolve) => {
    let connected = false;
    let failed = false;
    const timer = setTimeout(() => {
      connection.stream.destroy();
      resolve(false);
    }, timeoutMs);
    connection.once('connect', () => {
      connected = true;
      connection.cancel(processID, secretKey);
    });
    connection.on('error', () => (failed = true));
    connection.once('end', () => {
      clearTimeout(timer);
      resolve(connected && !failed);
    });
    if (settings.host?.startsWith('/')) connection.connect(`${settings.host}/.s.PGSQL.${settings.port}`);
    else connection.connect(settings.port, settings.host);
  });
}
