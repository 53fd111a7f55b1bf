/**
 * The import of a campaign's affected units from a long serial list (rule 19): `npm run import-campaign-units` and
 * `POST /campaigns/<code>/units` both stream a CSV here. Set-based and in bounded memory, whatever the list's length:
 * the serials go in batches into a staging table of the transaction (one multi-row insert per batch, as they are
 * read), then one statement joins them with the registered units, adds the new ones to the campaign and counts
 * what was known, already affected and unknown. Unknown serials are not fatal: counted, the first ones listed.
 * All or nothing: one transaction, with the campaign's event (CAMPAIGN_UNITS_IMPORTED).
 */
import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { Clock } from '../common/clock';
import { DomainError } from '../common/errors';
import { writeTogether } from '../db/one-statement';
import { campaignEventStep, findCampaign } from './campaign-store';
import { MAX_LISTED_UNKNOWN } from './campaign-rules';

/** Serials per insert into the staging table: one round trip per this many. */
export const IMPORT_BATCH = 10_000;
/** The header names the serial column may have (compared case-insensitively, without spaces and underscores). */
const SERIAL_HEADERS = new Set(['serialnumber', 'serial', 'sn']);
const MAX_SERIAL = 200;

export interface ImportSummary {
  campaignCode: string;
  /** Serials read (non-blank), duplicates included. */
  received: number;
  /** Units newly affected by this import. */
  added: number;
  /** Known units the campaign affected already (an import run again adds nothing). */
  alreadyAffected: number;
  /** Distinct serials that are no registered unit of the organisation. */
  unknown: number;
  /** The first of them, in file order (at most MAX_LISTED_UNKNOWN). */
  unknownSerialNumbers: string[];
}

/**
 * Reads `records` (the CSV's records, the header first: a column serialNumber, others ignored) into the campaign
 * `code`. A refusal (an unknown campaign, no serial column, an over-long serial) writes nothing; `signal` stops it
 * (and rolls it back) between batches.
 */
export async function importCampaignUnits(
  dataSource: DataSource,
  actor: Actor,
  code: string,
  records: AsyncIterable<string[]>,
  options: { onProgress?: (received: number) => void; signal?: AbortSignal; now: Clock; deadline?: number },
): Promise<ImportSummary> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction();
    // The import runs under its own deadline (the endpoint's, EXPORT_TIMEOUT_MS), not the pool's per-statement timeout:
    // joining a million serials is one statement longer than DB_STATEMENT_TIMEOUT_MS. SET LOCAL: the connection gets
    // its own back at the end, and PostgreSQL stops the work at the deadline even if this process does not.
    const budget = options.deadline === undefined ? 0 : Math.max(1, Math.ceil(options.deadline - Date.now()));
    await runner.query(`SELECT set_config('statement_timeout', $1, true), set_config('idle_in_transaction_session_timeout', $1, true)`, [String(budget)]);
    const campaign = await findCampaign(runner.manager, actor.orgId, code, ['campaign'], true);
    await runner.query(`CREATE TEMPORARY TABLE campaign_import_staging (serial text NOT NULL, line int NOT NULL) ON COMMIT DROP`);
    let column = -1;
    let line = 0;
    let received = 0;
    let serials: string[] = [];
    let lines: number[] = [];
    const flush = async () => {
      if (serials.length === 0) return;
      await runner.query(`INSERT INTO campaign_import_staging (serial, line) SELECT * FROM unnest($1::text[], $2::int[])`, [serials, lines]);
      serials = [];
      lines = [];
      options.onProgress?.(received);
    };
    for await (const record of records) {
      line += 1;
      if (column < 0) {
        column = record.findIndex((name) => SERIAL_HEADERS.has(name.trim().toLowerCase().replace(/[\s_-]/g, '')));
        if (column < 0) throw new DomainError('BAD_USER_INPUT', 'the first line names the columns, one of them serialNumber', ['line', '1']);
        continue;
      }
      const serial = (record[column] ?? '').trim().toUpperCase();
      if (!serial) continue;
      if (serial.length > MAX_SERIAL) throw new DomainError('BAD_USER_INPUT', `a serial number is at most ${MAX_SERIAL} characters`, ['line', String(line)]);
      serials.push(serial);
      lines.push(line);
      received += 1;
      if (serials.length >= IMPORT_BATCH) {
        options.signal?.throwIfAborted();
        await flush();
      }
    }
    if (column < 0) throw new DomainError('BAD_USER_INPUT', 'the file is empty: its first line names the columns, one of them serialNumber', ['line', '1']);
    await flush();
    options.signal?.throwIfAborted();
    await runner.query('ANALYZE campaign_import_staging');
    const [result] = await runner.query(
      `WITH found AS MATERIALIZED (
         SELECT s.serial, s.line, r.id FROM campaign_import_staging s LEFT JOIN warranty_record r ON r.org_id = $1 AND r.serial_number = s.serial),
       added AS (
         INSERT INTO campaign_unit (org_id, campaign_id, warranty_record_id, status, source, added_at)
         SELECT $1, $2::uuid, id, 'OPEN', 'IMPORT', $3::timestamptz FROM found WHERE id IS NOT NULL ON CONFLICT DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM added)::int AS added,
              (SELECT count(DISTINCT id) FROM found WHERE id IS NOT NULL)::int AS known,
              (SELECT count(DISTINCT serial) FROM found WHERE id IS NULL)::int AS unknown,
              ARRAY(SELECT serial FROM (SELECT serial, min(line) AS line FROM found WHERE id IS NULL GROUP BY serial ORDER BY line LIMIT $4) u ORDER BY line) AS "unknownSample"`,
      [actor.orgId, campaign.id, options.now(), MAX_LISTED_UNKNOWN],
    );
    const summary: ImportSummary = {
      campaignCode: campaign.code,
      received,
      added: result.added,
      alreadyAffected: result.known - result.added,
      unknown: result.unknown,
      unknownSerialNumbers: result.unknownSample,
    };
    await writeTogether(runner.manager, [
      campaignEventStep({ orgId: actor.orgId, campaignId: campaign.id, actorId: actor.id, event: 'CAMPAIGN_UNITS_IMPORTED', detail: { ...summary, unknownSerialNumbers: summary.unknownSerialNumbers.slice(0, 20) } }),
    ]);
    await runner.commitTransaction();
    return summary;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
