/**
 * Rule 20 on a claim's close: the claims' close hook (claims/claim-hooks.ts) reads the closed claim, its covered
 * lines, the unit's warranty start and the contracts that could answer for its parts in one statement of the close's
 * transaction, plans the recovery (recovery-rules.ts, pure) and answers with one write step: the recovery claims and
 * lines, an event per recovery claim on the unit's history, and a SUPPLIER message per recovery claim, all in the
 * statement that writes the close's own event and CSP message.
 */
import type { EntityManager } from 'typeorm';
import { eventsStep } from '../audit/audit.service';
import type { ClaimClosedHook } from '../claims/claims.service';
import { newId } from '../common/ids';
import { moneyOf } from '../common/money';
import type { WriteStep } from '../db/one-statement';
import { messagesStep } from '../outbox/outbox-writes';
import { planRecovery, type ClosedLine, type ContractTerms } from './recovery-rules';

/** Several steps as one (a hook answers with one): parameters renumbered after each other. */
export function joinSteps(steps: ReadonlyArray<WriteStep | null>): WriteStep | null {
  const given = steps.filter((s): s is WriteStep => s !== null && s.ctes.length > 0);
  if (given.length === 0) return null;
  const ctes: Array<readonly [string, string]> = [];
  const params: unknown[] = [];
  for (const step of given) {
    const offset = params.length;
    for (const [name, sql] of step.ctes) ctes.push([name, sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)]);
    params.push(...step.params);
  }
  return { ctes, params };
}

/** The contract columns as ContractTerms, from `supplier_contract k JOIN supplier s`. */
export const CONTRACT_JSON = `json_build_object('id', k.id, 'code', k.code, 'version', k.version, 'supplierId', k.supplier_id, 'supplierCode', s.code,
  'supplierName', s.name, 'partNumbers', k.part_numbers, 'component', k.component, 'productFamily', k.product_family,
  'recoverySharePct', k.recovery_share_pct::text, 'windowMonths', k.window_months, 'labourSharePct', k.labour_share_pct::text,
  'cap', CASE WHEN k.cap_amount IS NULL THEN NULL ELSE json_build_object('amount', k.cap_amount::text, 'currency', k.cap_currency) END,
  'validFrom', k.valid_from::text, 'validTo', k.valid_to::text)`;

/**
 * The closed claim as recovery needs it, and every version of the contracts that name one of its covered parts or
 * their components (all versions of those codes: a later version ends an earlier one). $1 organisation, $2 claim.
 */
const READ_CLOSED = `
  WITH c AS (
    SELECT c.id, c.org_id, c.currency, c.repair_date, c.component, c.warranty_record_id, r.serial_number, r.sku, r.product_family, r.start_date
    FROM warranty_claim c JOIN warranty_record r ON r.id = c.warranty_record_id AND r.org_id = c.org_id
    WHERE c.id = $2::uuid AND c.org_id = $1::text),
  lines AS (
    SELECT l.id, l.kind, l.part_number, coalesce(l.component, c.component) AS component,
      CASE WHEN l.covered THEN coalesce(l.covered_amount, l.amount) ELSE 0 END AS covered_amount,
      EXISTS (SELECT 1 FROM part_return pr WHERE pr.org_id = l.org_id AND pr.claim_line_id = l.id AND pr.inspection_outcome IN ('NO_FAULT_FOUND', 'CUSTOMER_DAMAGE')) AS fault_denied
    FROM claim_line l CROSS JOIN c WHERE l.claim_id = c.id AND l.org_id = c.org_id),
  codes AS (
    SELECT DISTINCT k.code FROM supplier_contract k
    WHERE k.org_id = $1::text AND EXISTS (SELECT 1 FROM lines l WHERE l.kind = 'PART' AND l.covered_amount > 0
      AND (l.part_number = ANY(k.part_numbers) OR l.component = k.component)))
  SELECT c.currency, c.repair_date::text AS repair_date, c.warranty_record_id, c.serial_number, c.sku, c.product_family, c.start_date::text AS start_date,
    (SELECT coalesce(json_agg(json_build_object('id', l.id, 'kind', l.kind, 'partNumber', l.part_number, 'component', l.component,
       'coveredAmount', l.covered_amount::text, 'faultDenied', l.fault_denied)), '[]') FROM lines l) AS lines,
    (SELECT coalesce(json_agg(${CONTRACT_JSON}), '[]') FROM supplier_contract k JOIN supplier s ON s.org_id = k.org_id AND s.id = k.supplier_id
       WHERE k.org_id = $1::text AND k.code IN (SELECT code FROM codes)) AS contracts
  FROM c`;

type ContractRow = ContractTerms & { supplierCode: string; supplierName: string };

const INSERT_CLAIMS = `INSERT INTO recovery_claim (id, org_id, supplier_id, claim_id, warranty_record_id, currency, status, repair_date, claim_closed_at, claimed_amount, updated_at)
  SELECT x.id, x.org_id, x.supplier_id, x.claim_id, x.warranty_record_id, x.currency, 'OPEN', x.repair_date, x.closed_at, x.claimed, x.closed_at
  FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, org_id text, supplier_id uuid, claim_id uuid, warranty_record_id uuid, currency text, repair_date date, closed_at timestamptz, claimed numeric)
  RETURNING id`;

