import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { RecoveryLine, Supplier } from './recovery.entities';

/** Suppliers by id and recovery lines by recovery claim, batched: one statement each for a whole response. */
export function createRecoveryLoaders(dataSource: DataSource, actor: Actor) {
  return {
    supplierById: new DataLoader<string, Supplier | null>(async (ids) => {
      const rows = await dataSource.getRepository(Supplier).createQueryBuilder('s').where('s.org_id = :org AND s.id IN (:...ids)', { org: actor.orgId, ids: [...ids] }).getMany();
      return ids.map((id) => rows.find((r) => r.id === id) ?? null);
    }),
    linesByRecoveryClaim: new DataLoader<string, RecoveryLine[]>(async (ids) => {
      const rows = await dataSource.getRepository(RecoveryLine).createQueryBuilder('l')
        .where('l.org_id = :org AND l.recovery_claim_id IN (:...ids)', { org: actor.orgId, ids: [...ids] }).orderBy('l.part_number').addOrderBy('l.id').getMany();
      return ids.map((id) => rows.filter((r) => r.recoveryClaimId === id));
    }),
  };
}

export type RecoveryLoaders = ReturnType<typeof createRecoveryLoaders>;
