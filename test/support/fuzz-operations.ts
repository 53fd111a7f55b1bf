import fc from 'fast-check';
import {
  getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType, isScalarType, isUnionType,
  parse, specifiedRules, validate, type GraphQLField, type GraphQLInputType, type GraphQLNamedType, type GraphQLObjectType,
  type GraphQLSchema, type ValidationRule,
} from 'graphql';
import { hintFor, scalarValues, templatesFor, weirdString, type FuzzPools, type ValuePair } from './fuzz-values';

/**
 * The operations of the schema-driven fuzz, worked out from the schema itself: one per Query and Mutation root
 * field, one per entity type of `_entities`, and one per field of an entity that takes arguments or that this
 * subgraph adds to another's entity (Case, Customer, Product), reached through `_entities`. Every argument, at
 * any depth of the selection, is a variable whose values are drawn from its type (fuzz-values.ts). A new field,
 * argument or input type is fuzzed without anyone writing anything; a type the fuzz cannot fill in makes the
 * field "uncovered", which the coverage test refuses.
 */

export interface Slot {
  variable: string;
  type: GraphQLInputType;
  /** Whose argument: `Parent.field`, or `representations` for `_entities`. */
  owner: string;
  name: string;
}

/** A node of a selection: a field with its argument slots and sub-selection, or an inline fragment (`on`). */
interface Node {
  field?: string;
  alias?: string;
  on?: string;
  args: Array<{ name: string; slot: Slot }>;
  sub?: Node[];
}

export interface Document {
  kind: 'query' | 'mutation';
  root: Node;
  slots: Slot[];
}

export interface FuzzOperation {
  name: string;
  /** What this operation reaches: `Query.x`, `Mutation.x`, `_entities:Type`, `Type.field`. */
  covers: string[];
  /** A cheap selection and the richest one the shape limits accept. */
  light: Document;
  full: Document;
  /** For `_entities` operations: the types its representations are drawn for. */
  entities?: string[];
}

export interface OperationSet {
  operations: FuzzOperation[];
  /** Root fields, entity types and entity fields the fuzz could not build an operation for, and why. */
  uncovered: Array<{ what: string; reason: string }>;
  /** Everything the schema says must be covered. */
  required: string[];
}

const ENTITIES_FIELD = '_entities';

/** The field sets of `@key` and `@requires` directives, as the subgraph schema keeps them on the AST. */
function directiveFieldSets(nodes: ReadonlyArray<{ directives?: ReadonlyArray<any> } | null | undefined>, name: string): string[] {
  const sets: string[] = [];
  for (const node of nodes) {
    for (const directive of node?.directives ?? []) {
      if (directive.name.value !== name) continue;
      const fields = directive.arguments?.find((a: any) => a.name.value === 'fields')?.value?.value;
      if (typeof fields === 'string') sets.push(fields);
    }
  }
  return sets;
}

export function entityTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  const union = schema.getType('_Entity');
  return union && isUnionType(union) ? [...union.getTypes()] : [];
}

/** The `@key` field sets of an entity type, each a list of plain field names. */
export function keysOf(type: GraphQLObjectType): string[][] {
  return directiveFieldSets([type.astNode, ...(type.extensionASTNodes ?? [])], 'key').map((set) => set.split(/\s+/).filter(Boolean));
}

/** The fields this subgraph needs from the owning subgraph (`@requires`), e.g. Case.serialNumber. */
export function requiredFieldsOf(type: GraphQLObjectType): string[] {
  const names = new Set<string>();
  for (const field of Object.values(type.getFields())) {
    for (const set of directiveFieldSets([field.astNode], 'requires')) for (const name of set.split(/\s+/)) if (name) names.add(name);
  }
  return [...names];
}

const isExternal = (field: GraphQLField<unknown, unknown>) => (field.astNode?.directives ?? []).some((d) => d.name.value === 'external');

