import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { types, type CustomTypesConfig, type Pool, type PoolClient } from 'pg';
import { QueryFailedError, type DataSource, type EntityManager, type EntityTarget, type ObjectLiteral, type QueryRunner } from 'typeorm';
import { ApplyValueTransformers } from 'typeorm/util/ApplyValueTransformers';
import { logger } from '../common/logger';
import { oneKeyForm } from './one-key';
import { connectForRows } from './read-routing';
import { chargeStatement, refuseIfStopped } from './statement-budget';

/**
 * The hot read paths (entity references, lookups by serial number, the active-warranty check) read rows with
 * named prepared statements straight on the pool TypeORM opened, without TypeORM's SQL building and hydration,
 * which cost more than the statement itself on those paths. Everything else stays on TypeORM.
 *
 * Rows come back with the entities' property names (`"start_date" AS "startDate"`) and the entities' value
 * types: a calendar date stays the `YYYY-MM-DD` string the entities hold (and is not parsed into a Date only to be
 * turned back), NUMERIC becomes a number (the entities' numeric transformer), everything else as pg parses it.
 * Statements are counted and refused exactly like TypeORM's (see statement-budget.ts).
 */
const ROW_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === types.builtins.DATE) return (value: string) => value;
    if (oid === types.builtins.NUMERIC) return (value: string) => Number(value);
    return types.getTypeParser(oid, format);
  }) as CustomTypesConfig['getTypeParser'],
};

const SLOW_MS = 500;
/** PostgreSQL keeps a named statement per connection for the connection's life: beyond this many distinct
 * texts (column sets vary with what operations select), new ones run unnamed instead. */
const MAX_NAMED_STATEMENTS = 200;

/** Where the loaders read their rows: the pool (RowReader) or a transaction's own connection (transactionRows). */
export interface RowSource {
  rows<Row>(text: string, values: unknown[]): Promise<Row[]>;
}

export class RowReader implements RowSource {
  private pool?: Pool;
  private readonly names = new Map<string, string>();

  constructor(private readonly dataSource: DataSource) {}

  async rows<Row>(given: string, givenValues: unknown[]): Promise<Row[]> {
    const { text, values } = oneKeyForm(given, givenValues);
    chargeStatement();
    logger.debug('sql', { query: text });
    const name = this.statementName(text);
    // TypeORM's postgres driver keeps its pg Pool as `master`; it exists once the data source is initialised.
    this.pool ??= (this.dataSource.driver as unknown as { master: Pool }).master;
    // Connecting and querying apart, as TypeORM does: an error while connecting (the database refuses
    // connections, is unreachable) passes through as it is, one the server reports about the statement is
    // wrapped as TypeORM wraps it, so the error mapping (db-errors.ts) treats both paths alike.
    // From the replica the request was routed to, if any (read-routing.ts); the primary's pool otherwise.
    const client = await connectForRows(this.dataSource, this.pool);
    // Stopped while waiting for a connection: the statement is not sent.
    try {
      refuseIfStopped();
    } catch (error) {
      client.release();
      throw error;
    }
    let broken: Error | undefined;
    // pg-pool takes its own 'error' listener off a client it hands out, and pg emits a lost connection as an
    // 'error' event besides rejecting the query: unheard, that event is an uncaught exception. Heard here while the
    // client is ours (the query's rejection carries the error); TypeORM's query runner does the same for its own.
    const lost = (error: Error) => {
      broken = error;
    };
    client.on('error', lost);
    try {
      return await query<Row>(client, name, text, values);
    } catch (error) {
      if (error instanceof QueryFailedError && typeof (error.driverError as { severity?: unknown }).severity !== 'string') broken = error.driverError as Error;
      throw error;
    } finally {
      client.removeListener('error', lost);
      // A connection that failed below the SQL level is dropped rather than handed to the next request.
      client.release(broken);
    }
  }

  private statementName(text: string): string | undefined {
    return statementName(this.names, text);
  }
}

