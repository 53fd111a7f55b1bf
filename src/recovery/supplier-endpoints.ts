/**
 * Where a supplier's messages go (rule 20): its endpoint URL is on its row, its signing secret in the environment
 * (OUTBOX_SUPPLIER_SECRET_<secretRef>, or OUTBOX_SUPPLIER_SECRET for a supplier without a reference), never in the
 * database. The dispatcher asks for a round's suppliers at once (outbox/dispatcher.ts, RecipientTargets); a supplier
 * without an endpoint or a secret makes its messages wait, without spending attempts.
 */
import type { DataSource } from 'typeorm';
import type { RecipientTargets, Target } from '../outbox/dispatcher';

export interface SupplierSecrets {
  /** OUTBOX_SUPPLIER_SECRET: for suppliers without a secretRef. */
  fallback: string | null;
  /** OUTBOX_SUPPLIER_SECRET_<REF> by REF. */
  byRef: Readonly<Record<string, string>>;
}

/** The target of a supplier: its URL and secret, or why its messages wait. Pure. */
export function supplierTarget(supplier: { code: string; endpointUrl: string | null; secretRef: string | null } | undefined, secrets: SupplierSecrets): Target {
  if (!supplier) return { wait: 'the supplier is unknown' };
  if (!supplier.endpointUrl) return { wait: `supplier ${supplier.code} has no endpoint URL (upsertSupplier)` };
  const secret = supplier.secretRef ? secrets.byRef[supplier.secretRef] : secrets.fallback;
  if (!secret) return { wait: `no signing secret for supplier ${supplier.code}: set ${supplier.secretRef ? `OUTBOX_SUPPLIER_SECRET_${supplier.secretRef}` : 'OUTBOX_SUPPLIER_SECRET'}` };
  return { url: supplier.endpointUrl, secret };
}

export function supplierTargets(dataSource: DataSource, secrets: SupplierSecrets): RecipientTargets {
  return async (messages) => {
    const ids = [...new Set(messages.map((m) => m.recipient))];
    const rows: Array<{ id: string; org_id: string; code: string; endpoint_url: string | null; secret_ref: string | null }> = await dataSource.query(
      `SELECT id::text, org_id, code, endpoint_url, secret_ref FROM supplier WHERE id::text = ANY($1::text[])`,
      [ids],
    );
    const targets = new Map<string, Target>();
    for (const m of messages) {
      const row = rows.find((r) => r.id === m.recipient && r.org_id === m.orgId);
      targets.set(`${m.orgId}/${m.recipient}`, supplierTarget(row && { code: row.code, endpointUrl: row.endpoint_url, secretRef: row.secret_ref }, secrets));
    }
    return targets;
  };
}
