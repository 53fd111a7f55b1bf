import { SignJWT } from 'jose';
import { createTokenVerifier, InvalidTokenError, signToken } from '../../src/auth/tokens';

const SECRET = 'unit-test-secret-0123456789';
const verify = createTokenVerifier({ jwtSecret: SECRET });

describe('bearer tokens', () => {
  it('turns a signed token into the actor: id, organisation, roles, customer', async () => {
    const token = await signToken(SECRET, { sub: 'u-1', org: 'sofar', roles: ['CUSTOMER'], customerId: 'cust-7' });
    await expect(verify(token)).resolves.toEqual({ id: 'u-1', orgId: 'sofar', roles: ['CUSTOMER'], customerId: 'cust-7' });
  });

  it('takes a customer token\'s sub as its customer id when no customerId claim is present', async () => {
    const token = await signToken(SECRET, { sub: 'cust-8', org: 'sofar', roles: ['CUSTOMER'] });
    await expect(verify(token)).resolves.toMatchObject({ customerId: 'cust-8' });
  });

  it('gives non-customer actors no customer id', async () => {
    const token = await signToken(SECRET, { sub: 'a-1', org: 'sofar', roles: ['AGENT'], customerId: 'cust-1' });
    await expect(verify(token)).resolves.toMatchObject({ customerId: null });
  });

  const sign = (claims: Record<string, unknown>, secret = SECRET, expires = '1h') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expires).sign(new TextEncoder().encode(secret));

  it.each([
    ['a wrong signature', () => sign({ sub: 'x', org: 'o', roles: ['AGENT'] }, 'another-secret-0123456789')],
    ['an expired token', () => sign({ sub: 'x', org: 'o', roles: ['AGENT'] }, SECRET, '-1m')],
    ['no org claim', () => sign({ sub: 'x', roles: ['AGENT'] })],
    ['no sub claim', () => sign({ org: 'o', roles: ['AGENT'] })],
    ['no roles', () => sign({ sub: 'x', org: 'o', roles: [] })],
    ['an unknown role', () => sign({ sub: 'x', org: 'o', roles: ['AGENT', 'ROOT'] })],
    ['garbage', async () => 'abc.def.ghi'],
    ['no exp claim (a token that never expires)', () => new SignJWT({ sub: 'x', org: 'o', roles: ['AGENT'] }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(new TextEncoder().encode(SECRET))],
    ['a lifetime longer than the maximum age (25 h against 24 h)', () => sign({ sub: 'x', org: 'o', roles: ['AGENT'] }, SECRET, '25h')],
    ['a numeric sub', () => sign({ sub: 42, org: 'o', roles: ['AGENT'] })],
    ['an object sub', () => sign({ sub: { id: 'x' }, org: 'o', roles: ['AGENT'] })],
    ['a sub longer than 128 characters', () => sign({ sub: 'x'.repeat(129), org: 'o', roles: ['AGENT'] })],
    ['an org with a NUL byte', () => sign({ sub: 'x', org: 'o\u0000', roles: ['AGENT'] })],
    ['a non-string customerId', () => sign({ sub: 'x', org: 'o', roles: ['CUSTOMER'], customerId: 7 })],
  ])('refuses %s', async (_, make) => {
    await expect(verify(await make())).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('takes a lifetime up to the configured maximum age, and no longer', async () => {
    const hourly = createTokenVerifier({ jwtSecret: SECRET, maxAgeSeconds: 3600 });
    await expect(hourly(await sign({ sub: 'x', org: 'o', roles: ['AGENT'] }, SECRET, '1h'))).resolves.toMatchObject({ id: 'x' });
    await expect(hourly(await sign({ sub: 'x', org: 'o', roles: ['AGENT'] }, SECRET, '61m'))).rejects.toThrow(/longer than the 3600 s allowed/);
  });

  describe('an iat in the future', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const signAt = (iat: number, exp: number) =>
      new SignJWT({ sub: 'x', org: 'o', roles: ['AGENT'] }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt(iat).setExpirationTime(exp).sign(new TextEncoder().encode(SECRET));
    const hourly = createTokenVerifier({ jwtSecret: SECRET, maxAgeSeconds: 3600 });

    it('further ahead than the clock skew is refused (it would stretch exp − iat past the maximum age)', async () => {
      // Issued "tomorrow" for 12 h: exp − iat is 12 h, but it works from now for 36 h.
      const stretched = await signAt(now() + 24 * 3600, now() + 36 * 3600);
      await expect(verify(stretched)).rejects.toThrow(/issued \d+ s in the future \(iat\), more than the 60 s of clock skew allowed/);
      const strict = createTokenVerifier({ jwtSecret: SECRET, clockSkewSeconds: 5 });
      await expect(strict(await signAt(now() + 30, now() + 600))).rejects.toThrow(/more than the 5 s of clock skew/);
    });

    it('within the clock skew is taken, its lifetime measured from now, not from iat', async () => {
      await expect(hourly(await signAt(now() + 30, now() + 1800))).resolves.toMatchObject({ id: 'x' });
      // exp − iat = 3580 s fits the hour; exp − now = 3630 s does not.
      await expect(hourly(await signAt(now() + 50, now() + 3630))).rejects.toThrow(/longer than the 3600 s allowed/);
    });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createTokenVerifier({ jwtSecret: SECRET, issuer: 'https://id.sofar', audience: 'warranty' });
    const good = await signToken(SECRET, { sub: 'x', org: 'o', roles: ['AGENT'] }, { issuer: 'https://id.sofar', audience: 'warranty' });
    const wrong = await signToken(SECRET, { sub: 'x', org: 'o', roles: ['AGENT'] }, { issuer: 'https://evil', audience: 'warranty' });
    await expect(strict(good)).resolves.toMatchObject({ id: 'x' });
    await expect(strict(wrong)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('trusts a verified token again only until it expires, and never a changed one', async () => {
    const verifier = createTokenVerifier({ jwtSecret: SECRET });
    const token = await signToken(SECRET, { sub: 'x', org: 'o', roles: ['AGENT'] }, { expiresIn: '1s' });
    const first = await verifier(token);
    expect(await verifier(token)).toBe(first); // the remembered actor, frozen
    expect(Object.isFrozen(first)).toBe(true);
    // One character of the signature changed: not the remembered token, so verified (and refused).
    const tampered = token.slice(0, -2) + (token.at(-2) === 'A' ? 'B' : 'A') + token.at(-1);
    await expect(verifier(tampered)).rejects.toBeInstanceOf(InvalidTokenError);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await expect(verifier(token)).rejects.toThrow(/exp/);
  });
});
