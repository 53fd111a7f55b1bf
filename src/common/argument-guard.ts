import {
  defaultFieldResolver, getNamedType, isNonNullType, isObjectType, type GraphQLField, type GraphQLFieldResolver, type GraphQLOutputType, type GraphQLSchema,
} from 'graphql';
import { DomainError, toGraphQLError, type UserError } from './errors';
import { findBadInput, type InputBounds } from './input-guards';

/** The request's bounds (now plus the clock skew for `ObservedAt`), from its context. */
export type BoundsOf = (context: unknown) => InputBounds;

/**
 * Wraps every resolver that takes arguments with the checks of input-guards.ts (strings, the date range, literals a
 * scalar refused, observed instants against the request's now), on the coerced arguments: one place covers variables and literals alike, every operation and every nested field, and the
 * field path is the argument path (["input", "sale", "invoiceDate"]). The refusal is, by one rule for every field
 * (`refusesWithUserErrors`):
 * - a payload of `{ userErrors: [the refusal] }`, as the mutation's own DomainErrors answer, when the payload
 *   can be read from that alone: it has `userErrors`, and each other non-null field has a resolver of its own
 *   (the module says what it reads when refused: UpsertProductReferencesPayload's counts are 0). Nullable
 *   fields read null.
 * - otherwise a BAD_USER_INPUT GraphQL error on the field, with `field`. A payload with other non-null fields
 *   and no resolvers for them (`accepted: Int!`, `dryRun: Boolean!`) cannot say "refused" without inventing
 *   values; answering `{ userErrors }` there failed the response as an internal error.
 * `skip` names fields that check their arguments themselves (`Query._entities`, per representation).
 */
export function guardArguments(schema: GraphQLSchema, skip: ReadonlySet<string> = new Set(), boundsOf?: BoundsOf): void {
  const guarded: Array<{ field: GraphQLField<unknown, unknown>; answersWithUserErrors: boolean }> = [];
  // Decided for every field before any resolver is wrapped: wrapping gives a payload's fields resolvers too.
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0 || skip.has(`${type.name}.${field.name}`)) continue;
      guarded.push({ field, answersWithUserErrors: refusesWithUserErrors(field.type) });
    }
  }
  for (const { field, answersWithUserErrors } of guarded) {
    const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
    field.resolve = (source, args, context, info) => {
      const bad = findBadInput(args, [], boundsOf?.(context));
      if (!bad) return resolve(source, args, context, info);
      const path = bad.path.map(String);
      const refusal = new DomainError('BAD_USER_INPUT', `${path.join('.')} ${bad.problem}`, path);
      if (answersWithUserErrors) {
        const userError: UserError = { code: refusal.code, field: path, message: refusal.message };
        return { userErrors: [userError] };
      }
      throw toGraphQLError(refusal);
    };
  }
}

/** Whether a field of this type can answer a refusal as `{ userErrors }` alone: see guardArguments. */
export function refusesWithUserErrors(type: GraphQLOutputType): boolean {
  const payload = getNamedType(type);
  if (!isObjectType(payload)) return false;
  const fields = payload.getFields();
  return 'userErrors' in fields && Object.values(fields).every((field) => field.name === 'userErrors' || !isNonNullType(field.type) || field.resolve !== undefined);
}
