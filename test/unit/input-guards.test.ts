import { GraphQLError } from 'graphql';
import { Kind } from 'graphql';
import {
  findBadInput, isDateInRange, isInputDate, isInputInstant, isInstantInRange, ObservedInstant, observedProblem, RefusedValue, stringProblem,
} from '../../src/common/input-guards';
import { DateScalar, DateTimeScalar, DecimalScalar, ObservedAtScalar } from '../../src/common/scalars';

describe('input guards', () => {
  it.each([
    ['plain text', 'SF-PM-0042', null],
    ['letters outside the BMP (a valid surrogate pair)', '𝓢𝓕-١٢٣ 😀', null],
    ['a NUL byte', 'SF\u0000PM', 'NUL'],
    ['a lone high surrogate', 'A\ud83dB', 'lone surrogate'],
    ['a lone low surrogate at the start', '\ude00x', 'lone surrogate'],
    ['a high surrogate at the end', 'x\ud800', 'lone surrogate'],
  ])('a string with %s', (_, value, problem) => {
    const found = stringProblem(value);
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });

  it('finds the first bad value with its path, walking objects and lists', () => {
    expect(findBadInput({ input: { site: { countryCode: 'DE' }, scopes: ['A', 'B\u0000'] } }, [])).toEqual({
      path: ['input', 'scopes', 1],
      problem: 'must not contain the NUL character (U+0000)',
    });
    expect(findBadInput({ filter: { asOf: new Date('0000-06-01T00:00:00Z') } }, [])).toEqual({ path: ['filter', 'asOf'], problem: 'must be from 1900-01-01 to 2199-12-31' });
    expect(findBadInput({ first: 10, after: null, filter: { asOf: new Date('2026-01-01') } }, [])).toBeNull();
  });

  it('keeps derived (stored, shown) dates and instants to years 0001–9999, four-digit years only', () => {
    expect(isDateInRange('0001-01-01')).toBe(true);
    expect(isDateInRange('9999-12-31')).toBe(true);
    expect(isDateInRange('0000-12-31')).toBe(false);
    expect(isDateInRange('10001-01-01')).toBe(false); // would sort before 9999 as a string
    expect(isInstantInRange(new Date('0001-01-01T00:00:00.000Z'))).toBe(true);
    expect(isInstantInRange(new Date('0000-12-31T23:59:59.999Z'))).toBe(false);
    expect(isInstantInRange(new Date('9999-12-31T23:59:59.999Z'))).toBe(true);
    expect(isInstantInRange(new Date('+010000-01-01T00:00:00.000Z'))).toBe(false);
    expect(isInstantInRange(new Date(NaN))).toBe(false);
  });
});

