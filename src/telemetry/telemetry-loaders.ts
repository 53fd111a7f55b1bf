import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { isUuid } from '../common/ids';
import { OWES_RELEASE } from './telemetry-sql';
import { FirmwareRelease } from './telemetry.entities';

export interface TelemetryView {
  lastContactAt: Date | null;
  firmware: Array<{ component: string; version: string; reportedAt: Date }>;
  pendingReleases: Array<{ release: FirmwareRelease; voidsOn: Date }>;
  decisions: Array<{ warrantyId: string; serialNumber: string; releaseVersion: string; component: string; outcome: string; reason: string }>;
}

/**
 * A page of units' standing under rule 8 in three statements however many units: contacts and firmware, the
 * decisions taken, and the releases still pending (of the unit's family, with a live coverage of their component,
 * not reported in time and not decided).
 */
export function createTelemetryLoader(dataSource: DataSource, actor: Actor) {
  return new DataLoader<string, TelemetryView>(async (ids) => {
    const valid = ids.filter((id) => isUuid(id));
    const views = new Map<string, TelemetryView>(ids.map((id) => [id, { lastContactAt: null, firmware: [], pendingReleases: [], decisions: [] }]));
    if (valid.length === 0) return ids.map((id) => views.get(id)!);
    const contacts = await dataSource.query(
      `SELECT r.id, t.last_contact_at, coalesce(json_agg(json_build_object('component', f.component, 'version', f.version, 'reportedAt', f.reported_at) ORDER BY f.component) FILTER (WHERE f.component IS NOT NULL), '[]') AS firmware
       FROM warranty_record r LEFT JOIN unit_telemetry t ON t.org_id = r.org_id AND t.warranty_record_id = r.id LEFT JOIN unit_firmware f ON f.org_id = r.org_id AND f.warranty_record_id = r.id
       WHERE r.org_id = $1 AND r.id = ANY($2::uuid[]) GROUP BY r.org_id, r.id, t.last_contact_at`,
      [actor.orgId, valid],
    );
    for (const row of contacts) {
      const view = views.get(row.id)!;
      view.lastContactAt = row.last_contact_at;
      view.firmware = row.firmware.map((f: { component: string; version: string; reportedAt: string }) => ({ ...f, reportedAt: new Date(f.reportedAt) }));
    }
    const decisions = await dataSource.query(
      `SELECT d.warranty_record_id, r.serial_number, f.version, f.component, d.outcome, d.reason FROM telemetry_decision d
       JOIN warranty_record r ON r.org_id = d.org_id AND r.id = d.warranty_record_id JOIN firmware_release f ON f.org_id = d.org_id AND f.id = d.release_id
       WHERE d.org_id = $1 AND d.warranty_record_id = ANY($2::uuid[]) ORDER BY d.decided_at`,
      [actor.orgId, valid],
    );
    for (const d of decisions) {
      views.get(d.warranty_record_id)!.decisions.push({ warrantyId: d.warranty_record_id, serialNumber: d.serial_number, releaseVersion: d.version, component: d.component, outcome: d.outcome, reason: d.reason });
    }
    const pending = await dataSource.query(
      `SELECT r.id AS record_id, rel.id, rel.org_id, rel.product_family, rel.component, rel.version, rel.version_parts, rel.released_at, rel.grace_days, rel.created_at
       FROM firmware_release rel
       JOIN warranty_record r ON r.org_id = rel.org_id AND r.product_family = rel.product_family
       LEFT JOIN unit_firmware fw ON fw.org_id = r.org_id AND fw.warranty_record_id = r.id AND fw.component = rel.component
       WHERE rel.org_id = $1 AND r.id = ANY($2::uuid[])
         AND ${OWES_RELEASE}
       ORDER BY rel.released_at, rel.id`,
      [actor.orgId, valid],
    );
    for (const row of pending) {
      const release = releaseOf(row);
      views.get(row.record_id)?.pendingReleases.push({ release, voidsOn: new Date(release.releasedAt.getTime() + release.graceDays * 86_400_000) });
    }
    return ids.map((id) => views.get(id)!);
  });
}

/** A release from a raw row. */
export function releaseOf(row: { id: string; org_id: string; product_family: string; component: string; version: string; version_parts: number[]; released_at: Date; grace_days: number; created_at: Date }): FirmwareRelease {
  return Object.assign(new FirmwareRelease(), {
    id: row.id,
    orgId: row.org_id,
    productFamily: row.product_family,
    component: row.component,
    version: row.version,
    versionParts: row.version_parts,
    releasedAt: new Date(row.released_at),
    graceDays: row.grace_days,
    createdAt: new Date(row.created_at),
  });
}
