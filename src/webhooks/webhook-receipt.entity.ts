import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The replay guard of the inbound webhooks: one row per delivery taken, written in the same transaction as what the
 * delivery changed. A second delivery with the same id finds it and changes nothing (HTTP 409); one that failed
 * left no row, so the sender's retry is taken. Keyed per organisation, so one tenant's ids never collide with
 * another's.
 */
@Entity({ name: 'webhook_receipt' })
@Check('ck_webhook_receipt_source', `"source" IN ('OA', 'CLOUD', 'PRODUCTS', 'CSP', 'WAREHOUSE', 'SUPPLIER')`)
export class WebhookReceipt {
  @PrimaryColumn({ name: 'org_id', type: 'text' })
  orgId: string;

  @PrimaryColumn({ type: 'text' })
  source: string;

  /** The sender's id of the delivery: the same on every retry of one delivery. */
  @PrimaryColumn({ name: 'delivery_id', type: 'text' })
  deliveryId: string;

  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  /** Who sent it: the SERVICE token's subject, or `webhook:<source>` for a signed request. */
  @Column({ name: 'actor_id', type: 'text' })
  actorId: string;

  /** What the delivery came to (counts, the claim's new status), answered again to a replay. */
  @Column({ type: 'jsonb', nullable: true })
  result: Record<string, unknown> | null;
}
