/**
 * The claim floor is honest only if it writes what the subgraph writes. After the claim scenarios, every bench claim
 * of each server is reduced to a signature: its columns that are set, its status, cover and totals, the keys of its
 * stored check, its lines (kind, covered, amounts), its events (name and detail keys, in order), its outbox messages
 * (topic and payload keys, in order) and its part returns. The floor's set of signatures must be the subgraph's.
 */
import type { Client } from 'pg';

/** Which server wrote a bench claim: by its idempotency key (intake) or its seeded id (approval, scenarios.ts). */
const SIDE = `CASE WHEN c.idempotency_key LIKE 'bench-%-floor-%' OR c.id::text LIKE 'a0000000-0000-4000-8000-0%' THEN 'floor' ELSE 'subgraph' END`;
const keys = (json: string) => `(SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(${json}) k)`;

// Each related table aggregated once over the bench's claims (hash joins), not looked up claim by claim.
const SIGNATURES = `
  WITH bench AS (
    SELECT c.* FROM warranty_claim c
    WHERE (c.idempotency_key LIKE 'bench-submitClaim%' AND $1) OR (c.id::text LIKE 'a0000000-0000-4000-8000-%' AND c.status <> 'SUBMITTED' AND $2)),
  lines AS (
    SELECT l.claim_id, string_agg(concat_ws(':', l.position, l.kind, l.part_number, l.covered, l.amount, l.covered_amount), ',' ORDER BY l.position) AS s
    FROM claim_line l JOIN bench b ON b.id = l.claim_id AND b.org_id = l.org_id GROUP BY 1),
  events AS (
    SELECT e.claim_id, string_agg(e.event || '{' || coalesce(${keys('e.detail')}, '') || '}', ',' ORDER BY e.id) AS s
    FROM warranty_event e JOIN bench b ON b.id = e.claim_id AND b.org_id = e.org_id GROUP BY 1),
  messages AS (
    SELECT m.aggregate_id, string_agg(m.topic || '{' || coalesce(${keys('m.payload')}, '') || '}', ',' ORDER BY m.id) AS s
    FROM outbox_message m JOIN bench b ON b.id = m.aggregate_id AND b.org_id = m.org_id GROUP BY 1),
  returns AS (
    SELECT p.claim_id, string_agg(p.status || ':' || p.part_number || ':' || p.window_days, ',') AS s
    FROM part_return p JOIN bench b ON b.id = p.claim_id AND b.org_id = p.org_id GROUP BY 1)
  SELECT ${SIDE} AS side, concat_ws(' | ',
    (SELECT string_agg(key, ',' ORDER BY key) FROM jsonb_each(to_jsonb(c)) WHERE value <> 'null'::jsonb
       AND key NOT IN ('id', 'warranty_record_id', 'idempotency_key', 'request_hash', 'created_at', 'updated_at')),
    c.status, c.cover, c.covered_total, c.self_paid_total, c.total, c.approved_covered_total, c.row_version, c.decided_by_id,
    ${keys('c.validation')}, l.s, e.s, m.s, r.s) AS signature, count(*)::int AS claims
  FROM bench c
  LEFT JOIN lines l ON l.claim_id = c.id LEFT JOIN events e ON e.claim_id = c.id
  LEFT JOIN messages m ON m.aggregate_id = c.id LEFT JOIN returns r ON r.claim_id = c.id
  GROUP BY 1, 2 ORDER BY 1, 2`;

export interface ClaimRowsComparison {
  /** Signatures only one server wrote (empty: both wrote alike). */
  differences: string[];
  floorClaims: number;
  subgraphClaims: number;
  signatures: number;
}

export async function compareClaimRows(client: Client, options: { intake: boolean; approval: boolean }): Promise<ClaimRowsComparison> {
  const { rows } = await client.query<{ side: 'floor' | 'subgraph'; signature: string; claims: number }>(SIGNATURES, [options.intake, options.approval]);
  const of = (side: string) => new Set(rows.filter((r) => r.side === side).map((r) => r.signature));
  const floor = of('floor');
  const subgraph = of('subgraph');
  const differences = [
    ...[...floor].filter((s) => !subgraph.has(s)).map((s) => `floor only: ${s}`),
    ...[...subgraph].filter((s) => !floor.has(s)).map((s) => `subgraph only: ${s}`),
  ];
  const count = (side: string) => rows.filter((r) => r.side === side).reduce((sum, r) => sum + r.claims, 0);
  return { differences, floorClaims: count('floor'), subgraphClaims: count('subgraph'), signatures: floor.size + subgraph.size };
}
