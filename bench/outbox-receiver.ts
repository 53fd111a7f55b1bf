/**
 * The outbox bench's receiver (outbox.ts), a child process of its own so that it shares a core with neither the
 * dispatchers nor the floor's client: verifies each request's signature, counts each delivery id once, checks that
 * each claim's messages arrive in order, and answers 200 at once. The bench asks for its counts over IPC.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { verifySignature } from '../src/common/signing';

const secret = process.env.RECEIVER_SECRET ?? '';
const seen = new Set<string>();
const lastIdOfClaim = new Map<string, number>();
/** Only this organisation's messages are counted (set by each reset); any other is answered and left out. */
let countedOrg = '';
let counts = { duplicates: 0, outOfOrder: 0, bad: 0, others: 0, first: 0, last: 0 };

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    const header = { signature: request.headers['x-sofar-signature'] as string, timestamp: request.headers['x-sofar-timestamp'] as string };
    if (verifySignature([secret], header, body, Math.floor(Date.now() / 1000), 300)) {
      counts.bad += 1;
      response.writeHead(401).end();
      return;
    }
    const message = JSON.parse(body.toString('utf8')) as { deliveryId: string; messageId: string; aggregateId: string; orgId: string };
    if (message.orgId !== countedOrg) counts.others += 1;
    else if (seen.has(message.deliveryId)) counts.duplicates += 1;
    else {
      const now = performance.now();
      if (seen.size === 0) counts.first = now;
      seen.add(message.deliveryId);
      counts.last = now;
      const id = Number(message.messageId);
      if ((lastIdOfClaim.get(message.aggregateId) ?? -1) > id) counts.outOfOrder += 1;
      lastIdOfClaim.set(message.aggregateId, id);
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
});
server.keepAliveTimeout = 30_000;

process.on('message', (message: { type: string; org?: string }) => {
  if (message.type === 'reset') {
    seen.clear();
    lastIdOfClaim.clear();
    countedOrg = message.org ?? '';
    counts = { duplicates: 0, outOfOrder: 0, bad: 0, others: 0, first: 0, last: 0 };
    process.send!({ type: 'reset' });
  } else if (message.type === 'state') {
    process.send!({ type: 'state', delivered: seen.size, ...counts });
  } else if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});

server.listen(0, '127.0.0.1', () => process.send!({ type: 'ready', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/csp` }));
