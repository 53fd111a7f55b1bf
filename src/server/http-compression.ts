/**
 * Compression of HTTP answers, by the client's Accept-Encoding (brotli or gzip): the `compression` library for
 * answers made per request (GraphQL JSON, /metrics, the explanation at `/`), and bodies compressed once and kept for
 * a fixed page (the playground, 9 MB as it is). Not for the Parquet export (already compressed column by column,
 * and streamed under backpressure of its own) nor the webhooks (small answers).
 */
import compression from 'compression';
import Negotiator from 'negotiator';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

/** Answers of at least this many bytes are compressed when the client accepts it; smaller ones are not worth it. */
export const COMPRESS_THRESHOLD_BYTES = 1024;

/**
 * The library decides per answer: compressible content type (JSON, text), Content-Length at or past the threshold
 * (an answer without one, a stream, is compressed as it is written, its backpressure kept), not already encoded, no
 * `Cache-Control: no-transform`. It adds `Vary: Accept-Encoding`.
 */
const middleware = compression({ threshold: COMPRESS_THRESHOLD_BYTES });

/** From here on, what `response` is given is compressed if the client accepts it and the answer qualifies. */
export function compressAnswer(request: IncomingMessage, response: ServerResponse): void {
  // The middleware patches the response and calls `next` at once; its types are Express's, which these are not.
  (middleware as unknown as (req: IncomingMessage, res: ServerResponse, next: () => void) => void)(request, response, () => undefined);
}

type Encoding = 'br' | 'gzip' | 'identity';

/** The encoding the client prefers of those offered, brotli before gzip when it takes both alike. */
export function acceptedEncoding(request: IncomingMessage): Encoding {
  return (new Negotiator(request).encoding(['br', 'gzip', 'identity'], { preferred: ['br', 'gzip', 'identity'] }) ?? 'identity') as Encoding;
}

const compressBrotli = promisify(brotliCompress);
const compressGzip = promisify(gzip);

/**
 * A fixed body, compressed once per encoding on first demand, off the event loop (zlib works in the thread pool),
 * at a high level since it is done once: the 9 MB playground becomes 1.9 MB (br) or 2.4 MB (gzip).
 */
export class PrecompressedBody {
  private readonly variants = new Map<Encoding, Promise<Buffer>>();

  constructor(
    private readonly identity: Buffer,
    private readonly contentType: string,
  ) {
    this.variants.set('identity', Promise.resolve(identity));
  }

  private variant(encoding: Encoding): Promise<Buffer> {
    let body = this.variants.get(encoding);
    if (!body) {
      body =
        encoding === 'br'
          ? compressBrotli(this.identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 9, [constants.BROTLI_PARAM_SIZE_HINT]: this.identity.length } })
          : compressGzip(this.identity, { level: 9 });
      this.variants.set(encoding, body);
      // A failure is not kept: the next request tries again.
      body.catch(() => this.variants.delete(encoding));
    }
    return body;
  }

  async send(request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): Promise<void> {
    const encoding = acceptedEncoding(request);
    const body = await this.variant(encoding);
    if (response.destroyed) return;
    response.writeHead(200, {
      ...headers,
      'content-type': this.contentType,
      'content-length': String(body.length),
      vary: 'Accept-Encoding',
      ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }
}
