import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The header that picks the process a request goes to (its index, modulo the number of processes). */
export const ROUTE_HEADER = 'x-test-route';

/**
 * What stands between the router and the subgraph's replicas in a deployment (a Kubernetes Service, a load
 * balancer), on a real port: each request goes to the next process in turn, or to the one `x-test-route` names, so a
 * test can send a write to one process and the read after it to another. Bodies and answers pass through untouched;
 * it counts the requests each process served.
 */
export async function startRoundRobin(targets: readonly string[]) {
  let next = 0;
  const served = targets.map(() => 0);
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const asked = Number(incoming.headers[ROUTE_HEADER]);
    const index = Number.isInteger(asked) && asked >= 0 ? asked % targets.length : next++ % targets.length;
    served[index] += 1;
    const target = new URL(incoming.url ?? '/', targets[index]);
    const forward = httpRequest(target, { method: incoming.method, headers: { ...incoming.headers, host: target.host } }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forward.on('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`upstream ${index}: ${error.message}`);
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    /** Requests served by each process, by index. */
    served,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
