import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The dependency rule of docs/decisions/0008-dependency-rule.md, held in CI: dependency-cruiser reads src/ with the
// rules that .dependency-cruiser.js draws from dependency-rule.js (the layers and the allowed upward arrows).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rule = require('../../dependency-rule') as {
  LAYERS: string[][];
  ALLOWED_UPWARD: [string, string, string][];
  MAX_UPWARD: number;
  measure(result: unknown): { circles: string[][]; upward: Map<string, string[]>; rooms: number };
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const docs = require('../../dependency-docs') as {
  docsBlock(result: unknown): string;
  readBlock(markdown: string): string;
  COMMAND: string;
};

const root = join(__dirname, '..', '..');

interface CruiseResult {
  modules: { source: string; dependencies: { resolved: string; dependencyTypes: string[] }[] }[];
  summary: { violations: { rule: { name: string }; from: string; to: string; cycle?: { name: string }[] }[]; totalCruised: number };
}

function cruise(): CruiseResult {
  const bin = join(root, 'node_modules', '.bin', 'depcruise');
  // `--output-type json` exits 0 whatever it finds: the violations are read from the result.
  const out = execFileSync(bin, ['src', '--config', '.dependency-cruiser.js', '--output-type', 'json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as CruiseResult;
}

describe('the dependency rule (npm run deps:check)', () => {
  let result: CruiseResult;
  beforeAll(() => {
    result = cruise();
  }, 120_000);

  it('reads the whole of src/ (generated files aside)', () => {
    const files = result.modules.filter((m) => m.source.startsWith('src/')).map((m) => m.source);
    expect(files).toContain('src/main.ts');
    expect(files).toContain('src/records/records.service.ts');
    expect(files.some((f) => f.startsWith('src/generated/'))).toBe(false);
    expect(files.length).toBeGreaterThan(100);
  });

  it('finds no import circle and no arrow back up beyond the allowed list', () => {
    const violations = result.summary.violations.map((v) =>
      v.cycle ? `${v.rule.name}: ${v.from} -> ${v.cycle.map((c) => c.name).join(' -> ')}` : `${v.rule.name}: ${v.from} -> ${v.to}`,
    );
    expect(violations).toEqual([]);
    expect(rule.measure(result).circles).toEqual([]);
  });

  it(`allows at most ${rule.MAX_UPWARD} upward arrows, each with its reason and each still in use`, () => {
    expect(rule.ALLOWED_UPWARD.length).toBeLessThanOrEqual(rule.MAX_UPWARD);
    const { upward } = rule.measure(result);
    for (const [from, to, why] of rule.ALLOWED_UPWARD) {
      expect(why.length).toBeGreaterThan(10);
      // A stale entry would let the arrow come back unnoticed.
      expect([...upward.keys()]).toContain(`${from} -> ${to}`);
    }
    expect([...upward.keys()].sort()).toEqual(rule.ALLOWED_UPWARD.map(([from, to]) => `${from} -> ${to}`).sort());
  });

  it('gives every room of src/ one floor', () => {
    const rooms = rule.LAYERS.flat();
    expect(new Set(rooms).size).toBe(rooms.length);
  });

  it('has docs/ARCHITECTURE.md draw the imports between modules as they are', () => {
    const written = docs.readBlock(readFileSync(join(root, 'docs', 'ARCHITECTURE.md'), 'utf8'));
    try {
      expect(written).toBe(docs.docsBlock(result));
    } catch (error) {
      const stale = `docs/ARCHITECTURE.md ("Who imports whom") is stale: run \`${docs.COMMAND}\` and commit it.`;
      (error as Error).message = `${stale}\n\n${(error as Error).message}`;
      throw error;
    }
  });
});
