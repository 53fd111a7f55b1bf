import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { assertRole, isCustomerOnly, type Actor } from '../auth/actor';
import { DomainError, DomainErrors } from '../common/errors';
import { isUuid } from '../common/ids';
import { observedProblem } from '../common/input-guards';
import { inTransaction } from '../db/transactions';
import { isComponentName, parseVersion } from './firmware-rules';
import { releaseOf } from './telemetry-loaders';
import { evaluateChunk, type EvaluationResult } from './telemetry-evaluation';
import { DEADLINE, OWES_RELEASE_UNIT_BY_UNIT } from './telemetry-sql';
import { FirmwareRelease } from './telemetry.entities';

/** Rows one ingest call may carry; more is refused whole, with the limit in the message. */
export const MAX_TELEMETRY_BATCH = 10_000;
/** Unknown serial numbers one call answers (the first, in order). */
const MAX_UNKNOWN_SHOWN = 1000;
const INGESTERS = ['SERVICE', 'WARRANTY_ADMIN'] as const;

/** A version's numbers padded to four, so that PostgreSQL's array order is the version order ("3.2" = "3.2.0"). */
function versionParts(version: string): number[] | null {
  const parts = parseVersion(version);
  return parts ? [...parts, 0, 0, 0, 0].slice(0, 4) : null;
}

/**
 * Fleet telemetry from Sofar CLOUD (rule 8): releases, heartbeats and firmware reports in set-based batches, and the
 * evaluation of §5.5.19 over every unit of an organisation in a handful of statements, whatever the fleet's size.
 * The rule is `firmware-rules.ts`; the evaluation's SQL applies the same conditions and words the same reason.
 */
