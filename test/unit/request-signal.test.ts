import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { finished } from 'node:stream/promises';
import { captureLogs } from '../support/log-capture';
import { RequestSignal } from '../../src/common/request-signal';

/**
 * A request's stop signal stands in for an AbortSignal everywhere one is taken (http-server.ts): these are the
 * behaviours the code and Node's own functions rely on, each checked against a real AbortSignal too.
 */
describe('RequestSignal', () => {
  const makers: Array<[string, () => { signal: AbortSignal; abort: (reason?: unknown) => void }]> = [
    ['RequestSignal', () => {
      const stop = new RequestSignal();
      return { signal: stop.asAbortSignal, abort: (reason) => stop.abort(reason) };
    }],
    ['AbortController', () => {
      const controller = new AbortController();
      return { signal: controller.signal, abort: (reason) => controller.abort(reason) };
    }],
  ];

  describe.each(makers)('as %s', (_name, make) => {
    it('is not aborted until aborted, then keeps the first reason', () => {
      const { signal, abort } = make();
      expect(signal.aborted).toBe(false);
      expect(() => signal.throwIfAborted()).not.toThrow();
      abort('REQUEST_TIMEOUT');
      abort('CLIENT_CLOSED_REQUEST');
      expect(signal.aborted).toBe(true);
      expect(signal.reason).toBe('REQUEST_TIMEOUT');
      expect(() => signal.throwIfAborted()).toThrow();
    });

    it('calls each abort listener once, in the order added, and not one removed or added twice', () => {
      const { signal, abort } = make();
      const calls: string[] = [];
      const first = () => calls.push('first');
      const removed = () => calls.push('removed');
      signal.addEventListener('abort', first);
      signal.addEventListener('abort', first);
      signal.addEventListener('abort', removed, { once: true });
      signal.addEventListener('abort', () => calls.push('last'), { once: true });
      signal.removeEventListener('abort', removed);
      abort('REQUEST_TIMEOUT');
      abort('REQUEST_TIMEOUT');
      expect(calls).toEqual(['first', 'last']);
    });

    it('never calls a listener added after the abort', () => {
      const { signal, abort } = make();
      abort('REQUEST_TIMEOUT');
      const listener = jest.fn();
      signal.addEventListener('abort', listener);
      expect(listener).not.toHaveBeenCalled();
    });

    it("stops Node's events.once and a stream's finished when aborted", async () => {
      const { signal, abort } = make();
      const waiting = once(new EventEmitter(), 'drain', { signal });
      const stream = new PassThrough();
      const ending = finished(stream, { signal });
      abort('REQUEST_TIMEOUT');
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
      await expect(ending).rejects.toMatchObject({ name: 'AbortError' });
    });
  });

  it('calls the listeners after one that throws, and logs that one failure', () => {
    const stop = new RequestSignal();
    const after = jest.fn();
    stop.addEventListener('abort', () => {
      throw new Error('broken listener');
    });
    stop.addEventListener('abort', after);
    const logs = captureLogs();
    try {
      expect(() => stop.abort('REQUEST_TIMEOUT')).not.toThrow();
    } finally {
      logs.stop();
    }
    expect(after).toHaveBeenCalledTimes(1);
    expect(logs.lines.filter((line) => line.msg === 'an abort listener failed')).toEqual([
      expect.objectContaining({ level: 'error', error: 'broken listener' }),
    ]);
  });
});
