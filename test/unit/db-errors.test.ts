import { createServer } from 'node:net';
import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from '../../src/common/db-errors';

const pgError = (code: string, message = `server error ${code}`) => Object.assign(new Error(message), { code });
const statement = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);

describe('isDatabaseUnavailable: outage (retryable) or bug', () => {
  it.each([
    ['connection refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['connection reset', pgError('ECONNRESET', 'read ECONNRESET')],
    ['host not found', pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db')],
    ['both addresses of localhost refused', new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')], 'connect failed')],
    ['terminated by an administrator, on a statement', statement(pgError('57P01', 'terminating connection due to administrator command'))],
    ['server shutting down', pgError('57P03', 'the database system is shutting down')],
    ['too many connections', pgError('53300', 'sorry, too many clients already')],
    ['connection exception class 08', statement(pgError('08006', 'connection failure'))],
    ['database refusing connections, while connecting', pgError('55000', 'database "x" is not currently accepting connections')],
    ['database gone, while connecting', pgError('3D000', 'database "x" does not exist')],
    ['socket closed mid-statement', statement(new Error('Connection terminated unexpectedly'))],
    ['pool wait timed out', new Error('timeout exceeded when trying to connect')],
    ['connect timed out, with the cause', new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') })],
    ['refusal wrapped as a cause', new Error('could not connect', { cause: pgError('ECONNREFUSED') })],
  ])('%s → unavailable', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a syntax error', statement(pgError('42601', 'syntax error at or near "SELEC"'))],
    ['a unique violation', statement(pgError('23505', 'duplicate key value violates unique constraint'))],
    ['a numeric overflow', statement(pgError('22003', 'numeric field overflow'))],
    ['55000 raised by a statement (not while connecting)', statement(pgError('55000', 'currval of sequence is not yet defined'))],
    ['3D000 raised by a statement', statement(pgError('3D000', 'cross-database references are not implemented'))],
    ['a TypeError of ours', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a non-error', 'ECONNREFUSED'],
    ['null', null],
    ['undefined', undefined],
  ])('%s → not an outage', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it('recognises what pg really throws when nothing listens on the port', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    const client = new Client({ host: '127.0.0.1', port, user: 'nobody', database: 'none', connectionTimeoutMillis: 2000 });
    const error = await client.connect().then(() => null, (e: unknown) => e);
    expect(error).toHaveProperty('message'); // an Error of Node's realm, not the test sandbox's
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});