describe('the Date and DateTime scalars', () => {
  const refusal = (run: () => unknown) => {
    try {
      run();
      return null;
    } catch (error) {
      return error as GraphQLError;
    }
  };

  it('parse variables inside the range as graphql-scalars does, and refuse the rest as BAD_USER_INPUT', () => {
    expect(DateScalar.parseValue('2024-02-29')).toEqual(new Date('2024-02-29T00:00:00.000Z'));
    expect(DateScalar.parseValue('1900-01-01')).toEqual(new Date('1900-01-01T00:00:00.000Z'));
    expect(DateScalar.parseValue('2199-12-31')).toEqual(new Date('2199-12-31T00:00:00.000Z'));
    expect(refusal(() => DateScalar.parseValue('0000-01-01'))?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(refusal(() => DateScalar.parseValue('1899-12-31'))?.message).toBe('Date must be from 1900-01-01 to 2199-12-31');
    expect(refusal(() => DateScalar.parseValue('9998-12-31'))?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(refusal(() => DateScalar.parseValue('2024-02-30'))).toBeInstanceOf(GraphQLError);
    expect(DateTimeScalar.parseValue('2199-12-31T23:59:59.999Z')).toEqual(new Date('2199-12-31T23:59:59.999Z'));
    expect(refusal(() => DateTimeScalar.parseValue('1900-01-01T00:00:00+01:00'))?.message).toMatch(/DateTime must be from 1900-01-01T00:00:00Z/);
    expect(refusal(() => DateTimeScalar.parseValue('2199-12-31T23:59:59-01:00'))?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('write outputs exactly as before', () => {
    expect(DateScalar.serialize('2034-02-28')).toBe('2034-02-28');
    expect(DateScalar.serialize(new Date('2034-02-28T00:00:00Z'))).toBe('2034-02-28');
    // graphql-scalars hands a Date on to JSON, which writes it as toISOString does.
    expect(JSON.stringify(DateTimeScalar.serialize(new Date('2026-06-01T12:00:07.000Z')))).toBe('"2026-06-01T12:00:07.000Z"');
  });
});

describe('bounds by type', () => {
  const literal = (value: string) => ({ kind: Kind.STRING, value }) as const;

  it('business dates: 1900-01-01 to 2199-12-31, a literal outside becomes a RefusedValue for the argument guard', () => {
    expect(isInputDate('1900-01-01')).toBe(true);
    expect(isInputDate('2199-12-31')).toBe(true);
    expect(isInputDate('1899-12-31')).toBe(false);
    expect(isInputDate('2200-01-01')).toBe(false);
    expect(isInputInstant(new Date('2199-12-31T23:59:59.999Z'))).toBe(true);
    expect(isInputInstant(new Date('2200-01-01T00:00:00.000Z'))).toBe(false);
    expect(DateScalar.parseLiteral(literal('9998-12-31'))).toEqual(new RefusedValue('must be from 1900-01-01 to 2199-12-31'));
    expect(DateScalar.parseLiteral(literal('2026-01-01'))).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    expect(findBadInput({ input: { date: DateScalar.parseLiteral(literal('9998-12-31')) } }, [])).toEqual({ path: ['input', 'date'], problem: 'must be from 1900-01-01 to 2199-12-31' });
  });

  it('observed instants: not later than now plus the skew, for variables and literals alike', () => {
    const now = new Date('2026-11-24T12:00:00Z');
    const notAfter = new Date(now.getTime() + 300_000);
    const variable = ObservedAtScalar.parseValue('2099-01-01T00:00:00Z');
    const literalValue = ObservedAtScalar.parseLiteral(literal('2026-11-24T12:04:59Z'));
    expect(variable).toBeInstanceOf(ObservedInstant);
    expect(literalValue).toBeInstanceOf(ObservedInstant);
    expect(observedProblem(literalValue as Date, notAfter)).toBeNull();
    expect(observedProblem(new Date(notAfter.getTime() + 1), notAfter)).toContain('must not be in the future');
    expect(findBadInput({ input: { heartbeats: [{ at: literalValue }, { at: variable }] } }, [], { observedNotAfter: () => notAfter })).toMatchObject({ path: ['input', 'heartbeats', 1, 'at'] });
    // An ordinary DateTime is not an observation: no "now" bound.
    expect(findBadInput({ at: DateTimeScalar.parseValue('2099-01-01T00:00:00Z') }, [], { observedNotAfter: () => notAfter })).toBeNull();
  });

  it.each([
    ['999999999999999.9999', null],
    ['-999999999999999.9999', null],
    ['0.0001', null],
    ['1000000000000000', 'more than 15 digits before the point'],
    ['1.00001', 'more than 4 decimal places'],
    ['1e5', 'must be a string of digits'],
    ['12.', 'must be a string of digits'],
  ])('Decimal %s: what NUMERIC(19,4) holds', (value, problem) => {
    const parsed = DecimalScalar.parseLiteral(literal(value));
    if (problem === null) {
      expect(parsed).toBe(value);
      expect(DecimalScalar.parseValue(value)).toBe(value);
    } else {
      expect(parsed).toBeInstanceOf(RefusedValue);
      expect((parsed as RefusedValue).problem).toContain(problem);
      expect(refusal(() => DecimalScalar.parseValue(value))?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    }
  });

  function refusal(run: () => unknown) {
    try {
      run();
      return null;
    } catch (error) {
      return error as GraphQLError;
    }
  }
});
