/**
 * The conditions of rule 8 (firmware-rules.ts) as SQL, for the set-based evaluation, the record's pending releases
 * and the units at risk alike. Aliases: `rel` a firmware_release, `r` a warranty_record of its family, `fw` the
 * record's unit_firmware row for the release's component (left-joined).
 */
export const DEADLINE = `(rel.released_at + rel.grace_days * interval '1 day')`;

/** The unit still owes the release: not reported in time, not decided for it yet, and the component still covered. */
export const OWES_RELEASE = `NOT (fw.version_parts IS NOT NULL AND fw.version_parts >= rel.version_parts AND fw.reported_at <= ${DEADLINE})
  AND NOT EXISTS (SELECT 1 FROM telemetry_decision d WHERE d.org_id = rel.org_id AND d.warranty_record_id = r.id AND d.release_id = rel.id)
  AND EXISTS (SELECT 1 FROM coverage c WHERE c.org_id = rel.org_id AND c.warranty_record_id = r.id AND c.scope = rel.component AND c.voided_at IS NULL)`;