export class TelemetryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: () => Date = () => new Date(),
    /** How far a sender's clock may run ahead of ours (CLOCK_SKEW_SECONDS). */
    private readonly clockSkewMs = 300_000,
  ) {}

  /**
   * Nothing is observed in the future: a heartbeat or report later than now plus the clock skew is refused, naming
   * it. The `ObservedAt` scalar refuses it on the GraphQL surface already; this holds for every caller (the CLOUD
   * stream too), so that a contact dated years ahead can never be kept and never outrun rule 8.
   */
  private checkObserved(items: ReadonlyArray<{ at: Date }>, field: string): Date {
    const notAfter = new Date(this.clock().getTime() + this.clockSkewMs);
    const problems: DomainError[] = [];
    items.forEach((item, i) => {
      const problem = observedProblem(item.at, notAfter);
      if (problem && problems.length < 20) problems.push(new DomainError('BAD_USER_INPUT', `${field}.${i}.at ${problem}`, ['input', field, String(i), 'at']));
    });
    if (problems.length) throw new DomainErrors(problems);
    return notAfter;
  }

  async publishRelease(actor: Actor, input: { productFamily: string; component: string; version: string; releasedAt: Date; graceDays: number }): Promise<FirmwareRelease> {
    assertRole(actor, INGESTERS, 'publish a firmware release');
    const problems: DomainError[] = [];
    const parts = versionParts(input.version);
    if (!parts) problems.push(new DomainError('BAD_USER_INPUT', `${JSON.stringify(input.version.slice(0, 40))} is not a version (1 to 4 whole numbers separated by dots, e.g. 3.2.1)`, ['input', 'version']));
    if (!Number.isInteger(input.graceDays) || input.graceDays < 0 || input.graceDays > 3650) problems.push(new DomainError('BAD_USER_INPUT', 'graceDays must be a whole number from 0 to 3650', ['input', 'graceDays']));
    if (!/^[A-Z][A-Z0-9_]{0,39}$/.test(input.productFamily)) problems.push(new DomainError('BAD_USER_INPUT', 'not a product family', ['input', 'productFamily']));
    if (!/^[A-Z][A-Z0-9_]{0,39}$/.test(input.component)) problems.push(new DomainError('BAD_USER_INPUT', 'not a component (e.g. CELLS)', ['input', 'component']));
    if (problems.length) throw new DomainErrors(problems);
    const release = this.dataSource.getRepository(FirmwareRelease).create({
      id: randomUUID(),
      orgId: actor.orgId,
      productFamily: input.productFamily,
      component: input.component,
      version: input.version,
      versionParts: parts!,
      releasedAt: input.releasedAt,
      graceDays: input.graceDays,
    });
    const inserted = await this.dataSource.query(
      `INSERT INTO firmware_release (id, org_id, product_family, component, version, version_parts, released_at, grace_days)
       VALUES ($1, $2, $3, $4, $5, $6::int[], $7, $8) ON CONFLICT (org_id, product_family, component, version) DO NOTHING RETURNING id`,
      [release.id, release.orgId, release.productFamily, release.component, release.version, release.versionParts, release.releasedAt, release.graceDays],
    );
    if (inserted.length === 0) {
      const existing = await this.dataSource.getRepository(FirmwareRelease).findOneByOrFail({ orgId: actor.orgId, productFamily: input.productFamily, component: input.component, version: input.version });
      return existing;
    }
    return release;
  }

  /** Last cloud contacts, one statement for the batch; an older heartbeat never moves a contact back. */
  async recordHeartbeats(
    actor: Actor,
    heartbeats: ReadonlyArray<{ serialNumber: string; at: Date }>,
    within?: EntityManager,
  ): Promise<{ accepted: number; unknownSerialNumbers: string[] }> {
    assertRole(actor, INGESTERS, 'record heartbeats');
    checkBatch(heartbeats.length, 'heartbeats');
    const notAfter = this.checkObserved(heartbeats, 'heartbeats');
    const serials = heartbeats.map((h) => h.serialNumber);
    const ats = heartbeats.map((h) => h.at.toISOString());
    return inTransaction(this.dataSource, within, async (manager) => {
      // One statement: every unit's latest contact written, and the serial numbers that are no unit of the
      // organisation found by the same index probe (as sent, distinct, the first 1,000).
      const [{ accepted, unknown }] = await manager.query(
        `WITH input AS (SELECT s AS sent, upper(btrim(s)) AS serial, a AS at FROM unnest($2::text[], $3::timestamptz[]) AS i(s, a)),
              matched AS (SELECT i.sent, i.at, r.id, r.org_id FROM input i LEFT JOIN warranty_record r ON r.org_id = $1 AND r.serial_number = i.serial),
              known AS (SELECT id, org_id, max(at) AS at FROM matched WHERE id IS NOT NULL GROUP BY id, org_id),
              written AS (INSERT INTO unit_telemetry (warranty_record_id, org_id, last_contact_at) SELECT id, org_id, at FROM known
                ON CONFLICT (org_id, warranty_record_id) DO UPDATE SET last_contact_at = CASE
                  -- A contact stored later than now + skew was never real (kept before heartbeats were bounded): the new one replaces it.
                  WHEN unit_telemetry.last_contact_at > $4::timestamptz THEN excluded.last_contact_at
                  ELSE greatest(unit_telemetry.last_contact_at, excluded.last_contact_at) END
                RETURNING 1)
         SELECT (SELECT count(*)::int FROM written) AS accepted,
                ARRAY(SELECT DISTINCT sent FROM matched WHERE id IS NULL ORDER BY sent LIMIT ${MAX_UNKNOWN_SHOWN}) AS unknown`,
        [actor.orgId, serials, ats, notAfter],
      );
      return { accepted, unknownSerialNumbers: unknown };
    });
  }

  /** Firmware reports, one statement for the batch: the highest version per component, with when it was first reported. */
  async recordFirmware(
    actor: Actor,
    reports: ReadonlyArray<{ serialNumber: string; component: string; version: string; at: Date }>,
    within?: EntityManager,
  ): Promise<{ accepted: number; unknownSerialNumbers: string[] }> {
    assertRole(actor, INGESTERS, 'record firmware reports');
    checkBatch(reports.length, 'reports');
    this.checkObserved(reports, 'reports');
    const problems: DomainError[] = [];
    const parts = reports.map((r, i) => {
      const p = versionParts(r.version);
      if (!p) problems.push(new DomainError('BAD_USER_INPUT', `${JSON.stringify(r.version.slice(0, 40))} is not a version`, ['input', 'reports', String(i), 'version']));
      if (!isComponentName(r.component)) problems.push(new DomainError('BAD_USER_INPUT', 'not a component (e.g. CELLS)', ['input', 'reports', String(i), 'component']));
      return p ? `{${p.join(',')}}` : '{}';
    });
    if (problems.length) throw new DomainErrors(problems.slice(0, 20));
    const serials = reports.map((r) => r.serialNumber);
    return inTransaction(this.dataSource, within, async (manager) => {
      const [{ accepted, unknown }] = await manager.query(
        `WITH input AS (
           SELECT s AS sent, upper(btrim(s)) AS serial, upper(c) AS component, v AS version, p::int[] AS parts, a AS at
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[]) AS i(s, c, v, p, a)),
         matched AS (
           SELECT i.*, r.id, r.org_id FROM input i LEFT JOIN warranty_record r ON r.org_id = $1 AND r.serial_number = i.serial),
         best AS (
           SELECT DISTINCT ON (id, component) id, org_id, component, version, parts, at
           FROM matched WHERE id IS NOT NULL
           ORDER BY id, component, parts DESC, at ASC),
         written AS (
           INSERT INTO unit_firmware (warranty_record_id, component, org_id, version, version_parts, reported_at)
           SELECT id, component, org_id, version, parts, at FROM best
           ON CONFLICT (org_id, warranty_record_id, component) DO UPDATE SET
             version = CASE WHEN excluded.version_parts > unit_firmware.version_parts THEN excluded.version ELSE unit_firmware.version END,
             reported_at = CASE
               WHEN excluded.version_parts > unit_firmware.version_parts THEN excluded.reported_at
               WHEN excluded.version_parts = unit_firmware.version_parts THEN least(unit_firmware.reported_at, excluded.reported_at)
               ELSE unit_firmware.reported_at END,
             version_parts = greatest(unit_firmware.version_parts, excluded.version_parts)
           RETURNING 1)
         SELECT (SELECT count(*)::int FROM written) AS accepted,
                ARRAY(SELECT DISTINCT sent FROM matched WHERE id IS NULL ORDER BY sent LIMIT ${MAX_UNKNOWN_SHOWN}) AS unknown`,
        [actor.orgId, serials, reports.map((r) => r.component), reports.map((r) => r.version), parts, reports.map((r) => r.at.toISOString())],
      );
      return { accepted, unknownSerialNumbers: unknown };
    });
  }

  /**
   * Rule 8 over every unit of the organisation, set-based: the units that missed a mandatory release past its
   * deadline, with no decision for it yet and a live coverage of its component, are voided (offline before the
   * deadline) or flagged (online since); one event per void or flag, the record's version moved. A second run finds
   * nothing new; a unit reinstated for a release keeps its decision, so it is not voided again for it.
   */
  async evaluate(actor: Actor, options: { dryRun: boolean; sample?: number; afterWarrantyId?: string | null; limit?: number | null }): Promise<EvaluationResult> {
    assertRole(actor, ['WARRANTY_ADMIN', 'SERVICE'], 'evaluate telemetry');
    const now = this.clock();
    const sample = options.sample ?? 100;
    // A chunk: the units after `afterWarrantyId` in id order, at most `limit` (the command walks the fleet so, with
    // progress); without them, every unit at once.
    if (options.afterWarrantyId != null && !isUuid(options.afterWarrantyId)) throw new DomainError('BAD_USER_INPUT', 'not a warranty id', ['input', 'afterWarrantyId']);
    if (options.limit !== undefined && options.limit !== null && !(Number.isInteger(options.limit) && options.limit >= 1 && options.limit <= 1_000_000)) {
      throw new DomainError('BAD_USER_INPUT', 'limit must be from 1 to 1000000', ['input', 'limit']);
    }
    const after = options.afterWarrantyId ?? null;
    const limit = options.limit ?? null;
    return this.dataSource.transaction((manager) =>
      evaluateChunk((sql, params) => manager.query(sql, params), { orgId: actor.orgId, actorId: actor.id, now, after, limit, dryRun: options.dryRun, sample, contactNotAfter: new Date(now.getTime() + this.clockSkewMs) }),
    );
  }
}

