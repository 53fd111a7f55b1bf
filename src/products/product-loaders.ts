import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { ProductReference } from './product-reference.entity';

/** Per-request loaders behind the fields this subgraph adds to `Product`. */
export function createProductLoaders(dataSource: DataSource, actor: Actor) {
  const referenceByProductId = new DataLoader<string, ProductReference | null>(async (productIds) => {
    const rows = await dataSource
      .getRepository(ProductReference)
      .find({ where: { orgId: actor.orgId, productId: In([...productIds]) }, order: { sku: 'ASC' } });
    return productIds.map((id) => rows.find((r) => r.productId === id) ?? null);
  });

  return { referenceByProductId };
}

export type ProductLoaders = ReturnType<typeof createProductLoaders>;
