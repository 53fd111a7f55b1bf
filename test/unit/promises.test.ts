import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A read-ahead that fails before anyone awaits it is not an unhandled rejection (which, under Node's default, ends
 * the process), and whoever awaits it later still gets its error. In a plain Node process of its own: jest keeps
 * unhandled rejections to itself.
 */
const ROOT = join(__dirname, '..', '..');

function run(wrap: boolean) {
  const script = `
    const { awaitedLater } = require('./src/common/promises');
    const wrap = ${wrap} ? awaitedLater : (p) => p;
    const prefetch = wrap(Promise.reject(new Error('canceling statement due to statement timeout')));
    (async () => {
      // The consumer is busy with the batch before for a few turns of the event loop.
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
      try { await prefetch; } catch (error) { console.log('awaited: ' + error.message); }
    })();`;
  return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
}

describe('awaitedLater', () => {
  it('handles the rejection from the start and still hands it to the one who awaits', () => {
    const result = run(true);
    expect([result.status, result.stdout.trim()]).toEqual([0, 'awaited: canceling statement due to statement timeout']);
  }, 90_000);

  it('is what it takes: without it, the same read-ahead ends the process', () => {
    const result = run(false);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('canceling statement due to statement timeout');
  }, 90_000);
});
