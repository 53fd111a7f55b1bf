import {
  getNamedType, getNullableType, isAbstractType, isLeafType, isListType, isNonNullType, isObjectType, Kind, specifiedRules, validate,
  type DocumentNode, type FieldNode, type GraphQLField, type GraphQLLeafType, type GraphQLObjectType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { keyFieldSets } from '../federation/representations';
import { recordFieldsOf } from '../records/record-fields';
import { recordSelectionFor, type RecordProperties, type RecordSelection } from '../records/record-selection';
import { operationCost } from './operation-cost';

/**
 * Planned reads: the few documents the gateway sends most, answered straight from the rows instead of through
 * graphql-js's general executor and Apollo Server's request pipeline.
 *
 * `_entities` for `WarrantyRecord` references (by id or serial number) and for `Case → warranty` and
 * `Case → warrantyCheck`, `warranty(serialNumber:)` and `checkWarranty(input:)`, selecting only plain record
 * fields (stored columns without a resolver, derived from the schema by records/record-fields.ts), `__typename`,
 * a Case's key fields, and the fields of the check's answer that have no resolver of their own (the engine's
 * result as the general path returns it, read by graphql-js's default resolver). For these the executor's
 * work per request (coercing 100 representations, resolving and completing 300 fields, building paths and
 * promises for each) was about half the subgraph's CPU, with the answer fully decided by the rows. A plan is worked out once per query text, from a document that passed the same validation Apollo
 * runs (the standard rules and the shape limits), and says for each entity type which response keys to fill
 * from which properties, serialised by the schema's own scalar and enum types.
 *
 * The rule that keeps the two paths the same: a plan answers only when it can give exactly what the general
 * path would, and otherwise hands the request over *before anything is written*: a representation that fails
 * its check, a type it has no plan for, a value the executor would turn into an error (a null in a non-null
 * field), a failed or stopped SQL statement, more representations than allowed, no caller. The request then
 * runs through Apollo Server with the same request context, so the rows already loaded are not read again and
 * the error, status and log line are the general path's own. The SQL is the same either way: the same
 * loaders, the same statement budget, the same tenancy. `test/api/planned-reads.test.ts` sends the same
 * requests with plans on and off and compares every byte and SQL count.
 */

/** How one response key of an object is filled. */
export type Projection =
  | { kind: 'typename'; key: string; value: string }
  | { kind: 'leaf'; key: string; property: string; type: GraphQLLeafType; nonNull: boolean }
  /** `Case.warranty`: the unit of the case's serial number, or null. */
  | { kind: 'record'; key: string; fields: Projection[] }
  /** `Case.warrantyCheck`: the check of the case's unit on the day the case was opened, or null. */
  | { kind: 'check'; key: string; fields: Projection[] }
  /** A field without a resolver whose value is an object (or a list of them): the default resolver's property. */
  | { kind: 'object'; key: string; property: string; nonNull: boolean; list: { itemNonNull: boolean } | null; fields: Projection[] };

export type Root =
  | { kind: 'entities'; key: string; variable: string; byType: ReadonlyMap<string, Projection[]> }
  | { kind: 'lookup'; key: string; serialNumber: { variable: string } | { value: string }; fields: Projection[] }
  /** `checkWarranty(input: $variable)`: the field and operation, for coercing the variables as graphql-js does. */
  | { kind: 'check'; key: string; field: GraphQLField<unknown, unknown>; node: FieldNode; operation: OperationDefinitionNode; fields: Projection[] };

export interface PlannedRead {
  /** The operation's own name, which a request's `operationName` must match when it gives one. */
  operationName: string | null;
  /** The schema the plan was made on (a check coerces its variables by it). */
  schema: GraphQLSchema;
  root: Root;
  /** The record columns to read, as the record-selection plugin would work them out. */
  recordSelection: Required<RecordSelection>;
  /**
   * The operation's cost estimate (operation-cost.ts), worked out once from the same function: a planned read
   * selects no pages, so its cost is a base plus a fixed amount per representation of each type.
   */
  cost: { base: number; perRepresentation: ReadonlyMap<string, number> };
}

export const RECORD = 'WarrantyRecord';
export const CASE = 'Case';
const CHECK = 'WarrantyCheck';
/** Entity types a plan can answer for, with the fields of theirs it fills. */
const ENTITY_TYPES = [RECORD, CASE];

/** A plan for a document, or null when it is not one of the planned shapes (the general path runs it). */
export function planRead(schema: GraphQLSchema, document: DocumentNode): PlannedRead | null {
  if (document.definitions.length !== 1) return null;
  const operation = document.definitions[0];
  if (operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return null;
  if (operation.directives?.length) return null;
  if (operation.variableDefinitions?.some((v) => v.defaultValue || v.directives?.length)) return null;
  const queryType = schema.getQueryType();
  if (!queryType) return null;

  const rootFields = new Map<string, FieldNode[]>();
  if (!collectFields(schema, queryType, operation.selectionSet, rootFields) || rootFields.size !== 1) return null;
  const [[key, nodes]] = [...rootFields];
  if (nodes.length !== 1) return null;
  const [field] = nodes;
  const args = field.arguments ?? [];
  if (args.length !== 1 || !field.selectionSet) return null;
  const [arg] = args;

  let root: Root;
  if (field.name.value === '_entities' && arg.name.value === 'representations' && arg.value.kind === Kind.VARIABLE) {
    // Every selection must be one a plan can fill, for each type it can answer for; a representation of any
    // other type (a Product) hands the request over.
    const byType = new Map<string, Projection[]>();
    for (const name of ENTITY_TYPES) {
      const type = schema.getType(name);
      const fields = isObjectType(type) ? project(schema, type, [field.selectionSet]) : null;
      if (!fields) return null;
      byType.set(name, fields);
    }
    root = { kind: 'entities', key, variable: arg.value.name.value, byType };
  } else if (field.name.value === 'warranty' && arg.name.value === 'serialNumber') {
    const record = schema.getType(RECORD);
    const fields = isObjectType(record) ? project(schema, record, [field.selectionSet]) : null;
    if (!fields) return null;
    if (arg.value.kind === Kind.VARIABLE) root = { kind: 'lookup', key, serialNumber: { variable: arg.value.name.value }, fields };
    else if (arg.value.kind === Kind.STRING) root = { kind: 'lookup', key, serialNumber: { value: arg.value.value }, fields };
    else return null;
  } else if (field.name.value === 'checkWarranty' && arg.name.value === 'input' && arg.value.kind === Kind.VARIABLE) {
    const check = schema.getType(CHECK);
    const definition = queryType.getFields().checkWarranty;
    const fields = isObjectType(check) && definition ? project(schema, check, [field.selectionSet]) : null;
    if (!fields) return null;
    root = { kind: 'check', key, field: definition, node: field, operation: operation as OperationDefinitionNode, fields };
  } else {
    return null;
  }

  // Only a document Apollo would accept: the shape limits ran already (shape-gate.ts); here the standard rules.
  if (validate(schema, document, specifiedRules).length > 0) return null;
  const selection = recordSelectionFor(schema, document, operation as OperationDefinitionNode);
  // A plan that checks reads records in the check's statement, as the general path does; with a
  // WarrantyRecord representation beside, that path reads those through the record loaders as well: not planned.
  const checks = root.kind === 'check' || (root.kind === 'entities' && (root.byType.get(CASE) ?? []).some((f) => f.kind === 'check'));
  if (selection.checks !== checks) return null;
  if (checks && root.kind === 'entities') root = { ...root, byType: new Map([...root.byType].filter(([name]) => name !== RECORD)) };
  // Only the keys rows are matched by and the columns the plan fills: none of the general path's resolvers
  // runs for these fields, so they need nothing else (and if the plan hands over, the same fields are filled
  // from the same rows).
  const properties = new Set<string>(['id', 'serialNumber']);
  const addProperties = (fields: readonly Projection[]) => {
    for (const field of fields) {
      if (field.kind === 'leaf') properties.add(field.property);
      if (field.kind === 'record') addProperties(field.fields);
    }
  };
  if (root.kind === 'lookup') {
    addProperties(root.fields);
  } else if (root.kind === 'entities') {
    addProperties(root.byType.get(RECORD) ?? []);
    for (const field of root.byType.get(CASE) ?? []) if (field.kind === 'record') addProperties(field.fields);
  }
  const recordSelection = checks ? selection : { properties: properties as RecordProperties, checks: false, policies: selection.policies };
  const costWith = (variables: Record<string, unknown>) => operationCost({ schema, document, operation: operation as OperationDefinitionNode, variables });
  const base = root.kind === 'entities' ? costWith({ [root.variable]: [] }) : costWith({});
  const perRepresentation = new Map<string, number>();
  if (root.kind === 'entities') for (const name of root.byType.keys()) perRepresentation.set(name, costWith({ [root.variable]: [{ __typename: name }] }) - base);
  return { operationName: operation.name?.value ?? null, schema, root, recordSelection, cost: { base, perRepresentation } };
}

/**
 * The fields graphql-js would execute on an object of `type` for these selection sets, by response key in
 * its order (first occurrence), fragments flattened as its CollectFields does. False for what a plan does not
 * handle: directives and named fragments.
 */
function collectFields(schema: GraphQLSchema, type: GraphQLObjectType, set: SelectionSetNode, into: Map<string, FieldNode[]>): boolean {
  for (const selection of set.selections) {
    if (selection.directives?.length) return false;
    if (selection.kind === Kind.FIELD) {
      const key = selection.alias?.value ?? selection.name.value;
      const same = into.get(key);
      if (same) same.push(selection);
      else into.set(key, [selection]);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition?.name.value;
      if (condition && !appliesTo(schema, condition, type)) continue;
      if (!collectFields(schema, type, selection.selectionSet, into)) return false;
    } else {
      return false;
    }
  }
  return true;
}

function appliesTo(schema: GraphQLSchema, condition: string, type: GraphQLObjectType): boolean {
  if (condition === type.name) return true;
  const conditionType = schema.getType(condition);
  return isAbstractType(conditionType) && schema.isSubType(conditionType, type);
}

/**
 * The fields a plan fills straight from its object, derived from the schema: a record's plain fields (stored
 * columns without a resolver: records/record-fields.ts), a case's key fields (from its representation), and on
 * the check's answer (WarrantyCheck and the types below it) every field without a resolver of its own.
 */
function plainFields(schema: GraphQLSchema, type: GraphQLObjectType): ReadonlySet<string> {
  if (type.name === RECORD) return recordFieldsOf(schema)?.plain ?? new Set();
  if (type.name === CASE) return new Set(keyFieldSets(type).flat().filter((name) => !type.getFields()[name]?.resolve));
  return new Set(Object.values(type.getFields()).filter((field) => !field.resolve).map((field) => field.name));
}

function project(schema: GraphQLSchema, type: GraphQLObjectType, sets: readonly SelectionSetNode[]): Projection[] | null {
  const fields = new Map<string, FieldNode[]>();
  for (const set of sets) if (!collectFields(schema, type, set, fields)) return null;
  const projections: Projection[] = [];
  for (const [key, nodes] of fields) {
    const name = nodes[0].name.value;
    if (nodes.some((node) => node.arguments?.length)) return null;
    if (name === '__typename') {
      projections.push({ kind: 'typename', key, value: type.name });
      continue;
    }
    const definition = type.getFields()[name];
    if (!definition) return null;
    const plain = plainFields(schema, type).has(name);
    const named = getNamedType(definition.type);
    if (plain && isLeafType(named)) {
      projections.push({ kind: 'leaf', key, property: name, type: named, nonNull: isNonNullType(definition.type) });
      continue;
    }
    const record = schema.getType(RECORD);
    if (type.name === CASE && name === 'warranty' && isObjectType(record) && !isNonNullType(definition.type)) {
      const sub = project(schema, record, nodes.map((node) => node.selectionSet!));
      if (!sub) return null;
      projections.push({ kind: 'record', key, fields: sub });
      continue;
    }
    const check = schema.getType(CHECK);
    if (type.name === CASE && name === 'warrantyCheck' && isObjectType(check) && !isNonNullType(definition.type)) {
      const sub = project(schema, check, nodes.map((node) => node.selectionSet!));
      if (!sub) return null;
      projections.push({ kind: 'check', key, fields: sub });
      continue;
    }
    // An object (or a list of objects, one level) that the default resolver reads from the parent's property.
    if (plain && type.name !== RECORD && type.name !== CASE && isObjectType(named)) {
      const nullable = getNullableType(definition.type);
      let list: { itemNonNull: boolean } | null = null;
      if (isListType(nullable)) {
        if (isListType(getNullableType(nullable.ofType))) return null;
        list = { itemNonNull: isNonNullType(nullable.ofType) };
      }
      const sub = project(schema, named, nodes.map((node) => node.selectionSet!));
      if (!sub) return null;
      projections.push({ kind: 'object', key, property: name, nonNull: isNonNullType(definition.type), list, fields: sub });
      continue;
    }
    return null;
  }
  return projections;
}
