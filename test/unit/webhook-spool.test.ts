import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import { spoolBody, type SpoolLimits } from '../../src/server/webhook-spool';

/** The spool of an unverified signed stream: bounded per body and across bodies, the file gone once removed. */
describe('webhook spool', () => {
  const limits = (over: Partial<SpoolLimits> = {}): SpoolLimits => ({
    maxBytes: 1_000,
    budgetBytes: 1_500,
    signal: new AbortController().signal,
    hash: () => undefined,
    tooLarge: () => new Error('too large'),
    overBudget: () => new Error('over budget'),
    stopped: () => new Error('stopped'),
    ...over,
  });
  const pathOf = (stream: Readable) => (stream as unknown as { path: string }).path;

  it('keeps the body as it came, hashed as written, and deletes it when removed', async () => {
    const seen: Buffer[] = [];
    const spool = await spoolBody(Readable.from([Buffer.from('line 1\n'), Buffer.from('line 2\n')]), limits({ hash: (chunk) => seen.push(chunk) }));
    const reader = spool.open();
    const path = pathOf(reader);
    reader.destroy();
    expect(await readFile(path, 'utf8')).toBe('line 1\nline 2\n');
    expect(Buffer.concat(seen).toString()).toBe('line 1\nline 2\n');
    await spool.remove();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a body past its limit, and bodies together past the budget until one is removed', async () => {
    await expect(spoolBody(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), limits())).rejects.toThrow('too large');
    const first = await spoolBody(Readable.from([Buffer.alloc(900)]), limits());
    await expect(spoolBody(Readable.from([Buffer.alloc(700)]), limits())).rejects.toThrow('over budget');
    await first.remove();
    const second = await spoolBody(Readable.from([Buffer.alloc(700)]), limits());
    await second.remove();
  });

  it('stops with its own error when the request is aborted (deadline or sender gone), holding nothing after', async () => {
    const abort = new AbortController();
    const body = new PassThrough();
    body.write('the first bytes\n');
    const spooling = spoolBody(body, limits({ signal: abort.signal, budgetBytes: 1_000 }));
    setTimeout(() => abort.abort('REQUEST_TIMEOUT'), 50);
    await expect(spooling).rejects.toThrow('stopped');
    // What it held is given back: a body of the whole budget fits.
    await (await spoolBody(Readable.from([Buffer.alloc(1_000)]), limits({ budgetBytes: 1_000 }))).remove();
  });
});
