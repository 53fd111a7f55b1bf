import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type GraphQLObjectType, type GraphQLSchema, type ValidationRule } from 'graphql';
import { isStopError, requestStopped, requestStoppedOnce } from '../common/request-stopped';
import type { RequestLimits } from '../config';
import type { RequestContext } from '../context';
import type { HeavySlots } from './heavy-slots';
import { costRule, operationCost, tooCostly } from './operation-cost';

/**
 * The shape limits of an operation, checked before anything runs, so a hostile query costs milliseconds:
 * aliases, depth, directives (graphql-armor) and the lower bound of our cost estimate without variables
 * (operation-cost.ts; tokens: see startHttpServer's parseOptions). Each refusal names the limit and what the
 * operation came to ("Query Cost limit of 20000 exceeded, found 401904"). The exact cost, with the variables and
 * representations, is checked by costPlugin.
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
    // Our own estimate (operation-cost.ts), which also counts variables and representations.
    costLimit: { enabled: false },
    // "Did you mean ...?" helps in the playground and maps the schema for an attacker in production.
    blockFieldSuggestion: { enabled: options.hideFieldSuggestions },
  });
  const { plugins, validationRules } = armor.protect();
  return { plugins: plugins as ApolloServerPlugin[], validationRules: [...(validationRules as ValidationRule[]), costRule(limits.maxCost)] };
}

/**
 * The exact cost estimate of the operation with its variables and `_entities` representations, once they are
 * known and before any resolver runs: over MAX_COST it is refused (HTTP 400, GRAPHQL_VALIDATION_FAILED, the
 * limit and the cost found). Over HEAVY_COST an authenticated request runs only while it holds one of the heavy
 * slots (heavy-slots.ts), given back when its response is sent. The planned reads run the same estimate
 * (planned-reads.ts).
 */
export function costPlugin(limits: Pick<RequestLimits, 'maxCost' | 'heavyCost'>, slots: HeavySlots): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      let release: (() => void) | undefined;
      let answered = false;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          const cost = operationCost({ schema, document, operation, variables: request.variables ?? {} });
          if (cost > limits.maxCost) throw tooCostly(cost, limits.maxCost);
          // An unauthenticated request is refused by the authentication plugin: it takes no slot.
          if (!contextValue.actor) return;
          if (cost <= limits.heavyCost) return slots.noteLight();
          const granted = await slots.take(contextValue.signal);
          // Answered meanwhile (another plugin refused the request): the slot goes back at once.
          if (answered) granted();
          else release = granted;
        },
        async willSendResponse() {
          answered = true;
          release?.();
        },
      };
    },
  };
}

/**
 * A stopped request answers with one REQUEST_TIMEOUT (or CLIENT_CLOSED_REQUEST) error, not one per field that
 * was not resolved, nor one per statement PostgreSQL cancelled for it; other errors stay. graphql-js's result
 * errors are the array Apollo Server formats next (requestContext.errors), so it is shortened in place.
 */
export const oneStopErrorPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        const stopped = contextValue.signal?.aborted ?? false;
        let first: GraphQLError | undefined;
        const kept: GraphQLError[] = [];
        for (const error of errors) {
          if (!isStopError(error, stopped)) kept.push(error);
          else first ??= error;
        }
        if (!first) return;
        // One error, at the first field where the work stopped (none when that was the whole request), keeping
        // the HTTP status the stop asked for (503 for a request that waited for a heavy slot until its deadline).
        const stop = requestStopped(contextValue.signal?.aborted ? contextValue.signal.reason : first.extensions?.code);
        const path = first.path?.length ? first.path : undefined;
        const http = first.extensions?.http;
        const one = new GraphQLError(first.path ? stop.message : first.message, {
          nodes: path ? first.nodes : undefined,
          path,
          extensions: { ...stop.extensions, ...(http ? { http } : {}) },
        });
        (errors as GraphQLError[]).splice(0, errors.length, ...kept, one);
      },
    };
  },
};


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
        if (context?.signal?.aborted) throw requestStoppedOnce(context.signal);
        return resolve(source, args, context, info);
      };
    }
  }
  return schema;
}
