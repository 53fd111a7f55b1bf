import { getNamedType, isLeafType, isObjectType, parse } from 'graphql';
import { recordFieldsOf } from '../../src/records/record-fields';
import { recordResolvers } from '../../src/records/records.resolvers';
import { buildWarrantySchema } from '../../src/schema';
import { planRead } from '../../src/server/planned-reads';

/**
 * Which documents get a plan. A plan answers from the rows alone, so it must never be made for a field whose
 * value a resolver computes; everything else about equality with the general path is in
 * test/api/planned-reads.test.ts.
 */
describe('planned reads: which documents are planned', () => {
  const schema = buildWarrantySchema();
  const plan = (query: string) => planRead(schema, parse(query));
  const ENTITIES = (selection: string) => `query($r: [_Any!]!) { _entities(representations: $r) { ${selection} } }`;

  it('plain record fields are read as they are stored: no resolver, no arguments, a leaf', () => {
    const type = schema.getType('WarrantyRecord');
    if (!isObjectType(type)) throw new Error('WarrantyRecord is not an object type');
    const resolved = Object.keys(recordResolvers.WarrantyRecord ?? {});
    const fields = recordFieldsOf(schema)!;
    // Derived from the schema (records/record-fields.ts), pinned here so that a change to the set is seen in review.
    expect([...fields.plain].sort()).toEqual([
      'capacityKwh', 'expiresAt', 'freeServiceDateShift', 'id', 'installerId', 'productFamily', 'region', 'registeredAt',
      'registeredById', 'registrantRole', 'replacedAt', 'serialNumber', 'sku', 'tier', 'updatedAt', 'voidReason', 'voidedAt',
    ]);
    for (const name of fields.plain) {
      const field = type.getFields()[name];
      expect([name, field !== undefined]).toEqual([name, true]);
      expect([name, resolved.includes(name)]).toEqual([name, false]);
      expect([name, field.args.length]).toEqual([name, 0]);
      expect([name, isLeafType(getNamedType(field.type))]).toEqual([name, true]);
      // Its column is the property of the same name.
      expect([name, fields.reads.get(name)]).toEqual([name, [name]]);
    }
  });

  it.each([
    ['records', ENTITIES('... on WarrantyRecord { __typename id tier expiresAt }')],
    ['aliases and repeats', ENTITIES('... on WarrantyRecord { a: id id b: tier } ... on WarrantyRecord { id }')],
    ['the union as a condition', ENTITIES('__typename ... on _Entity { ... on WarrantyRecord { id } }')],
    ['cases with their warranty', ENTITIES('... on Case { __typename id warranty { id tier } w: warranty { expiresAt } }')],
    ['the lookup by variable', 'query($s: String!) { warranty(serialNumber: $s) { id voidedAt } }'],
    ['the lookup by literal, aliased', '{ unit: warranty(serialNumber: "SN-1") { __typename serialNumber } }'],
    ['the warranty check of a case', ENTITIES('... on Case { warranty { id } warrantyCheck { decision } }')],
    ['the check', 'query($i: CheckWarrantyInput!) { checkWarranty(input: $i) { decision reason coverages { active checks { check outcome } coverage { scope } } warranty { id } } }'],
  ])('plans %s', (_label, query) => {
    expect(plan(query)).not.toBeNull();
  });

  it.each([
    ['a mutation', 'mutation { voidWarranty(input: { id: "x", reason: "r" }) { userErrors { code } } }'],
    ['two operations', `${ENTITIES('... on WarrantyRecord { id }')} query B { __typename }`],
    ['a named fragment', `${ENTITIES('...F')} fragment F on WarrantyRecord { id }`],
    ['a directive on a field', ENTITIES('... on WarrantyRecord { id @skip(if: false) }')],
    ['a directive on a fragment', ENTITIES('... on WarrantyRecord @include(if: true) { id }')],
    ['a variable with a default', 'query($s: String! = "SN-1") { warranty(serialNumber: $s) { id } }'],
    ['a field with a resolver', ENTITIES('... on WarrantyRecord { id version }')],
    ['a field with arguments', ENTITIES('... on WarrantyRecord { id status }')],
    ['an object field', ENTITIES('... on WarrantyRecord { id site { countryCode } }')],
    ['a list of coverages', ENTITIES('... on WarrantyRecord { id coverages { scope } }')],
    ['a field of the check with a resolver', ENTITIES('... on Case { warrantyCheck { coverages { coverage { policy { id } } } } }')],
    ['the check with a literal input', '{ checkWarranty(input: { serialNumber: "A", repairDate: "2026-01-01" }) { decision } }'],
    ['two root fields', '{ a: warranty(serialNumber: "A") { id } b: warranty(serialNumber: "B") { id } }'],
    ['a root __typename beside the lookup', '{ __typename warranty(serialNumber: "A") { id } }'],
    ['another root field', '{ warranties(first: 5) { totalCount } }'],
    ['an invalid document', ENTITIES('... on WarrantyRecord { id nope }')],
    ['an unused variable', 'query($s: String!, $n: Int) { warranty(serialNumber: $s) { id } }'],
    ['a representations literal', '{ _entities(representations: [{ __typename: "WarrantyRecord", id: "x" }]) { ... on WarrantyRecord { id } } }'],
  ])('does not plan %s', (_label, query) => {
    expect(plan(query)).toBeNull();
  });

  it('reads only the keys and the columns it fills', () => {
    const records = plan(ENTITIES('... on WarrantyRecord { id tier } ... on Case { warranty { expiresAt } }'));
    expect([...(records?.recordSelection.properties ?? [])].sort()).toEqual(['expiresAt', 'id', 'serialNumber', 'tier']);
    const lookup = plan('{ warranty(serialNumber: "A") { voidReason } }');
    expect([...(lookup?.recordSelection.properties ?? [])].sort()).toEqual(['id', 'serialNumber', 'voidReason']);
  });
});
