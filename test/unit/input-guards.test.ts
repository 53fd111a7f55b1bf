import { GraphQLError } from 'graphql';
import { findBadInput, isDateInRange, isInstantInRange, stringProblem } from '../../src/common/input-guards';
import { DateScalar, DateTimeScalar } from '../../src/common/scalars';

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
    expect(findBadInput({ filter: { asOf: new Date('0000-06-01T00:00:00Z') } }, [])).toEqual({ path: ['filter', 'asOf'], problem: 'must be from 0001-01-01 to 9999-12-31' });
    expect(findBadInput({ first: 10, after: null, filter: { asOf: new Date('2026-01-01') } }, [])).toBeNull();
  });

  it('keeps dates and instants to years 0001–9999, four-digit years only', () => {
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
    expect(DateScalar.parseValue('0001-01-01')).toEqual(new Date('0001-01-01T00:00:00.000Z'));
    expect(refusal(() => DateScalar.parseValue('0000-01-01'))?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(refusal(() => DateScalar.parseValue('2024-02-30'))).toBeInstanceOf(GraphQLError);
    expect(DateTimeScalar.parseValue('9999-12-31T23:59:59.999Z')).toEqual(new Date('9999-12-31T23:59:59.999Z'));
    expect(refusal(() => DateTimeScalar.parseValue('0001-01-01T00:00:00+01:00'))?.message).toMatch(/DateTime must be from 0001-01-01T00:00:00Z/);
    expect(refusal(() => DateTimeScalar.parseValue('9999-12-31T23:59:59-01:00'))?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
  });

  it('write outputs exactly as before', () => {
    expect(DateScalar.serialize('2034-02-28')).toBe('2034-02-28');
    expect(DateScalar.serialize(new Date('2034-02-28T00:00:00Z'))).toBe('2034-02-28');
    // graphql-scalars hands a Date on to JSON, which writes it as toISOString does.
    expect(JSON.stringify(DateTimeScalar.serialize(new Date('2026-06-01T12:00:07.000Z')))).toBe('"2026-06-01T12:00:07.000Z"');
  });
});
