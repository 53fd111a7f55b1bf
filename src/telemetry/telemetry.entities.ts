import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A mandatory firmware release (rule 8): per family and component, with its grace period. */
@Entity({ name: 'firmware_release' })
@Index('ux_firmware_release', ['orgId', 'productFamily', 'component', 'version'], { unique: true })
@Check('ck_firmware_release_grace', '"grace_days" >= 0')
export class FirmwareRelease {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'product_family', type: 'text' })
  productFamily: string;

  @Column({ type: 'text' })
  component: string;

  @Column({ type: 'text' })
  version: string;

  /** The version's numbers, so that PostgreSQL compares versions as arrays ("3.10" after "3.9"). */
  @Column({ name: 'version_parts', type: 'int', array: true })
  versionParts: number[];

  @Column({ name: 'released_at', type: 'timestamptz' })
  releasedAt: Date;

  @Column({ name: 'grace_days', type: 'int' })
  graceDays: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

/** A unit's last cloud contact (heartbeats never move it back). */
@Entity({ name: 'unit_telemetry' })
export class UnitTelemetryRow {
  @PrimaryColumn({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'last_contact_at', type: 'timestamptz' })
  lastContactAt: Date;
}

/** The highest firmware version a unit has reported per component, and when it first reported it. */
@Entity({ name: 'unit_firmware' })
export class UnitFirmware {
  @PrimaryColumn({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @PrimaryColumn({ type: 'text' })
  component: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ type: 'text' })
  version: string;

  @Column({ name: 'version_parts', type: 'int', array: true })
  versionParts: number[];

  @Column({ name: 'reported_at', type: 'timestamptz' })
  reportedAt: Date;
}

/** What an evaluation decided for a unit and a release: voided or flagged; never decided twice. */
@Entity({ name: 'telemetry_decision' })
@Index('ux_telemetry_decision', ['orgId', 'warrantyRecordId', 'releaseId'], { unique: true })
@Check('ck_telemetry_decision_outcome', `"outcome" IN ('VOIDED', 'FLAGGED')`)
export class TelemetryDecision {
  @PrimaryColumn('uuid')
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ name: 'warranty_record_id', type: 'uuid' })
  warrantyRecordId: string;

  @Column({ name: 'release_id', type: 'uuid' })
  releaseId: string;

  @Column({ type: 'text' })
  outcome: string;

  @Column({ type: 'text' })
  reason: string;

  @CreateDateColumn({ name: 'decided_at', type: 'timestamptz' })
  decidedAt: Date;
}
