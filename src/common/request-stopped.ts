import { GraphQLError } from 'graphql';

/** Why a request's work was stopped: its deadline passed, or its client went away. */
const STOPPED: Record<string, string> = {
  REQUEST_TIMEOUT: 'the request ran out of time',
  CLIENT_CLOSED_REQUEST: 'the client closed the request',
};

/** The typed error a field (or an SQL statement) fails with once its request has been stopped. */
export function requestStopped(reason: unknown): GraphQLError {
  const code = typeof reason === 'string' && reason in STOPPED ? reason : 'REQUEST_TIMEOUT';
  return new GraphQLError(`${STOPPED[code]}; nothing more was done for it`, { extensions: { code, retryable: true } });
}
