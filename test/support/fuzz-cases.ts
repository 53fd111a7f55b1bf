import fc from 'fast-check';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import { httpCases, token, type FuzzRequest } from './fuzz-http';
import { ValueFactory, type Mode } from './fuzz-draw';
import { entityTypes, render, type Document, type FuzzOperation, type OperationSet } from './fuzz-operations';
import type { FuzzPools } from './fuzz-values';

/** Values written into the document instead of variables, for this share of the requests (when short enough). */
const LITERAL_EVERY = 8;
const MAX_LITERAL_JSON = 20_000;
/** What the largest body sent may be: over the server's 2 MB limit, well under what the test can hold. */
const MAX_BODY_SENT = 3 * 1024 * 1024;
/** One request in this many is malformed at the HTTP level rather than in its values. */
const HTTP_EVERY = 25;

type Values = fc.Arbitrary<Record<string, unknown>>;

/** Values for a document's variables, one arbitrary per mode. */
function valuesFor(document: Document, factory: ValueFactory, entities: GraphQLObjectType[]): Record<Mode, Values> {
  const of = (mode: Mode) => fc.record(Object.fromEntries(document.slots.map((slot) => [slot.variable, factory.forSlot(slot, entities, mode)])));
  return { valid: of('valid'), edge: factory.edgeValues(document.slots, entities), mixed: of('mixed') };
}

/** Each request's mode: mostly well-typed values, so that most requests get past coercion into the services. */
const mode: fc.Arbitrary<Mode> = fc.oneof(
  { weight: 2, arbitrary: fc.constant('valid' as const) },
  { weight: 6, arbitrary: fc.constant('edge' as const) },
  { weight: 3, arbitrary: fc.constant('mixed' as const) },
);

/**
 * Every request the fuzz may send, drawn with one seed: an operation of the schema (each as likely as the next),
 * its light or full selection, values for its variables (sometimes written into the document), and a sender;
 * or now and then a request malformed at the HTTP level. `uncovered` lists the operations whose values cannot
 * be drawn (a scalar fuzz-values.ts does not know).
 */
export function fuzzCases(schema: GraphQLSchema, set: OperationSet, pools: FuzzPools): { arbitrary: fc.Arbitrary<FuzzRequest>; uncovered: OperationSet['uncovered'] } {
  const factory = new ValueFactory(schema, pools);
  const types = entityTypes(schema);
  const uncovered = [...set.uncovered];
  const drawable: Array<{ operation: FuzzOperation; light: Record<Mode, Values>; full: Record<Mode, Values> }> = [];
  for (const operation of set.operations) {
    const entities = types.filter((t) => operation.entities?.includes(t.name));
    try {
      drawable.push({ operation, light: valuesFor(operation.light, factory, entities), full: valuesFor(operation.full, factory, entities) });
    } catch (error) {
      uncovered.push({ what: operation.name, reason: (error as Error).message });
    }
  }
  // Mutations twice as often as the rest: they write, and their inputs are the largest.
  const weighted = drawable.flatMap((d) => (d.operation.name.startsWith('Mutation.') ? [d, d] : [d]));
  const graphql = fc.constantFrom(...weighted).chain(({ operation, light, full }) =>
    fc.tuple(fc.boolean(), fc.integer({ min: 1, max: LITERAL_EVERY }), token, mode).chain(([rich, literal, sender, how]) => {
      const document = rich ? operation.full : operation.light;
      return (rich ? full : light)[how].map((values): FuzzRequest => {
        const inline = literal === 1 && JSON.stringify(values).length <= MAX_LITERAL_JSON;
        const { query, variables } = render(document, values, inline);
        const body = JSON.stringify(inline ? { query } : { query, variables });
        return {
          operation: operation.name, method: 'POST', search: '', headers: { 'content-type': 'application/json' },
          // A body far over the server's limit is sent cut, still over it (a 413): the test's memory stays bounded.
          body: body.length > MAX_BODY_SENT ? body.slice(0, MAX_BODY_SENT) : body, token: sender,
        };
      });
    }),
  );
  const http = fc.tuple(httpCases(pools.serials[0] ?? 'FZ-1'), token).map(([request, sender]): FuzzRequest => ({ ...request, token: sender }));
  return { arbitrary: fc.oneof({ weight: HTTP_EVERY - 1, arbitrary: graphql }, { weight: 1, arbitrary: http }), uncovered };
}
