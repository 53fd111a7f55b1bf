/**
 * Which operation versions of a call are new, which are already published as sent, and which are refused (rule 17),
 * without the database: versions of a code are 1, 2, 3 ... in order, never edited, each in force from a date not
 * before the previous version's. Sending a version already published with the same values changes nothing, so a
 * re-run import is harmless.
 */
import { DomainError } from '../common/errors';
import type { NormalisedLabourOperation } from './labour-input';

/** A stored version, as far as the comparison needs it. */
export interface StoredVersion {
  code: string;
  version: number;
  description: string;
  productFamily: string | null;
  sku: string | null;
  /** Two decimals, as the column holds it; null for a retirement. */
  standardHours: string | null;
  retired: boolean;
  validFrom: string;
}

export interface VersionPlan {
  /** Indexes of the call's rows to insert, in the order sent. */
  create: number[];
  /** Indexes of rows already stored with the same values. */
  unchanged: number[];
  problems: DomainError[];
}

function sameValues(stored: StoredVersion, sent: NormalisedLabourOperation): boolean {
  return (
    !stored.retired &&
    stored.description === sent.description &&
    stored.productFamily === sent.productFamily &&
    stored.sku === sent.sku &&
    stored.standardHours !== null &&
    Number(stored.standardHours) === Number(sent.standardHours) &&
    stored.validFrom === sent.validFrom
  );
}

/** Plans a call against the stored versions of its codes; `path(index)` is where row `index` sits in the input. */
export function planVersions(stored: readonly StoredVersion[], sent: readonly NormalisedLabourOperation[], path: (index: number) => string[]): VersionPlan {
  const plan: VersionPlan = { create: [], unchanged: [], problems: [] };
  const byCode = new Map<string, StoredVersion[]>();
  for (const row of stored) byCode.set(row.code, [...(byCode.get(row.code) ?? []), row]);
  const order = sent.map((row, index) => ({ row, index })).sort((a, b) => (a.row.code < b.row.code ? -1 : a.row.code > b.row.code ? 1 : a.row.version - b.row.version));
  // The latest version of each code so far (stored, then accepted from this call) and its validFrom.
  const latest = new Map<string, { version: number; validFrom: string }>();
  for (const [code, rows] of byCode) {
    const top = rows.reduce((a, b) => (b.version > a.version ? b : a));
    latest.set(code, { version: top.version, validFrom: top.validFrom });
  }
  for (const { row, index } of order) {
    const existing = byCode.get(row.code)?.find((s) => s.version === row.version);
    if (existing) {
      if (sameValues(existing, row)) plan.unchanged.push(index);
      else {
        const next = (latest.get(row.code)?.version ?? 0) + 1;
        plan.problems.push(
          new DomainError('DUPLICATE_VERSION', `${row.code} version ${row.version} is already published with other values; versions are never edited: publish version ${next}`, [...path(index), 'version']),
        );
      }
      continue;
    }
    const top = latest.get(row.code);
    const next = (top?.version ?? 0) + 1;
    if (row.version !== next) {
      plan.problems.push(new DomainError('BAD_USER_INPUT', `the next version of ${row.code} is ${next} (got ${row.version})`, [...path(index), 'version']));
      continue;
    }
    if (top && row.validFrom < top.validFrom) {
      plan.problems.push(
        new DomainError('BAD_USER_INPUT', `validFrom ${row.validFrom} is before version ${top.version}'s ${top.validFrom}; versions take effect in order`, [...path(index), 'validFrom']),
      );
      continue;
    }
    latest.set(row.code, { version: row.version, validFrom: row.validFrom });
    plan.create.push(index);
  }
  plan.create.sort((a, b) => a - b);
  plan.unchanged.sort((a, b) => a - b);
  return plan;
}
