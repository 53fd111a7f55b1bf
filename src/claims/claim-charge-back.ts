/**
 * The claims side of a charge-back (rule 18): covered lines become self-paid, each with the reason it was charged
 * back, their claims re-priced (the totals stay the sum of the lines), an event per line and one CSP message per
 * claim, in the caller's transaction. Set-based: four statements for any number of lines. Claims owns its lines
 * and totals; the module that decides a charge-back (returns/) asks here and never writes them itself.
 */
import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service';
import { minorUnits } from '../common/money';
import { OutboxMessage } from '../outbox/outbox-message.entity';

export interface LineChargeBack {
  orgId: string;
  claimId: string;
  lineId: string;
  /** The line's new reason, in words. */
  reason: string;
  /** What the event and the message carry besides (the RMA number, why). */
  detail: Record<string, unknown>;
}


/** Amounts of the NUMERIC(19,4) columns as the currency writes them (2 places for EUR, 0 for JPY). */
function money(amount: string, currency: string): { amount: string; currency: string } {
  const digits = minorUnits(currency) ?? 4;
  const [whole, fraction = ''] = amount.split('.');
  return { amount: digits === 0 ? whole : `${whole}.${fraction.padEnd(digits, '0').slice(0, digits)}`, currency };
}

/**
 * Charges the lines back; a line no longer covered (charged back before, or never covered) is left as it is. Answers
 * the lines that were charged back now.
 */
export async function chargeBackLines(manager: EntityManager, audit: AuditService, items: readonly LineChargeBack[], actorId: string, now: Date): Promise<string[]> {
  if (items.length === 0) return [];
  // The claims first, in id order, as every change of a claim locks it before its lines (no deadlock with an amendment).
  const locked = [...new Map(items.map((i) => [i.claimId, i.orgId])).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  await manager.query(
    `SELECT c.id FROM warranty_claim c JOIN unnest($1::text[], $2::uuid[]) AS k(org_id, id) ON c.org_id = k.org_id AND c.id = k.id ORDER BY c.id FOR UPDATE OF c`,
    [locked.map(([, orgId]) => orgId), locked.map(([id]) => id)],
  );
  const rows: Array<{ kind: 'line' | 'claim'; [key: string]: any }> = await manager.query(
    `WITH input AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(org_id text, claim_id uuid, line_id uuid, reason text, detail jsonb)),
     charged AS (
       UPDATE claim_line l SET covered = false, reason = i.reason
       FROM input i
       WHERE l.id = i.line_id AND l.org_id = i.org_id AND l.claim_id = i.claim_id AND l.covered
       RETURNING l.id, l.claim_id, l.org_id, l.part_number, l.amount, i.reason, i.detail),
     per_claim AS (SELECT claim_id, org_id, sum(amount) AS amount FROM charged GROUP BY claim_id, org_id),
     claims AS (
       UPDATE warranty_claim c SET
         covered_total = c.covered_total - p.amount,
         self_paid_total = c.self_paid_total + p.amount,
         cover = CASE WHEN EXISTS (SELECT 1 FROM claim_line o WHERE o.org_id = c.org_id AND o.claim_id = c.id AND o.covered AND o.id NOT IN (SELECT id FROM charged))
                 THEN 'PARTLY_COVERED' ELSE 'NOT_COVERED' END,
         row_version = c.row_version + 1,
         updated_at = $2
       FROM per_claim p WHERE c.id = p.claim_id AND c.org_id = p.org_id
       RETURNING c.id, c.org_id, c.warranty_record_id, c.csp_case_id, c.status, c.cover, c.currency, c.covered_total, c.self_paid_total, c.total, c.row_version)
     SELECT 'line' AS kind, id, claim_id, org_id, part_number, amount::text, reason, detail, NULL::uuid AS warranty_record_id, NULL AS csp_case_id,
            NULL AS status, NULL AS cover, NULL AS currency, NULL AS covered_total, NULL AS self_paid_total, NULL AS total, NULL::int AS row_version FROM charged
     UNION ALL
     SELECT 'claim', id, id, org_id, NULL, NULL, NULL, NULL, warranty_record_id, csp_case_id, status, cover, currency, covered_total::text, self_paid_total::text, total::text, row_version FROM claims`,
    [JSON.stringify(items.map((i) => ({ org_id: i.orgId, claim_id: i.claimId, line_id: i.lineId, reason: i.reason, detail: i.detail }))), now],
  );
  const claims = new Map(rows.filter((r) => r.kind === 'claim').map((r) => [r.id as string, r]));
  const lines = rows.filter((r) => r.kind === 'line');
  if (lines.length === 0) return [];
  await audit.append(
    manager,
    lines.map((line) => {
      const claim = claims.get(line.claim_id)!;
      return {
        orgId: line.org_id,
        warrantyRecordId: claim.warranty_record_id,
        actorId,
        event: 'CLAIM_LINE_CHARGED_BACK',
        fromValue: 'COVERED',
        toValue: 'SELF_PAID',
        claimId: line.claim_id,
        detail: { lineId: line.id, partNumber: line.part_number, amount: money(line.amount, claim.currency), reason: line.reason, ...line.detail },
      };
    }),
  );
  const messages: Array<Partial<OutboxMessage>> = [...claims.values()].map((claim) => ({
      orgId: claim.org_id,
      destination: 'CSP',
      topic: 'claim.lines_charged_back',
      aggregateId: claim.id,
      payload: {
        claimId: claim.id,
        warrantyId: claim.warranty_record_id,
        cspCaseId: claim.csp_case_id,
        status: claim.status,
        cover: claim.cover,
        lines: lines
          .filter((line) => line.claim_id === claim.id)
          .map((line) => ({ lineId: line.id, partNumber: line.part_number, amount: money(line.amount, claim.currency), reason: line.reason, ...line.detail })),
        coveredTotal: money(claim.covered_total, claim.currency),
        selfPaidTotal: money(claim.self_paid_total, claim.currency),
        total: money(claim.total, claim.currency),
        version: claim.row_version,
      },
    }));
  await manager.insert(OutboxMessage, messages as never);
  return lines.map((line) => line.id as string);
}
