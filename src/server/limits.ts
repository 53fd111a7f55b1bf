import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLObjectType, type GraphQLSchema, type ValidationRule } from 'graphql';
import { requestStopped } from '../common/request-stopped';
import type { RequestLimits } from '../config';

/**
 * The shape limits of an operation, checked before anything runs, so a hostile query costs milliseconds:
 * aliases, depth, directives and graphql-armor's cost estimate (tokens: see startHttpServer's parseOptions). Each refusal names the limit and what the
 * operation came to ("Query Cost limit of 20000 exceeded, found 401904").
 */
export function operationLimits(limits: RequestLimits, options: { hideFieldSuggestions: boolean }): {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
} {
  const armor = new ApolloArmor({
    maxAliases: { n: limits.maxAliases, exposeLimits: true },
    // Fragments are flattened so that spreading one does not hide its depth or cost.
    maxDepth: { n: limits.maxDepth, exposeLimits: true, flattenFragments: true },
    // Tokens are counted by graphql-js's own parser (parseOptions.maxTokens): armor's plugin throws while
    // parsing, which Apollo answers with a 500.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.maxDirectives, exposeLimits: true },
    costLimit: { maxCost: limits.maxCost, exposeLimits: true, flattenFragments: true },
    // "Did you mean ...?" helps in the playground and maps the schema for an attacker in production.
    blockFieldSuggestion: { enabled: options.hideFieldSuggestions },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins: plugins as ApolloServerPlugin[], validationRules: validationRules as ValidationRule[] };
}


/**
 * `_entities` is a list argument like any other: the gateway sends one representation per parent, so a request
 * with more than `maxRepresentations` is a client's mistake (or an attack), refused before any SQL runs.
 */
export function limitRepresentations(schema: GraphQLSchema, maxRepresentations: number): GraphQLSchema {
  const entities = schema.getQueryType()?.getFields()._entities;
  const resolve = entities?.resolve;
  if (!entities || !resolve) return schema;
  entities.resolve = (source, args, context, info) => {
    const representations = (args as { representations?: unknown[] }).representations ?? [];
    if (representations.length > maxRepresentations) {
      throw new GraphQLError(`at most ${maxRepresentations} representations per request (got ${representations.length})`, {
        extensions: { code: 'BAD_USER_INPUT', field: ['representations'], limit: maxRepresentations },
      });
    }
    return resolve(source, args, context, info);
  };
  return schema;
}

/**
 * graphql-js cannot cancel an execution, so every resolver of ours checks its request's signal first: once the
 * deadline has passed or the client has gone, the fields not yet resolved fail at once instead of running more
 * SQL. (The SQL layer checks the same signal before each statement.) Default field resolvers are left alone:
 * they only read properties.
 */
export function stopWhenAborted(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || !('getFields' in type) || !('isTypeOf' in type)) continue;
    for (const field of Object.values((type as GraphQLObjectType).getFields())) {
      const resolve = field.resolve;
      if (!resolve) continue;
      field.resolve = (source, args, context: { signal?: AbortSignal }, info) => {
        if (context?.signal?.aborted) throw requestStopped(context.signal.reason);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
