import { composeWrites } from '../../src/db/one-statement';

describe('writes of several modules in one statement (db/one-statement.ts)', () => {
  it('numbers each step\'s parameters after the steps before it and reads every expression in order', () => {
    const { text, values } = composeWrites([
      { ctes: [['a_rows', 'INSERT INTO a (x, y) VALUES ($1, $2) RETURNING 1']], params: ['x', 'y'] },
      { ctes: [['b_pick', 'SELECT $1::int AS n, $2::text AS s, $1::int + 1 AS m'], ['b_rows', 'INSERT INTO b (n) SELECT n FROM b_pick RETURNING 1']], params: [7, 's'] },
    ]);
    expect(values).toEqual(['x', 'y', 7, 's']);
    expect(text).toBe(
      'WITH a_rows AS (INSERT INTO a (x, y) VALUES ($1, $2) RETURNING 1),\n' +
        'b_pick AS (SELECT $3::int AS n, $4::text AS s, $3::int + 1 AS m),\n' +
        'b_rows AS (INSERT INTO b (n) SELECT n FROM b_pick RETURNING 1)\n' +
        'SELECT (SELECT count(*) FROM a_rows), (SELECT count(*) FROM b_pick), (SELECT count(*) FROM b_rows)',
    );
  });

  it('numbers $10 and above whole, not as $1 followed by 0', () => {
    const params = Array.from({ length: 11 }, (_, i) => i);
    const { text } = composeWrites([
      { ctes: [['first', 'SELECT $1']], params: [0] },
      { ctes: [['second', 'SELECT $10, $11, $1']], params },
    ]);
    expect(text).toContain('second AS (SELECT $11, $12, $2)');
  });

  it.each([
    ['a name used twice', [{ ctes: [['x', 'SELECT 1']], params: [] }, { ctes: [['x', 'SELECT 2']], params: [] }], /used twice/],
    ['a parameter the step does not give', [{ ctes: [['x', 'SELECT $2']], params: [1] }], /\$2 has no parameter/],
    ['$0', [{ ctes: [['x', 'SELECT $0']], params: [1] }], /\$0 has no parameter/],
    ['a dollar-quoted string', [{ ctes: [['x', 'SELECT $$a$$']], params: [] }], /dollar-quoted/],
    ['a name that is not plain', [{ ctes: [['x; DROP', 'SELECT 1']], params: [] }], /not a plain/],
    ['nothing', [], /nothing to write/],
  ] as const)('refuses %s (a bug in the caller, never sent)', (_, steps, message) => {
    expect(() => composeWrites(steps as never)).toThrow(message);
  });
});
