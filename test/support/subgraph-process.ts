import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { spawnedServerEnv, transpiledPath } from './transpiled';

const ROOT = join(__dirname, '..', '..');

/** `npm start`'s entry point in a process of its own, serving on a free port. */
export interface SubgraphProcess {
  child: ChildProcess;
  url: string;
  /** Its log lines so far, parsed (JSON lines on stdout). */
  lines(): Array<Record<string, any>>;
  exited: Promise<number | null>;
  /** SIGTERM, then its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the real server (the transpiled src/main.ts, as `npm start` runs it) with the test environment and
 * `env` on top, and resolves once it logs that it is ready (however long that takes; the caller's timeout bounds it).
 */
export function startSubgraphProcess(env: Record<string, string>): Promise<SubgraphProcess> {
  const child = spawn(process.execPath, [transpiledPath('src/main.ts')], { cwd: ROOT, env: spawnedServerEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let output = '';
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  const lines = () =>
    output
      .split('\n')
      .slice(0, -1) // the last piece is a line not yet finished
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const before = output.length;
      output += chunk.toString();
      // Only the new text (and the line it may finish) need be searched.
      if (!output.includes('"Sofar Warranty subgraph ready"', Math.max(0, before - 64))) return;
      const ready = lines().find((l) => l.msg === 'Sofar Warranty subgraph ready');
      if (!ready) return;
      resolve({
        child,
        url: ready.url,
        lines,
        exited,
        stop: () => {
          if (child.exitCode === null) child.kill('SIGTERM');
          return exited;
        },
      });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before it was ready:\n${output}\n${errors}`)));
  });
}
