import { activationRecordAtRegistration, REGISTRANT_ROLES, registrantRoleFor, type Registrant } from '../../src/records/registration';

const TODAY = '2026-06-01';
const CALLERS: Record<string, Registrant> = {
  customer: { customerOnly: true, installer: false },
  installer: { customerOnly: false, installer: true },
  agent: { customerOnly: false, installer: false },
};

describe('registrantRoleFor: who registers is recorded, defaulting from the caller', () => {
  it.each([
    ['customer', null, 'END_CUSTOMER'],
    ['customer', 'INSTALLER', 'END_CUSTOMER'],
    ['customer', 'AGENT', 'END_CUSTOMER'],
    ['installer', null, 'INSTALLER'],
    ['installer', 'DEALER', 'DEALER'],
    ['agent', null, 'AGENT'],
    ['agent', 'DISTRIBUTOR', 'DISTRIBUTOR'],
    ['agent', 'INSTALLER', 'INSTALLER'],
  ] as const)('%s asking for %s records %s', (caller, requested, expected) => {
    expect(registrantRoleFor(CALLERS[caller], requested)).toBe(expected);
  });
});

describe('activationRecordAtRegistration: only a real commissioning is an activation record', () => {
  // Every caller × every role they may record × with and without a commissioning date.
  const cases = Object.entries(CALLERS).flatMap(([name, caller]) =>
    REGISTRANT_ROLES.flatMap((requested) => {
      const role = registrantRoleFor(caller, requested);
      return [
        { name, caller, role, sent: '2025-04-02', expected: '2025-04-02' },
        { name, caller, role, sent: null, expected: name === 'installer' && role === 'INSTALLER' ? TODAY : null },
      ];
    }),
  );

  it.each(cases)('$name registering as $role with commissioning date $sent → $expected', ({ caller, role, sent, expected }) => {
    expect(activationRecordAtRegistration(caller, role, sent, TODAY)).toBe(expected);
  });

  it('an agent registering on the installer\'s behalf does not invent a commissioning', () => {
    expect(activationRecordAtRegistration(CALLERS.agent, 'INSTALLER', null, TODAY)).toBeNull();
  });

  it('a dealer, distributor or agent registration without a date is no activation record', () => {
    for (const role of ['DEALER', 'DISTRIBUTOR', 'AGENT'] as const) {
      expect(activationRecordAtRegistration(CALLERS.installer, role, null, TODAY)).toBeNull();
      expect(activationRecordAtRegistration(CALLERS.agent, role, undefined, TODAY)).toBeNull();
    }
  });
});
