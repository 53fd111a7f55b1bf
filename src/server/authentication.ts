import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { RequestContext } from '../context';

/** Root fields that reveal no data: the gateway composes from `_service { sdl }` without a token. */
const OPEN_ROOT_FIELDS = new Set(['_service', '__schema', '__type', '__typename']);

function onlyOpenFields(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every(
    (selection) => selection.kind === Kind.FIELD && OPEN_ROOT_FIELDS.has(selection.name.value),
  );
}

/**
 * A request without a valid token is refused as a whole with HTTP 401 (and `WWW-Authenticate: Bearer`), before
 * any resolver runs, unless it asks only for the schema. Resolvers still call `authenticated(context)`, so a
 * field can never be reached without an actor even if this plugin were left out.
 */
export const authenticationPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ contextValue, operation }) {
        if (contextValue.actor || (operation && onlyOpenFields(operation))) return;
        throw new GraphQLError(contextValue.authError ?? 'a valid bearer token is required', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      },
    };
  },
};
