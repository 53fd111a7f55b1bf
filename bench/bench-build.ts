/** What the benches build and start: the bench's own scripts as JavaScript, and production's Node options. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import ts from 'typescript';

export const ROOT = join(__dirname, '..');

/**
 * The Node options production starts the subgraph with: those of `npm run start:prod` (package.json), so that the
 * bench runs what production runs (the young generation's size, OPERATIONS.md).
 */
export const PRODUCTION_NODE_ARGS: string[] = (() => {
  const script: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod'];
  const words = script.split(/\s+/);
  if (words[0] !== 'node') throw new Error(`start:prod does not start with node: ${script}`);
  return words.slice(1).filter((word) => word.startsWith('--'));
})();

/** Bench sources (in bench/) written as JavaScript to dist/bench, for the children the benches start. */
export function transpileBench(files: string[]): string {
  const outDir = join(ROOT, 'dist', 'bench');
  mkdirSync(outDir, { recursive: true });
  for (const file of files) {
    const source = readFileSync(join(__dirname, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const out = join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  return outDir;
}

/** Each line a child writes (the servers log JSON lines), with its value when it is a JSON object. */
export function eachLine(stream: Readable, onLine: (line: string, entry: Record<string, unknown> | undefined) => void): void {
  createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      entry = undefined;
    }
    onLine(line, typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>) : undefined);
  });
}
