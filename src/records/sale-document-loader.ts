import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import { In } from 'typeorm';
import type { Actor } from '../auth/actor';
import { isUuid } from '../common/ids';
import { SaleDocument } from './sale-document.entity';

/** Every document of a page of units in one statement: the carried facts first, then in the order recorded. */
export function createSaleDocumentLoader(dataSource: DataSource, actor: Actor) {
  return new DataLoader<string, SaleDocument[]>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length
      ? await dataSource.getRepository(SaleDocument).find({
          where: { orgId: actor.orgId, warrantyRecordId: In(valid) },
          order: { carriedFromRecord: 'DESC', recordedAt: 'ASC', id: 'ASC' },
        })
      : [];
    const byRecord = new Map<string, SaleDocument[]>();
    for (const row of rows) byRecord.set(row.warrantyRecordId, [...(byRecord.get(row.warrantyRecordId) ?? []), row]);
    return ids.map((id) => byRecord.get(id) ?? []);
  });
}
