import { mutationPayload, queryResult } from '../common/errors';
import { authenticated } from '../auth/authenticated';
import type { Resolvers } from '../generated/graphql';
import { outboxStatusOf } from './outbox.service';

export const outboxResolvers: Resolvers = {
  Query: {
    outboxMessages: (_, { status, destination, first, after }, context) =>
      queryResult(() => context.services.outbox.list(authenticated(context).actor, { status, destination }, { first, after })),
  },
  Mutation: {
    retryOutboxMessage: async (_, { input }, context) => {
      const { message, userErrors } = await mutationPayload('message', () => context.services.outbox.retry(authenticated(context).actor, input.id));
      return { message, userErrors };
    },
  },
  OutboxMessage: {
    status: (message) => outboxStatusOf(message),
  },
};
