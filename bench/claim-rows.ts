/**
 * The claims the approval scenario approves, and the check that the claim floor writes what the subgraph writes.
 *
 * The claim floor is honest only if it writes what the subgraph writes. After the claim scenarios, every bench claim
 * of each server is reduced to a signature: its columns that are set, its status, cover and totals, the keys of its
 * stored check, its lines (kind, covered, amounts), its events (name and detail keys, in order), its outbox messages
 * (topic and payload keys, in order) and its part returns. The floor's set of signatures must be the subgraph's.
 */
import type { Client } from 'pg';
import { APPROVABLE_PER_TARGET, approvableClaimId, REPAIR_DATE, type BenchData } from './scenarios';

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

/**
 * The approval scenario's SUBMITTED claims (scenarios.ts `approvableClaimId`): APPROVABLE_PER_TARGET for the floor and
 * as many for the subgraph, in SQL, each with a covered PB-10K part line (the organisations' return rule: the approval
 * authorises its RMA) and a covered labour line, 369.99 EUR, as intake writes a claim that waits.
 */
export async function seedApprovable(client: Client, data: BenchData): Promise<number> {
  let total = 0;
  for (const target of ['floor', 'subgraph'] as const) {
    for (let o = 0; o < data.orgs.length; o++) {
      const org = data.orgs[o];
      const ids: string[] = [];
      const records: string[] = [];
      for (let n = o; n < APPROVABLE_PER_TARGET; n += data.orgs.length) {
        ids.push(approvableClaimId(target, n));
        records.push(org.ids[org.checkable[Math.floor(n / data.orgs.length) % org.checkable.length]]);
      }
      const { rowCount } = await client.query(
        `WITH claims AS (
           INSERT INTO warranty_claim (id, org_id, warranty_record_id, kind, status, repair_date, currency, cover, covered_total, self_paid_total,
             total, estimate_covered_total, estimate_self_paid_total, estimate_total, submitted_by_id, response_due_at, onsite_due_at, created_at, updated_at)
           SELECT x.id, $1, x.record_id, 'REPAIR', 'SUBMITTED', $4::date, 'EUR', 'COVERED', 369.99, 0, 369.99, 369.99, 0, 369.99, 'bench',
             now() + interval '1 day', now() + interval '3 days', now(), now()
           FROM unnest($2::uuid[], $3::uuid[]) AS x(id, record_id)
           RETURNING id)
         INSERT INTO claim_line (id, org_id, claim_id, position, kind, part_number, quantity, unit_price, hours, rate, amount, covered, reason)
         SELECT gen_random_uuid(), $1, c.id, l.position, l.kind, l.part_number, l.quantity, l.unit_price, l.hours, l.rate, l.amount, true, 'bench: covered'
         FROM claims c CROSS JOIN (VALUES (0, 'PART', 'PB-10K', 1, 249.99, NULL::numeric, NULL::numeric, 249.99),
                                          (1, 'LABOUR', NULL, NULL, NULL, 1.5, 80, 120)) AS l(position, kind, part_number, quantity, unit_price, hours, rate, amount)`,
        [org.org, ids, records, REPAIR_DATE],
      );
      total += (rowCount ?? 0) / 2;
    }
  }
  return total;
}
