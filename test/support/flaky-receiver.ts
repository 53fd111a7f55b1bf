import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/common/signing';

export interface Arrival {
  deliveryId: string;
  messageId: string;
  aggregateId: string;
  topic: string;
  payload: unknown;
}

/**
 * A receiver as CSP or OA would run one, that misbehaves on purpose: per request, by a seeded random draw, it answers
 * 503, takes the message and then answers 500 (the sender cannot know it arrived), hangs without answering, or takes
 * it and answers 200. It verifies every signature, drops a second arrival of a delivery id (counted), keeps the
 * first arrivals in order per aggregate, and counts any request that repeats an attempt of a delivery while the
 * earlier one is still open (two senders at once).
 */
export async function startFlakyReceiver(options: { secret: string; seed: number; failRate?: number; hangRate?: number; delayMs?: number }) {
  let state = options.seed >>> 0;
  const random = () => {
    // mulberry32: a small seeded generator, so a failing run can be replayed.
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const failRate = options.failRate ?? 0.3;
  const hangRate = options.hangRate ?? 0.05;
  const seen = new Map<string, Arrival>();
  const byAggregate = new Map<string, string[]>();
  const open = new Map<string, Set<{ closed: boolean }>>();
  const attemptsOf = new Map<string, Set<number>>();
  const refused = new Set<string>();
  const stats = { requests: 0, duplicates: 0, concurrent: 0, badSignatures: 0, failed: 0, hung: 0 };

  const take = (arrival: Arrival) => {
    if (seen.has(arrival.deliveryId)) {
      stats.duplicates += 1;
      return;
    }
    seen.set(arrival.deliveryId, arrival);
    byAggregate.set(arrival.aggregateId, [...(byAggregate.get(arrival.aggregateId) ?? []), arrival.messageId]);
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      stats.requests += 1;
      const body = Buffer.concat(chunks);
      const problem = verifySignature(
        [options.secret],
        { signature: request.headers[SIGNATURE_HEADER] as string | undefined, timestamp: request.headers[TIMESTAMP_HEADER] as string | undefined },
        body,
        Math.floor(Date.now() / 1000),
        300,
      );
      if (problem) {
        stats.badSignatures += 1;
        response.writeHead(401).end(problem);
        return;
      }
      const message = JSON.parse(body.toString('utf8'));
      const deliveryId = request.headers[DELIVERY_HEADER] as string;
      if (deliveryId !== message.deliveryId) throw new Error('the delivery id header and body disagree');
      // Two senders at once: another arrival of this delivery id still open. Checked a moment later, once the
      // I/O already queued has been read: a sender that timed out a hung request closed it before retrying, but on a
      // busy machine the receiver may read the retry before it reads that close. A timer alone is not enough (on a
      // loaded loop it can fire before the poll phase reads the close), so the check also waits a few turns of the
      // loop, each with its poll and close-callback phases; a real second sender's request stays open far longer.
      //
      // And only when this attempt of the delivery arrived before: the dispatcher numbers each attempt of a message
      // (`attempt`, one more than the attempts recorded) and records its outcome before the next under the message's
      // row lock, so a retry after a timeout carries a higher number and is never counted, however late the receiver
      // reads the close. The same number again is two senders on one row, or a sender killed mid-attempt whose row
      // another took over (its request closed with the process), or a message parked on a refusal and retried by an
      // admin (attempts start again at 1; the refusal closed the first).
      const attempt = Number(message.attempt);
      const attempts = attemptsOf.get(deliveryId) ?? new Set<number>();
      attemptsOf.set(deliveryId, attempts);
      const repeated = attempts.has(attempt);
      attempts.add(attempt);
      const earlier = [...(open.get(deliveryId) ?? [])];
      if (repeated && earlier.length > 0) setTimeout(() => afterTurns(5, () => { if (earlier.some((other) => !other.closed)) stats.concurrent += 1; }), 25);
      const mine = { closed: false };
      open.set(deliveryId, new Set([...(open.get(deliveryId) ?? []), mine]));
      const close = () => {
        if (mine.closed) return;
        mine.closed = true;
        open.get(deliveryId)!.delete(mine);
      };
      response.on('close', close);
      const arrival: Arrival = { deliveryId, messageId: message.messageId, aggregateId: message.aggregateId, topic: message.topic, payload: message.payload };
      if (refused.has(message.aggregateId)) {
        response.writeHead(422, { 'content-type': 'application/json' }).end('{"error":"unknown claim"}');
        return;
      }
      const draw = random();
      const answer = () => {
        if (draw < failRate / 2) {
          stats.failed += 1;
          response.writeHead(503).end('busy');
        } else if (draw < failRate - hangRate) {
          take(arrival);
          stats.failed += 1;
          response.writeHead(500).end('stored, then failed');
        } else if (draw < failRate) {
          if (draw < failRate - hangRate / 2) take(arrival);
          stats.hung += 1; // no answer: the sender's timeout ends it
        } else {
          take(arrival);
          response.writeHead(200).end('ok');
        }
      };
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    seen,
    byAggregate,
    stats,
    /** Messages of these aggregates are refused (422) until removed. */
    refused,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls until `done()` or the time is up; answers whether it got there. */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  return done();
}

/** Runs `then` after `turns` turns of the event loop (each setImmediate waits for the next check phase). */
function afterTurns(turns: number, then: () => void): void {
  if (turns <= 0) then();
  else setImmediate(() => afterTurns(turns - 1, then));
}
