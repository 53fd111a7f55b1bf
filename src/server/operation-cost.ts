import {
  getNamedType, getNullableType, GraphQLError, isAbstractType, isListType, isObjectType, Kind, valueFromASTUntyped,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLField,
  type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode, type ValidationRule, type ValueNode,
} from 'graphql';
import { MAX_PAGE_SIZE } from '../common/pagination';

/**
 * The one estimate of what an operation costs, with its variables and its `_entities` representations: the
 * number of fields the response may hold at most.
 *
 * - Every field selected counts 1, once per object it is selected on.
 * - A field with a `first` or `last` argument multiplies its whole selection by that page size: a literal, a
 *   variable's value, the variable's or the argument's default, and MAX_PAGE_SIZE when none is given. The lists
 *   inside a connection (`edges`, `nodes`) are that page, counted once.
 * - Any other list of objects counts UNPAGED_LIST_SIZE items (a unit's coverages, a claim's lines: a few each).
 * - `_entities` multiplies each `... on T` selection by the number of representations of type T.
 * - Introspection (`__schema`, `__type`) costs nothing; `__typename` counts 1.
 *
 * Without variables (the shape gate, before a request's variables are read) the estimate is a lower bound: a
 * variable page size counts as its default or 1, a variable list of representations as empty. The
 * exact estimate runs once the variables are known (costPlugin, and the planned reads before they answer), so
 * `first: $n` costs what `first: 100` costs.
 */

export const UNPAGED_LIST_SIZE = 5;
const PAGE_ARGUMENTS = ['first', 'last'];

export interface CostInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  /** The operation to run (the only one when the document has one). */
  operation: OperationDefinitionNode;
  /** The request's variables; undefined for the lower bound without them. */
  variables?: Readonly<Record<string, unknown>>;
}