class Builder {
  private count = 0;
  readonly slots: Slot[] = [];

  private readonly byArgument = new Map<string, Slot>();

  /** The variable of an argument: one per argument of a field, however often the field is selected. */
  slot(owner: string, name: string, type: GraphQLInputType): Slot {
    const key = `${owner}.${name}`;
    let slot = this.byArgument.get(key);
    if (!slot) {
      slot = { variable: `v${this.count++}`, type, owner, name };
      this.byArgument.set(key, slot);
      this.slots.push(slot);
    }
    return slot;
  }

  fieldNode(parent: GraphQLObjectType, field: GraphQLField<unknown, unknown>, depth: number, light: boolean): Node | null {
    const named = getNamedType(field.type);
    if (!isLeafType(named) && depth <= 1) return null;
    const args = field.args.map((arg) => ({ name: arg.name, slot: this.slot(`${parent.name}.${field.name}`, arg.name, arg.type) }));
    if (isLeafType(named)) return { field: field.name, args };
    return { field: field.name, args, sub: this.selection(named, depth - 1, light) };
  }

  /** Every field of `type` down to `depth` levels of objects (light: a few leaves, and only `userErrors`, `edges`, `node`). */
  selection(type: GraphQLNamedType, depth: number, light: boolean): Node[] {
    if (isUnionType(type)) {
      return [{ field: '__typename', args: [] }, ...type.getTypes().map((member) => ({ on: member.name, args: [], sub: this.selection(member, depth, light) }))];
    }
    if (!isObjectType(type)) return [{ field: '__typename', args: [] }];
    const nodes: Node[] = [];
    let leaves = 0;
    for (const field of Object.values(type.getFields())) {
      if (field.name.startsWith('__')) continue;
      const leaf = isLeafType(getNamedType(field.type));
      if (light) {
        if (leaf && (leaves >= 3 || field.args.length > 0)) continue;
        if (!leaf && !['userErrors', 'edges', 'node', 'warranty', 'claim'].includes(field.name)) continue;
      }
      const node = this.fieldNode(type, field, depth, light);
      if (node) {
        nodes.push(node);
        if (leaf) leaves++;
      }
    }
    return nodes.length > 0 ? nodes : [{ field: '__typename', args: [] }];
  }
}

function rootDocument(schema: GraphQLSchema, kind: 'query' | 'mutation', fieldName: string, depth: number, light: boolean): Document {
  const rootType = (kind === 'query' ? schema.getQueryType() : schema.getMutationType())!;
  const builder = new Builder();
  const node = builder.fieldNode(rootType, rootType.getFields()[fieldName], depth + 1, light)!;
  return { kind, root: { args: [], sub: [node] }, slots: builder.slots };
}

/** `_entities` with an inline fragment on `type` selecting `fields` (all of them when omitted). */
function entitiesDocument(schema: GraphQLSchema, type: GraphQLObjectType, fields: string[] | null, depth: number, light: boolean): Document {
  const builder = new Builder();
  const entities = schema.getQueryType()!.getFields()[ENTITIES_FIELD];
  const representations = builder.slot(`Query.${ENTITIES_FIELD}`, 'representations', entities.args[0].type);
  const sub = fields
    ? fields.map((name) => builder.fieldNode(type, type.getFields()[name], depth, light)).filter((n): n is Node => n !== null)
    : builder.selection(type, depth, light);
  const fragment: Node = { on: type.name, args: [], sub: [{ field: '__typename', args: [] }, ...sub] };
  return { kind: 'query', root: { args: [], sub: [{ field: ENTITIES_FIELD, args: [{ name: 'representations', slot: representations }], sub: [fragment] }] }, slots: builder.slots };
}

// ------------------------------------------------------------------ rendering

