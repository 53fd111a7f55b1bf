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

export function createTokenVerifier(config: AuthConfig): TokenVerifier {
  const key: Uint8Array | JWTVerifyGetKey = config.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwksUrl))
    : new TextEncoder().encode(config.jwtSecret);
  const algorithms = config.jwksUrl ? ['RS256', 'ES256', 'PS256', 'EdDSA'] : ['HS256'];

  return async (token: string) => {
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
    if (!payload.sub) throw new InvalidTokenError('invalid token: no sub claim');
    if (!payload.org || typeof payload.org !== 'string') throw new InvalidTokenError('invalid token: no org claim');
    const roles = Array.isArray(payload.roles) ? payload.roles : [];
    const unknown = roles.filter((role) => !ROLES.includes(role as Role));
    if (roles.length === 0 || unknown.length > 0) {
      throw new InvalidTokenError(`invalid token: roles must be some of ${ROLES.join(', ')}`);
    }
    return {
      id: payload.sub,
      orgId: payload.org,
      roles: roles as Role[],
      customerId: roles.includes('CUSTOMER') ? (payload.customerId ?? payload.sub) : null,
    };
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
