import { request as httpRequest } from 'node:http';
import { DELIVERY_HEADER, sign, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/common/signing';

export interface WebhookAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface WebhookCall {
  /** Signs the body with this secret (x-sofar-signature over "<timestamp>.<body>"). */
  secret?: string;
  /** Sends this SERVICE (or other) token instead of, or besides, a signature. */
  token?: string;
  /** Unix seconds; now unless given. */
  timestamp?: number;
  contentType?: string;
  /** The x-sofar-delivery-id header; not sent unless given. */
  deliveryIdHeader?: string;
  /** Overrides the computed signature (a forged or damaged one). */
  signature?: string;
  /** Writes the body in pieces of this many bytes, each in its own write, as a sender streaming it would. */
  chunkBytes?: number;
}

/** One webhook POST over real HTTP, the body sent as it is given (bytes, not re-encoded), in pieces if asked. */
export function postWebhook(baseUrl: string, path: string, body: string | Buffer, call: WebhookCall = {}): Promise<WebhookAnswer> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const timestamp = call.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': call.contentType ?? (path.includes('telemetry') ? 'application/x-ndjson' : 'application/json'),
    [TIMESTAMP_HEADER]: String(timestamp),
  };
  if (call.secret) headers[SIGNATURE_HEADER] = sign(call.secret, timestamp, bytes);
  if (call.signature) headers[SIGNATURE_HEADER] = call.signature;
  if (call.token) headers.authorization = `Bearer ${call.token}`;
  if (call.deliveryIdHeader) headers[DELIVERY_HEADER] = call.deliveryIdHeader;
  const url = new URL(path, baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: kept as text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
      res.on('error', reject);
    });
    // The server may answer and close before the whole body is written (a refusal): the write then fails (EPIPE,
    // ECONNRESET), and the answer, already on its way, is what counts. Only with no answer is it a failure.
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (error) => {
      if (!answered) setTimeout(() => (answered ? undefined : reject(error)), 500);
    });
    const step = call.chunkBytes ?? bytes.length;
    (async () => {
      for (let offset = 0; offset < bytes.length; offset += step) {
        if (req.destroyed) return;
        if (!req.write(bytes.subarray(offset, offset + step))) await new Promise((r) => req.once('drain', r));
      }
      req.end();
    })().catch(reject);
  });
}
