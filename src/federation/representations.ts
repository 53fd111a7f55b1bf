import {
  getNamedType, GraphQLError, isLeafType, isUnionType, Kind, type GraphQLObjectType,
  type GraphQLResolveInfo, type GraphQLSchema,
} from 'graphql';
import { DomainError, toGraphQLError } from '../common/errors';
import { findBadInput } from '../common/input-guards';

/**
 * Checks each `_entities` representation before @apollo/subgraph sees it. The library throws a plain Error for
 * an unknown `__typename` (failing the whole batch as an internal error), and hands representations without
 * their keys, or with keys of the wrong type, to `__resolveReference` as they are. Here each one must be an
 * object naming one of this subgraph's entity types, carry every field of at least one of its `@key`s, and
 * every field it carries that the type declares must coerce to that field's type (an `openedAt` is a
 * DateTime in range, an `id` an ID). A bad one fails alone: its item is null with a BAD_USER_INPUT error whose
 * field is ["representations", i, ...]; the others resolve as usual, in one batch.
 */
export function guardEntityRepresentations(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const check = representationCheck(schema);
  if (!field?.resolve || !check) return;
  const entities = entityTypes(schema)!;

  // Each checked representation names a member of `_Entity`, always an object type, so its own type's
  // `__resolveReference` resolves it here, as the library's resolver would, but with `__typename` set by a plain
  // assignment: the library defines it with Object.defineProperty behind an extra promise per entity, 4 % of a
  // 100-entity request's CPU.
  const resolveEntity = (reference: Record<string, unknown>, context: unknown, info: GraphQLResolveInfo): unknown => {
    const type = entities.get(reference.__typename as string)!.type;
    const resolveReference = (type.extensions as { apollo?: { subgraph?: { resolveReference?: ReferenceResolver } } }).apollo?.subgraph
      ?.resolveReference;
    const result = resolveReference ? resolveReference(reference, context, info) : reference;
    return isPromiseLike(result) ? Promise.resolve(result).then((value) => withTypename(value, type.name)) : withTypename(result, type.name);
  };

  field.resolve = (_source, args, context, info) =>
    // graphql-js reports an Error in a list as that item's error, at its own path, and nulls the item.
    (args.representations as unknown[]).map((representation, index) => {
      const checked = check(representation, index);
      return 'error' in checked ? checked.error : resolveEntity(checked.value, context, info);
    });
}

/** What one representation checks to: the value `__resolveReference` gets (IDs coerced), or its BAD_USER_INPUT. */
export type RepresentationCheck = (representation: unknown, index: number) => { value: Record<string, unknown> } | { error: GraphQLError };

function entityTypes(schema: GraphQLSchema): Map<string, { type: GraphQLObjectType; keys: string[][] }> | null {
  const entityUnion = schema.getType('_Entity');
  if (!isUnionType(entityUnion)) return null;
  return new Map(entityUnion.getTypes().map((type) => [type.name, { type, keys: keyFieldSets(type) }]));
}

/**
 * The check of one representation (see guardEntityRepresentations), also used by the planned reads
 * (server/planned-reads.ts), which answer only for representations that pass it. Null without entity types.
 */
export function representationCheck(schema: GraphQLSchema): RepresentationCheck | null {
  const entities = entityTypes(schema);
  if (!entities) return null;
  const known = [...entities.keys()].sort().join(', ');

  // This runs for every representation of every request: nothing is allocated for one that passes but its
  // result (and a copy when an ID is coerced to another value).
  return function check(representation, index) {
    if (representation === null || typeof representation !== 'object' || Array.isArray(representation)) {
      return refusal(index, 'must be an object with a __typename');
    }
    const bad = findBadInput(representation, NO_PATH);
    if (bad) return refusal(index, `${bad.path.join('.')} ${bad.problem}`, bad.path.map(String));
    const given = representation as Record<string, unknown>;
    const entity = typeof given.__typename === 'string' ? entities.get(given.__typename) : undefined;
    if (!entity) {
      const name = JSON.stringify(typeof given.__typename === 'string' ? given.__typename.slice(0, 100) : given.__typename ?? null);
      return refusal(index, `__typename ${name} is not an entity type of this subgraph (${known})`, ['__typename']);
    }
    const fields = entity.type.getFields();
    let value = given;
    for (const key in given) {
      if (!Object.prototype.hasOwnProperty.call(given, key)) continue;
      const raw = given[key];
      const declared = fields[key];
      if (key === '__typename' || !declared || raw === null || raw === undefined) continue;
      const leaf = getNamedType(declared.type);
      if (!isLeafType(leaf)) continue;
      try {
        const coerced = leaf.parseValue(raw);
        if (coerced === undefined) throw new Error(`not a valid ${leaf.name}`);
        // An ID sent as a number is the string of it (GraphQL's own coercion); everything else stays as sent.
        if (leaf.name === 'ID' && coerced !== raw) {
          if (value === given) value = { ...given };
          value[key] = coerced;
        }
      } catch (error) {
        return refusal(index, `${key}: ${(error as Error).message}`, [key]);
      }
    }
    if (!entity.keys.some((keySet) => hasEveryKey(value, keySet))) {
      const wanted = entity.keys.map((keySet) => keySet.join(' and ')).join(' or ');
      return refusal(index, `a ${entity.type.name} representation needs ${wanted}`);
    }
    return { value };
  };
}

const NO_PATH: Array<string | number> = [];

/** BAD_USER_INPUT for representation `index`, its field `["representations", index, ...below]`. */
function refusal(index: number, message: string, below: string[] = []): { error: GraphQLError } {
  const path = ['representations', String(index), ...below];
  return { error: toGraphQLError(new DomainError('BAD_USER_INPUT', `representations[${index}]: ${message}`, path)) };
}

function hasEveryKey(value: Record<string, unknown>, keySet: readonly string[]): boolean {
  for (const key of keySet) if (value[key] === null || value[key] === undefined) return false;
  return true;
}

type ReferenceResolver = (reference: Record<string, unknown>, context: unknown, info: GraphQLResolveInfo) => unknown;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** The union's type resolution reads `__typename` from the resolved value; a value carrying another one is copied. */
function withTypename(value: unknown, typename: string): unknown {
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  if (object.__typename === typename) return object;
  if ('__typename' in object) return { ...object, __typename: typename };
  object.__typename = typename;
  return object;
}

/** The field names of each `@key(fields: "...")` of an entity type; this subgraph's keys are all flat. */
export function keyFieldSets(type: GraphQLObjectType): string[][] {
  const sets: string[][] = [];
  for (const node of [type.astNode, ...type.extensionASTNodes]) {
    for (const directive of node?.directives ?? []) {
      if (directive.name.value !== 'key') continue;
      const fields = directive.arguments?.find((a) => a.name.value === 'fields')?.value;
      if (fields?.kind !== Kind.STRING) continue;
      if (/[{}]/.test(fields.value)) throw new Error(`${type.name}: nested @key fields are not supported by the representation check`);
      sets.push(fields.value.split(/[\s,]+/).filter(Boolean));
    }
  }
  return sets;
}
