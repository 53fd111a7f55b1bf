import { getMetadataArgsStorage } from 'typeorm';
import { ENTITIES } from '../../src/entities';
import { DECIMAL_INTEGER_DIGITS, DECIMAL_SCALE } from '../../src/common/money';

/**
 * The `Decimal` scalar bounds every exact decimal a client sends to what NUMERIC(19,4) holds. That is only right
 * while every column such a value is written to is NUMERIC(19,4): a scale-4 column of another precision (the service
 * plan's value was NUMERIC(14,4)) would take a value the scalar accepted and fail the write as an internal error.
 */
describe('exact-decimal columns are one kind', () => {
  it('every numeric column of scale 4 is NUMERIC(19,4), what the Decimal scalar accepts', () => {
    expect(ENTITIES.length).toBeGreaterThan(0);
    const columns = getMetadataArgsStorage().columns.filter((c) => c.options.type === 'numeric' && c.options.scale === DECIMAL_SCALE);
    expect(columns.length).toBeGreaterThanOrEqual(9);
    const other = columns.filter((c) => c.options.precision !== DECIMAL_INTEGER_DIGITS + DECIMAL_SCALE);
    expect(other.map((c) => `${(c.target as { name: string }).name}.${c.propertyName} NUMERIC(${c.options.precision},${c.options.scale})`)).toEqual([]);
  });
});
