import { createHash } from 'node:crypto';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

/**
 * The shape limits (aliases, depth, directives, cost), checked on the query text before Apollo Server sees it,
 * and remembered per text. Inside Apollo they run in the same pass as graphql-js's 27 standard rules, and a
 * refused document is never cached: the 100-alias `warranties … history` query cost ~27 ms of CPU every time it
 * was sent (parse 3.5, standard rules 18, limits 5), so three clients sending it back to back took a core and a
 * half and made a simple lookup 5× slower. Here a text seen before costs one hash; a new one a parse and the
 * limit rules only. Accepted texts go on to Apollo, which parses, validates and caches them as before.
 */
export interface ShapeGate {
  /** The limit errors of a query text, or null when it is within the limits (or does not parse: Apollo says why). */
  refusal(query: string): readonly GraphQLError[] | null;
}

export function createShapeGate(schema: GraphQLSchema, rules: readonly ValidationRule[], maxTokens: number, capacity = 2_000): ShapeGate {
  const verdicts = new Map<string, readonly GraphQLError[] | null>();
  return {
    refusal(query) {
      const key = createHash('sha256').update(query).digest('base64');
      const known = verdicts.get(key);
      if (known !== undefined) return known;
      let document: DocumentNode;
      try {
        document = parse(query, { maxTokens });
      } catch {
        return null;
      }
      const errors = validate(schema, document, rules);
      const verdict = errors.length > 0 ? errors : null;
      // A plain bounded map: the oldest verdict goes first. Valid operations are few and come back often.
      if (verdicts.size >= capacity) verdicts.delete(verdicts.keys().next().value!);
      verdicts.set(key, verdict);
      return verdict;
    },
  };
}
