import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transpiledPath } from '../support/transpiled';

/**
 * The database commands, spawned, read the database `npm start` would serve from with the same environment, and
 * say so on stderr before they connect (issue 17, item 12). Nothing listens on the port given here, so each then
 * fails to connect: what is checked is where it went. (test/api/evaluate-telemetry-command.test.ts and
 * import-products.test.ts check the subgraph commands against a real server found by PORT.)
 */
const ROOT = join(__dirname, '..', '..');

function run(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [transpiledPath(script), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' },
      (error, _stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
}

describe('where the database commands connect', () => {
  let folder: string;
  beforeAll(() => {
    transpiledPath('scripts/export.ts');
    folder = mkdtempSync(join(tmpdir(), 'command-endpoints-'));
  }, 120_000);
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('export: the embedded PostgreSQL on EMBEDDED_PG_PORT without DATABASE_URL, DATABASE_URL with it', async () => {
    const embedded = await run('scripts/export.ts', ['--out', join(folder, 'a.parquet')], { EMBEDDED_PG_PORT: '9' });
    expect(embedded.stderr).toContain(
      'export: reading the database at postgres://postgres:***@127.0.0.1:9/postgres (from the embedded PostgreSQL of `npm start`, EMBEDDED_PG_PORT 9)\n',
    );
    expect(embedded.code).toBe(1);
    const external = await run('scripts/export.ts', ['--out', join(folder, 'b.parquet')], { EMBEDDED_PG_PORT: '9', DATABASE_URL: 'postgres://someone:pw@127.0.0.1:9/fleet' });
    expect(external.stderr).toContain('export: reading the database at postgres://someone:***@127.0.0.1:9/fleet (from DATABASE_URL)\n');
    const refused = await run('scripts/export.ts', ['--out', join(folder, 'c.parquet')], { EMBEDDED_PG_PORT: 'nine' });
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('EMBEDDED_PG_PORT must be a whole number') });
  }, 120_000);

  it('dispatch: the same database', async () => {
    const embedded = await run('scripts/dispatch.ts', [], { EMBEDDED_PG_PORT: '9' });
    expect(embedded.stderr).toContain('dispatch: delivering the outbox of the database at postgres://postgres:***@127.0.0.1:9/postgres (from the embedded PostgreSQL of `npm start`, EMBEDDED_PG_PORT 9)\n');
    expect(embedded.code).toBe(1);
  }, 120_000);
});
