/**
 * The conditions of rule 8 (firmware-rules.ts) as SQL, for the set-based evaluation, the record's pending releases
 * and the units at risk alike. Aliases: `rel` a firmware_release, `r` a warranty_record of its family, `fw` the
 * record's unit_firmware row for the release's component (left-joined).
 */
export const DEADLINE = `(rel.released_at + rel.grace_days * interval '1 day')`;

const NOT_REPORTED = `NOT (fw.version_parts IS NOT NULL AND fw.version_parts >= rel.version_parts AND fw.reported_at <= ${DEADLINE})`;
const NOT_DECIDED = `NOT EXISTS (SELECT 1 FROM telemetry_decision d WHERE d.org_id = rel.org_id AND d.warranty_record_id = r.id AND d.release_id = rel.id)`;
const COVERED_WHERE = `c.org_id = rel.org_id AND c.warranty_record_id = r.id AND c.scope = rel.component AND c.voided_at IS NULL`;

/** The unit still owes the release: not reported in time, not decided for it yet, and the component still covered. */
export const OWES_RELEASE = `${NOT_REPORTED}
  AND ${NOT_DECIDED}
  AND EXISTS (SELECT 1 FROM coverage c WHERE ${COVERED_WHERE})`;

/**
 * OWES_RELEASE for a walk that stops after a few units (unitsAtRisk): the same conditions, the coverage asked unit
 * by unit. PostgreSQL turns an EXISTS into a join, and at ten million units (100 organisations) it then chose to
 * read every coverage of the organisation, join, and sort 40,000 units to keep 100 (1.4 s); a scalar subquery is
 * never turned into a join, so the walk in serial-number order, which stops at the page's end, is its only
 * sensible plan at any size (docs/PERFORMANCE.md, "Issue 21: ten million units").
 */
export const OWES_RELEASE_UNIT_BY_UNIT = `${NOT_REPORTED}
  AND ${NOT_DECIDED}
  AND (SELECT true FROM coverage c WHERE ${COVERED_WHERE} LIMIT 1)`;
