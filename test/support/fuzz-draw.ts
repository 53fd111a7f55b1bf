import fc from 'fast-check';
import {
  getNamedType, isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLInputType, type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { entityTypes, keysOf, requiredFieldsOf, type Slot } from './fuzz-operations';
import { hintFor, scalarValues, templatesFor, weirdString, type FuzzPools, type ValuePair } from './fuzz-values';

/**
 * The values of one request's variables, drawn from the slots' types (fuzz-operations.ts makes the slots):
 * input objects walked, enums, lists, scalars (fuzz-values.ts), `_entities` representations from each entity
 * type's `@key` and `@requires` fields.
 */

/** The slot `_entities(representations:)` fills. */
const ENTITIES_OWNER = 'Query._entities';

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
    if (slot.owner === ENTITIES_OWNER) return this.representations(entityTypes, mode);
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
        if (slot.owner !== ENTITIES_OWNER) this.leaves(values[slot.variable], slot.type, slot.owner, slot.name, [slot.variable], leaves);
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
        // Lists made huge last: their copies are of the value as drawn, so that a value made extreme inside the
        // list (a 50,000-character string) is not repeated 10,001 times into a 500 MB body.
        chosen.sort((a, b) => Number(a.scalar === undefined) - Number(b.scalar === undefined));
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
