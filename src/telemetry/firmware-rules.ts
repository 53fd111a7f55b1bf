/**
 * Rule 8 (§5.5.19 of the PowerMagic V2 terms), pure: a unit that has not reported a mandatory cell-firmware release
 * (or a later version) by the release's deadline (released at + grace days), and whose last cloud contact was before
 * that deadline, loses its CELLS coverage; a unit that was online at or after the deadline and still did not update
 * is flagged for review, not voided. A unit reinstated for a release is not voided again for it.
 *
 * Versions are firmware versions as units report them: one to four whole numbers separated by dots ("3.2",
 * "3.2.1"), compared number by number ("3.10" is later than "3.9"; "3.2" equals "3.2.0").
 */
const VERSION = /^(0|[1-9]\d{0,8})(\.(0|[1-9]\d{0,8})){0,3}$/;

/** The numbers of a version, or null when the text is not a version. */
/** A firmware component's name, such as CELLS: a letter, then letters, digits and underscores, 40 at most. */
export function isComponentName(text: string): boolean {
  return /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(text);
}

export function parseVersion(text: string): number[] | null {
  return VERSION.test(text) ? text.split('.').map(Number) : null;
}

/** Negative when a is earlier, 0 when equal, positive when later (missing parts count as 0). */
export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

export interface MandatoryRelease {
  id: string;
  component: string;
  version: number[];
  versionText: string;
  releasedAt: Date;
  graceDays: number;
}

export interface UnitTelemetry {
  /** Last cloud contact, null if the unit never reported. */
  lastContactAt: Date | null;
  /** Per component: the version reported and when the unit first reported it (or a later one). */
  firmware: ReadonlyMap<string, { version: number[]; reportedAt: Date }>;
  /** Releases already decided for this unit (voided, flagged or reinstated): never decided again. */
  decided: ReadonlySet<string>;
}

export type ReleaseOutcome =
  | { release: MandatoryRelease; outcome: 'PENDING'; deadline: Date }
  | { release: MandatoryRelease; outcome: 'COMPLIANT'; deadline: Date }
  | { release: MandatoryRelease; outcome: 'VOID'; deadline: Date; reason: string }
  | { release: MandatoryRelease; outcome: 'FLAG'; deadline: Date; reason: string }
  | { release: MandatoryRelease; outcome: 'DECIDED'; deadline: Date };

export const DAY_MS = 86_400_000;

export function deadlineOf(release: MandatoryRelease): Date {
  return new Date(release.releasedAt.getTime() + release.graceDays * DAY_MS);
}

/** What rule 8 says about one unit and one release at `now`. */
export function judgeRelease(unit: UnitTelemetry, release: MandatoryRelease, now: Date): ReleaseOutcome {
  const deadline = deadlineOf(release);
  const reported = unit.firmware.get(release.component);
  const updatedInTime = reported !== undefined && compareVersions(reported.version, release.version) >= 0 && reported.reportedAt.getTime() <= deadline.getTime();
  if (updatedInTime) return { release, outcome: 'COMPLIANT', deadline };
  if (now.getTime() <= deadline.getTime()) return { release, outcome: 'PENDING', deadline };
  if (unit.decided.has(release.id)) return { release, outcome: 'DECIDED', deadline };
  const lastContact = unit.lastContactAt ? unit.lastContactAt.toISOString() : 'never';
  if (unit.lastContactAt === null || unit.lastContactAt.getTime() < deadline.getTime()) {
    return {
      release,
      outcome: 'VOID',
      deadline,
      reason:
        `§5.5.19: offline (last cloud contact ${lastContact}) past the deadline ${deadline.toISOString()} of mandatory ` +
        `${release.component} firmware ${release.versionText} (released ${release.releasedAt.toISOString()}, ${release.graceDays} days' grace)`,
    };
  }
  return {
    release,
    outcome: 'FLAG',
    deadline,
    reason:
      `online (last cloud contact ${lastContact}) but ${release.component} firmware ${reported ? reported.version.join('.') : 'unreported'} ` +
      `is not ${release.versionText} or later by the deadline ${deadline.toISOString()}: review, not voided (§5.5.19)`,
  };
}
