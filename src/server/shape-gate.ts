import { createHash } from 'node:crypto';
import { GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';

/**
 * The shape limits (aliases, depth, directives, cost), checked on the query text before Apollo Server sees it,
 * and remembered per text. Inside Apollo they run in the same pass as graphql-js's 27 standard rules, and a
 * refused document is never cached: the 100-alias `warranties … history` query cost ~27 ms of CPU every time it
 * was sent (parse 3.5, standard rules 18, limits 5), so three clients sending it back to back took a core and a
 * half and made a simple lookup 5× slower. Here a text seen before costs one hash; a new one a parse and the
 * limit rules only. Accepted texts go on to Apollo, which parses, validates and caches them as before.
 *
 * An accepted text may also get a plan (`plan`, given by the caller: server/planned-reads.ts), worked out from
 * the same parse and remembered with the verdict, so a request for a planned read costs the same one hash.
 */
export interface ShapeGate<Plan = never> {
  /** The limit errors of a query text, or null when it is within the limits (or does not parse: Apollo says why). */
  refusal(query: string): readonly GraphQLError[] | null;
  /** The refusal, and for an accepted text the plan `plan` made of it (null: none). */
  inspect(query: string): Verdict<Plan>;
}

export interface Verdict<Plan> {
  refusal: readonly GraphQLError[] | null;
  plan: Plan | null;
}

export interface ShapeGateOptions<Plan> {
  /** Verdicts remembered; the oldest goes first. */
  capacity?: number;
  /** Called once per accepted text with its parsed document. */
  plan?: (document: DocumentNode) => Plan | null;
}

const MAX_KEY_LENGTH = 4_096;
const UNPARSED: Verdict<never> = Object.freeze({ refusal: null, plan: null });

export function createShapeGate<Plan = never>(
  schema: GraphQLSchema,
  rules: readonly ValidationRule[],
  maxTokens: number,
  options: ShapeGateOptions<Plan> = {},
): ShapeGate<Plan> {
  const capacity = options.capacity ?? 2_000;
  const verdicts = new Map<string, Verdict<Plan>>();
  const inspect = (query: string): Verdict<Plan> => {
    // Short texts (every real operation) are their own key; a long one is remembered by its hash, so that the
    // map's memory stays bounded.
    const key = query.length <= MAX_KEY_LENGTH ? query : `sha256:${createHash('sha256').update(query).digest('base64')}`;
    const known = verdicts.get(key);
    if (known !== undefined) return known;
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens });
    } catch {
      return UNPARSED;
    }
    const errors = validate(schema, document, rules);
    const verdict: Verdict<Plan> =
      errors.length > 0 ? { refusal: errors, plan: null } : { refusal: null, plan: options.plan?.(document) ?? null };
    // A plain bounded map: the oldest verdict goes first. Valid operations are few and come back often.
    if (verdicts.size >= capacity) verdicts.delete(verdicts.keys().next().value!);
    verdicts.set(key, verdict);
    return verdict;
  };
  return { inspect, refusal: (query) => inspect(query).refusal };
}
