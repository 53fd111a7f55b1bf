import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { installProcessSafetyNet, isOperationalError } from '../../src/common/process-safety';
import { captureLogs } from '../support/log-capture';

/**
 * The safety net's decisions, in-process, on an emitter standing in for the process: a rejection and an I/O error
 * are one log line each and nothing more; a bug is one line with its stack and the orderly stop, once.
 */
function unhandledErrorEvent(error: unknown): unknown {
  // What Node throws when a stream emits 'error' and nobody listens (the same call, caught here). Under jest an Error
  // of the test's realm is not `instanceof Error` for Node's events module, which wraps it (ERR_UNHANDLED_ERROR); in a
  // server process it is thrown as it is, marked (test/process/safety-net.test.ts sees that case).
  try {
    new PassThrough().emit('error', error);
  } catch (thrown) {
    return thrown;
  }
  throw new Error('emit did not throw');
}

describe('isOperationalError', () => {
  it.each([
    ['an error event nobody listened to', unhandledErrorEvent(new Error('boom'))],
    ['an error event with a non-Error', unhandledErrorEvent('boom')],
    ['a socket reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' })],
    ['a write to a closed pipe', Object.assign(new Error('write EPIPE'), { code: 'EPIPE', syscall: 'write' })],
    ['a stream closed early', Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' })],
    ['an aborted wait', Object.assign(new Error('The operation was aborted'), { code: 'ABORT_ERR', name: 'AbortError' })],
    ['a statement timeout', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', severity: 'ERROR' })],
    ['a lost database connection', new Error('Connection terminated unexpectedly')],
  ])('%s is I/O', (_, error) => expect(isOperationalError(error)).toBe(true));

  it.each([
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a plain Error', new Error('invariant broken')],
    ['a code that is not I/O', Object.assign(new Error('headers sent'), { code: 'ERR_HTTP_HEADERS_SENT' })],
    ['an errno-like code without a system call', Object.assign(new Error('nope'), { code: 'EINVAL' })],
    ['a string', 'thrown string'],
    ['undefined', undefined],
  ])('%s is a bug', (_, error) => expect(isOperationalError(error)).toBe(false));
});

describe('installProcessSafetyNet', () => {
  let logs: ReturnType<typeof captureLogs>;
  beforeEach(() => (logs = captureLogs('info')));
  afterEach(() => logs.stop());

  it('logs a rejection and an I/O error in one line each and stops in order, once, for a bug', () => {
    const target = new EventEmitter();
    const onFatal = jest.fn();
    const uninstall = installProcessSafetyNet({ onFatal, target });

    target.emit('unhandledRejection', Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }), Promise.resolve());
    target.emit('uncaughtException', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', syscall: 'read' }));
    target.emit('unhandledRejection', 'a bare string');
    expect(onFatal).not.toHaveBeenCalled();
    expect(logs.lines).toEqual([
      expect.objectContaining({ level: 'error', msg: 'unhandled promise rejection', code: '57014', message: 'canceling statement due to statement timeout' }),
      expect.objectContaining({ level: 'error', msg: 'uncaught I/O error', code: 'ECONNRESET', syscall: 'read' }),
      expect.objectContaining({ level: 'error', msg: 'unhandled promise rejection', message: 'a bare string' }),
    ]);
    expect(logs.lines.some((l) => 'stack' in l)).toBe(false);

    const bug = new TypeError('x is not a function');
    target.emit('uncaughtException', bug);
    target.emit('uncaughtException', new Error('another, while stopping'));
    expect(onFatal.mock.calls).toEqual([[bug]]);
    expect(logs.lines.slice(3)).toEqual([
      expect.objectContaining({ level: 'error', msg: 'uncaught exception: stopping', message: 'x is not a function', stack: expect.stringContaining('TypeError') }),
      expect.objectContaining({ level: 'error', msg: 'uncaught exception while stopping', message: 'another, while stopping' }),
    ]);

    uninstall();
    expect([target.listenerCount('unhandledRejection'), target.listenerCount('uncaughtException')]).toEqual([0, 0]);
  });
});
