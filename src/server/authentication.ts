import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { Actor } from '../auth/actor';
import { InvalidTokenError, type TokenVerifier } from '../auth/tokens';
import type { RequestContext } from '../context';

/**
 * The caller named by an `Authorization: Bearer <token>` header, or why the header was refused: null and null when
 * there is none. GraphQL requests, the webhooks and the export all read the header through this one function.
 */
export async function identify(authorization: string | undefined, verifyToken: TokenVerifier): Promise<{ actor: Actor | null; authError: string | null }> {
  if (!authorization) return { actor: null, authError: null };
  const match = /^Bearer\s+(\S+)$/i.exec(authorization);
  if (!match) return { actor: null, authError: 'the Authorization header must be "Bearer <token>"' };
  try {
    return { actor: await verifyToken(match[1]), authError: null };
  } catch (error) {
    if (error instanceof InvalidTokenError) return { actor: null, authError: error.message };
    throw error;
  }
}

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
