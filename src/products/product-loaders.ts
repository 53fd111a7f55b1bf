import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { visibleRecordsWhere } from '../records/record-access';
import { ProductReference } from './product-reference.entity';

/** Per-request loaders behind the fields this subgraph adds to `Product`. */
export function createProductLoaders(dataSource: DataSource, actor: Actor) {
  const referenceByProductId = new DataLoader<string, ProductReference | null>(async (productIds) => {
    const rows = await dataSource
      .getRepository(ProductReference)
      .find({ where: { orgId: actor.orgId, productId: In([...productIds]) }, order: { sku: 'ASC' } });
    return productIds.map((id) => rows.find((r) => r.productId === id) ?? null);
  });

  const registeredUnitsByProductId = new DataLoader<string, number>(async (productIds) => {
    const scope = visibleRecordsWhere(actor);
    const query = dataSource
      .getRepository(WarrantyRecord)
      .createQueryBuilder('r')
      .select('r.product_id', 'productId')
      .addSelect('COUNT(*)::int', 'count')
      .where('r.org_id = :orgId AND r.product_id IN (:...productIds)', { orgId: actor.orgId, productIds: [...productIds] });
    if (scope.customerId !== undefined) query.andWhere('r.customer_id = :customerId', { customerId: scope.customerId });
    const rows = await query.groupBy('r.product_id').getRawMany<{ productId: string; count: number }>();
    const counts = new Map(rows.map((row) => [row.productId, Number(row.count)]));
    return productIds.map((id) => counts.get(id) ?? 0);
  });

  return { referenceByProductId, registeredUnitsByProductId };
}

export type ProductLoaders = ReturnType<typeof createProductLoaders>;
