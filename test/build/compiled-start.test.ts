import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { signToken } from '../../src/auth/tokens';
import { postGraphQL, SEEDED_ORG } from '../support/harness';

/**
 * The production start runs compiled JavaScript: what `npm run build` emits must start on its own, in production
 * mode, find its schema, migrate, serve the gateway and a caller, and stop on SIGTERM. Built here into a folder of
 * its own (same tsconfig.build.json as `npm run build`) so the test never touches a developer's `dist/`.
 */
const ROOT = join(__dirname, '..', '..');
const OUT_DIR = join(ROOT, '.test-build');
const SECRET = 'compiled-start-test-secret-0123456789';

function startCompiled(): Promise<{ child: ChildProcess; url: string; readyMs: number; exited: Promise<number | null> }> {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [join(OUT_DIR, 'src', 'main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      JWT_SECRET: SECRET,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SEED_DEMO_DATA: 'false',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  return new Promise((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      for (const line of output.split('\n')) {
        if (line.includes('"Sofar Warranty subgraph ready"')) {
          resolve({ child, url: JSON.parse(line).url, readyMs: Date.now() - spawnedAt, exited });
        }
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    child.on('exit', (code) => reject(new Error(`compiled server exited with ${code} before it was ready:\n${output}`)));
  });
}

describe('production start from compiled JavaScript', () => {
  let server: Awaited<ReturnType<typeof startCompiled>> | undefined;

  beforeAll(async () => {
    rmSync(OUT_DIR, { recursive: true, force: true });
    await promisify(execFile)(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT_DIR], {
      cwd: ROOT,
    });
  }, 120_000);

  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(OUT_DIR, { recursive: true, force: true });
  });

  it('starts in production mode, serves the gateway and a caller, and stops on SIGTERM', async () => {
    const started = await startCompiled();
    server = started;

    const sdl = await postGraphQL(started.url, '{ _service { sdl } }', {});
    expect(sdl.data._service.sdl).toContain('type WarrantyRecord');

    const token = await signToken(SECRET, { sub: 'compiled-start', org: SEEDED_ORG, roles: ['AGENT'] });
    const lookup = await postGraphQL(started.url, '{ warranty(serialNumber: "NO-SUCH-SERIAL") { id } }', {}, token);
    expect(lookup.errors).toBeUndefined();
    expect(lookup.data.warranty).toBeNull();

    // Production: introspection is off unless configured on.
    const introspection = await postGraphQL(started.url, '{ __schema { queryType { name } } }', {}, token);
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);

    started.child.kill('SIGTERM');
    expect(await started.exited).toBe(0);
  }, 60_000);
});
