import { DomainError } from '../../src/common/errors';
import { decodeCursor, encodeCursor } from '../../src/common/pagination';

const UUID = '0b7c9e4e-5a0e-4b9f-9d7c-2f1e0a6b3c11';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function refusal(run: () => unknown): DomainError | null {
  try {
    run();
    return null;
  } catch (error) {
    return error as DomainError;
  }
}

describe('decodeCursor checks each element against the list\'s shape', () => {
  it('gives back what encodeCursor wrote, for each list', () => {
    const record = ['2026-06-01T12:00:07.000Z', UUID];
    expect(decodeCursor(encodeCursor(record), ['timestamp', 'uuid'])).toEqual(record);
    expect(decodeCursor(encodeCursor(['123']), ['bigintId'])).toEqual(['123']); // an event id, bigint as TypeORM reads it
    expect(decodeCursor(encodeCursor(['9223372036854775807']), ['bigintId'])).toEqual(['9223372036854775807']);
    expect(decodeCursor(encodeCursor([50]), ['positiveInteger'])).toEqual([50]); // a policy offset
    expect(decodeCursor(null, ['positiveInteger'])).toBeNull();
    expect(decodeCursor(undefined, ['timestamp', 'uuid'])).toBeNull();
  });

  it.each([
    ['not base64 JSON', 'not a cursor !!'],
    ['an empty string', ''],
    ['an object', b64({ a: 1 })],
    ['a number', b64(42)],
    ['null', b64(null)],
    ['a huge string', b64('x'.repeat(5000))],
    ['too few elements', b64(['2026-06-01T12:00:07.000Z'])],
    ['too many elements', b64(['2026-06-01T12:00:07.000Z', UUID, 1])],
    ['nested arrays', b64([['2026-06-01T12:00:07.000Z'], [UUID]])],
    ['right arity, wrong types', b64([2026, UUID])],
    ['a timestamp that is not one', b64(['not-a-date', UUID])],
    ['a timestamp in year 0', b64(['0000-01-01T00:00:00.000Z', UUID])],
    ['a timestamp past 9999', b64(['+275760-09-13T00:00:00.000Z', UUID])],
    ['an impossible day', b64(['2024-02-30T00:00:00.000Z', UUID])],
    ['a timestamp with a NUL', b64(['2026-06-01T12:00:07.000Z\u0000', UUID])],
    ['an id that is not a uuid', b64(['2026-06-01T12:00:07.000Z', 'not-a-uuid'])],
  ])('records [timestamp, uuid]: %s → BAD_USER_INPUT [after]', (_, cursor) => {
    const error = refusal(() => decodeCursor(cursor, ['timestamp', 'uuid']));
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', field: ['after'] });
  });

  it.each([
    ['zero', [0]], ['negative', [-1]], ['a fraction', [1.5]], ['too large for a double', [1e308]], ['past 2^53', [9007199254740993]],
    ['a word', ['abc']], ['a negative digit string', ['-5']], ['past bigint', ['9223372036854775808']], ['leading zeros', ['007']],
    ['null', [null]], ['a boolean', [true]], ['an object', [{}]], ['empty', []],
  ])('events [bigint id]: %s → BAD_USER_INPUT [after]', (_, position) => {
    expect(refusal(() => decodeCursor(b64(position), ['bigintId']))).toMatchObject({ code: 'BAD_USER_INPUT', field: ['after'] });
  });

  it.each([
    ['zero', [0]], ['a fraction', [1.5]], ['past 2^53', [9007199254740993]], ['a digit string (an offset is a number)', ['9223372036854775807']],
  ])('policies [positive integer]: %s → BAD_USER_INPUT [after]', (_, position) => {
    expect(refusal(() => decodeCursor(b64(position), ['positiveInteger']))).toMatchObject({ code: 'BAD_USER_INPUT', field: ['after'] });
  });
});
