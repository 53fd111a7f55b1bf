/**
 * A signed stream's body, kept in a file until its signature is checked. A signature over the body can be checked
 * only once the whole body is in: until then the sender is nobody, and may hold no pooled connection, no transaction
 * and no stream slot. So a signed CLOUD stream is first read to the end (bounded by WEBHOOK_MAX_STREAM_BYTES and
 * the stream's deadline) into a file of its own, its signature checked as it is written, and only a verified body
 * takes a slot and is ingested, from the file. Memory stays flat however large the stream; the disk the unverified
 * bodies of this process hold together is bounded (`budgetBytes`): past it a stream is turned away (503, retry),
 * which only a sender that really sends that many bytes can bring about, not one that trickles.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Bytes in spool files of this process now. */
let spooledBytes = 0;

export interface SpoolLimits {
  /** The most one body may carry: `tooLarge` past it. */
  maxBytes: number;
  /** The most all bodies being spooled at once may hold on disk: `overBudget` past it. */
  budgetBytes: number;
  /** Aborted at the request's deadline or when the sender goes away: `stopped` then. */
  signal: AbortSignal;
  /** Sees every byte as it is written (the signature check). */
  hash(chunk: Buffer): void;
  tooLarge(): Error;
  overBudget(): Error;
  stopped(): Error;
}

export interface Spool {
  /** The body as it was received. */
  open(): Readable;
  /** Deletes the file and gives its bytes back to the budget; call once, when done with it. */
  remove(): Promise<void>;
}

/** Writes `body` to a new file of this process's own (mode 600), as it arrives; throws the limits' errors. */
export async function spoolBody(body: Readable, limits: SpoolLimits): Promise<Spool> {
  const path = join(tmpdir(), `sofar-webhook-${process.pid}-${randomUUID()}.ndjson`);
  let held = 0;
  const remove = async () => {
    spooledBytes -= held;
    held = 0;
    await rm(path, { force: true });
  };
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (held + chunk.length > limits.maxBytes) return done(limits.tooLarge());
      if (spooledBytes + chunk.length > limits.budgetBytes) return done(limits.overBudget());
      held += chunk.length;
      spooledBytes += chunk.length;
      limits.hash(chunk);
      done(null, chunk);
    },
  });
  // The deadline or a sender gone ends the copy with our own error (the request's socket is left open for the answer).
  const stop = () => meter.destroy(limits.stopped());
  if (limits.signal.aborted) stop();
  else limits.signal.addEventListener('abort', stop, { once: true });
  try {
    await pipeline(body, meter, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
  } catch (error) {
    await remove();
    throw error;
  } finally {
    limits.signal.removeEventListener('abort', stop);
  }
  return { open: () => createReadStream(path), remove };
}
