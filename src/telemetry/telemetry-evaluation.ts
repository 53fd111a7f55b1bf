/**
 * The statements of one evaluation chunk (rule 8, §5.5.19), against any connection that runs SQL: the service runs
 * them in its transaction, and `npm run bench` runs the very same ones on a bare connection to measure what the
 * service adds to them.
 *
 * A chunk is four statements whatever its size: the organisation's evaluation lock, the chunk's bounds, and one
 * statement that decides, voids, writes the events and moves the records' versions (data-modifying CTEs), then
 * answers with the counts and the first decisions. Nothing per unit passes through the process, so its memory does
 * not grow with the fleet.
 */
import { OWES_RELEASE } from './telemetry-sql';

/** Runs one statement and answers its rows (for a SELECT, or a statement whose last part is a SELECT). */
export type RunSql = (sql: string, params: unknown[]) => Promise<any[]>;

export interface EvaluationResult {
  dryRun: boolean;
  /** Units of the chunk looked at, the last one's id (to continue after), and whether the fleet is done. */
  unitsConsidered: number;
  lastWarrantyId: string | null;
  done: boolean;
  voided: number;
  flagged: number;
  /** The first decisions, for the answer (the rest are in the history and `telemetry_decision`). */
  decisions: Array<{ warrantyId: string; serialNumber: string; releaseVersion: string; component: string; outcome: 'VOIDED' | 'FLAGGED'; reason: string }>;
}

export interface ChunkInput {
  orgId: string;
  actorId: string;
  now: Date;
  /** The units after this id, in id order; null from the first. */
  after: string | null;
  /** At most this many units; null for every remaining one. */
  limit: number | null;
  dryRun: boolean;
  /** How many decisions the answer lists. */
  sample: number;
  /**
   * The latest a real contact can be: now plus the clock skew. A contact stored later (a heartbeat dated years ahead,
   * kept before heartbeats were bounded) is no contact: it cannot make an offline unit "online". Default: now + 5 min.
   */
  contactNotAfter?: Date;
}

/** ISO 8601 of a timestamptz in SQL, as JavaScript's toISOString writes it (the reasons quote instants so). */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The chunk's units that owe a release past its deadline, with the outcome and the reason in words. Parameters:
 * $1 organisation, $2 now, $3 after, $4 limit, $6 the latest a real contact can be.
 */
const CANDIDATES = `
  WITH units AS (
    SELECT u.id, u.serial_number, u.product_family FROM warranty_record u
    WHERE u.org_id = $1 AND ($3::uuid IS NULL OR u.id > $3::uuid) ORDER BY u.id LIMIT $4),
  releases AS (
    SELECT f.*, f.released_at + f.grace_days * interval '1 day' AS deadline FROM firmware_release f
    WHERE f.org_id = $1 AND f.released_at + f.grace_days * interval '1 day' < $2)
  SELECT r.id AS record_id, r.serial_number, rel.id AS release_id, rel.version AS release_version, rel.component,
    CASE WHEN t.last_contact_at IS NULL OR t.last_contact_at < rel.deadline THEN 'VOIDED' ELSE 'FLAGGED' END AS outcome,
    CASE WHEN t.last_contact_at IS NULL OR t.last_contact_at < rel.deadline
      THEN format('§5.5.19: offline (last cloud contact %s) past the deadline %s of mandatory %s firmware %s (released %s, %s days'' grace)',
                  coalesce(${iso('t.last_contact_at')}, 'never'), ${iso('rel.deadline')}, rel.component, rel.version, ${iso('rel.released_at')}, rel.grace_days)
      ELSE format('online (last cloud contact %s) but %s firmware %s is not %s or later by the deadline %s: review, not voided (§5.5.19)',
                  ${iso('t.last_contact_at')}, rel.component, coalesce(fw.version, 'unreported'), rel.version, ${iso('rel.deadline')})
    END AS reason
  FROM releases rel
  JOIN units r ON r.product_family = rel.product_family
  LEFT JOIN unit_telemetry t ON t.org_id = $1 AND t.warranty_record_id = r.id AND t.last_contact_at <= $6::timestamptz
  LEFT JOIN unit_firmware fw ON fw.org_id = $1 AND fw.warranty_record_id = r.id AND fw.component = rel.component
  WHERE ${OWES_RELEASE}`;

