import { GraphQLError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { requestScope } from '../../src/common/logger';
import { isDatabaseUnavailable } from '../../src/common/db-errors';
import { transactionRows } from '../../src/db/row-reader';
import { startTestApp, type TestApp } from '../support/harness';

/**
 * The row reader (hot read paths, raw pg on TypeORM's pool) must keep every guarantee the TypeORM path gives:
 * statements counted per request, none sent for a stopped request or past the request's statement budget, and
 * statement errors shaped like TypeORM's so the error mapping treats both alike.
 */
describe('row reader', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.stop();
  });

  const reader = () => app.app.services.reader;

  it('counts its statements against the request and reads dates as the entities hold them', async () => {
    const scope = { requestId: 'rr-1', sqlQueries: 0 };
    const rows = await requestScope.run(scope, () =>
      reader().rows<{ day: string; amount: number; at: Date }>(
        "SELECT DATE '2026-02-28' AS day, 12.50::numeric AS amount, TIMESTAMPTZ '2026-02-28T10:00:00Z' AS at", [],
      ),
    );
    expect(scope.sqlQueries).toBe(1);
    expect(rows).toEqual([{ day: '2026-02-28', amount: 12.5, at: new Date('2026-02-28T10:00:00Z') }]);
  });

  it('reads on a transaction\'s own connection: counted, same value types, and it sees the transaction\'s own rows', async () => {
    const scope = { requestId: 'rr-tx', sqlQueries: 0 };
    const seen = await requestScope.run(scope, () =>
      app.dataSource.transaction(async (manager) => {
        await manager.query('CREATE TEMPORARY TABLE rr_tx (day date, amount numeric) ON COMMIT DROP');
        await manager.query("INSERT INTO rr_tx VALUES ('2026-02-28', 12.50)");
        return transactionRows(manager).rows<{ day: string; amount: number }>('SELECT day, amount FROM rr_tx', []);
      }),
    );
    // The temporary table exists on the transaction's connection only: the pool's reader would not find it.
    expect(seen).toEqual([{ day: '2026-02-28', amount: 12.5 }]);
    // START TRANSACTION, CREATE, INSERT, the read, COMMIT.
    expect(scope.sqlQueries).toBe(5);
  });

  it('sends a batch of one key as the one-key statement, whose generic plan PostgreSQL reuses (db/one-key.ts)', async () => {
    const text = 'SELECT r.id FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number = ANY($2::text[])';
    // On a transaction's connection: one session, whose prepared statements can be read back.
    const prepared = await app.dataSource.transaction(async (manager) => {
      const rows = transactionRows(manager);
      for (let i = 0; i < 8; i++) await rows.rows(text, ['org-one-key', [`SN-ONE-KEY-${i}`]]);
      await rows.rows(text, ['org-one-key', ['SN-ONE-KEY-1', 'SN-ONE-KEY-2']]);
      return manager.query(`SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE '%org-one-key%' OR statement LIKE 'SELECT r.id FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number%'`);
    });
    const oneKey = prepared.find((p: { statement: string }) => p.statement.endsWith('r.serial_number = $2::text'));
    // Planned for its values five times, then the generic plan, made once, for the rest.
    expect(oneKey).toMatchObject({ custom_plans: '5', generic_plans: '3' });
    // Two keys: the batch's statement as it was.
    expect(prepared.filter((p: { statement: string }) => p.statement === text)).toHaveLength(1);
  });

  it('sends nothing for a request that has been stopped', async () => {
    const controller = new AbortController();
    controller.abort('CLIENT_CLOSED_REQUEST');
    const scope = { requestId: 'rr-2', sqlQueries: 0, signal: controller.signal };
    const error = await requestScope.run(scope, () => reader().rows('SELECT 1', [])).catch((e) => e);
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error.extensions.code).toBe('CLIENT_CLOSED_REQUEST');
    expect(scope.sqlQueries).toBe(0);
  });

  it('refuses the statement past the request budget', async () => {
    const scope = { requestId: 'rr-3', sqlQueries: 0, maxSqlQueries: 2 };
    await requestScope.run(scope, async () => {
      await reader().rows('SELECT 1', []);
      await reader().rows('SELECT 2', []);
    });
    const error = await requestScope.run(scope, () => reader().rows('SELECT 3', [])).catch((e) => e);
    expect(error.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', limit: 2 });
  });

  it('wraps a statement error as TypeORM does, which is not an outage', async () => {
    const error = await reader().rows('SELECT 1/0', []).catch((e) => e);
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(isDatabaseUnavailable(error)).toBe(false);
    // The connection is still good for the next statement.
    expect(await reader().rows<{ one: number }>('SELECT 1 AS one', [])).toEqual([{ one: 1 }]);
  });
});
