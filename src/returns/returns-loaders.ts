import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import { RETURN_COLUMNS } from './returns-sql';
import type { ReturnView } from './returns.service';

/** A claim line's return authorisation, batched: one statement for every line of a response. */
export function createPartReturnLoader(dataSource: DataSource, actor: Actor) {
  return new DataLoader<string, ReturnView | null>(async (lineIds) => {
    const rows: ReturnView[] = await dataSource.query(
      `SELECT ${RETURN_COLUMNS} FROM part_return pr JOIN warranty_claim c ON c.id = pr.claim_id AND c.org_id = pr.org_id
       WHERE pr.org_id = $1 AND pr.claim_line_id = ANY($2::uuid[])`,
      [actor.orgId, lineIds],
    );
    const byLine = new Map(rows.map((row) => [row.claimLineId, row]));
    return lineIds.map((id) => byLine.get(id) ?? null);
  });
}
