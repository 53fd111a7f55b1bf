import { defaultFieldResolver, getNamedType, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { DomainError, toGraphQLError, type UserError } from './errors';
import { findBadInput, type InputBounds } from './input-guards';

/** The request's bounds (now plus the clock skew for `ObservedAt`), from its context. */
export type BoundsOf = (context: unknown) => InputBounds;

/**
 * Wraps every resolver that takes arguments with the checks of input-guards.ts (strings, the date range, literals a
 * scalar refused, observed instants against the request's now), on the coerced arguments: one place covers
 * variables and literals alike, every operation and every nested field, and the field path is the argument path
 * (["input", "sale", "invoiceDate"]). A mutation whose payload has `userErrors` answers there, as its own
 * DomainErrors do; any other field fails with a BAD_USER_INPUT GraphQL error.
 * `skip` names fields that check their arguments themselves (`Query._entities`, per representation).
 */
export function guardArguments(schema: GraphQLSchema, skip: ReadonlySet<string> = new Set(), boundsOf?: BoundsOf): void {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0 || skip.has(`${type.name}.${field.name}`)) continue;
      const returnType = getNamedType(field.type);
      const hasUserErrors = isObjectType(returnType) && 'userErrors' in returnType.getFields();
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const bad = findBadInput(args, [], boundsOf?.(context));
        if (!bad) return resolve(source, args, context, info);
        const path = bad.path.map(String);
        const refusal = new DomainError('BAD_USER_INPUT', `${path.join('.')} ${bad.problem}`, path);
        if (hasUserErrors) {
          const userError: UserError = { code: refusal.code, field: path, message: refusal.message };
          return { userErrors: [userError] };
        }
        throw toGraphQLError(refusal);
      };
    }
  }
}
