import { logger, requestScope } from '../../src/common/logger';

/** The log lines as written to stdout (the logger looks stdout up per write, so a spy sees them). */
async function linesOf(write: () => void): Promise<Array<Record<string, any>>> {
  const written: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  logger.setLevel('info');
  try {
    write();
    // Info lines go out at the end of the turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    logger.flush();
  } finally {
    spy.mockRestore();
    logger.setLevel((process.env.LOG_LEVEL as 'silent') || 'silent');
  }
  return written.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

describe('the logger (pino underneath)', () => {
  it('writes one JSON line per call with the level label, an ISO time, the message, the fields and the request id', async () => {
    const lines = await linesOf(() =>
      requestScope.run({ requestId: 'log-unit-1', sqlQueries: 0 }, () => logger.info('graphql', { operation: 'Q', ms: 1.25, sqlQueries: 1, http: 200 })),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toEqual({ level: 'info', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), msg: 'graphql', requestId: 'log-unit-1', operation: 'Q', ms: 1.25, sqlQueries: 1, http: 200 });
  });

  it('never writes a bearer token or a secret, wherever a caller put it', async () => {
    const lines = await linesOf(() => {
      logger.warn('refused', { authorization: 'Bearer eyJ.secret.token', headers: { authorization: 'Bearer abc', 'x-sofar-signature': 'sha256=1f' } });
      logger.info('config', { webhook: { secret: 's3cret' }, config: { password: 'pw', jwtSecret: 'jw' }, token: 'tok' });
    });
    const text = JSON.stringify(lines);
    for (const secret of ['eyJ.secret.token', 'Bearer abc', 'sha256=1f', 's3cret', '"pw"', '"jw"', '"tok"']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ level: 'warn', authorization: '[redacted]', headers: { authorization: '[redacted]', 'x-sofar-signature': '[redacted]' } });
    expect(lines[1]).toMatchObject({ webhook: { secret: '[redacted]' }, config: { password: '[redacted]', jwtSecret: '[redacted]' }, token: '[redacted]' });
  });

  it('writes nothing below its level', async () => {
    const lines = await linesOf(() => {
      logger.setLevel('warn');
      logger.info('quiet');
      logger.error('loud');
    });
    expect(lines.map((line) => line.msg)).toEqual(['loud']);
  });

  it('writes info lines of several turns together after a wait, and a warning at once with what waited', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    logger.setLevel('info');
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const messages = (write: string) => write.split('\n').filter(Boolean).map((line) => JSON.parse(line).msg);
    // A long window, so that the test does not depend on how fast the machine is.
    const batchMs = logger.batchFor(60_000);
    try {
      logger.info('first');
      await turn();
      logger.info('second');
      await turn();
      expect(writes).toEqual([]);
      logger.info('third');
      logger.warn('fourth');
      expect(writes.map(messages)).toEqual([['first', 'second', 'third', 'fourth']]);
      // With the usual window, a line goes out by itself soon after.
      logger.batchFor(batchMs);
      logger.info('fifth');
      expect(writes).toHaveLength(1);
      for (let waited = 0; writes.length < 2 && waited < 5_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(writes.map(messages)[1]).toEqual(['fifth']);
    } finally {
      logger.batchFor(batchMs);
      spy.mockRestore();
      logger.setLevel((process.env.LOG_LEVEL as 'silent') || 'silent');
    }
  });

  it('after an early write, a line waits for its own window, not for the timer of the lines written before it', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    logger.setLevel('info');
    const batchMs = logger.batchFor(20);
    try {
      logger.info('waits 20 ms');
      logger.warn('goes out at once, with it');
      expect(writes).toHaveLength(1);
      logger.batchFor(60_000);
      logger.info('waits a minute');
      // Past the first line's 20 ms: its timer, taken back, writes nothing.
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(writes).toHaveLength(1);
    } finally {
      logger.batchFor(batchMs);
      spy.mockRestore();
      logger.setLevel((process.env.LOG_LEVEL as 'silent') || 'silent');
    }
  });
});
