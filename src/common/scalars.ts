import { GraphQLError, Kind, type GraphQLScalarType, type ValueNode } from 'graphql';
import { DateResolver, DateTimeResolver } from 'graphql-scalars';
import { isDateInRange, isInstantInRange, MAX_DATE, MIN_DATE } from './input-guards';

/**
 * graphql-scalars' Date and DateTime with a range check: years 0001–9999 (see input-guards.ts). The formats,
 * and so every output, stay graphql-scalars' own. Only the functions are handed over (not the scalar objects):
 * the subgraph schema copies every property it is given, and the descriptions are the SDL's.
 *
 * Variables are checked here, at coercion (the variable path is added by graphqlErrorsPlugin). Literals of the
 * document are not: a throw in parseLiteral fails document validation (GRAPHQL_VALIDATION_FAILED, no path), so
 * they are checked with the arguments instead (argument-guard.ts), as BAD_USER_INPUT with the argument path.
 */
function outOfRange(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function checkedDate(value: unknown): unknown {
  if (value instanceof Date && !isDateInRange(value.toISOString().slice(0, 10))) {
    throw outOfRange(`Date must be from ${MIN_DATE} to ${MAX_DATE}`);
  }
  return value;
}

function checkedDateTime(value: unknown): unknown {
  if (value instanceof Date && !isInstantInRange(value)) {
    throw outOfRange(`DateTime must be from ${MIN_DATE}T00:00:00Z to ${MAX_DATE}T23:59:59.999Z`);
  }
  return value;
}

function withRangeCheck(scalar: GraphQLScalarType, check: (value: unknown) => unknown) {
  return {
    serialize: (value: unknown) => scalar.serialize(value),
    parseValue: (value: unknown) => check(scalar.parseValue(value)),
    parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => scalar.parseLiteral(ast, variables),
  };
}

export const DateScalar = withRangeCheck(DateResolver, checkedDate);
export const DateTimeScalar = withRangeCheck(DateTimeResolver, checkedDateTime);

/**
 * Exact decimals travel as strings ("149.99"): a JSON number would already be a float on the way in. Only the
 * form is checked here (an optional minus, digits, one optional point; no exponent); the domain checks signs,
 * ranges and scale with the field at fault (claims/line-coverage.ts), as a mutation's userErrors.
 */
const DECIMAL_FORM = /^-?\d{1,30}(\.\d{1,30})?$/;

function parseDecimal(value: unknown): string {
  if (typeof value !== 'string' || !DECIMAL_FORM.test(value)) {
    throw new GraphQLError(`Decimal must be a string of digits with an optional sign and decimal point, e.g. "12.50" (got ${JSON.stringify(value)?.slice(0, 40)})`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return value;
}

export const DecimalScalar = {
  serialize: (value: unknown) => {
    if (typeof value !== 'string') throw new Error(`Decimal values are strings inside the service (got ${typeof value})`);
    return value;
  },
  parseValue: parseDecimal,
  parseLiteral: (ast: ValueNode) => parseDecimal(ast.kind === Kind.STRING ? ast.value : undefined),
};
