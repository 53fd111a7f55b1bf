import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/common/signing';
import { postWebhook, type WebhookAnswer } from './webhook-client';

export interface CspArrival {
  deliveryId: string;
  topic: string;
  orgId: string;
  aggregateId: string;
  payload: any;
}

export interface CspAnswer {
  body: Record<string, unknown>;
  answer: WebhookAnswer;
}

/**
 * CSP as the outbox meets it, on a real port: it verifies each delivery's signature with the outbox secret, takes
 * each delivery id once, answers 200, and for a `claim.case_requested` opens a case (`caseIdFor` names it) and
 * answers with it, after its 200, as CSP would: a signed POST to the warranty server's case webhook.
 */
export async function startCspReceiver(options: {
  outboxSecret: string;
  webhookSecret: string;
  /** The case CSP opens for a request; null: it does not answer (yet). */
  caseIdFor: (arrival: CspArrival) => string | null;
  openedAt: () => string;
}) {
  const arrivals: CspArrival[] = [];
  const answers: CspAnswer[] = [];
  const seen = new Set<string>();
  const stats = { badSignatures: 0 };
  let warrantyUrl: string | null = null;
  let pending = Promise.resolve();

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = (name: string) => request.headers[name] as string | undefined;
      const problem = verifySignature([options.outboxSecret], { signature: header(SIGNATURE_HEADER), timestamp: header(TIMESTAMP_HEADER) }, body, Math.floor(Date.now() / 1000), 300);
      if (problem) {
        stats.badSignatures += 1;
        response.writeHead(401).end(problem);
        return;
      }
      const message = JSON.parse(body.toString('utf8'));
      const arrival: CspArrival = { deliveryId: header(DELIVERY_HEADER)!, topic: message.topic, orgId: message.orgId, aggregateId: message.aggregateId, payload: message.payload };
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (seen.has(arrival.deliveryId)) return;
      seen.add(arrival.deliveryId);
      arrivals.push(arrival);
      if (arrival.topic !== 'claim.case_requested' || !warrantyUrl) return;
      const caseId = options.caseIdFor(arrival);
      if (caseId === null) return;
      const answer = {
        deliveryId: `csp-case-${arrival.deliveryId}`,
        orgId: arrival.orgId,
        claimId: arrival.payload.claimId,
        caseId,
        openedAt: options.openedAt(),
      };
      const url = warrantyUrl;
      pending = pending
        .then(() => postWebhook(url, '/webhooks/csp/cases', JSON.stringify(answer), { secret: options.webhookSecret }))
        .then((result) => void answers.push({ body: answer, answer: result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/csp/outbox`,
    arrivals,
    answers,
    stats,
    /** Where CSP's answers go (known once the warranty server is up). */
    answerTo(url: string) {
      warrantyUrl = url;
    },
    async stop() {
      await pending.catch(() => undefined);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
