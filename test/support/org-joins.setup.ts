/**
 * Every test file records the text of every SQL statement sent through `pg` in its process (the API's, its
 * commands', the export's and the test's own) and fails in afterAll if one joins tenant tables across
 * organisations (test/support/org-joins.ts; decision 0012). Nothing to remember for a new module: its tests
 * bring its statements here. Statements of child processes (test/process, test/build) are not seen, nor those of
 * the migrations (run once; history).
 */
import { appendFileSync } from 'node:fs';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { analyse, loadParser, recording, uncheckedStatements } from './org-joins';

const statements = new Set<string>();
const prototype = Client.prototype as unknown as { query: (...args: unknown[]) => unknown; __orgJoinsRecorded?: boolean };
if (!prototype.__orgJoinsRecorded) {
  const send = prototype.query;
  prototype.query = function recordStatement(this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: unknown } | undefined;
    const text = typeof first === 'string' ? first : typeof first?.text === 'string' ? first.text : undefined;
    if (text && recording()) statements.add(text);
    return send.apply(this, args);
  };
  prototype.__orgJoinsRecorded = true;
  // The migrations' own SQL is history, run once (some tests migrate databases of their own): not checked.
  const dataSource = DataSource.prototype as unknown as Record<'runMigrations' | 'undoLastMigration', (...args: unknown[]) => Promise<unknown>>;
  for (const name of ['runMigrations', 'undoLastMigration'] as const) {
    const run = dataSource[name];
    dataSource[name] = function migrateUnchecked(this: unknown, ...args: unknown[]) {
      return uncheckedStatements(() => run.apply(this, args));
    };
  }
}

afterAll(async () => {
  if (statements.size === 0) return;
  await loadParser();
  const found: string[] = [];
  for (const sql of statements) {
    let joins;
    try {
      const result = analyse(sql);
      joins = result.joins;
      // ORG_JOINS_UNBOUND=file lists the statements that read a tenant table with no organisation (a report, not a failure).
      if (result.unbound.length && process.env.ORG_JOINS_UNBOUND) {
        appendFileSync(process.env.ORG_JOINS_UNBOUND, `${JSON.stringify({ tables: result.unbound, sql: sql.replace(/\s+/g, ' ').trim() })}\n`);
      }
    } catch (error) {
      found.push(`${(error as Error).message} (the check could not parse it):\n  ${sql}`);
      continue;
    }
    for (const join of joins) {
      found.push(`tables read together without one organisation between them: ${join.groups.map((g) => `[${g.join(', ')}]`).join(' × ')}\n  ${sql.replace(/\s+/g, ' ').trim()}`);
    }
  }
  statements.clear();
  if (found.length > 0) {
    throw new Error(
      `${found.length} statement(s) join tenant tables across organisations: tie every pair by org_id (a.org_id = b.org_id, ` +
        `or both = the same parameter); see docs/decisions/0012-keys-by-organisation.md\n\n${found.join('\n\n')}`,
    );
  }
});
