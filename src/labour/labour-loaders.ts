import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { isUuid } from '../common/ids';
import { LabourOperation } from './labour-operation.entity';

/** Per-request loaders: the operation versions claim lines were priced under, many lines in one statement. */
export function createLabourLoaders(dataSource: DataSource, actor: Actor) {
  const operationById = new DataLoader<string, LabourOperation | null>(async (ids) => {
    const valid = ids.filter(isUuid);
    const rows = valid.length ? await dataSource.getRepository(LabourOperation).find({ where: { orgId: actor.orgId, id: In(valid) } }) : [];
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id) ?? null);
  });
  return { operationById };
}

export type LabourLoaders = ReturnType<typeof createLabourLoaders>;
