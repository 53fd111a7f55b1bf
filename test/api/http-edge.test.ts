import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { Kind, parse } from 'graphql';
import { DEMO_BATTERY_SERIAL, EXAMPLE_OPERATIONS } from '../../src/server/playground';
import { captureLogs } from '../support/log-capture';
import { startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * The HTTP surface as a new user and a careless or hostile client meet it: what `GET /` answers, compression, and
 * bodies that trickle in or break off.
 */

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request over node:http, the answer's bytes as sent (no transparent decompression, unlike fetch). */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

function decoded(answer: RawAnswer): Buffer {
  const encoding = answer.headers['content-encoding'];
  if (encoding === 'gzip') return gunzipSync(answer.body);
  if (encoding === 'br') return brotliDecompressSync(answer.body);
  return answer.body;
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('what GET / answers, and compression', () => {
  let t: TestApp;
  beforeAll(async () => {
    // As `npm start` on a fresh database: the playground on, the demo units seeded, the development secret.
    t = await startTestApp({ env: { PLAYGROUND: 'true', SEED_DEMO_DATA: 'true' } });
  });
  afterAll(() => t.stop());

  it('answers curl (Accept */*) with a plain explanation of the endpoint, not a CSRF refusal', async () => {
    for (const headers of [{ accept: '*/*' }, {}] as Array<Record<string, string>>) {
      const answer = await rawRequest(t.url, { headers });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('text/plain; charset=utf-8');
      const text = answer.body.toString('utf8');
      expect(text).toContain('POST');
      expect(text).toContain('npm run token');
      expect(text).toContain('playground');
    }
    // A GET with a query stays GraphQL (Apollo's CSRF prevention asks for a preflight header).
    const query = await rawRequest(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: '*/*', 'apollo-require-preflight': 'true' } });
    expect([query.status, JSON.parse(query.body.toString('utf8'))]).toEqual([200, { data: { __typename: 'Query' } }]);
  });

  it('serves a browser the playground, compressed (gzip or br) when accepted, the same page once decompressed', async () => {
    const plain = await rawRequest(t.url, { headers: { accept: BROWSER_ACCEPT } });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    const html = plain.body.toString('utf8');
    expect(html).toContain('<title>Sofar Warranty</title>');
    expect(html).toContain('mutation VoidCells($id: ID!)');
    expect(html).not.toContain('<record id>');
    for (const [acceptEncoding, encoding] of [
      ['gzip', 'gzip'],
      ['gzip, deflate, br', 'br'],
      ['br;q=0.5, gzip', 'gzip'],
    ]) {
      const answer = await rawRequest(t.url, { headers: { accept: BROWSER_ACCEPT, 'accept-encoding': acceptEncoding } });
      expect([answer.status, answer.headers['content-encoding'], answer.headers.vary]).toEqual([200, encoding, 'Accept-Encoding']);
      expect(answer.body.length).toBeLessThan(plain.body.length / 3);
      expect(Number(answer.headers['content-length'])).toBe(answer.body.length);
      expect(decoded(answer).equals(plain.body)).toBe(true);
    }
  });

  it("the playground's VoidCells example runs as it is: the demo battery's id in its variables, the page's token allowed to", async () => {
    const [demo] = await t.dataSource.query(`SELECT id FROM warranty_record WHERE org_id = 'sofar' AND serial_number = 'SF-DEMO-BAT-0001'`);
    expect(demo).toBeDefined();
    const html = (await rawRequest(t.url, { headers: { accept: 'text/html' } })).body.toString('utf8');
    const token = /Bearer ([\w-]+\.[\w-]+\.[\w-]+)/.exec(html)?.[1];
    expect(token).toBeDefined();
    // The variables sit JSON-encoded in the page's options.
    expect(html).toContain(JSON.stringify(JSON.stringify({ id: demo.id }, null, 2)).slice(1, -1));
    const voidCells = parse(EXAMPLE_OPERATIONS).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === 'VoidCells');
    expect(voidCells).toBeDefined();
    const answer = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: EXAMPLE_OPERATIONS, operationName: 'VoidCells', variables: { id: demo.id } }),
    });
    const { data, errors } = (await answer.json()) as any;
    expect(errors).toBeUndefined();
    expect(data.voidWarranty.userErrors).toEqual([]);
    expect(data.voidWarranty.warranty.coverages.find((c: any) => c.scope === 'CELLS').voidedAt).toEqual(expect.any(String));
  });

  it('compresses a large GraphQL answer and /metrics when accepted, leaves a small answer as it is', async () => {
    const body = JSON.stringify({ query: '{ _service { sdl } }' });
    const plain = await rawRequest(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(plain.status).toBe(200);
    expect(plain.body.length).toBeGreaterThan(10_000);
    for (const encoding of ['gzip', 'br']) {
      const answer = await rawRequest(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': encoding }, body });
      expect([answer.status, answer.headers['content-encoding']]).toEqual([200, encoding]);
      expect(answer.body.length).toBeLessThan(plain.body.length / 2);
      expect(JSON.parse(decoded(answer).toString('utf8'))).toEqual(JSON.parse(plain.body.toString('utf8')));
    }
    const token = await tokenFor('sofar', ['AGENT']);
    const small = await rawRequest(t.url, { method: 'POST', headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect([small.status, small.headers['content-encoding'], JSON.parse(small.body.toString('utf8'))]).toEqual([200, undefined, { data: { __typename: 'Query' } }]);

    // The planned reads (the gateway's hot documents) decide the same way on their own: a large answer compressed,
    // a small one left as it is; both say Vary, as the library does.
    const entities = (count: number) =>
      JSON.stringify({
        query: 'query WarrantyRecordEntities($representations: [_Any!]!) { _entities(representations: $representations) { ... on WarrantyRecord { __typename id tier expiresAt } } }',
        variables: { representations: Array.from({ length: count }, () => ({ __typename: 'WarrantyRecord', serialNumber: DEMO_BATTERY_SERIAL })) },
      });
    const logs = captureLogs();
    try {
      for (const [count, compressed] of [[40, true], [1, false]] as const) {
        const requestId = `planned-compression-${count}`;
        const headers = { 'content-type': 'application/json', 'accept-encoding': 'gzip', authorization: `Bearer ${token}`, 'x-request-id': requestId };
        const answer = await rawRequest(t.url, { method: 'POST', headers, body: entities(count) });
        await new Promise((resolve) => setImmediate(resolve)); // the log line goes out at the end of the turn
        expect([answer.status, answer.headers['content-encoding'], answer.headers.vary, logs.request(requestId)?.planned]).toEqual([200, compressed ? 'gzip' : undefined, 'Accept-Encoding', true]);
        const data = JSON.parse(decoded(answer).toString('utf8')).data;
        expect(data._entities).toHaveLength(count);
        expect(data._entities.every((e: any) => e?.__typename === 'WarrantyRecord' && typeof e.id === 'string')).toBe(true);
      }
    } finally {
      logs.stop();
    }

    const metrics = await rawRequest(new URL('/metrics', t.url).href, { headers: { 'accept-encoding': 'gzip' } });
    expect([metrics.status, metrics.headers['content-encoding']]).toEqual([200, 'gzip']);
    expect(decoded(metrics).toString('utf8')).toContain('# HELP');
  });
});

describe('request bodies that trickle in or break off', () => {
  const REQUEST_TIMEOUT_MS = 1_500;
  let t: TestApp;
  const logs = captureLogs();
  beforeAll(async () => {
    t = await startTestApp({ env: { REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS) } });
  });
  afterAll(async () => {
    logs.stop();
    await t.stop();
  });

  /** A POST whose body comes a byte at a time, every `everyMs`, until the server answers or closes: what it said, and when. */
  function trickle(path: string, headers: string, everyMs: number) {
    const { port } = new URL(t.url);
    const socket = connect(Number(port), '127.0.0.1');
    const started = Date.now();
    let received = '';
    const timer = setInterval(() => socket.write('x'), everyMs);
    return new Promise<{ text: string; ms: number; closedByServer: boolean }>((resolve, reject) => {
      // Generous: the deadline is 1.5 s; Node's own timeout, which applied before, is 300 s.
      const giveUp = setTimeout(() => finish(false), 60_000);
      const finish = (closedByServer: boolean) => {
        clearInterval(timer);
        clearTimeout(giveUp);
        socket.destroy();
        resolve({ text: received, ms: Date.now() - started, closedByServer });
      };
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('end', () => finish(true));
      socket.on('error', (error) => (received ? finish(true) : reject(error)));
      socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n${headers}Content-Length: 100000\r\n\r\n{"query":"`);
    });
  }

  it('a body trickled past the request deadline is cut there with 408, and the connection closed', async () => {
    const reply = await trickle('/', 'Content-Type: application/json\r\n', 200);
    expect(reply.text).toMatch(/^HTTP\/1.1 408/);
    expect(reply.text).toContain('"REQUEST_TIMEOUT"');
    expect(reply.text.toLowerCase()).toContain('connection: close');
    expect(reply.closedByServer).toBe(true);
    expect(reply.ms).toBeLessThan(60_000);
  }, 90_000);

  it('a client that goes away mid-body is one log line, without a stack, and nothing is answered', async () => {
    const { port } = new URL(t.url);
    const requestId = `gone-mid-body-${Date.now()}`;
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nx-request-id: ${requestId}\r\nContent-Length: 10000\r\n\r\n{"query":"{ __typ`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.destroy();
    const until = Date.now() + 10_000;
    while (!logs.lines.some((line) => line.requestId === requestId) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    // Anything else it logs comes at once; give it a moment to show.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const lines = logs.lines.filter((line) => line.requestId === requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', code: 'CLIENT_CLOSED_REQUEST' });
    expect(lines[0]).not.toHaveProperty('stack');
  });
});
