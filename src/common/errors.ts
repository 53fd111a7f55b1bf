import { GraphQLError } from 'graphql';

/** The stable refusal codes (docs/RULES.md, "Error codes"). */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'BAD_USER_INPUT'
  | 'DUPLICATE_SERIAL'
  | 'NO_POLICY'
  | 'WARRANTY_VOIDED'
  | 'WARRANTY_EXPIRED'
  | 'EXTENSION_CLIFF'
  | 'EXTENSION_WINDOW_CLOSED'
  | 'TIER_NOT_OFFERED'
  | 'ALREADY_EXTENDED'
  | 'INVALID_TRANSITION'
  | 'READING_REQUIRED'
  | 'IDEMPOTENCY_CONFLICT'
  | 'WARRANTY_NOT_STARTED'
  | 'ALREADY_CLAIMED'
  | 'CASE_TAKEN'
  | 'CASE_ALREADY_LINKED'
  | 'DUPLICATE_VERSION'
  | 'UNKNOWN_LABOUR_OPERATION'
  | 'LABOUR_OPERATION_NOT_FOR_UNIT'
  | 'RETURN_NOT_AUTHORISED'
  | 'RETURN_NOT_RECEIVED'
  | 'RETURN_STEP_CONFLICT'
  | 'NO_AFFECTED_UNITS'
  | 'CAMPAIGN_CODE_TAKEN'
  | 'UNKNOWN_CAMPAIGN'
  | 'CAMPAIGN_UNIT_NOT_AFFECTED'
  | 'CAMPAIGN_UNIT_NOT_OPEN'
  | 'CAMPAIGN_ALREADY_CLAIMED'
  | 'CAMPAIGN_OUT_OF_PERIOD'
  | 'UNKNOWN_SUPPLIER'
  | 'CONTRACT_OVERLAP';

/**
 * A business-rule refusal. Services throw it before writing anything (or inside the transaction, which then
 * rolls back); mutations turn it into `userErrors`, queries into a GraphQL error with `extensions.code`.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string[],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Several refusals of one request at once (every bad line of a claim), reported together. */
export class DomainErrors extends DomainError {
  constructor(readonly errors: readonly DomainError[]) {
    super(errors[0].code, errors[0].message, errors[0].field);
    this.name = 'DomainErrors';
  }
}

export interface UserError {
  code: ErrorCode;
  field?: string[] | null;
  message: string;
}

export function toGraphQLError(error: DomainError): GraphQLError {
  return new GraphQLError(error.message, { extensions: { code: error.code, field: error.field } });
}

export function unauthenticated(message = 'a valid bearer token is required'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

/** A refusal (or several) as a mutation payload's `userErrors`. */
export function userErrorsOf(error: DomainError): UserError[] {
  const errors = error instanceof DomainErrors ? error.errors : [error];
  return errors.map((e) => ({ code: e.code, field: e.field ?? null, message: e.message }));
}

/**
 * Runs a mutation's service call and shapes the payload: a DomainError becomes a `userErrors` entry (nothing
 * was written), anything else propagates (and is masked for the client by the error formatter).
 */
export async function mutationPayload<K extends string, T>(
  key: K,
  run: () => Promise<T>,
): Promise<{ [P in K]: T | null } & { userErrors: UserError[] }> {
  try {
    const result = await run();
    return { [key]: result, userErrors: [] } as { [P in K]: T | null } & { userErrors: UserError[] };
  } catch (error) {
    if (error instanceof DomainError) {
      return { [key]: null, userErrors: userErrorsOf(error) } as { [P in K]: T | null } & { userErrors: UserError[] };
    }
    throw error;
  }
}

/** Runs a query's service call: a DomainError becomes a GraphQL error carrying its code; others propagate. */
export async function queryResult<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof DomainError) throw toGraphQLError(error);
    throw error;
  }
}