const INSERT_LINES = `INSERT INTO recovery_line (id, org_id, recovery_claim_id, supplier_id, contract_id, claim_id, claim_line_id, part_number, currency, claim_closed_at,
    part_base, labour_base, part_amount, labour_amount, amount, capped, not_recovered)
  SELECT x.id, x.org_id, x.recovery_claim_id, x.supplier_id, x.contract_id, x.claim_id, x.claim_line_id, x.part_number, x.currency, x.closed_at,
    x.part_base, x.labour_base, x.part_amount, x.labour_amount, x.amount, x.capped, x.not_recovered
  FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, org_id text, recovery_claim_id uuid, supplier_id uuid, contract_id uuid, claim_id uuid, claim_line_id uuid,
    part_number text, currency text, closed_at timestamptz, part_base numeric, labour_base numeric, part_amount numeric, labour_amount numeric, amount numeric,
    capped boolean, not_recovered text)
  RETURNING id`;

/** The claims' close hook of rule 20 (registered in services.ts). */
export function recoverOnClose(): ClaimClosedHook {
  return async (manager: EntityManager, claim, actorId) => {
    const [row] = await manager.query(READ_CLOSED, [claim.orgId, claim.id]);
    if (!row || (row.contracts as unknown[]).length === 0) return null;
    const contracts = row.contracts as ContractRow[];
    const plans = planRecovery({
      currency: row.currency,
      repairDate: row.repair_date,
      warrantyStart: row.start_date,
      productFamily: row.product_family,
      lines: row.lines as ClosedLine[],
      contracts,
    });
    if (plans.length === 0) return null;
    const closedAt = claim.closedAt.toISOString();
    const claims: Record<string, unknown>[] = [];
    const lines: Record<string, unknown>[] = [];
    const events: Parameters<typeof eventsStep>[0][number][] = [];
    const messages: Parameters<typeof messagesStep>[0][number][] = [];
    for (const plan of plans) {
      const supplier = contracts.find((c) => c.supplierId === plan.supplierId)!;
      const recovered = plan.lines.filter((l) => !l.notRecovered && Number(l.amount) > 0);
      const recoveryClaimId = recovered.length > 0 ? newId() : null;
      for (const l of plan.lines) {
        lines.push({
          id: newId(), org_id: claim.orgId, recovery_claim_id: l.notRecovered ? null : recoveryClaimId, supplier_id: plan.supplierId, contract_id: l.contract.id,
          claim_id: claim.id, claim_line_id: l.claimLineId, part_number: l.partNumber, currency: row.currency, closed_at: closedAt,
          part_base: l.partBase, labour_base: l.labourBase, part_amount: l.partAmount, labour_amount: l.labourAmount, amount: l.notRecovered ? '0' : l.amount,
          capped: l.capped, not_recovered: l.notRecovered,
        });
      }
      if (!recoveryClaimId) continue;
      claims.push({
        id: recoveryClaimId, org_id: claim.orgId, supplier_id: plan.supplierId, claim_id: claim.id, warranty_record_id: row.warranty_record_id,
        currency: row.currency, repair_date: row.repair_date, closed_at: closedAt, claimed: plan.claimed,
      });
      const shown = plan.lines.filter((l) => !l.notRecovered).map((l) => ({
        claimLineId: l.claimLineId,
        partNumber: l.partNumber,
        contract: { code: l.contract.code, version: l.contract.version },
        recoverySharePct: l.contract.recoverySharePct,
        labourSharePct: l.contract.labourSharePct,
        partBase: moneyOf(l.partBase, row.currency),
        labourBase: moneyOf(l.labourBase, row.currency),
        partAmount: moneyOf(l.partAmount, row.currency),
        labourAmount: moneyOf(l.labourAmount, row.currency),
        amount: moneyOf(l.amount, row.currency),
        capped: l.capped,
      }));
      events.push({
        orgId: claim.orgId, warrantyRecordId: row.warranty_record_id, actorId, event: 'RECOVERY_CLAIM_OPENED', toValue: 'OPEN', claimId: claim.id,
        detail: { recoveryClaimId, supplierCode: supplier.supplierCode, claimed: moneyOf(plan.claimed, row.currency), lines: shown.map((l) => ({ claimLineId: l.claimLineId, partNumber: l.partNumber, amount: l.amount })) },
      });
      messages.push({
        orgId: claim.orgId, destination: 'SUPPLIER', recipient: plan.supplierId, topic: 'recovery.claim_opened', aggregateId: recoveryClaimId,
        payload: {
          recoveryClaimId, status: 'OPEN', supplier: { code: supplier.supplierCode, name: supplier.supplierName }, claimId: claim.id,
          serialNumber: row.serial_number, sku: row.sku, productFamily: row.product_family, warrantyStart: row.start_date, repairDate: row.repair_date,
          claimClosedAt: closedAt, claimed: moneyOf(plan.claimed, row.currency), lines: shown, version: 1,
        },
      });
    }
    return joinSteps([
      claims.length ? { ctes: [['recovery_claims', INSERT_CLAIMS]], params: [JSON.stringify(claims)] } : null,
      { ctes: [['recovery_lines', INSERT_LINES]], params: [JSON.stringify(lines)] },
      eventsStep(events, 'recovery_events'),
      messagesStep(messages, 'recovery_messages'),
    ]);
  };
}
