import type { ApolloServerPlugin } from '@apollo/server';
import {
  coerceInputValue, GraphQLError, isInputType, isNonNullType, print, typeFromAST, type GraphQLFormattedError,
} from 'graphql';
import { isDatabaseUnavailable } from '../common/db-errors';

/** The code sent for a database outage: the request did nothing wrong and may be retried as it is. */
export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';

/**
 * The code an error reaches the client with: the one we (or Apollo) gave it, SERVICE_UNAVAILABLE when the
 * database could not be reached, else INTERNAL_SERVER_ERROR (a bug of ours). The request log uses it too.
 */
export function errorCode(error: unknown): string {
  const graphqlError = error instanceof GraphQLError ? error : null;
  const code = graphqlError?.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') return code;
  if (isDatabaseUnavailable(graphqlError ? (graphqlError.originalError ?? graphqlError) : error)) return SERVICE_UNAVAILABLE;
  return 'INTERNAL_SERVER_ERROR';
}

/** Errors we did not raise on purpose reach clients as a bare INTERNAL_SERVER_ERROR: no stack, no SQL. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const code = formatted.extensions?.code === 'INTERNAL_SERVER_ERROR' || formatted.extensions?.code === undefined ? errorCode(error) : formatted.extensions.code;
  if (code === 'INTERNAL_SERVER_ERROR') {
    return { message: 'Internal server error', path: formatted.path, extensions: { code } };
  }
  if (code === SERVICE_UNAVAILABLE) {
    return { message: 'the database is unavailable; retry later', path: formatted.path, extensions: { code, retryable: true } };
  }
  const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
  return { ...formatted, extensions };
}

/**
 * What graphql-js and Apollo leave to us around the errors:
 * - Variables are coerced here, before execution, so that a bad value (a Date out of range, an Int too large,
 *   a missing field) is refused as BAD_USER_INPUT with `field` = the variable path (["input", "sale",
 *   "invoiceDate"]); graphql-js would say the same in words only. The first problem is reported, HTTP 400.
 * - A response carrying SERVICE_UNAVAILABLE is an HTTP 503 as a whole, with Retry-After.
 */
export const graphqlErrorsPlugin: ApolloServerPlugin = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, operation, schema }) {
        const given = request.variables ?? {};
        for (const definition of operation?.variableDefinitions ?? []) {
          const name = definition.variable.name.value;
          const type = typeFromAST(schema, definition.type);
          if (!type || !isInputType(type)) continue; // validation has refused the document already
          const refuse = (path: readonly (string | number)[], message: string) => {
            const field = [name, ...path.map(String)];
            throw new GraphQLError(`$${name}${path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${message}`, {
              nodes: definition,
              extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
            });
          };
          if (!Object.hasOwn(given, name)) {
            if (isNonNullType(type) && !definition.defaultValue) refuse([], `a value of type ${print(definition.type)} is required`);
            continue;
          }
          coerceInputValue(given[name], type, (path, _invalid, error) => refuse(path, error.message));
        }
      },
      async willSendResponse({ response }) {
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
        if (errors?.some((e) => e.extensions?.code === SERVICE_UNAVAILABLE)) {
          response.http.status = 503;
          response.http.headers.set('retry-after', '5');
        }
      },
    };
  },
};
