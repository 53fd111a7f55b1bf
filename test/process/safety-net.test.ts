import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnedServerEnv, transpiledPath } from '../support/transpiled';

/**
 * The process-wide safety net, for real: `npm start`'s entry point in its own process, with a preloaded fault
 * injector (test/support/fault-injection.ts) that makes a request reject a promise nobody handles, or destroy a
 * stream with an error nobody listens for. Each is one failed request and one log line, and the server answers the
 * next request. A true uncaught exception (a bug) is one line too, then the orderly stop, exit code 1.
 */
const ROOT = join(__dirname, '..', '..');

interface Server {
  child: ChildProcess;
  url: string;
  lines: Array<Record<string, any>>;
  exited: Promise<number | null>;
}

function startServer(): Promise<Server> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', './test/support/fault-injection.ts', transpiledPath('src/main.ts')], {
    cwd: ROOT,
    env: spawnedServerEnv({ DRAIN_TIMEOUT_MS: '5000' }),
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines: Array<Record<string, any>> = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (chunk) => {
      buffered += chunk.toString();
      const complete = buffered.split('\n');
      buffered = complete.pop()!;
      for (const line of complete) {
        if (!line.startsWith('{')) continue;
        const parsed = JSON.parse(line);
        lines.push(parsed);
        if (parsed.msg === 'Sofar Warranty subgraph ready') resolve({ child, url: parsed.url, lines, exited });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before it was ready`)));
  });
}

/** Waits (up to a minute, checking every 50 ms) until `found` says yes. */
async function until(found: () => boolean): Promise<void> {
  for (let i = 0; i < 1200 && !found(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('the process-wide safety net', () => {
  let server: Server | undefined;
  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('keeps serving after a rejected promise and a stream error; stops in order after a bug', async () => {
    server = await startServer();
    const { url, lines } = server;
    const fault = (kind: string) => fetch(url, { headers: { 'x-test-fault': kind } });

    for (const [kind, msg] of [['rejection', 'unhandled promise rejection'], ['stream-error', 'uncaught I/O error']] as const) {
      expect((await fault(kind)).status).toBe(500);
      // (A process that died has nothing more to say: stop waiting.)
      await until(() => lines.some((l) => l.msg === msg) || server!.child.exitCode !== null);
      // One line, with the error's code and message (no stack), and the server answers the next request.
      expect(lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({ msg, code: 'INJECTED', message: expect.stringContaining('injected') })]);
      expect(lines.filter((l) => l.level === 'error')[0].stack).toBeUndefined();
      const health = await fetch(new URL('/health', url));
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      expect(server.child.exitCode).toBeNull();
      lines.length = 0;
    }

    // A bug: the process's state is unknown. One line with the stack, then the orderly stop (the pool closed), exit 1.
    expect((await fault('bug')).status).toBe(500);
    expect(await server.exited).toBe(1);
    expect(lines.filter((l) => l.level === 'error')).toEqual([expect.objectContaining({ msg: 'uncaught exception: stopping', stack: expect.stringContaining('TypeError') })]);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['shutting down', 'server and pool stopped', 'stopped']));
  }, 180_000);
});
