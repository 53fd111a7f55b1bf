/**
 * Writes of several modules sent as one SQL statement: each module gives its part as a `WriteStep` (named common
 * table expressions over its own tables, with its own parameters), and the transaction that owns the change sends
 * them together. A transaction's tail (its events, its messages, what other modules do on the change) costs one
 * round trip however many modules take part, and a module still writes only its own tables (it writes the SQL of
 * its step).
 *
 * What a step must know: all the steps of a statement see the database as it was before the statement (PostgreSQL
 * runs the expressions of one statement on one snapshot), so a step reads what earlier statements wrote, never what
 * another step of the same statement writes. The steps run in the order given (the final SELECT reads each
 * expression in turn), so identity values (event and message ids) follow that order.
 */
import type { EntityManager } from 'typeorm';
import { transactionQuery } from './row-reader';

export interface WriteStep {
  /**
   * The step's expressions in order, each `[name, sql]`: a SELECT, or an INSERT/UPDATE/DELETE with a RETURNING
   * clause. Names are unique in the statement (prefix them with the step's subject); an expression may read the
   * ones before it by name. No dollar-quoted strings.
   */
  readonly ctes: ReadonlyArray<readonly [name: string, sql: string]>;
  /** The values of `$1`, `$2`, … in the step's expressions, numbered from 1 within the step. */
  readonly params: readonly unknown[];
}

const NAME = /^[a-z_][a-z0-9_]*$/;

/** The statement that runs `steps` in order, its parameters renumbered; a malformed step is a bug and throws. */
export function composeWrites(steps: readonly WriteStep[]): { text: string; values: unknown[] } {
  const names = new Set<string>();
  const expressions: string[] = [];
  const values: unknown[] = [];
  for (const step of steps) {
    const offset = values.length;
    for (const [name, sql] of step.ctes) {
      if (!NAME.test(name)) throw new Error(`write step: ${JSON.stringify(name)} is not a plain lower-case name`);
      if (names.has(name)) throw new Error(`write step: the name ${name} is used twice in one statement`);
      if (sql.includes('$$')) throw new Error(`write step ${name}: dollar-quoted strings are not renumbered`);
      names.add(name);
      const renumbered = sql.replace(/\$(\d+)/g, (_, n: string) => {
        const index = Number(n);
        if (index < 1 || index > step.params.length) throw new Error(`write step ${name}: $${index} has no parameter (${step.params.length} given)`);
        return `$${index + offset}`;
      });
      expressions.push(`${name} AS (${renumbered})`);
    }
    values.push(...step.params);
  }
  if (expressions.length === 0) throw new Error('write step: nothing to write');
  // Each expression read in turn: every write runs to its end, in the order of the steps.
  const reads = [...names].map((name) => `(SELECT count(*) FROM ${name})`).join(', ');
  return { text: `WITH ${expressions.join(',\n')}\nSELECT ${reads}`, values };
}

/** Sends `steps` as one statement in the caller's transaction (named: planned once per connection); no steps, no statement. */
export async function writeTogether(manager: EntityManager, steps: ReadonlyArray<WriteStep | null>): Promise<void> {
  const given = steps.filter((step): step is WriteStep => step !== null && step.ctes.length > 0);
  if (given.length === 0) return;
  const { text, values } = composeWrites(given);
  await transactionQuery(manager, text, values);
}
