import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createTokenVerifier } from '../../src/auth/tokens';
import { startTestApp, tokenFor, type TestApp } from '../support/harness';

describe('operations: health, readiness, request ids, playground', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  it('answers /health and /ready', async () => {
    const health = await fetch(new URL('/health', t.url));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(new URL('/ready', t.url));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('echoes the caller\'s x-request-id, or makes one', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    const given = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'req-123' }, body });
    expect(given.headers.get('x-request-id')).toBe('req-123');
    const made = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers a body that is not JSON with 400, not 500', async () => {
    const response = await fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
    expect(response.status).toBe(400);
  });

  it('serves the federation SDL without a token (the gateway composes from it)', async () => {
    const { data } = await t.graphql('{ _service { sdl } }');
    expect(data._service.sdl).toContain('type WarrantyRecord');
  });

  it('reports 503 from /ready when the database is gone, and masks the failure from GraphQL clients', async () => {
    const other = await startTestApp();
    await other.dataSource.destroy();
    const ready = await fetch(new URL('/ready', other.url));
    expect(ready.status).toBe(503);
    const response = await other.graphql(`{ warranty(serialNumber: "ANY-1") { id } }`, {}, await tokenFor('sofar', ['AGENT']));
    expect(response.errors).toEqual([{ message: 'Internal server error', path: ['warranty'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    expect(JSON.stringify(response)).not.toMatch(/stack|\.ts:|typeorm|pool/i);
    await other.app.http.stop();
  });
});

describe('the playground', () => {
  it('serves a self-contained GraphiQL with example operations and a development token', async () => {
    const { loadConfig } = await import('../../src/config');
    const { startApp } = await import('../../src/app');
    const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', PLAYGROUND: 'true', SEED_DEMO_DATA: 'false', JWT_SECRET: '' });
    const app = await startApp({ ...config, databaseUrl: process.env.TEST_DATABASE_URL! });
    try {
      const response = await fetch(app.url, { headers: { accept: 'text/html' } });
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('<title>Sofar Warranty</title>');
      expect(html).toContain('query LookUpBySerial');
      expect(html).toContain('Bearer ey');
      // Works offline: no script or stylesheet is fetched from another host.
      expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
    } finally {
      await app.stop();
    }
  });
});

describe('tokens from a JWKS endpoint', () => {
  let server: Server;
  let url: string;
  let sign: (claims: Record<string, unknown>) => Promise<string>;

  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
    sign = (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt().setExpirationTime('5m').sign(privateKey);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('verifies RS256 tokens against the keys the JWKS URL serves, and refuses HS256 ones', async () => {
    const verify = createTokenVerifier({ jwksUrl: url });
    await expect(verify(await sign({ sub: 'svc', org: 'sofar', roles: ['SERVICE'] }))).resolves.toMatchObject({ id: 'svc', roles: ['SERVICE'] });
    await expect(verify(await tokenFor('sofar', ['WARRANTY_ADMIN']))).rejects.toThrow(/invalid token/);
  });
});
