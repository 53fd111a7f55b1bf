/**
 * Rows of an entity as a step of a shared statement (one-statement.ts): the columns the rows give, from the
 * entity's metadata, each value through the column's transformer as TypeORM would persist it, converted by
 * PostgreSQL into the table's own column types (`jsonb_populate_recordset(NULL::table, …)`). Columns a row does not
 * give take their defaults. A module writes its own entity's rows this way when its change goes in one statement
 * with others' (a claim with its lines, events and messages).
 */
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { ApplyValueTransformers } from 'typeorm/util/ApplyValueTransformers';
import type { WriteStep } from './one-statement';

export function entityRowsStep<T extends ObjectLiteral>(dataSource: DataSource, entity: EntityTarget<T>, rows: ReadonlyArray<Partial<T>>, name: string): WriteStep | null {
  if (rows.length === 0) return null;
  const metadata = dataSource.getMetadata(entity);
  // The columns the first row gives; every row must give the same ones (a bug otherwise).
  const columns = metadata.columns.filter((column) => !column.isVirtual && (rows[0] as ObjectLiteral)[column.propertyName] !== undefined);
  const given = new Set(columns.map((column) => column.propertyName));
  const json = rows.map((row, index) => {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(row)) {
      if ((row as ObjectLiteral)[key] !== undefined && !given.has(key) && metadata.findColumnWithPropertyName(key)) {
        throw new Error(`${metadata.tableName} row ${index}: ${key} is given but not in the first row`);
      }
    }
    for (const column of columns) {
      const value = (row as ObjectLiteral)[column.propertyName];
      if (value === undefined) throw new Error(`${metadata.tableName} row ${index}: ${column.propertyName} is missing`);
      const persisted = column.transformer ? ApplyValueTransformers.transformTo(column.transformer, value) : value;
      out[column.databaseName] = persisted instanceof Date ? persisted.toISOString() : persisted;
    }
    return out;
  });
  const list = columns.map((column) => `"${column.databaseName}"`).join(', ');
  const table = `"${metadata.tableName}"`;
  const sql = `INSERT INTO ${table} (${list})
    SELECT ${columns.map((column) => `x."${column.databaseName}"`).join(', ')}
    FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) WITH ORDINALITY AS x
    ORDER BY x.ordinality
    RETURNING 1`;
  return { ctes: [[name, sql]], params: [JSON.stringify(json)] };
}
