import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { isUuid } from '../common/ids';
import { selectList, type RowSource } from '../db/row-reader';
import { WarrantyPolicy } from './warranty-policy.entity';

/** Per-request policy loaders, scoped to the caller's organisation; rows read by the row reader. */
export function createPolicyLoaders(dataSource: DataSource, reader: RowSource, actor: Actor) {
  const select = selectList(dataSource, WarrantyPolicy, 'p');
  const policyById = new DataLoader<string, WarrantyPolicy | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length
      ? await reader.rows<WarrantyPolicy>(`SELECT ${select} FROM warranty_policy p WHERE p.org_id = $1 AND p.id = ANY($2::uuid[])`, [actor.orgId, valid])
      : [];
    const found = new Map(rows.map((p) => [p.id, p]));
    return ids.map((id) => found.get(id) ?? null);
  });
  /** Every version of the families asked for, in one query; callers pick the version in force. */
  const policiesByFamily = new DataLoader<string, WarrantyPolicy[]>(async (families) => {
    const rows = await reader.rows<WarrantyPolicy>(
      `SELECT ${select} FROM warranty_policy p WHERE p.org_id = $1 AND p.product_family = ANY($2::text[])`,
      [actor.orgId, [...families]],
    );
    return families.map((family) => rows.filter((p) => p.productFamily === family));
  });
  return { policyById, policiesByFamily };
}

export type PolicyLoaders = ReturnType<typeof createPolicyLoaders>;
