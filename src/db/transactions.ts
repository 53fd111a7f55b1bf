import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs `work` in a transaction of its own, or inside `within` when the caller already holds one: an inbound webhook
 * writes its replay guard and the change it brings in one transaction, through the same service methods the
 * GraphQL mutations call.
 */
export function inTransaction<T>(dataSource: DataSource, within: EntityManager | undefined, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return within ? work(within) : dataSource.transaction(work);
}
