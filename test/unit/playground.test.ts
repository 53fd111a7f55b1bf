import { isLoopback, playgroundHtml } from '../../src/server/playground';

describe('the playground token is for callers on this machine only', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.5', false],
    ['192.168.1.20', false],
    ['::ffff:10.1.2.3', false],
    ['fe80::1', false],
    ['1127.0.0.1', false],
    [undefined, false],
  ])('%s is loopback: %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });

  it('fills in the token when given one, and explains how to make one when not', () => {
    expect(playgroundHtml('ey.token.here')).toContain('Bearer ey.token.here');
    const remote = playgroundHtml(undefined);
    expect(remote).not.toContain('Bearer ey');
    expect(remote).toContain('npm run token');
  });
});
