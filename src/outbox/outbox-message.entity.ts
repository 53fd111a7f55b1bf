import { Check, Column, CreateDateColumn, Entity, Generated, Index, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A message to another system (Sofar CSP, Landray OA, a supplier), written in the same transaction as the change it reports,
 * so that a change is never without its message nor a message without its change. The dispatcher (dispatcher.ts)
 * delivers them in order of `id` per aggregate and destination, retries with backoff, and parks what it cannot
 * deliver; until delivered they wait here.
 */
@Entity({ name: 'outbox_message' })
@Index('ix_outbox_due', ['nextAttemptAt', 'id'], { where: '"delivered_at" IS NULL AND "parked_at" IS NULL' })
@Index('ix_outbox_parked', ['orgId', 'parkedAt'], { where: '"parked_at" IS NOT NULL AND "delivered_at" IS NULL' })
@Index('ix_outbox_aggregate', ['aggregateId', 'id'])
@Check('ck_outbox_destination', `"destination" IN ('CSP', 'OA', 'SUPPLIER')`)
@Check('ck_outbox_recipient', `("destination" = 'SUPPLIER') = ("recipient" IS NOT NULL)`)
export class OutboxMessage {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ type: 'text' })
  destination: string;

  /**
   * Which one of the destination's receivers: the supplier's id for a SUPPLIER message (each supplier has its own
   * endpoint, read when the message is sent); null for CSP and OA, which have one each.
   */
  @Column({ type: 'uuid', nullable: true })
  recipient: string | null;

  /** What happened, e.g. `claim.status_changed`, `claim.exception_requested`. */
  @Column({ type: 'text' })
  topic: string;

  /** The claim (or other aggregate) the message is about; messages of one aggregate are delivered in order. */
  @Column({ name: 'aggregate_id', type: 'uuid' })
  aggregateId: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, any>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  /** Sent with every attempt of this message (x-sofar-delivery-id): the receiver drops a second arrival by it. */
  @Column({ name: 'delivery_id', type: 'uuid' })
  @Generated('uuid')
  deliveryId: string;

  /** Not before this instant: now when written, later after a failed attempt (backoff). */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt: Date;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt: Date | null;

  /** Set when the dispatcher gave up (attempts ran out, or the receiver refused it with a 4xx): dead until retried. */
  @Column({ name: 'parked_at', type: 'timestamptz', nullable: true })
  parkedAt: Date | null;
}
