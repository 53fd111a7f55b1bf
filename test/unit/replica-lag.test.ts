import { asksForPrimary } from '../../src/db/read-routing';
import { parseLsn, PrimaryProgress, stateAfterCheck } from '../../src/db/replica-lag';
import { replicaLabel } from '../../src/db/replicas';

describe('WAL positions', () => {
  it.each([
    ['0/0', 0n],
    ['0/3000000', 0x3000000n],
    ['16/B374D848', (0x16n << 32n) | 0xb374d848n],
    ['FFFFFFFF/FFFFFFFF', (1n << 64n) - 1n],
  ])('%s', (text, value) => expect(parseLsn(text)).toBe(value));

  it('orders across the high word', () => expect(parseLsn('1/0') > parseLsn('0/FFFFFFFF')).toBe(true));

  it.each(['', '0', '0/', 'G/1', '1/2/3', '123456789/0'])('refuses %j', (text) => expect(() => parseLsn(text)).toThrow(/not a WAL position/));
});

describe('a standby\'s lag, on our clock', () => {
  const progress = () => {
    const p = new PrimaryProgress(10_000);
    // The primary at 100 until t=1000, then written to: 200 at t=2000, 300 at t=3000.
    p.record(0, 100n);
    p.record(1_000, 100n);
    p.record(2_000, 200n);
    p.record(3_000, 300n);
    return p;
  };

  it('is unknown before the primary has been sampled', () => expect(new PrimaryProgress(1_000).lagMs(5n, 0)).toBeUndefined());

  it('is 0 for a standby at (or past) the newest sample, however long the primary was idle', () => {
    const idle = new PrimaryProgress(60_000);
    idle.record(0, 100n);
    idle.record(50_000, 100n);
    expect(idle.lagMs(100n, 50_010)).toBe(0);
    expect(progress().lagMs(300n, 3_010)).toBe(0);
    expect(progress().lagMs(301n, 3_010)).toBe(0);
  });

  it.each([
    // replayed, now, lag: counted from the newest sample the standby has reached
    [200n, 3_100, 1_100],
    [250n, 3_100, 1_100],
    [100n, 3_100, 2_100],
    [150n, 5_000, 4_000],
  ])('replayed %s at t=%s: %s ms', (replayed, now, lag) => expect(progress().lagMs(replayed, now)).toBe(lag));

  it('behind every sample kept: at least the window\'s age', () => {
    const p = new PrimaryProgress(1_000);
    for (let t = 0; t <= 5_000; t += 500) p.record(t, BigInt(t + 10));
    expect(p.lagMs(0n, 5_000)).toBe(1_000);
  });

  it('starts anew when the primary\'s position goes back (another server under the same address)', () => {
    const p = progress();
    p.record(4_000, 50n);
    expect(p.lagMs(50n, 4_100)).toBe(0);
    expect(p.lagMs(10n, 4_100)).toBe(100);
  });
});

describe('a replica\'s state after a check', () => {
  it.each([
    [{ standby: true, lagMs: 0 }, 'HEALTHY'],
    [{ standby: true, lagMs: 1_000 }, 'HEALTHY'],
    [{ standby: true, lagMs: 1_001 }, 'LAGGING'],
    [{ standby: true, lagMs: undefined }, 'LAGGING'],
    [{ standby: false, lagMs: 0 }, 'NOT_STANDBY'],
  ] as const)('%j with a limit of 1000 ms: %s', (check, state) => expect(stateAfterCheck(check, 1_000)).toBe(state));
});

describe('x-sofar-read-primary and replica labels', () => {
  it.each([
    [undefined, false], ['', false], ['0', false], ['false', false], [' FALSE ', false],
    ['1', true], ['true', true], ['yes', true],
  ])('%j asks for the primary: %s', (value, asks) => expect(asksForPrimary(value)).toBe(asks));

  it('labels a replica without its credentials', () => {
    expect(replicaLabel('postgres://reader:secret@replica-1.internal:5433/warranty?sslmode=require')).toBe('replica-1.internal:5433/warranty');
    expect(replicaLabel('postgres://reader@replica-2/warranty')).toBe('replica-2:5432/warranty');
  });
});