/** A GraphQL literal for a value drawn for `type` (hostile values included: they are written as they are). */
export function literalOf(value: unknown, type: GraphQLInputType | null): string {
  const inner = type && isNonNullType(type) ? type.ofType : type;
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) {
    const item = inner && isListType(inner) ? inner.ofType : null;
    return `[${value.map((v) => literalOf(v, item)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = inner && isInputObjectType(inner) ? inner.getFields() : {};
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${/^[_A-Za-z][_0-9A-Za-z]*$/.test(k) ? k : JSON.stringify(k)}: ${literalOf(v, fields[k]?.type ?? null)}`).join(', ')}}`;
  }
  if (typeof value === 'string') {
    const named = inner ? getNamedType(inner) : null;
    if (named && isEnumType(named) && /^[_A-Za-z][_0-9A-Za-z]*$/.test(value) && !['true', 'false', 'null'].includes(value)) return value;
    return JSON.stringify(value);
  }
  return String(value);
}

function renderNode(node: Node, write: (slot: Slot) => string | null): string {
  const args = node.args.map((a) => {
    const value = write(a.slot);
    return value === null ? null : `${a.name}: ${value}`;
  }).filter((a): a is string => a !== null);
  const head = node.on ? `... on ${node.on}` : `${node.alias ? `${node.alias}: ` : ''}${node.field}${args.length > 0 ? `(${args.join(', ')})` : ''}`;
  return node.sub ? `${head} { ${node.sub.map((s) => renderNode(s, write)).join(' ')} }` : head;
}

/**
 * The document text and variables for drawn values: each slot a variable (`$v3`), or with `literals` each value
 * written into the document (a slot left undefined drops its argument).
 */
export function render(document: Document, values: Record<string, unknown>, literals: boolean): { query: string; variables: Record<string, unknown> } {
  const variables: Record<string, unknown> = {};
  const definitions = new Set<string>();
  const write = (slot: Slot): string | null => {
    const value = values[slot.variable];
    if (literals) return value === undefined ? null : literalOf(value, slot.type);
    definitions.add(`$${slot.variable}: ${String(slot.type)}`);
    if (value !== undefined) variables[slot.variable] = value;
    return `$${slot.variable}`;
  };
  const body = document.root.sub!.map((n) => renderNode(n, write)).join(' ');
  const query = `${document.kind}${definitions.size > 0 ? `(${[...definitions].join(', ')})` : ''} { ${body} }`;
  return { query, variables };
}

// ------------------------------------------------------------------ the operations

/** Whether a document passes the standard rules and the server's shape limits, with every slot a variable. */
function accepted(schema: GraphQLSchema, rules: readonly ValidationRule[], document: Document, maxTokens: number): boolean {
  try {
    const { query } = render(document, {}, false);
    return validate(schema, parse(query, { maxTokens }), [...specifiedRules, ...rules]).length === 0;
  } catch {
    return false;
  }
}

/** The richest document (deepest selection) the limits accept, from `deepest` levels down. */
function richest(make: (depth: number) => Document, ok: (d: Document) => boolean, deepest: number): Document | null {
  for (let depth = deepest; depth >= 1; depth--) {
    const document = make(depth);
    if (ok(document)) return document;
  }
  return null;
}

export function buildOperations(schema: GraphQLSchema, shapeRules: readonly ValidationRule[], maxTokens: number, options: { depth?: number } = {}): OperationSet {
  const depth = options.depth ?? 3;
  const ok = (d: Document) => accepted(schema, shapeRules, d, maxTokens);
  const operations: FuzzOperation[] = [];
  const uncovered: OperationSet['uncovered'] = [];
  const required: string[] = [];
  const add = (name: string, covers: string[], make: (depth: number, light: boolean) => Document, entityNames?: string[]) => {
    const full = richest((d) => make(d, false), ok, depth);
    const light = richest((d) => make(d, true), ok, 2);
    if (!full || !light) uncovered.push({ what: name, reason: 'no selection of it passes validation and the shape limits' });
    else operations.push({ name, covers, full, light, entities: entityNames });
  };

  for (const kind of ['query', 'mutation'] as const) {
    const rootType = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
    for (const field of Object.values(rootType?.getFields() ?? {})) {
      const name = `${rootType!.name}.${field.name}`;
      required.push(name);
      if (field.name === ENTITIES_FIELD) continue; // below, one operation per entity type
      add(name, [name], (d, light) => rootDocument(schema, kind, field.name, d, light));
    }
  }

  const entities = entityTypes(schema);
  for (const type of entities) {
    const name = `_entities:${type.name}`;
    required.push(name);
    add(name, [name, `Query.${ENTITIES_FIELD}`], (d, light) => entitiesDocument(schema, type, null, d, light), [type.name]);
    // The fields an entity's parents are asked for one by one: every field that takes arguments, and every
    // field of an entity this subgraph only adds a few fields to (another subgraph's: Case, Customer, Product).
    const keys = keysOf(type).flat();
    const own = Object.values(type.getFields()).filter((f) => !keys.includes(f.name) && !isExternal(f));
    const extendsAnother = own.length <= 5;
    for (const field of own) {
      if (field.args.length === 0 && !extendsAnother) continue;
      const fieldName = `${type.name}.${field.name}`;
      required.push(fieldName);
      add(fieldName, [fieldName, name, `Query.${ENTITIES_FIELD}`], (d, light) => entitiesDocument(schema, type, [field.name], d + 1, light), [type.name]);
    }
  }
  // Every entity type at once, as a gateway batches them.
  if (entities.length > 0) {
    add('_entities:*', [`Query.${ENTITIES_FIELD}`], (d, light) => {
      // Each type's fields under aliases of their own: Case.claims and WarrantyRecord.claims differ in type.
      const document = entitiesDocument(schema, entities[0], null, d, light);
      const fragments = document.root.sub![0].sub!;
      const builder = new Builder();
      for (const type of entities.slice(1)) fragments.push({ on: type.name, args: [], sub: builder.selection(type, d, light) });
      // (only the names two types share with another type or with arguments: the aliases are limited).
      const shapes = new Map<string, Set<string>>();
      for (const fragment of fragments) {
        for (const node of fragment.sub ?? []) {
          const field = (schema.getType(fragment.on!) as GraphQLObjectType).getFields()[node.field!];
          const shape = field ? `${String(field.type)}${node.args.length > 0 || node.sub ? '*' : ''}` : '';
          shapes.set(node.field!, (shapes.get(node.field!) ?? new Set()).add(shape));
        }
      }
      for (const fragment of fragments) {
        for (const node of fragment.sub ?? []) {
          const shared = shapes.get(node.field!)!;
          if (shared.size > 1 || [...shared].some((shape) => shape.endsWith('*'))) node.alias = `${fragment.on}_${node.field}`;
        }
      }
      for (const slot of builder.slots) slot.variable = `w${slot.variable}`;
      return { ...document, slots: [...document.slots, ...builder.slots] };
    }, entities.map((t) => t.name));
  }
  return { operations, uncovered, required };
}

// ------------------------------------------------------------------ values for the slots

/**
 * How hostile one request is: `valid` every value what a client would send; `edge` the same with one or two
 * values (a scalar at any depth, or a list made huge) replaced by an extreme one of the right type, so that the
 * request passes coercion and the first checks and meets the services with it; `mixed` anything: nulls for
 * non-null fields, missing keys, wrong types, junk lists, hostile strings and numbers anywhere.
 */
export type Mode = 'valid' | 'edge' | 'mixed';
export const MODES: Mode[] = ['valid', 'edge', 'mixed'];

const ABSENT = Symbol('absent');
const NUMERIC = new Set(['Int', 'Float', 'Decimal', 'Date', 'DateTime']);

interface Leaf {
  path: Array<string | number>;
  edge: fc.Arbitrary<unknown>;
  /** The scalar's name; none for a list. */
  scalar?: string;
}

function setIn(target: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let at: any = target;
  for (const key of path.slice(0, -1)) at = at[key];
  at[path[path.length - 1]] = value;
}

export class ValueFactory {
  private readonly memo = new Map<string, fc.Arbitrary<unknown>>();
  constructor(
    private readonly schema: GraphQLSchema,
    private readonly pools: FuzzPools,
  ) {}

  /** Values for one slot: absent now and then when it may be, else drawn from its type. */
  forSlot(slot: Slot, entityTypes: GraphQLObjectType[], mode: Mode): fc.Arbitrary<unknown> {
    if (slot.owner === `Query.${ENTITIES_FIELD}`) return this.representations(entityTypes, mode);
    const value = this.input(slot.type, slot.owner, slot.name, mode === 'mixed' ? 'mixed' : 'valid', 0);
    return isNonNullType(slot.type) ? value : fc.option(value, { nil: undefined, freq: 4 });
  }

  private pair(scalar: string, owner: string, name: string): ValuePair {
    const pair = hintFor(owner, name, scalar, this.pools) ?? scalarValues(scalar);
    if (!pair) throw new Error(`no values for the scalar ${scalar} (${owner}.${name}): add it to fuzz-values.ts`);
    return pair;
  }

  private scalar(scalar: string, owner: string, name: string, mode: Mode): fc.Arbitrary<unknown> {
    const pair = this.pair(scalar, owner, name);
    if (mode === 'valid') return pair.valid;
    if (mode === 'edge') return fc.oneof({ weight: 3, arbitrary: pair.valid }, { weight: 1, arbitrary: pair.edge });
    return fc.oneof({ weight: 6, arbitrary: pair.valid }, { weight: 2, arbitrary: pair.edge }, { weight: 1, arbitrary: pair.hostile });
  }

  input(type: GraphQLInputType, owner: string, name: string, mode: Mode, depth: number): fc.Arbitrary<unknown> {
    const key = `${String(type)}|${owner}|${name}|${mode}|${depth}`;
    let arbitrary = this.memo.get(key);
    if (!arbitrary) {
      arbitrary = this.build(type, owner, name, mode, depth);
      this.memo.set(key, arbitrary);
    }
    return arbitrary;
  }

  private build(type: GraphQLInputType, owner: string, name: string, mode: Mode, depth: number): fc.Arbitrary<unknown> {
    if (depth > 6) return fc.constant(null);
    if (isNonNullType(type)) {
      const inner = this.input(type.ofType, owner, name, mode, depth);
      return mode !== 'mixed' ? inner : fc.oneof({ weight: 30, arbitrary: inner }, { weight: 1, arbitrary: fc.constant(null) });
    }
    if (isListType(type)) {
      const item = this.input(type.ofType, owner, name, mode, depth + 1);
      if (mode === 'valid') return fc.array(item, { maxLength: 3 });
      // A huge list, of one value repeated so that the body stays under the limit.
      const huge = this.huge(this.input(type.ofType, owner, name, 'valid', depth + 1));
      return fc.oneof(
        { weight: 60, arbitrary: fc.array(item, { maxLength: 4 }) },
        { weight: 8, arbitrary: item },
        { weight: 4, arbitrary: fc.constant(null) },
        { weight: 2, arbitrary: huge },
        { weight: 1, arbitrary: weirdString },
      );
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const shape = Object.fromEntries(fields.map((f) => [f.name, this.input(f.type, type.name, f.name, mode, depth + 1)]));
      const requiredKeys = fields.filter((f) => isNonNullType(f.type) && f.defaultValue === undefined).map((f) => f.name);
      // Each optional field present two times in five: "one of warrantyId and serialNumber" is then often met.
      const complete = fc
        .tuple(...fields.map((f) => (requiredKeys.includes(f.name) ? shape[f.name] : fc.oneof({ weight: 3, arbitrary: fc.constant(ABSENT) }, { weight: 2, arbitrary: shape[f.name] }))))
        .map((values) => Object.fromEntries(fields.map((f, i) => [f.name, values[i]]).filter(([, v]) => v !== ABSENT)));
      if (mode !== 'mixed') {
        const templates = templatesFor(type.name, this.pools);
        return templates && templates.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...templates) }, { weight: 1, arbitrary: complete }) : complete;
      }
      return fc.oneof(
        { weight: 40, arbitrary: complete },
        { weight: 2, arbitrary: fc.record(shape, { requiredKeys: [] }) },
        { weight: 1, arbitrary: fc.tuple(complete, fc.constantFrom('nope', '__proto__', 'constructor', 'id')).map(([o, k]) => ({ ...(o as object), [k]: 1 })) },
        { weight: 1, arbitrary: fc.oneof(weirdString, fc.integer(), fc.constant([])) },
      );
    }
    if (isEnumType(type)) {
      const values = type.getValues().map((v) => v.name);
      if (mode !== 'mixed') return fc.constantFrom(...values);
      return fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...values) },
        { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...values.map((v) => v.toLowerCase()), 'NOPE', '', 'null'), weirdString, fc.integer()) },
      );
    }
    if (isScalarType(type)) return this.scalar(type.name, owner, name, mode);
    throw new Error(`cannot draw values of ${String(type)}`);
  }

  /** A list of many copies of one value: as long as the limits allow and one more, the body under its limit. */
  private huge(item: fc.Arbitrary<unknown>): fc.Arbitrary<unknown[]> {
    return fc.tuple(item, fc.constantFrom(1_000, 5_000, 10_000, 10_001)).map(([v, n]) => Array.from({ length: n }, () => v));
  }

  /**
   * Valid values for the slots, then one value anywhere inside them replaced by an extreme one; sometimes with
   * every value of the same type beside it too (a line's quantity and unit price both huge, whose product
   * overflows where neither does alone), or with a second value elsewhere.
   */
  edgeValues(slots: Slot[], entityTypes: GraphQLObjectType[]): fc.Arbitrary<Record<string, unknown>> {
    const base = fc.record(Object.fromEntries(slots.map((slot) => [slot.variable, this.forSlot(slot, entityTypes, 'edge')])));
    return base.chain((values) => {
      const leaves: Leaf[] = [];
      for (const slot of slots) {
        if (slot.owner !== `Query.${ENTITIES_FIELD}`) this.leaves(values[slot.variable], slot.type, slot.owner, slot.name, [slot.variable], leaves);
      }
      if (leaves.length === 0) return fc.constant(values);
      // Numbers, amounts, dates and instants three times in four: their extremes reach the arithmetic, the
      // calendar and the columns, where a string's (NUL, a lone surrogate) meets the one guard every string does.
      const numeric = leaves.map((leaf, k) => (leaf.scalar && NUMERIC.has(leaf.scalar) ? k : -1)).filter((k) => k >= 0);
      const index = numeric.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...numeric) }, { weight: 1, arbitrary: fc.nat(leaves.length - 1) }) : fc.nat(leaves.length - 1);
      return fc.tuple(index, index, fc.constantFrom('one', 'siblings', 'siblings', 'two')).chain(([i, j, how]) => {
        const chosen = [leaves[i]];
        const parent = (leaf: Leaf) => JSON.stringify(leaf.path.slice(0, -1));
        if (how === 'siblings') chosen.push(...leaves.filter((l, k) => k !== i && l.scalar !== undefined && l.scalar === leaves[i].scalar && parent(l) === parent(leaves[i])));
        if (how === 'two' && j !== i) chosen.push(leaves[j]);
        return fc.tuple(...chosen.map((leaf) => leaf.edge)).map((replacements) => {
          const out = structuredClone(values);
          chosen.forEach((leaf, k) => setIn(out, leaf.path, replacements[k]));
          return out;
        });
      });
    });
  }

  /** Every place in a value where an extreme one can go: its scalars (set or not) and its lists. */
  private leaves(value: unknown, type: GraphQLInputType, owner: string, name: string, path: Array<string | number>, out: Leaf[]): void {
    if (isNonNullType(type)) return this.leaves(value, type.ofType, owner, name, path, out);
    if (isListType(type)) {
      if (!Array.isArray(value)) return;
      out.push({ path, edge: this.huge(value.length > 0 ? fc.constant(value[0]) : this.input(type.ofType, owner, name, 'valid', 1)) });
      value.forEach((item, index) => this.leaves(item, type.ofType, owner, name, [...path, index], out));
      return;
    }
    if (isInputObjectType(type)) {
      if (value === null || typeof value !== 'object') return;
      for (const field of Object.values(type.getFields())) {
        // Only the fields given: one the value left out is often one its other fields exclude (a PART line's hours).
        const inner = (value as Record<string, unknown>)[field.name];
        if (inner !== undefined) this.leaves(inner, field.type, type.name, field.name, [...path, field.name], out);
      }
      return;
    }
    if (isScalarType(type)) out.push({ path, edge: this.pair(type.name, owner, name).edge, scalar: type.name });
  }

  /** One representation of an entity type: its `@key` fields and the `@requires` fields, drawn from their types. */
  representation(type: GraphQLObjectType, mode: Mode): fc.Arbitrary<Record<string, unknown>> {
    const fields = type.getFields();
    const valueOf = (name: string) => {
      const named = getNamedType(fields[name].type);
      return isScalarType(named) ? this.scalar(named.name, type.name, name, mode) : fc.constant(null);
    };
    const extra = requiredFieldsOf(type);
    return fc.constantFrom(...keysOf(type)).chain((key) => {
      const shape: Record<string, fc.Arbitrary<unknown>> = { __typename: fc.constant(type.name) };
      for (const name of key) shape[name] = valueOf(name);
      for (const name of extra) if (!key.includes(name)) shape[name] = valueOf(name);
      return fc.record(shape, { requiredKeys: mode === 'mixed' ? ['__typename'] : ['__typename', ...key] });
    });
  }

  private representations(types: GraphQLObjectType[], mode: Mode): fc.Arbitrary<unknown> {
    const mine = fc.oneof(...types.map((t) => this.representation(t, mode)));
    // As many as a gateway may send, and one more.
    const many = fc.tuple(fc.oneof(...types.map((t) => this.representation(t, 'valid'))), fc.constantFrom(100, 500, 501)).map(([r, n]) => Array.from({ length: n }, () => r));
    if (mode === 'valid') return fc.array(mine, { minLength: 1, maxLength: 8 });
    if (mode === 'edge') return fc.oneof({ weight: 40, arbitrary: fc.array(mine, { minLength: 1, maxLength: 8 }) }, { weight: 1, arbitrary: many });
    const stray = fc.oneof(
      ...entityTypes(this.schema).map((t) => this.representation(t, 'mixed')),
      fc.record({ __typename: fc.oneof(fc.constantFrom('Nope', 'Query', 'Mutation', 'Coverage', 'String', '', 'warrantyrecord'), weirdString, fc.integer(), fc.constant(null)), id: fc.uuid() }),
      fc.oneof(fc.integer(), weirdString, fc.constant(null), fc.constant([]), fc.constant({})),
    );
    const item = fc.oneof({ weight: 12, arbitrary: mine }, { weight: 1, arbitrary: stray });
    return fc.oneof(
      { weight: 60, arbitrary: fc.array(item, { minLength: 1, maxLength: 8 }) },
      { weight: 3, arbitrary: item },
      { weight: 2, arbitrary: fc.constantFrom([], null) },
      { weight: 1, arbitrary: many },
    );
  }
}
