import type { DataSource } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { isBigintId } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { logger } from '../common/logger';
import { OutboxMessage } from './outbox-message.entity';

export type OutboxStatus = 'PENDING' | 'DELIVERED' | 'PARKED';

export const outboxStatusOf = (message: Pick<OutboxMessage, 'deliveredAt' | 'parkedAt'>): OutboxStatus =>
  message.deliveredAt ? 'DELIVERED' : message.parkedAt ? 'PARKED' : 'PENDING';

const STATUS_CONDITION: Record<OutboxStatus, string> = {
  PENDING: 'm.delivered_at IS NULL AND m.parked_at IS NULL',
  DELIVERED: 'm.delivered_at IS NOT NULL',
  PARKED: 'm.delivered_at IS NULL AND m.parked_at IS NOT NULL',
};

/** What an admin sees of the outbox and may do with it: list by state, and send a parked message again. */
export class OutboxService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    actor: Actor,
    filter: { status?: OutboxStatus | null; destination?: string | null },
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<OutboxMessage>> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'list outbox messages');
    const size = pageSize(args.first, 50);
    const after = decodeCursor(args.after, ['bigintId']);
    const query = this.dataSource.getRepository(OutboxMessage).createQueryBuilder('m').where('m.org_id = :orgId', { orgId: actor.orgId });
    if (filter.status) query.andWhere(STATUS_CONDITION[filter.status]);
    if (filter.destination) query.andWhere('m.destination = :destination', { destination: filter.destination });
    const totalCount = await query.clone().getCount();
    if (after) query.andWhere('m.id < :afterId', { afterId: String(after[0]) });
    const rows = await query.orderBy('m.id', 'DESC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (row) => [row.id], after !== null);
  }

  async retry(actor: Actor, id: string): Promise<OutboxMessage> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'retry an outbox message');
    if (!isBigintId(id)) throw new DomainError('BAD_USER_INPUT', 'not an outbox message id', ['input', 'id']);
    // One transaction, the row locked from the update to the read: a dispatcher skips locked rows, so the answer is
    // the message as the retry left it, never as a round that took it meanwhile.
    const message = await this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(OutboxMessage);
      const [rows] = await manager.query(
        `UPDATE outbox_message SET parked_at = NULL, attempts = 0, next_attempt_at = now()
         WHERE id = $1 AND org_id = $2 AND parked_at IS NOT NULL AND delivered_at IS NULL RETURNING id`,
        [id, actor.orgId],
      );
      if (rows.length === 0) {
        const existing = await repository.findOneBy({ id, orgId: actor.orgId });
        if (!existing) throw new DomainError('NOT_FOUND', `no outbox message ${id} in this organisation`, ['input', 'id']);
        throw new DomainError('INVALID_TRANSITION', `outbox message ${id} is ${outboxStatusOf(existing)}, not PARKED`, ['input', 'id']);
      }
      return repository.findOneByOrFail({ id, orgId: actor.orgId });
    });
    logger.info('outbox: parked message sent again', { id, by: actor.id });
    return message;
  }
}
