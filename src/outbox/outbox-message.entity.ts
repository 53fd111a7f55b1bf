import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A message to another system (Sofar CSP, Landray OA), written in the same transaction as the change it reports,
 * so that a change is never without its message nor a message without its change. A dispatcher delivers them in
 * order of `id` per aggregate and marks them delivered; until then they wait here.
 */
@Entity({ name: 'outbox_message' })
@Index('ix_outbox_pending', ['destination', 'id'], { where: '"delivered_at" IS NULL' })
@Index('ix_outbox_aggregate', ['aggregateId', 'id'])
@Check('ck_outbox_destination', `"destination" IN ('CSP', 'OA')`)
export class OutboxMessage {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'org_id', type: 'text' })
  orgId: string;

  @Column({ type: 'text' })
  destination: string;

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
}
