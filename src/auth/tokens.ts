import { createSecretKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from '../config';
import { ROLES, type Actor, type Role } from './actor';

export class InvalidTokenError extends Error {}

/** Claims of our tokens: `sub` the actor, `org` the organisation, `roles`, and `customerId` for customers. */
export interface WarrantyClaims extends JWTPayload {
  org?: string;
  roles?: string[];
  customerId?: string;
}

export type TokenVerifier = (token: string) => Promise<Actor>;

const DEFAULT_MAX_AGE_SECONDS = 24 * 3600;
const DEFAULT_CLOCK_SKEW_SECONDS = 60;

function isPlainClaim(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 128 && !/[\u0000-\u001f]/.test(value);
}

/** A verified token is trusted again without verifying for at most this long (and never past its `exp`). */
const VERIFIED_TTL_MS = 60_000;
const VERIFIED_MAX_ENTRIES = 1_000;

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  // A KeyObject made once: given raw bytes, jose imports the secret again on every verification.
  const key: KeyObject | JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : createSecretKey(new TextEncoder().encode(config.jwtSecret));
  const algorithms = config.jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];
  const maxAgeSeconds = config.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
  const clockSkewSeconds = config.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;

  const verify = async (token: string): Promise<{ actor: Actor; exp: number }> => {
    let payload: WarrantyClaims;
    try {
      const verified = await jwtVerify<WarrantyClaims>(token, key as never, {
        algorithms,
        issuer: config.issuer,
        audience: config.audience,
      });
      payload = verified.payload;
    } catch (error) {
      throw new InvalidTokenError(`invalid token: ${(error as Error).message}`);
    }
    // jose has checked `exp` when present; a token must also carry one, and not live longer than the maximum age,
    // so a leaked token stops working on its own. Its lifetime runs from when it was issued, and never from later
    // than now: an `iat` set ahead (by a skewed clock, or to stretch exp − iat) gains nothing, and one further ahead
    // than the allowed clock skew is refused outright.
    if (typeof payload.exp !== 'number') throw new InvalidTokenError('invalid token: no exp claim (tokens must expire)');
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat === 'number' && payload.iat > now + clockSkewSeconds) {
      throw new InvalidTokenError(`invalid token: issued ${payload.iat - now} s in the future (iat), more than the ${clockSkewSeconds} s of clock skew allowed`);
    }
    const lifetime = payload.exp - Math.min(typeof payload.iat === 'number' ? payload.iat : now, now);
    if (lifetime > maxAgeSeconds) {
      throw new InvalidTokenError(`invalid token: it lives ${lifetime} s, longer than the ${maxAgeSeconds} s allowed`);
    }
    // sub and org name the actor and the tenant on every row and event: plain, bounded strings only.
    if (!isPlainClaim(payload.sub)) throw new InvalidTokenError('invalid token: sub must be a non-empty string of at most 128 characters');
    if (!isPlainClaim(payload.org)) throw new InvalidTokenError('invalid token: org must be a non-empty string of at most 128 characters');
    if (payload.customerId !== undefined && !isPlainClaim(payload.customerId)) {
      throw new InvalidTokenError('invalid token: customerId must be a non-empty string of at most 128 characters');
    }
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    const unknown = roles.filter((role) => !ROLES.includes(role as Role));
    if (roles.length === 0 || unknown.length > 0) {
      throw new InvalidTokenError(`invalid token: roles must be some of ${ROLES.join(', ')}`);
    }
    const actor: Actor = {
      id: payload.sub,
      orgId: payload.org,
      roles: roles as Role[],
      customerId: roles.includes('CUSTOMER') ? (payload.customerId ?? payload.sub) : null,
    };
    // Shared by every request that sends this token (see below): nothing may change it.
    Object.freeze(actor.roles);
    return { actor: Object.freeze(actor), exp: payload.exp };
  };

  // The gateway sends the same caller's token with request after request; the signature check and the claim
  // checks above cost more than a lookup by the exact token text (signature included, so nothing else matches).
  // Entries live at most VERIFIED_TTL_MS, so a key rotated out of a JWKS stops being honoured within a minute.
  const verified = new Map<string, { actor: Actor; until: number }>();
  return async (token: string) => {
    const now = Date.now();
    const hit = verified.get(token);
    if (hit && hit.until > now) return hit.actor;
    if (hit) verified.delete(token);
    const { actor, exp } = await verify(token);
    if (verified.size >= VERIFIED_MAX_ENTRIES) verified.delete(verified.keys().next().value!);
    verified.set(token, { actor, until: Math.min(now + VERIFIED_TTL_MS, exp * 1000) });
    return actor;
  };
}

/** Signs an HS256 development or test token. */
export async function signToken(
  secret: string,
  claims: { sub: string; org: string; roles: Role[]; customerId?: string },
  options: { expiresIn?: string; issuer?: string; audience?: string } = {},
): Promise<string> {
  let jwt = new SignJWT({ org: claims.org, roles: claims.roles, customerId: claims.customerId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
