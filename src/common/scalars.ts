import { GraphQLError, Kind, type GraphQLScalarType, type ValueNode } from 'graphql';
import { DateResolver, DateTimeResolver } from 'graphql-scalars';
import { INPUT_DATE_PROBLEM, INPUT_INSTANT_PROBLEM, isInputInstant, ObservedInstant, RefusedValue } from './input-guards';
import { storedDecimalProblem } from './money';

/**
 * The scalars carry the bounds of what they hold, so that every field of the type gets them (input-guards.ts and
 * money.ts say why each bound is what it is):
 * - `Date` and `DateTime`: graphql-scalars' formats, from 1900-01-01 to 2199-12-31 (dates a client may send);
 * - `ObservedAt`: a DateTime that was observed, so not later than now plus the clock skew;
 * - `Decimal`: what a NUMERIC(19,4) column holds, 15 digits before the point and 4 after.
 * Outputs stay graphql-scalars' own. Only the functions are handed over (not the scalar objects): the subgraph
 * schema copies every property it is given, and the descriptions are the SDL's.
 *
 * Variables are refused here, at coercion (the variable path is added by graphqlErrorsPlugin). A literal of the
 * document is not thrown at: a throw in parseLiteral fails document validation (GRAPHQL_VALIDATION_FAILED, no
 * path), so the literal becomes a `RefusedValue` that the argument guard (argument-guard.ts) answers as
 * BAD_USER_INPUT with the argument path. "Now" is the request's (the services' clock), so the guard, not the
 * scalar, holds an `ObservedAt` to it, for variables and literals alike.
 */
function refused(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function boundedInstant(scalar: GraphQLScalarType, name: string, range: string, wrap: (date: Date) => Date = (date) => date) {
  const check = (value: unknown): string | null => (value instanceof Date && !isInputInstant(value) ? range : null);
  return {
    serialize: (value: unknown) => scalar.serialize(value),
    parseValue: (value: unknown) => {
      const parsed = scalar.parseValue(value);
      const problem = check(parsed);
      if (problem) throw refused(`${name} ${problem}`);
      return parsed instanceof Date ? wrap(parsed) : parsed;
    },
    parseLiteral: (ast: ValueNode, variables?: Record<string, unknown> | null) => {
      const parsed = scalar.parseLiteral(ast, variables);
      const problem = check(parsed);
      if (problem) return new RefusedValue(problem);
      return parsed instanceof Date ? wrap(parsed) : parsed;
    },
  };
}

export const DateScalar = boundedInstant(DateResolver, 'Date', INPUT_DATE_PROBLEM);
export const DateTimeScalar = boundedInstant(DateTimeResolver, 'DateTime', INPUT_INSTANT_PROBLEM);
export const ObservedAtScalar = boundedInstant(DateTimeResolver, 'ObservedAt', INPUT_INSTANT_PROBLEM, (date) => new ObservedInstant(date.getTime()));

/**
 * Exact decimals travel as strings ("149.99"): a JSON number would already be a float on the way in. The form is
 * an optional minus, digits, one optional point, no exponent; the size is what NUMERIC(19,4) holds. The domain
 * checks signs, and the values computed from several (claims/line-coverage.ts), as a mutation's userErrors.
 */
const DECIMAL_FORM = /^-?\d+(\.\d+)?$/;

function decimalProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 64 || !DECIMAL_FORM.test(value)) {
    return `must be a string of digits with an optional sign and decimal point, e.g. "12.50" (got ${JSON.stringify(value)?.slice(0, 40)})`;
  }
  return storedDecimalProblem(value);
}

export const DecimalScalar = {
  serialize: (value: unknown) => {
    if (typeof value !== 'string') throw new Error(`Decimal values are strings inside the service (got ${typeof value})`);
    return value;
  },
  parseValue: (value: unknown) => {
    const problem = decimalProblem(value);
    if (problem) throw refused(`Decimal ${problem}`);
    return value as string;
  },
  parseLiteral: (ast: ValueNode) => {
    const value = ast.kind === Kind.STRING ? ast.value : undefined;
    const problem = decimalProblem(value);
    return problem ? new RefusedValue(problem) : value;
  },
};
