import type { IncomingMessage, ServerResponse } from 'node:http';

/** A full telemetry batch (10,000 firmware reports of up to ~200 bytes each) fits; anything larger is refused unread. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** A request refused at the HTTP level (before GraphQL): its status, a stable code and the message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The status a client that went away is counted under (nginx's "client closed request"); nobody hears it. */
export const CLIENT_CLOSED_STATUS = 499;

/** The body did not arrive within the request's deadline: answered 408 and the connection closed. */
export const bodyTimedOut = () => new HttpError(408, 'the body did not arrive within the request deadline; nothing was done, send it again', 'REQUEST_TIMEOUT');
/** The client closed the connection before the end of its body: an expected event, not a failure of ours. */
export const clientGone = () => new HttpError(CLIENT_CLOSED_STATUS, 'the client closed the connection before the end of its body', 'CLIENT_CLOSED_REQUEST');

/** A stream error that means the peer went away (reset, closed early), not that something is wrong here. */
export function isPeerGone(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE' || (error as Error | undefined)?.message === 'aborted';
}

/** What an aborted request signal means for a body still being read (http-server.ts sets the reason). */
export const bodyStopped = (signal: AbortSignal): HttpError => (signal.reason === 'REQUEST_TIMEOUT' ? bodyTimedOut() : clientGone());

/**
 * The whole body, refused (413) as soon as it passes `maxBytes`, declared or not; 408 when the request's deadline
 * (its `signal`) passes first, however slowly the bytes trickle in; CLIENT_CLOSED_REQUEST when the client goes away.
 * On a refusal the rest is left unread (the answer closes the connection); the socket is not destroyed, so the
 * answer can still be sent.
 */
export function readBodyBytes(request: IncomingMessage, signal: AbortSignal, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, `the body is larger than ${maxBytes} bytes`, 'PAYLOAD_TOO_LARGE');
  if (Number(request.headers['content-length']) > maxBytes) return Promise.reject(tooLarge());
  if (signal.aborted) return Promise.reject(bodyStopped(signal));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (!error) return resolve(Buffer.concat(chunks, size));
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return finish(tooLarge());
      chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = (error: Error) => finish(isPeerGone(error) ? clientGone() : error);
    const onClose = () => {
      if (!request.complete) finish(clientGone());
    };
    const onAbort = () => finish(bodyStopped(signal));
    request.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A JSON answer with its length (so that the compression in http-compression.ts can tell a small one from a large one). */
export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  response.end(text);
}
