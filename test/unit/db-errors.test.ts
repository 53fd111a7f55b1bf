import { GraphQLError } from 'graphql';
import { createServer } from 'node:net';
import { Client } from 'pg';
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { databaseFailure, isDatabaseUnavailable } from '../../src/common/db-errors';
import { requestScope } from '../../src/common/logger';
import { createDataSource } from '../../src/data-source';
import { HeaderMap } from '@apollo/server';
import { errorCode, formatError, graphqlErrorsPlugin } from '../../src/server/graphql-errors';

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

describe('databaseFailure: outage, timeout, or neither', () => {
  it.each([
    ['a statement timeout', 'TIMEOUT', statement(pgError('57014', 'canceling statement due to statement timeout'))],
    ['a lock timeout', 'TIMEOUT', statement(pgError('55P03', 'canceling statement due to lock timeout'))],
    ['an idle-in-transaction timeout', 'TIMEOUT', pgError('25P03', 'terminating connection due to idle-in-transaction timeout')],
    ['an idle-session timeout', 'TIMEOUT', pgError('57P05', 'terminating connection due to idle-session timeout')],
    ['a statement cancelled by an operator', 'TIMEOUT', statement(pgError('57014', 'canceling statement due to user request'))],
    ['a timeout wrapped as a cause', 'TIMEOUT', new Error('export failed', { cause: statement(pgError('57014', 'canceling statement due to statement timeout')) })],
    ['a query runner whose connection died', 'UNAVAILABLE', new QueryRunnerAlreadyReleasedError()],
    ['the pool timing out', 'UNAVAILABLE', new Error('timeout exceeded when trying to connect')],
    ['a connection terminated', 'UNAVAILABLE', statement(pgError('57P01', 'terminating connection due to administrator command'))],
    ['a syntax error', null, statement(pgError('42601', 'syntax error'))],
    ['a read replica giving up a query for its replay', 'TIMEOUT', statement(pgError('40001', 'canceling statement due to conflict with recovery'))],
    ['a serialization failure', null, statement(pgError('40001', 'could not serialize access'))],
    ['a TypeError of ours', null, new TypeError('x is undefined')],
  ])('%s → %s', (_, expected, error) => {
    expect(databaseFailure(error)).toBe(expected);
  });

  it('a connection killed inside a transaction fails every later statement as an outage, ending with "Query runner already released"', async () => {
    const dataSource = createDataSource(process.env.TEST_DATABASE_URL!, 1);
    await dataSource.initialize();
    const admin = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    try {
      const runner = dataSource.createQueryRunner();
      await runner.startTransaction();
      const [{ pid }] = await runner.query('SELECT pg_backend_pid() AS pid');
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const errors: unknown[] = [];
      // The first statements meet the dying socket; once TypeORM has seen it close, it releases the runner.
      for (let attempt = 0; attempt < 50 && !(errors.at(-1) instanceof QueryRunnerAlreadyReleasedError); attempt++) {
        errors.push(await runner.query('SELECT 1').then(() => 'answered', (error: unknown) => error));
        if (!(errors.at(-1) instanceof QueryRunnerAlreadyReleasedError)) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(errors.at(-1)).toBeInstanceOf(QueryRunnerAlreadyReleasedError);
      expect(errors.map((error) => databaseFailure(error))).toEqual(errors.map(() => 'UNAVAILABLE'));
    } finally {
      await admin.end();
      await dataSource.destroy();
    }
  });
});

describe('errorCode and formatError: the code a database failure reaches the client with', () => {
  const timeout = () => new GraphQLError('canceling statement due to statement timeout', {
    originalError: statement(pgError('57014', 'canceling statement due to statement timeout')),
  });
  const inRequest = <T>(signal: AbortSignal | undefined, run: () => T): T => requestScope.run({ requestId: 'r', sqlQueries: 0, signal }, run);

  it('a statement timeout is DATABASE_TIMEOUT, retryable, without the SQL', () => {
    expect(errorCode(timeout())).toBe('DATABASE_TIMEOUT');
    expect(inRequest(new AbortController().signal, () => formatError({ message: 'canceling statement due to statement timeout', path: ['a'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, timeout()))).toEqual({
      message: 'the database did not answer in time; nothing was changed, retry',
      path: ['a'],
      extensions: { code: 'DATABASE_TIMEOUT', retryable: true },
    });
  });

  it('a released query runner is SERVICE_UNAVAILABLE', () => {
    expect(errorCode(new GraphQLError('Query runner already released. Cannot run queries anymore.', { originalError: new QueryRunnerAlreadyReleasedError() }))).toBe('SERVICE_UNAVAILABLE');
  });

  it.each(['REQUEST_TIMEOUT', 'CLIENT_CLOSED_REQUEST'])('once the request was stopped (%s), a cancelled statement is that stop, not the database', (reason) => {
    const stopped = new AbortController();
    stopped.abort(reason);
    expect(inRequest(stopped.signal, () => errorCode(timeout()))).toBe(reason);
    expect(inRequest(stopped.signal, () => formatError({ message: 'x', path: ['a'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }, timeout()))).toMatchObject({
      path: ['a'],
      extensions: { code: reason, retryable: true },
    });
  });
});

describe('graphqlErrorsPlugin: the status of a response with retryable database errors, and one error per request-wide cause', () => {
  const send = async (errors: Array<{ message: string; path?: string[]; extensions: Record<string, unknown> }>) => {
    const listener = await graphqlErrorsPlugin.requestDidStart!({} as never);
    const response = { body: { kind: 'single', singleResult: { data: null, errors } }, http: { status: undefined as number | undefined, headers: new HeaderMap() } };
    await listener!.willSendResponse!({ response } as never);
    return { status: response.http.status, retryAfter: response.http.headers.get('retry-after'), errors: response.body.singleResult.errors };
  };
  const timeout = (i: number) => ({ message: 'timeout', path: ['_entities', String(i)], extensions: { code: 'DATABASE_TIMEOUT', retryable: true } });
  const outage = (i: number) => ({ message: 'outage', path: ['_entities', String(i)], extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } });
  const input = { message: 'bad', path: ['x'], extensions: { code: 'BAD_USER_INPUT', field: ['x'] } };

  it('500 timeouts: one error with its count, HTTP 504, no Retry-After', async () => {
    const answer = await send(Array.from({ length: 500 }, (_, i) => timeout(i)));
    expect(answer).toEqual({ status: 504, retryAfter: undefined, errors: [{ ...timeout(0), extensions: { code: 'DATABASE_TIMEOUT', retryable: true, count: 500 } }] });
  });

  it('an outage wins over a timeout (503, Retry-After); other errors are kept as they are, in order', async () => {
    const answer = await send([input, timeout(0), outage(1), timeout(2), outage(3)]);
    expect(answer.status).toBe(503);
    expect(answer.retryAfter).toBe('5');
    expect(answer.errors.map((e) => [e.extensions.code, e.extensions.count])).toEqual([['BAD_USER_INPUT', undefined], ['DATABASE_TIMEOUT', 2], ['SERVICE_UNAVAILABLE', 2]]);
  });

  it('a deadline that stopped many fields: one REQUEST_TIMEOUT with its count, the status left to others', async () => {
    const stopped = (i: number) => ({ message: 'the request ran out of time; nothing more was done for it', path: ['w', String(i)], extensions: { code: 'REQUEST_TIMEOUT', retryable: true } });
    const answer = await send([stopped(0), input, stopped(1), stopped(2)]);
    expect(answer).toEqual({ status: undefined, retryAfter: undefined, errors: [{ ...stopped(0), extensions: { code: 'REQUEST_TIMEOUT', retryable: true, count: 3 } }, input] });
  });

  it('leaves a response without them alone', async () => {
    expect(await send([input])).toEqual({ status: undefined, retryAfter: undefined, errors: [input] });
  });
});
