import type { IsoDate } from '../common/calendar';

/**
 * Who registers a unit: data about the registration, not evidence of what happened to the unit. Only an
 * installer commissioning it on site makes the registration itself the unit's activation record.
 */
export const REGISTRANT_ROLES = ['INSTALLER', 'DEALER', 'DISTRIBUTOR', 'AGENT', 'END_CUSTOMER'] as const;
export type RegistrantRole = (typeof REGISTRANT_ROLES)[number];

export interface Registrant {
  /** The caller holds only the CUSTOMER role: they register for themselves. */
  customerOnly: boolean;
  /** The caller holds the INSTALLER role. */
  installer: boolean;
}

/**
 * The registrant role a registration records: a customer is always the END_CUSTOMER; otherwise what the caller
 * said, else INSTALLER for an installer and AGENT (someone registering on another's behalf) for everyone else.
 */
export function registrantRoleFor(caller: Registrant, requested: RegistrantRole | null | undefined): RegistrantRole {
  if (caller.customerOnly) return 'END_CUSTOMER';
  return requested ?? (caller.installer ? 'INSTALLER' : 'AGENT');
}

/**
 * The activation record a registration carries (warranty start, rule 2). It is a commissioning only when one
 * happened: a commissioning date sent, or an installer registering as the installer, who is commissioning the
 * unit on site today (the site's calendar day). A dealer, distributor, agent or customer registering a unit
 * proves nothing about commissioning, so without a date the start comes from the sale or invoice facts, or waits.
 */
export function activationRecordAtRegistration(
  caller: Registrant,
  registrantRole: RegistrantRole,
  commissioningDate: IsoDate | null | undefined,
  today: IsoDate,
): IsoDate | null {
  if (commissioningDate) return commissioningDate;
  return registrantRole === 'INSTALLER' && caller.installer && !caller.customerOnly ? today : null;
}
