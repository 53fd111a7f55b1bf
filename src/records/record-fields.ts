/**
 * What each field of `WarrantyRecord` reads of the record, declared where the field is resolved.
 *
 * A module adds a field to `WarrantyRecord` in one place: the field in its schema part (`extend type WarrantyRecord`)
 * and, unless the field is a stored column of the same name, its resolver wrapped in `recordField(reads, resolve)`
 * in the module's resolvers, naming the record properties the resolver reads. From the built schema,
 * `describeRecordFields` then works out, once:
 * - **plain fields**: no resolver, no arguments, a scalar or enum, and a column of the record of the same name. They
 *   read their own column, and the planned reads (server/planned-reads.ts) answer them straight from the rows;
 * - **resolved fields**: what their `recordField` declaration says;
 * - **undeclared fields** (a resolver without a declaration, or a field that is not a column): every column is read.
 *   Slower, never wrong; a unit test lists them, so none is left that way.
 * Fields of other types whose resolvers work on whole records say so with `readsWholeRecords` (every column) or
 * `runsActiveCheck` (the active-warranty check, whose one statement also brings each unit's record).
 */
import { getMetadataArgsStorage } from 'typeorm';
import {
  getNamedType, isLeafType, isObjectType, type GraphQLField, type GraphQLFieldResolver, type GraphQLSchema,
} from 'graphql';
import { WarrantyRecord } from './warranty-record.entity';

export type RecordProperty = keyof WarrantyRecord & string;

export const RECORD_TYPE = 'WarrantyRecord';

/** The facts the warranty start is derived from (warranty-start.ts), read by every field that derives it. */
export const START_FACTS: readonly RecordProperty[] = [
  'warrantyDateShift', 'activationRecordDate', 'saleWarrantyActivationDate', 'saleInvoiceDate', 'supplyChainStage',
  'brokerInvoiceDate', 'productionDate',
];

const READS = Symbol('record properties a resolver reads');
const WHOLE = Symbol('a resolver that reads whole records');

type Marked = { [READS]?: readonly RecordProperty[]; [WHOLE]?: 'whole' | 'check' };
const CHECK_READS = Symbol('record properties the check reads');
type MarkedCheck = Marked & { [CHECK_READS]?: readonly RecordProperty[] };

/** A `WarrantyRecord` field's resolver with the record properties it reads. */
export function recordField<F>(reads: readonly RecordProperty[], resolve: F): F {
  (resolve as unknown as Marked)[READS] = reads;
  return resolve;
}

/** A resolver (on any type) that reads whole records of its units: a request selecting it reads every column. */
export function readsWholeRecords<F>(resolve: F): F {
  (resolve as unknown as Marked)[WHOLE] = 'whole';
  return resolve;
}

/**
 * A resolver that runs the active-warranty check, with the record properties the check itself reads: the check's
 * one statement brings each unit's record (those columns and what the request shows of the record) with its
 * coverages, and the request is marked so that the records are not read a second time.
 */
export function runsActiveCheck<F>(reads: readonly RecordProperty[], resolve: F): F {
  (resolve as unknown as MarkedCheck)[WHOLE] = 'check';
  (resolve as unknown as MarkedCheck)[CHECK_READS] = reads;
  return resolve;
}

export interface RecordFields {
  /** For each field of `WarrantyRecord` whose reads are known, the properties it reads. */
  reads: ReadonlyMap<string, readonly RecordProperty[]>;
  /** The plain fields: a stored column of the same name, no resolver, no arguments, a leaf. */
  plain: ReadonlySet<string>;
  /** Fields of any type (`Type.field`) that read whole records, and those that run the check with what it reads. */
  wholeRecords: ReadonlySet<string>;
  checks: ReadonlyMap<string, readonly RecordProperty[]>;
  /** Fields of `WarrantyRecord` with a resolver but no declaration, or neither a resolver nor a column. */
  undeclared: readonly string[];
}

declare module 'graphql' {
  interface GraphQLObjectTypeExtensions {
    /** Set on `WarrantyRecord` by describeRecordFields. */
    recordFields?: RecordFields;
  }
}

/** The record's stored properties (its TypeORM columns). */
function recordColumns(): Set<string> {
  const columns = getMetadataArgsStorage().columns.filter((column) => column.target === WarrantyRecord);
  return new Set(columns.map((column) => column.propertyName));
}

/**
 * Works out the record fields from the schema as built (before any wrapper replaces its resolvers) and keeps them
 * on the `WarrantyRecord` type, where recordFieldsOf finds them for the life of the schema.
 */
export function describeRecordFields(schema: GraphQLSchema): RecordFields | null {
  const type = schema.getType(RECORD_TYPE);
  if (!isObjectType(type)) return null;
  const columns = recordColumns();
  const reads = new Map<string, readonly RecordProperty[]>();
  const plain = new Set<string>();
  const undeclared: string[] = [];
  for (const field of Object.values(type.getFields())) {
    const declared = markOf(field)?.[READS];
    if (declared) reads.set(field.name, declared);
    else if (!field.resolve && field.args.length === 0 && isLeafType(getNamedType(field.type)) && columns.has(field.name)) {
      plain.add(field.name);
      reads.set(field.name, [field.name as RecordProperty]);
    } else if (field.name !== '__typename') undeclared.push(field.name);
  }
  reads.set('__typename', []);
  const wholeRecords = new Set<string>();
  const checks = new Map<string, readonly RecordProperty[]>();
  for (const named of Object.values(schema.getTypeMap())) {
    if (!isObjectType(named) || named.name.startsWith('__')) continue;
    for (const field of Object.values(named.getFields())) {
      const mark = markOf(field) as MarkedCheck | undefined;
      if (mark?.[WHOLE] === 'whole') wholeRecords.add(`${named.name}.${field.name}`);
      if (mark?.[WHOLE] === 'check') checks.set(`${named.name}.${field.name}`, mark[CHECK_READS] ?? []);
    }
  }
  const fields: RecordFields = { reads, plain, wholeRecords, checks, undeclared };
  type.extensions = { ...type.extensions, recordFields: fields };
  return fields;
}

function markOf(field: GraphQLField<unknown, unknown>): Marked | undefined {
  return field.resolve as (GraphQLFieldResolver<unknown, unknown> & Marked) | undefined;
}

/** The record fields of a schema built by buildWarrantySchema (null for a schema without `WarrantyRecord`). */
export function recordFieldsOf(schema: GraphQLSchema): RecordFields | null {
  const type = schema.getType(RECORD_TYPE);
  if (!isObjectType(type)) return null;
  const fields = type.extensions.recordFields;
  if (!fields) throw new Error('the schema was built without describeRecordFields (schema.ts does it)');
  return fields;
}