export function operationCost({ schema, document, operation, variables }: CostInput): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const variableDefaults = new Map<string, ValueNode>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) variableDefaults.set(definition.variable.name.value, definition.defaultValue);
  }
  /** An argument's value as the resolver gets it; `undefined` when it is unknown (a variable without variables). */
  const valueOf = (node: ValueNode): unknown => {
    if (node.kind === Kind.VARIABLE) {
      const name = node.name.value;
      if (variables && Object.hasOwn(variables, name)) return variables[name];
      const fallback = variableDefaults.get(name);
      if (fallback) return valueFromASTUntyped(fallback);
      return variables ? null : undefined;
    }
    return valueFromASTUntyped(node, variables as Record<string, unknown> | undefined);
  };

  const root =
    operation.operation === 'query' ? schema.getQueryType() : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  if (!root) return 0;

  /** The fields of a selection set that apply to `type` (fragments flattened), each with its node. */
  const fieldsOf = (set: SelectionSetNode, type: GraphQLCompositeType, into: FieldNode[], seen: Set<string>): FieldNode[] => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        into.push(selection);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        if (!condition || applies(schema, condition, type)) fieldsOf(selection.selectionSet, type, into, seen);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // A fragment spread inside itself is a validation error; counting it once keeps this finite meanwhile.
        if (!fragment || seen.has(name) || !applies(schema, fragment.typeCondition.name.value, type)) continue;
        seen.add(name);
        fieldsOf(fragment.selectionSet, type, into, seen);
        seen.delete(name);
      }
    }
    return into;
  };

  const setCost = (set: SelectionSetNode, type: GraphQLCompositeType, inConnection: boolean): number => {
    // On an abstract type, the most expensive of its object types (`_entities` is handled by its field).
    if (isAbstractType(type)) {
      let most = 0;
      for (const object of schema.getPossibleTypes(type)) most = Math.max(most, setCost(set, object, inConnection));
      return most;
    }
    let cost = 0;
    for (const field of fieldsOf(set, type, [], new Set())) cost += fieldCost(field, type, inConnection);
    return cost;
  };

  const fieldCost = (node: FieldNode, parent: GraphQLCompositeType, inConnection: boolean): number => {
    const name = node.name.value;
    if (name === '__schema' || name === '__type') return 0;
    if (name === '__typename' || !node.selectionSet || !isObjectType(parent)) return 1;
    const definition = parent.getFields()[name];
    if (!definition) return 1;
    const named = getNamedType(definition.type) as GraphQLCompositeType;
    if (name === '_entities' && parent === root) return 1 + entitiesCost(node, named);
    const size = pageSize(node, definition);
    // The lists inside a connection (`edges`, `nodes`) are its page, counted once.
    const connection = size !== null && isObjectType(named) && 'pageInfo' in named.getFields();
    const items = size ?? (isListType(getNullableType(definition.type)) && !inConnection ? UNPAGED_LIST_SIZE : 1);
    return 1 + items * setCost(node.selectionSet, named, connection);
  };

  /** The page size of a field that takes `first`/`last`, or null for one that does not. */
  const pageSize = (node: FieldNode, definition: GraphQLField<unknown, unknown>): number | null => {
    let size: number | null = null;
    for (const argument of definition.args) {
      if (!PAGE_ARGUMENTS.includes(argument.name)) continue;
      const given = node.arguments?.find((a) => a.name.value === argument.name);
      let value: unknown = given ? valueOf(given.value) : argument.defaultValue;
      // Unknown (a variable, before the variables are read): its lower bound.
      if (value === undefined && given) value = 1;
      // null or absent without a default: the resolver pages with its own default, at most MAX_PAGE_SIZE.
      if (value === null || value === undefined) value = argument.defaultValue ?? MAX_PAGE_SIZE;
      const count = typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : MAX_PAGE_SIZE;
      size = Math.max(size ?? 0, count);
    }
    return size;
  };

  /** `_entities`: each type's selection times the representations of that type. */
  const entitiesCost = (node: FieldNode, union: GraphQLCompositeType): number => {
    const given = node.arguments?.find((a) => a.name.value === 'representations');
    const value = given ? valueOf(given.value) : undefined;
    const counts = new Map<string, number>();
    if (Array.isArray(value)) {
      for (const representation of value) {
        const typename = (representation as { __typename?: unknown } | null)?.__typename;
        const key = typeof typename === 'string' ? typename : '';
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    let cost = 0;
    for (const object of isAbstractType(union) ? schema.getPossibleTypes(union) : []) {
      // Unknown (no variables): none, the lower bound (a request may send representations of one type only).
      const count = Array.isArray(value) ? (counts.get(object.name) ?? 0) : 0;
      if (count > 0) cost += count * setCost(node.selectionSet!, object, false);
    }
    // A representation of no known type is refused when resolved; it still costs what its __typename would.
    const unknown = Array.isArray(value) ? value.length - [...counts].filter(([name]) => isObjectType(schema.getType(name))).reduce((sum, [, n]) => sum + n, 0) : 0;
    return cost + unknown;
  };

  return Math.ceil(setCost(operation.selectionSet, root, false));
}

function applies(schema: GraphQLSchema, condition: string, type: GraphQLCompositeType): boolean {
  if (condition === type.name) return true;
  const conditionType = schema.getType(condition);
  if (!conditionType || !isAbstractType(conditionType)) return false;
  return isObjectType(type) ? schema.isSubType(conditionType, type) : false;
}

/** The refusal of an operation over the limit: the limit and what the operation came to, before any SQL. */
export function tooCostly(cost: number, maxCost: number): GraphQLError {
  return new GraphQLError(`Query Cost limit of ${maxCost} exceeded, found ${cost}.`, {
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit: maxCost, cost, http: { status: 400 } },
  });
}

/**
 * The estimate as a validation rule, without variables: the shape gate refuses an operation whose lower bound is
 * over the limit before the request's variables are even read (and remembers the verdict for the text).
 */
export function costRule(maxCost: number): ValidationRule {
  return (context) => ({
    OperationDefinition(operation) {
      const cost = operationCost({ schema: context.getSchema(), document: context.getDocument(), operation });
      if (cost > maxCost) context.reportError(tooCostly(cost, maxCost));
    },
  });
}

/** The operation a request runs: the one named, or the only one. */
export function selectOperation(document: DocumentNode, operationName?: string | null): OperationDefinitionNode | null {
  let found: OperationDefinitionNode | null = null;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (operationName ? definition.name?.value === operationName : found === null) found = definition;
    else if (!operationName) return null;
  }
  return found;
}
