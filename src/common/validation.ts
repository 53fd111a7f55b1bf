import { validate, type ValidationError } from 'class-validator';
import { DomainError } from './errors';

function firstProblem(errors: ValidationError[], path: string[]): { field: string[]; message: string } | null {
  for (const error of errors) {
    const field = [...path, error.property];
    if (error.constraints) {
      return { field, message: `${field.slice(1).join('.')}: ${Object.values(error.constraints)[0]}` };
    }
    const nested = firstProblem(error.children ?? [], field);
    if (nested) return nested;
  }
  return null;
}

/** Validates a class-validator DTO; the first problem becomes a BAD_USER_INPUT refusal naming the input field. */
export async function assertValid(dto: object, path: string[] = ['input']): Promise<void> {
  const errors = await validate(dto, { forbidUnknownValues: false });
  const problem = firstProblem(errors, path);
  if (problem) throw new DomainError('BAD_USER_INPUT', problem.message, problem.field);
}

/** GraphQL `Date` values arrive as JS Dates at UTC midnight; the domain works on ISO calendar strings. */
export function isoDate(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  return value.toISOString().slice(0, 10);
}

/** An operator's reason for a change (a deletion, a date shift): required, trimmed, at most 2,000 characters. */
export function requiredReason(given: string, field: string[] = ['input', 'reason']): string {
  const reason = given.trim();
  if (!reason || reason.length > 2000) throw new DomainError('BAD_USER_INPUT', 'give a reason (1 to 2000 characters)', field);
  return reason;
}
