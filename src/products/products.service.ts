import type { DataSource, EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { inTransaction } from '../db/transactions';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { ProductReference } from './product-reference.entity';
import { normaliseProductReferences, type NormalisedProductReference, type ProductReferenceInput } from './product-reference-input';

export interface UpsertProductReferencesResult {
  /** Every reference of the call as stored afterwards, in the order sent. */
  productReferences: ProductReference[];
  created: number;
  updated: number;
  /** Sent with the values already stored: left as they were (neither `updatedAt` nor `updatedById` moves). */
  unchanged: number;
}

export class ProductsService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Creates or changes the caller's organisation's references, all or nothing. Registration reads this table, so
   * a change applies to units registered afterwards only: a record copies the family, capacity and policy it was
   * registered under.
   */
  async upsertReferences(actor: Actor, inputs: ProductReferenceInput[]): Promise<UpsertProductReferencesResult> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'change product references');
    const references = normaliseProductReferences(inputs, ['input', 'references']);
    return this.dataSource.transaction((manager) => this.write(manager, actor, references));
  }

  /**
   * Sofar Products' SKU changes, from its webhook: the same checks and the same statement as an admin's upsert, by
   * the Products system itself (SERVICE), inside the webhook's transaction. `path` is where the list sits in the
   * delivery, for the refusals' `field`.
   */
  async applyProductsFeed(actor: Actor, inputs: ProductReferenceInput[], path: string[], within?: EntityManager): Promise<UpsertProductReferencesResult> {
    assertRole(actor, ['SERVICE'], 'push SKU changes');
    const references = normaliseProductReferences(inputs, path);
    return inTransaction(this.dataSource, within, (manager) => this.write(manager, actor, references));
  }

  private async write(manager: EntityManager, actor: Actor, references: NormalisedProductReference[]): Promise<UpsertProductReferencesResult> {
    const skus = references.map((r) => r.sku);
    // Rows are written in SKU order so that two admins' overlapping calls lock them in the same order and wait
    // for each other instead of deadlocking.
    const rows = [...references].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
    // One statement for the whole list. Rows whose values are already stored are skipped by the WHERE, so a
    // re-sent file neither counts as a change nor overwrites who changed the row last. `xmax = 0` holds for a
    // row this statement inserted and not for one it updated: that tells created from updated without a
    // separate read that a concurrent insert could overtake.
    const written: Array<{ sku: string; inserted: boolean }> = await manager.query(
      `INSERT INTO product_reference AS p (org_id, sku, product_id, product_family, capacity_kwh, updated_at, updated_by_id)
       SELECT $1, r.sku, r.product_id, r.product_family, r.capacity_kwh, now(), $2
         FROM unnest($3::text[], $4::text[], $5::text[], $6::numeric[]) AS r (sku, product_id, product_family, capacity_kwh)
       ON CONFLICT (org_id, sku) DO UPDATE
         SET product_id = EXCLUDED.product_id, product_family = EXCLUDED.product_family,
             capacity_kwh = EXCLUDED.capacity_kwh, updated_at = EXCLUDED.updated_at, updated_by_id = EXCLUDED.updated_by_id
         WHERE (p.product_id, p.product_family, p.capacity_kwh)
               IS DISTINCT FROM (EXCLUDED.product_id, EXCLUDED.product_family, EXCLUDED.capacity_kwh)
       RETURNING p.sku, (p.xmax = 0) AS inserted`,
      [
        actor.orgId,
        actor.id,
        rows.map((r) => r.sku),
        rows.map((r) => r.productId),
        rows.map((r) => r.productFamily),
        rows.map((r) => r.capacityKwh),
      ],
    );
    const created = written.filter((row) => row.inserted).length;
    const updated = written.length - created;

    const stored = await manager
      .getRepository(ProductReference)
      .createQueryBuilder('p')
      .where('p.org_id = :orgId AND p.sku = ANY(:skus)', { orgId: actor.orgId, skus })
      .getMany();
    const bySku = new Map(stored.map((row) => [row.sku, row]));
    return {
      productReferences: skus.map((sku) => bySku.get(sku)!),
      created,
      updated,
      unchanged: references.length - written.length,
    };
  }

  /** The organisation's references by SKU (ascending), optionally only SKUs starting with `skuPrefix`. */
  async list(
    orgId: string,
    filter: { skuPrefix?: string | null },
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<ProductReference>> {
    const size = pageSize(args.first, 50);
    const after = decodeCursor(args.after, ['key']);
    const query = this.dataSource.getRepository(ProductReference).createQueryBuilder('p').where('p.org_id = :orgId', { orgId });
    // starts_with needs no LIKE escaping, so a prefix with % or _ means those characters.
    if (filter.skuPrefix) query.andWhere('starts_with(p.sku, :prefix)', { prefix: filter.skuPrefix });
    const totalCount = await query.clone().getCount();
    if (after) query.andWhere('p.sku > :afterSku', { afterSku: String(after[0]) });
    const rows = await query.orderBy('p.sku', 'ASC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (row) => [row.sku], after !== null);
  }
}