/** A named statement's name for `text` (the same text, the same name), or none past MAX_NAMED_STATEMENTS texts. */
function statementName(names: Map<string, string>, text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED_STATEMENTS) {
    name = `sw_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/** The names of the statements sent on transactions' connections (any connection: pg prepares a name once on each). */
const transactionNames = new Map<string, string>();

async function query<Row>(client: PoolClient, name: string | undefined, text: string, values: unknown[], types: CustomTypesConfig | undefined = ROW_TYPES): Promise<Row[]> {
  const started = performance.now();
  try {
    const result = await client.query({ name, text, values, types });
    const ms = performance.now() - started;
    if (ms > SLOW_MS) logger.warn('slow sql', { ms: Math.round(ms), query: text });
    return result.rows as Row[];
  } catch (error) {
    logger.warn('sql error', { error: (error as Error).message, query: text });
    throw new QueryFailedError(text, values, error as Error);
  }
}

/**
 * The row reader's statements, rows and value types on the connection of a TypeORM transaction (the manager of
 * `dataSource.transaction`), so that a command reads through the same loaders as the queries, sees its own
 * transaction's rows and locks, and holds one connection, not two. Counted and refused like every statement.
 */
export function transactionRows(manager: EntityManager): RowSource {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('transactionRows needs the manager of a transaction');
  return {
    // A named statement: PostgreSQL parses and plans it once per connection (a claim's check read, every claim).
    rows: <Row>(text: string, values: unknown[]) => sendOnTransaction<Row>(runner, text, values, ROW_TYPES),
  };
}

/**
 * One named statement on the connection of a TypeORM transaction (its query runner holds the transaction's pg
 * client): counted and refused like every statement, parsed and planned once per connection.
 */
async function sendOnTransaction<Row>(runner: QueryRunner, given: string, givenValues: readonly unknown[], types: CustomTypesConfig | undefined): Promise<Row[]> {
  const { text, values } = oneKeyForm(given, givenValues);
  chargeStatement(text);
  logger.debug('sql', { query: text });
  const client = (await runner.connect()) as PoolClient;
  return query<Row>(client, statementName(transactionNames, text), text, values as unknown[], types);
}

/**
 * One statement on the connection of a TypeORM transaction, as `manager.query` sends it (pg's own value types, the
 * rows as they come), but named: PostgreSQL parses and plans it once per connection, not at every call. For the
 * statements a command sends every time with the same text (a claim's unit lock, its calendar, the one statement
 * of its writes, db/one-statement.ts). Outside a transaction, `manager.query`.
 */
export async function transactionQuery<Row = Record<string, unknown>>(manager: EntityManager, text: string, values: readonly unknown[]): Promise<Row[]> {
  const runner = manager.queryRunner;
  // Outside a transaction (the data source's own manager), as TypeORM sends it.
  if (!runner) return manager.query(text, values as unknown[]);
  return sendOnTransaction<Row>(runner, text, values, undefined);
}

/** pg's value types but a calendar date, which stays the `YYYY-MM-DD` string the entities hold. */
const ENTITY_TYPES: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === types.builtins.DATE ? (value: string) => value : types.getTypeParser(oid, format)) as CustomTypesConfig['getTypeParser'],
};

/**
 * Entities read on a transaction's connection by a named statement (`text` selects `selectList(…)` of the entity):
 * each row with pg's value types, a calendar date as its string, every column's transformer applied, as an instance
 * of the entity, as TypeORM's `findOne` gives it, without building the query and hydrating it at every call. For
 * the rows a command locks every time (a claim's transitions).
 */
export async function transactionEntities<T extends ObjectLiteral>(manager: EntityManager, entity: EntityTarget<T>, text: string, values: readonly unknown[]): Promise<T[]> {
  const runner = manager.queryRunner;
  if (!runner) throw new Error('transactionEntities needs the manager of a transaction');
  const rows = await sendOnTransaction<Record<string, unknown>>(runner, text, values, ENTITY_TYPES);
  const metadata = manager.connection.getMetadata(entity);
  const transformed = metadata.columns.filter((column) => column.transformer);
  return rows.map((row) => {
    for (const column of transformed) row[column.propertyName] = ApplyValueTransformers.transformFrom(column.transformer!, row[column.propertyName]);
    return Object.assign(metadata.create() as T, row);
  });
}

/**
 * `"column" AS "property"` for the given properties of an entity (all of them when none are given), in the
 * entity's column order so that equal sets give equal text (one prepared statement per set).
 */
export function selectList(
  dataSource: DataSource,
  entity: EntityTarget<unknown>,
  alias: string,
  properties?: ReadonlySet<string>,
): string {
  // Property sets are shared per operation (record-selection.ts), so the text is built once per set; the entity
  // class itself keys the inner cache (TypeORM's getMetadata searches every entity's metadata).
  const key = properties ?? ALL;
  let byEntity = selectLists.get(key);
  if (!byEntity) selectLists.set(key, (byEntity = new Map()));
  let byAlias = byEntity.get(entity);
  if (!byAlias) byEntity.set(entity, (byAlias = new Map()));
  let list = byAlias.get(alias);
  if (list === undefined) {
    list = dataSource
      .getMetadata(entity)
      .columns.filter((column) => !properties || properties.has(column.propertyName))
      .map((column) => `${alias}."${column.databaseName}" AS "${column.propertyName}"`)
      .join(', ');
    byAlias.set(alias, list);
  }
  return list;
}
const ALL: ReadonlySet<string> = new Set();
const selectLists = new WeakMap<ReadonlySet<string>, Map<EntityTarget<unknown>, Map<string, string>>>();

/** The properties of an entity held in `timestamptz` columns: JSON built by PostgreSQL carries them as text. */
export function instantProperties(dataSource: DataSource, entity: EntityTarget<unknown>): string[] {
  let byEntity = instants.get(dataSource);
  if (!byEntity) instants.set(dataSource, (byEntity = new Map()));
  let properties = byEntity.get(entity);
  if (!properties) {
    properties = dataSource
      .getMetadata(entity)
      .columns.filter((column) => column.type === 'timestamptz' || column.type === 'timestamp with time zone')
      .map((column) => column.propertyName);
    byEntity.set(entity, properties);
  }
  return properties;
}
const instants = new WeakMap<DataSource, Map<EntityTarget<unknown>, string[]>>();
