import { parse } from 'graphql';
import { buildWarrantySchema } from '../../src/schema';
import { operationCost, selectOperation, UNPAGED_LIST_SIZE } from '../../src/server/operation-cost';
import { planRead } from '../../src/server/planned-reads';

describe('the operation cost estimate', () => {
  const schema = buildWarrantySchema();
  const cost = (query: string, variables?: Record<string, unknown>) => {
    const document = parse(query);
    return operationCost({ schema, document, operation: selectOperation(document)!, variables });
  };

  it('multiplies a page by its size, literal, variable or default, and counts the lists of a connection once', () => {
    const page = (first: string) => `query($n: Int) { warranties(first: ${first}) { totalCount edges { node { id } } } }`;
    // warranties 1 + n × (totalCount 1 + edges (1 + node (1 + id 1)))
    expect(cost(page('7'), {})).toBe(1 + 7 * 4);
    expect(cost(page('$n'), { n: 7 })).toBe(1 + 7 * 4);
    expect(cost(page('$n'), {})).toBe(1 + 20 * 4); // the argument's default
    expect(cost(page('$n'))).toBe(1 + 1 * 4); // without variables: the lower bound
    expect(cost(`query($n: Int = 9) { warranties(first: $n) { edges { node { id } } } }`, {})).toBe(1 + 9 * 3);
  });

  it('counts a list without a page size as UNPAGED_LIST_SIZE items', () => {
    expect(cost(`{ warranty(serialNumber: "X") { coverages { id kind } } }`, {})).toBe(1 + 1 + UNPAGED_LIST_SIZE * 2);
  });

  it('multiplies each _entities selection by the representations of its type', () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on WarrantyRecord { id tier } ... on Case { id claims(first: 2) { edges { node { id } } } } } }`;
    const r = [
      ...Array.from({ length: 30 }, (_, i) => ({ __typename: 'WarrantyRecord', id: `${i}` })),
      ...Array.from({ length: 4 }, (_, i) => ({ __typename: 'Case', id: `${i}` })),
    ];
    // 1 + 30 × (__typename, id, tier) + 4 × (__typename, id, claims 1 + 2 × 3)
    expect(cost(query, { r })).toBe(1 + 30 * 3 + 4 * (2 + 1 + 2 * 3));
    // Without variables: none (the lower bound).
    expect(cost(query)).toBe(1);
  });

  it('flattens named fragments, and ignores introspection', () => {
    expect(cost(`{ warranties(first: 3) { ...Page } } fragment Page on WarrantyRecordConnection { edges { node { id } } }`, {})).toBe(1 + 3 * 3);
    expect(cost(`{ __schema { types { name fields { name } } } }`, {})).toBe(0);
  });
});

describe('a planned read\'s cost', () => {
  it('is what the estimate gives for the same representations', () => {
    const schema = buildWarrantySchema();
    const document = parse('query E($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { __typename id tier } ... on Case { id warranty { id expiresAt } } } }');
    const plan = planRead(schema, document)!;
    expect(plan).not.toBeNull();
    const r = [
      ...Array.from({ length: 7 }, (_, i) => ({ __typename: 'WarrantyRecord', id: `${i}` })),
      ...Array.from({ length: 3 }, (_, i) => ({ __typename: 'Case', id: `${i}`, serialNumber: 'X' })),
    ];
    const estimate = operationCost({ schema, document, operation: selectOperation(document)!, variables: { r } });
    const { base, perRepresentation } = plan.cost;
    expect(base + 7 * perRepresentation.get('WarrantyRecord')! + 3 * perRepresentation.get('Case')!).toBe(estimate);
  });
});