/** Units whose component coverage a pending release will void within `days` (deadline from now), soonest first. */
export async function unitsAtRisk(
  dataSource: DataSource,
  actor: Actor,
  days: number,
  first: number,
  now: Date,
): Promise<Array<{ warrantyId: string; release: FirmwareRelease; voidsOn: Date; lastContactAt: Date | null }>> {
  // Per release (one deadline each), its first `first` owing units by serial number, walked in the order of
  // uq_record_serial (org_id, serial_number) and stopped there: the page costs the same at a thousand units and at a
  // hundred thousand per organisation (docs/PERFORMANCE.md, "Issue 21: ten million units").
  const rows = await dataSource.query(
    `SELECT u.warranty_id, u.last_contact_at, rel.id, rel.org_id, rel.product_family, rel.component, rel.version, rel.version_parts,
            rel.released_at, rel.grace_days, rel.created_at, ${DEADLINE} AS deadline
     FROM firmware_release rel
     CROSS JOIN LATERAL (
       SELECT r.id AS warranty_id, r.serial_number, t.last_contact_at
       FROM warranty_record r
       LEFT JOIN unit_telemetry t ON t.org_id = r.org_id AND t.warranty_record_id = r.id
       LEFT JOIN unit_firmware fw ON fw.org_id = r.org_id AND fw.warranty_record_id = r.id AND fw.component = rel.component
       WHERE r.org_id = rel.org_id AND r.product_family = rel.product_family
         AND ($5::text IS NULL OR r.customer_id = $5)
         AND ${OWES_RELEASE_UNIT_BY_UNIT}
       ORDER BY r.serial_number LIMIT $4
     ) u
     WHERE rel.org_id = $1
       AND ${DEADLINE} BETWEEN $2 AND $2::timestamptz + $3 * interval '1 day'
     ORDER BY deadline, u.serial_number LIMIT $4`,
    // A customer sees only their own units, as everywhere else (isCustomerOnly).
    [actor.orgId, now, days, first, isCustomerOnly(actor) ? actor.customerId : null],
  );
  return rows.map((row: any) => ({ warrantyId: row.warranty_id as string, release: releaseOf(row), voidsOn: new Date(row.deadline), lastContactAt: row.last_contact_at as Date | null }));
}

function checkBatch(size: number, field: string): void {
  if (size > MAX_TELEMETRY_BATCH) {
    throw new DomainError('BAD_USER_INPUT', `at most ${MAX_TELEMETRY_BATCH} ${field} per call (got ${size}); send the rest in further calls`, ['input', field]);
  }
}

