/**
 * HMAC signing of HTTP bodies, shared by the outbox (it signs what it delivers) and the inbound webhooks (they verify
 * what they receive): pure, no network, no database.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers a signed request carries (lower case, as node:http reads them). */
export const SIGNATURE_HEADER = 'x-sofar-signature';
export const TIMESTAMP_HEADER = 'x-sofar-timestamp';
export const DELIVERY_HEADER = 'x-sofar-delivery-id';

/** `v1=` + HMAC-SHA256 (hex) of "<timestamp>.<body>": the timestamp is signed with the body, so it cannot be moved. */
export function sign(secret: string, timestampSeconds: number, body: string | Buffer): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.`).update(body).digest('hex')}`;
}

export type SignatureProblem = 'MISSING' | 'MALFORMED' | 'STALE' | 'BAD_SIGNATURE';

/**
 * A signed request checked as its body arrives: the headers (present, well formed, the timestamp within
 * `toleranceSeconds` of now either way) at once, the signature once the whole body has been fed through `update`.
 * A streamed body is never held whole to be verified.
 */
export type SignatureCheck = { problem: SignatureProblem } | { update(chunk: string | Buffer): void; verify(): 'BAD_SIGNATURE' | null };

export function startSignatureCheck(
  secrets: readonly string[],
  header: { signature?: string; timestamp?: string },
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureCheck {
  if (!header.signature || !header.timestamp) return { problem: 'MISSING' };
  if (!/^\d{1,12}$/.test(header.timestamp) || !/^v1=[0-9a-f]{64}$/.test(header.signature)) return { problem: 'MALFORMED' };
  const timestamp = Number(header.timestamp);
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { problem: 'STALE' };
  // One HMAC per secret that may have signed it (two during a rotation), fed the same bytes.
  const hmacs = secrets.map((secret) => createHmac('sha256', secret).update(`${timestamp}.`));
  const given = Buffer.from(header.signature);
  return {
    update: (chunk) => hmacs.forEach((hmac) => hmac.update(chunk)),
    verify: () => {
      for (const hmac of hmacs) {
        const expected = Buffer.from(`v1=${hmac.digest('hex')}`);
        if (expected.length === given.length && timingSafeEqual(expected, given)) return null;
      }
      return 'BAD_SIGNATURE';
    },
  };
}

/**
 * Checks a signed request whose whole body is at hand: a signature and a timestamp present and well formed, the
 * timestamp within `toleranceSeconds` of now (either way), and the signature right for one of the secrets (two
 * during a rotation). Null when good.
 */
export function verifySignature(
  secrets: readonly string[],
  header: { signature?: string; timestamp?: string },
  body: string | Buffer,
  nowSeconds: number,
  toleranceSeconds: number,
): SignatureProblem | null {
  const check = startSignatureCheck(secrets, header, nowSeconds, toleranceSeconds);
  if ('problem' in check) return check.problem;
  check.update(body);
  return check.verify();
}
