import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';

/**
 * The project's TypeScript (src, scripts, migrations) transpiled once to JavaScript, for the tests that spawn our own
 * entry points (`npm start`, the companion commands). Spawning ts-node made each child load the TypeScript compiler
 * and transpile ~150 files before its first line ran: about 4 s to a ready server on an idle machine, many times
 * that on a busy one, which is what timed those tests out. This is the same per-file transpilation ts-node's
 * `--transpile-only` does (`ts.transpileModule` with tsconfig.json's options), done once per change of the sources:
 * the output is kept under node_modules/.cache by a hash of every source file, so workers and later runs reuse it,
 * and two workers that build at once each build apart and the first rename wins.
 *
 * The output sits inside the repository (under node_modules), so packages resolve as from the sources and the
 * repository root (schema parts, package.json) is found the same way.
 */
const ROOT = join(__dirname, '..', '..');
const SOURCE_FOLDERS = ['src', 'scripts', 'migrations'];
const CACHE = join(ROOT, 'node_modules', '.cache', 'sofar-warranty-transpiled');
const DAY_MS = 24 * 3600 * 1000;

let built: string | undefined;

/** The absolute path of the transpiled JavaScript of a source file, e.g. `scripts/token.ts` → `…/scripts/token.js`. */
export function transpiledPath(source: string): string {
  if (!source.endsWith('.ts')) throw new Error(`not a TypeScript source: ${source}`);
  return join(transpiledRoot(), source.replace(/\.ts$/, '.js'));
}

/** The folder holding the transpiled tree (built on the first call of a process, when the cache has none). */
export function transpiledRoot(): string {
  if (built) return built;
  const files = SOURCE_FOLDERS.flatMap((folder) => typeScriptFiles(join(ROOT, folder))).sort();
  const hash = createHash('sha256').update(ts.version).update(readFileSync(join(ROOT, 'tsconfig.json')));
  const sources = files.map((file) => {
    const text = readFileSync(file, 'utf8');
    hash.update(relative(ROOT, file)).update('\0').update(text).update('\0');
    return { file, text };
  });
  const target = join(CACHE, hash.digest('hex').slice(0, 16));
  if (!existsSync(join(target, '.complete'))) {
    const scratch = `${target}.partial-${process.pid}-${Date.now()}`;
    const compilerOptions = compilerOptionsOfProject();
    for (const { file, text } of sources) {
      const out = join(scratch, relative(ROOT, file).replace(/\.ts$/, '.js'));
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, ts.transpileModule(text, { compilerOptions, fileName: file }).outputText);
    }
    writeFileSync(join(scratch, '.complete'), '');
    try {
      renameSync(scratch, target);
    } catch (error) {
      // Another worker finished the same build first: keep theirs.
      rmSync(scratch, { recursive: true, force: true });
      if (!existsSync(join(target, '.complete'))) throw error;
    }
    pruneOldBuilds(target);
  }
  built = target;
  return target;
}

function compilerOptionsOfProject(): ts.CompilerOptions {
  const configFile = join(ROOT, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT, undefined, configFile);
  return { ...options, noEmit: false, declaration: false, sourceMap: false, inlineSourceMap: false };
}

function typeScriptFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Builds of older sources, and partial builds a killed run left, once they are a day old. */
function pruneOldBuilds(keep: string): void {
  for (const name of readdirSync(CACHE)) {
    const path = join(CACHE, name);
    if (path === keep) continue;
    try {
      if (Date.now() - statSync(path).mtimeMs > DAY_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another run removed it
    }
  }
}

/**
 * The environment a test gives the real server it spawns: the test run's database, any free port on loopback, the
 * info-level log on stdout (which the test reads), no playground or demo data; `overrides` on top.
 */
export function spawnedServerEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PLAYGROUND: 'false',
    SEED_DEMO_DATA: 'false',
    ...overrides,
  };
}
