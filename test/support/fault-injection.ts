/**
 * Preloaded (`node -r`) into the real server by test/process/safety-net.test.ts, never by the application: a request
 * with an `x-test-fault` header makes, in the server's process and while that request is served, the kind of failure
 * the safety net is for, then fails the request (500). `rejection`: a promise rejected that nobody handles.
 * `stream-error`: a stream destroyed with an error that nobody listens for. `bug`: an exception thrown from a
 * callback (a TypeError, as a bug would).
 */
import { Server, type IncomingMessage, type ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';

const emit = Server.prototype.emit;
Server.prototype.emit = function emitWithFaults(this: Server, event: string, ...args: unknown[]): boolean {
  if (event === 'request') {
    const [request, response] = args as [IncomingMessage, ServerResponse];
    const fault = request.headers['x-test-fault'];
    if (fault === 'rejection' || fault === 'stream-error' || fault === 'bug') {
      if (fault === 'rejection') void Promise.reject(Object.assign(new Error('injected rejection'), { code: 'INJECTED' }));
      if (fault === 'stream-error') new PassThrough().destroy(Object.assign(new Error('injected stream error'), { code: 'INJECTED' }));
      if (fault === 'bug') setImmediate(() => (undefined as unknown as { bug(): void }).bug());
      response.writeHead(500, { 'content-type': 'text/plain' }).end('injected fault\n');
      return true;
    }
  }
  return (emit as (this: Server, event: string, ...rest: unknown[]) => boolean).call(this, event, ...args);
} as typeof Server.prototype.emit;
