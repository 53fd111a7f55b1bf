/**
 * Messages to other systems as a step of a statement shared with the change they report (db/one-statement.ts):
 * one insert, rows in the order given, so a transaction's messages cost no statement of their own.
 */
import type { WriteStep } from '../db/one-statement';
import type { OutboxMessage } from './outbox-message.entity';


/** `messages` as one insert; `name` names the step's expression (unique in the statement). No messages, no step. */
export function messagesStep(messages: readonly Partial<OutboxMessage>[], name = 'outbox_messages'): WriteStep | null {
  if (messages.length === 0) return null;
  const rows = messages.map((m) => {
    if (!m.orgId || !m.destination || !m.topic || !m.aggregateId || !m.payload) throw new Error(`outbox message without ${['orgId', 'destination', 'topic', 'aggregateId', 'payload'].filter((k) => !(m as any)[k]).join(', ')}`);
    return { org_id: m.orgId, destination: m.destination, recipient: m.recipient ?? null, topic: m.topic, aggregate_id: m.aggregateId, payload: m.payload };
  });
  const sql = `INSERT INTO outbox_message (org_id, destination, recipient, topic, aggregate_id, payload)
    SELECT m.org_id, m.destination, m.recipient, m.topic, m.aggregate_id, m.payload
    FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (org_id text, destination text, recipient uuid, topic text, aggregate_id uuid, payload jsonb))
      WITH ORDINALITY AS m(org_id, destination, recipient, topic, aggregate_id, payload, n)
    ORDER BY m.n
    RETURNING id`;
  return { ctes: [[name, sql]], params: [JSON.stringify(rows)] };
}