/** The counts and the first decisions of `decided` (record_id, serial_number, release_version, component, outcome, reason); $5 is the sample size. */
const SUMMARY = `
  SELECT (SELECT count(*) FROM decided WHERE outcome = 'VOIDED')::int AS voided,
         (SELECT count(*) FROM decided WHERE outcome = 'FLAGGED')::int AS flagged,
         coalesce((SELECT json_agg(s) FROM (
           SELECT record_id AS "warrantyId", serial_number AS "serialNumber", release_version AS "releaseVersion", component, outcome, reason
           FROM decided ORDER BY serial_number, release_version LIMIT $5) s), '[]'::json) AS decisions`;

/** A dry run: what the chunk would decide, nothing written. */
const WOULD_DECIDE = `WITH decided AS MATERIALIZED (${CANDIDATES}) ${SUMMARY}`;

/**
 * The decisions, the voids of the release's component coverage with one event each, a review event per flag, and the
 * version of every voided record moved, then the summary, in one statement. $7 is the actor. PostgreSQL runs every
 * data-modifying part to completion on the statement's snapshot, whether or not the final SELECT reads it; the later
 * parts work from `decided` (the chunk's candidates), never from what another chunk wrote.
 */
const DECIDE = `
  WITH decided AS MATERIALIZED (${CANDIDATES}),
  written AS (
    INSERT INTO telemetry_decision (id, org_id, warranty_record_id, release_id, outcome, reason, decided_at)
    SELECT gen_random_uuid(), $1, record_id, release_id, outcome, reason, $2 FROM decided),
  voided AS (
    UPDATE coverage c SET voided_at = $2, void_reason = d.reason
    FROM decided d
    WHERE d.outcome = 'VOIDED' AND c.org_id = $1 AND c.warranty_record_id = d.record_id AND c.scope = d.component AND c.voided_at IS NULL
    RETURNING c.id, c.warranty_record_id, c.scope, d.reason),
  void_events AS (
    INSERT INTO warranty_event (org_id, warranty_record_id, actor_id, event, from_value, to_value, coverage_id, detail)
    SELECT $1, v.warranty_record_id, $7, 'COVERAGE_VOIDED', NULL, v.scope, v.id, jsonb_build_object('reason', v.reason, 'evaluation', true)
    FROM voided v),
  flag_events AS (
    INSERT INTO warranty_event (org_id, warranty_record_id, actor_id, event, to_value, detail)
    SELECT $1, d.record_id, $7, 'TELEMETRY_REVIEW_FLAGGED', d.release_version, jsonb_build_object('reason', d.reason, 'release', d.release_id)
    FROM decided d WHERE d.outcome = 'FLAGGED'),
  bumped AS (
    UPDATE warranty_record r SET row_version = r.row_version + 1, updated_at = $2
    WHERE r.org_id = $1 AND r.id IN (SELECT warranty_record_id FROM voided))
  ${SUMMARY}`;

/** Evaluates one chunk of an organisation's fleet; the caller holds the transaction. */
export async function evaluateChunk(run: RunSql, input: ChunkInput): Promise<EvaluationResult> {
  // One evaluation at a time per organisation: a second one waits and then finds the first's decisions.
  await run(`SELECT pg_advisory_xact_lock(hashtext('telemetry-evaluation:' || $1))`, [input.orgId]);
  const [{ units, last }] = await run(
    `SELECT count(*)::int AS units, max(id::text) AS last FROM (SELECT u.id FROM warranty_record u WHERE u.org_id = $1 AND ($2::uuid IS NULL OR u.id > $2::uuid) ORDER BY u.id LIMIT $3) c`,
    [input.orgId, input.after, input.limit],
  );
  const chunk = { unitsConsidered: units as number, lastWarrantyId: (last as string | null) ?? null, done: input.limit === null || units < input.limit };
  const contactNotAfter = input.contactNotAfter ?? new Date(input.now.getTime() + 300_000);
  const params = [input.orgId, input.now, input.after, input.limit, input.sample, contactNotAfter];
  const [summary] = input.dryRun ? await run(WOULD_DECIDE, params) : await run(DECIDE, [...params, input.actorId]);
  return { dryRun: input.dryRun, voided: summary.voided, flagged: summary.flagged, decisions: summary.decisions, ...chunk };
}
