import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { visibleRecordsWhere } from './record-access';
import { WarrantyRecord } from './warranty-record.entity';

/** `Product.registeredUnitsCount`: the units the caller may see, counted by product id in one statement per batch. */
export function createRegisteredUnitsLoader(dataSource: DataSource, actor: Actor) {
  return new DataLoader<string, number>(async (productIds) => {
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
}
