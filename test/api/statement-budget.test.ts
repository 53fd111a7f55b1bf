import { requestScope } from '../../src/common/logger';
import { createDataSource } from '../../src/data-source';
import type { DataSource } from 'typeorm';

/**
 * A request stopped in the middle of a transaction (its deadline passed, its client went away) must leave nothing
 * behind: its ROLLBACK is never refused, so the pooled connection does not go back with the transaction open, where
 * the next request's COMMIT would have committed the stopped request's half-done work.
 */
describe('the statement budget and transactions', () => {
  let dataSource: DataSource;
  const table = `budget_probe_${process.pid}`;

  beforeAll(async () => {
    // One connection: the next transaction surely takes the connection the stopped one used.
    dataSource = createDataSource(process.env.TEST_DATABASE_URL!, { poolSize: 1 });
    await dataSource.initialize();
    await dataSource.query(`CREATE TABLE ${table} (marker text PRIMARY KEY)`);
  });
  afterAll(async () => {
    await dataSource.query(`DROP TABLE IF EXISTS ${table}`);
    await dataSource.destroy();
  });

  const markers = async () => (await dataSource.query(`SELECT marker FROM ${table} ORDER BY marker`)).map((r: { marker: string }) => r.marker);

  it.each([
    ['its deadline passes', 'REQUEST_TIMEOUT'],
    ['its client goes away', 'CLIENT_CLOSED_REQUEST'],
  ])('when %s mid-transaction, the half-done work is rolled back, not committed by the next transaction', async (_, reason) => {
    const abort = new AbortController();
    const stopped = requestScope.run({ requestId: 'stopped', sqlQueries: 0, signal: abort.signal }, () =>
      dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO ${table} (marker) VALUES ('half-done-${reason}')`);
        abort.abort(reason);
        await manager.query(`INSERT INTO ${table} (marker) VALUES ('never-${reason}')`);
      }),
    );
    await expect(stopped).rejects.toMatchObject({ extensions: { code: reason } });
    await dataSource.transaction((manager) => manager.query(`INSERT INTO ${table} (marker) VALUES ('next-${reason}')`));
    const stored = await markers();
    expect(stored).not.toContain(`half-done-${reason}`);
    expect(stored).not.toContain(`never-${reason}`);
    expect(stored).toContain(`next-${reason}`);
  });

  it('a request out of statements is refused the next statement, and its transaction still rolls back', async () => {
    const overBudget = requestScope.run({ requestId: 'costly', sqlQueries: 0, maxSqlQueries: 2 }, () =>
      dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO ${table} (marker) VALUES ('costly-1')`);
        await manager.query(`INSERT INTO ${table} (marker) VALUES ('costly-2')`);
      }),
    );
    await expect(overBudget).rejects.toMatchObject({ extensions: { code: 'QUERY_TOO_COSTLY' } });
    await dataSource.transaction((manager) => manager.query(`INSERT INTO ${table} (marker) VALUES ('after-costly')`));
    const stored = await markers();
    expect(stored).not.toContain('costly-1');
    expect(stored).not.toContain('costly-2');
    expect(stored).toContain('after-costly');
  });
});
