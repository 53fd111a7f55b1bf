import type { ValueTransformer } from 'typeorm';

/** PostgreSQL returns NUMERIC as a string to keep precision; our numbers (MWh, %, kWh) fit a double. */
export const numericTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null || value === undefined ? null : Number(value)),
};
