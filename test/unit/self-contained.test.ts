import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A user has only this repository: its docs, schema descriptions and code state the rules they rely on
 * (docs/RULES.md) and point at nothing outside it.
 */
const ROOT = join(__dirname, '..', '..');
const CHECKED = ['README.md', 'CONTRIBUTING.md', 'schema.graphql', 'docs', 'src', 'migrations', 'scripts', 'bench', 'test'];
const OUTSIDE = [/\.\.\/shared/, /DOMAIN\.md/, /\bseed 0\d\d\b/];

function files(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full, { throwIfNoEntry: false })) return [];
  if (statSync(full).isFile()) return [path];
  return readdirSync(full).flatMap((entry) => files(join(path, entry)));
}

describe('the repository stands alone', () => {
  it('points at no document outside it', () => {
    const offenders = CHECKED.flatMap(files)
      .filter((file) => file !== relative(ROOT, __filename))
      .flatMap((file) => {
        const text = readFileSync(join(ROOT, file), 'utf8');
        return OUTSIDE.filter((pattern) => pattern.test(text)).map((pattern) => `${file}: ${pattern}`);
      });
    expect(offenders).toEqual([]);
  });

  it('states every rule it implements in docs/RULES.md', () => {
    const rules = readFileSync(join(ROOT, 'docs', 'RULES.md'), 'utf8');
    for (let rule = 1; rule <= 18; rule++) expect(rules).toMatch(new RegExp(`^### Rule ${rule}\\. `, 'm'));
    expect(rules).toMatch(/^## Error codes/m);
  });
});
