import {
  getNamedType, isEnumType, isInputObjectType, isLeafType, isListType, isNonNullType, isObjectType, isUnionType,
  parse, specifiedRules, validate, type GraphQLField, type GraphQLInputType, type GraphQLNamedType, type GraphQLObjectType,
  type GraphQLSchema, type ValidationRule,
} from 'graphql';

/**
 * The operations of the schema-driven fuzz, worked out from the schema itself: one per Query and Mutation root
 * field, one per entity type of `_entities`, and one per field of an entity that takes arguments or that this
 * subgraph adds to another's entity (Case, Customer, Product), reached through `_entities`. Every argument, at
 * any depth of the selection, is a variable whose values are drawn from its type (fuzz-draw.ts). A new field,
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
