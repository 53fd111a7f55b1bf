import { DomainError } from '../common/errors';

/** WAREHOUSE: receives and inspects returned parts (rule 18). */
export const ROLES = ['INSTALLER', 'CUSTOMER', 'AGENT', 'WARRANTY_ADMIN', 'SERVICE', 'WAREHOUSE'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, from the verified bearer token. Every read and write is scoped to `orgId`. */
export interface Actor {
  id: string;
  orgId: string;
  roles: Role[];
  /** For CUSTOMER tokens: the customer whose units they may see (the `customerId` claim, else `sub`). */
  customerId: string | null;
}

export function hasRole(actor: Actor, ...roles: Role[]): boolean {
  return actor.roles.some((role) => roles.includes(role));
}

/** A caller who holds only the CUSTOMER role sees and changes nothing but their own units. */
export function isCustomerOnly(actor: Actor): boolean {
  return actor.roles.every((role) => role === 'CUSTOMER');
}

/** Refuses (FORBIDDEN, nothing written) a caller without one of `roles`. */
export function assertRole(actor: Actor, roles: readonly Role[], action: string): void {
  if (!hasRole(actor, ...roles)) {
    throw new DomainError('FORBIDDEN', `your role may not ${action} (needs one of ${roles.join(', ')})`);
  }
}
