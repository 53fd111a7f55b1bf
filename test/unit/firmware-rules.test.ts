import { compareVersions, judgeRelease, parseVersion, type MandatoryRelease, type UnitTelemetry } from '../../src/telemetry/firmware-rules';

/** Rule 8 (§5.5.19), pure. */
const RELEASE: MandatoryRelease = { id: 'r1', component: 'CELLS', version: [3, 2], versionText: '3.2', releasedAt: new Date('2026-06-01T00:00:00Z'), graceDays: 30 };
const DEADLINE = '2026-07-01T00:00:00.000Z';
const unit = (lastContact: string | null, firmware?: [string, string], decided: string[] = []): UnitTelemetry => ({
  lastContactAt: lastContact ? new Date(lastContact) : null,
  firmware: new Map(firmware ? [['CELLS', { version: parseVersion(firmware[0])!, reportedAt: new Date(firmware[1]) }]] : []),
  decided: new Set(decided),
});
const AFTER = new Date('2026-08-01T00:00:00Z');

describe('versions', () => {
  it.each([['3.2', [3, 2]], ['3.2.1', [3, 2, 1]], ['10.0.0.7', [10, 0, 0, 7]], ['0', [0]]])('parses %s', (text, parts) => {
    expect(parseVersion(text)).toEqual(parts);
  });
  it.each(['', 'v3.2', '3..2', '3.2.', '03.2', '3.2.1.4.5', '3.-1', 'abc', '1e3'])('refuses %j', (text) => {
    expect(parseVersion(text)).toBeNull();
  });
  it('compares number by number', () => {
    expect(compareVersions([3, 10], [3, 9])).toBeGreaterThan(0);
    expect(compareVersions([3, 2], [3, 2, 0])).toBe(0);
    expect(compareVersions([3, 1, 9], [3, 2])).toBeLessThan(0);
  });
});

describe('judgeRelease', () => {
  it('offline past the deadline: void, the reason citing §5.5.19, the release, the deadline and the last contact', () => {
    const result = judgeRelease(unit('2026-06-20T10:00:00Z', ['3.1', '2026-01-01T00:00:00Z']), RELEASE, AFTER);
    expect(result).toMatchObject({ outcome: 'VOID' });
    expect((result as { reason: string }).reason).toBe(
      `§5.5.19: offline (last cloud contact 2026-06-20T10:00:00.000Z) past the deadline ${DEADLINE} of mandatory CELLS firmware 3.2 (released 2026-06-01T00:00:00.000Z, 30 days' grace)`,
    );
  });
  it('never online: void', () => {
    expect(judgeRelease(unit(null), RELEASE, AFTER).outcome).toBe('VOID');
  });
  it('online at or after the deadline but not updated: flagged for review', () => {
    expect(judgeRelease(unit(DEADLINE, ['3.1', '2026-01-01T00:00:00Z']), RELEASE, AFTER).outcome).toBe('FLAG');
    expect(judgeRelease(unit('2026-07-20T00:00:00Z'), RELEASE, AFTER).outcome).toBe('FLAG');
  });
  it('updated by the deadline (or to a later version): nothing', () => {
    expect(judgeRelease(unit('2026-06-02T00:00:00Z', ['3.2', DEADLINE]), RELEASE, AFTER).outcome).toBe('COMPLIANT');
    expect(judgeRelease(unit('2026-06-02T00:00:00Z', ['3.10', '2026-06-15T00:00:00Z']), RELEASE, AFTER).outcome).toBe('COMPLIANT');
  });
  it('updated only after the deadline while offline before it: still void', () => {
    expect(judgeRelease(unit('2026-06-02T00:00:00Z', ['3.2', '2026-07-02T00:00:00Z']), RELEASE, AFTER).outcome).toBe('VOID');
  });
  it('before the deadline: pending', () => {
    expect(judgeRelease(unit(null), RELEASE, new Date('2026-06-30T00:00:00Z'))).toMatchObject({ outcome: 'PENDING', deadline: new Date(DEADLINE) });
  });
  it('a release already decided for the unit (voided, flagged, reinstated) is not decided again', () => {
    expect(judgeRelease(unit(null, undefined, ['r1']), RELEASE, AFTER).outcome).toBe('DECIDED');
  });
});
