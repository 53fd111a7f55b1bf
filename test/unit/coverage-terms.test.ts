import {
  CapacityRequiredError,
  coverageDates,
  latestCoverageEnd,
  standardCoverageTerms,
  warrantyStatusOn,
  type CoveragePolicyTerms,
  type CoverageTerms,
  type WarrantyStatus,
} from '../../src/coverage/coverage-terms';

describe('coverageDates (rules 3 and 6)', () => {
  it.each<[string, string | null, number, number | null, string | null, string | null]>([
    // [name, start, termMonths, labourMonths, endDate, labourEndDate]
    ['5-year inverter, labour the whole term (null)', '2024-01-15', 60, null, '2029-01-15', null],
    ['5-year inverter, labour months = term', '2024-01-15', 60, 60, '2029-01-15', null],
    ['10-year battery, labour months = term', '2024-01-15', 120, 120, '2034-01-15', null],
    ['UK-IE 10-year with 5 years labour', '2024-01-15', 120, 60, '2034-01-15', '2029-01-15'],
    ['UK-IE 10-year with 5 years labour from a 31st', '2024-08-31', 120, 60, '2034-08-31', '2029-08-31'],
    ['UK-IE 10-year with 5 years labour from 29 Feb', '2024-02-29', 120, 60, '2034-02-28', '2029-02-28'],
    ['labour 0 → no labour end date (nothing to end)', '2024-01-15', 120, 0, '2034-01-15', null],
    ['labour longer than the term → no separate labour end', '2024-01-15', 60, 120, '2029-01-15', null],
    ['labour one month less than the term', '2024-01-15', 60, 59, '2029-01-15', '2028-12-15'],
    ['labour 1 month of 2 from 31 Dec', '2024-12-31', 2, 1, '2025-02-28', '2025-01-31'],
    ['12 months from 29 Feb clamps', '2024-02-29', 12, null, '2025-02-28', null],
    ['48 months from 29 Feb lands on 29 Feb', '2024-02-29', 48, null, '2028-02-29', null],
    ['12 months from 29 Feb with 6 months labour', '2024-02-29', 12, 6, '2025-02-28', '2024-08-29'],
    ['1 month from 31 Jan (leap year)', '2024-01-31', 1, null, '2024-02-29', null],
    ['36-month vehicle from 31 Mar', '2024-03-31', 36, null, '2027-03-31', null],
    ['term ending in the next century year (not leap)', '2096-02-29', 48, 24, '2100-02-28', '2098-02-28'],
    ['null start → all null', null, 60, null, null, null],
    ['null start with a labour split → all null', null, 120, 60, null, null],
  ])('%s', (_name, start, termMonths, labourMonths, endDate, labourEndDate) => {
    expect(coverageDates(start, termMonths, labourMonths)).toEqual({ startDate: start, endDate, labourEndDate });
  });
});

const policy = (overrides: Partial<CoveragePolicyTerms>): CoveragePolicyTerms => ({
  termMonths: 60,
  labourMonths: 60,
  sohGuaranteePct: null,
  throughputMwhPerKwh: null,
  mileageLimitKm: null,
  engineHoursLimit: null,
  componentScopes: [],
  ...overrides,
});

// The example policy data (docs/RULES.md), as seeded.
const INVERTER_EU = policy({ termMonths: 60, labourMonths: 60 });
const INVERTER_UK_IE = policy({ termMonths: 120, labourMonths: 60 });
const BATTERY_DACH = policy({ termMonths: 120, labourMonths: 120, sohGuaranteePct: 80, throughputMwhPerKwh: 2.9, componentScopes: ['CELLS'] });
const BATTERY_EU = policy({ termMonths: 120, labourMonths: 120, sohGuaranteePct: 70, throughputMwhPerKwh: 2.9, componentScopes: ['CELLS'] });
const BATTERY_UK_IE = policy({ termMonths: 120, labourMonths: 60, sohGuaranteePct: 70, throughputMwhPerKwh: 2.9, componentScopes: ['CELLS'] });
const VEHICLE_EU = policy({ termMonths: 36, labourMonths: null, mileageLimitKm: 100000 });

describe('standardCoverageTerms', () => {
  it('grants a UK-IE battery a UNIT and a CELLS coverage, 120 months, labour ending after 60', () => {
    expect(standardCoverageTerms(BATTERY_UK_IE, '2024-03-31', 10.24)).toEqual<CoverageTerms[]>([
      {
        scope: 'UNIT',
        termMonths: 120,
        labourMonths: 60,
        startDate: '2024-03-31',
        endDate: '2034-03-31',
        labourEndDate: '2029-03-31',
        mileageLimitKm: null,
        engineHoursLimit: null,
        throughputLimitMwh: 29.696,
        sohGuaranteePct: 70,
        paysParts: true,
        paysLabour: true,
      },
      {
        scope: 'CELLS',
        termMonths: 120,
        labourMonths: 60,
        startDate: '2024-03-31',
        endDate: '2034-03-31',
        labourEndDate: '2029-03-31',
        mileageLimitKm: null,
        engineHoursLimit: null,
        throughputLimitMwh: 29.696,
        sohGuaranteePct: 70,
        paysParts: true,
        paysLabour: true,
      },
    ]);
  });

  it('grants a vehicle one UNIT coverage with its mileage limit and no throughput limit', () => {
    expect(standardCoverageTerms(VEHICLE_EU, '2024-01-31', null)).toEqual<CoverageTerms[]>([
      {
        scope: 'UNIT',
        termMonths: 36,
        labourMonths: null,
        startDate: '2024-01-31',
        endDate: '2027-01-31',
        labourEndDate: null,
        mileageLimitKm: 100000,
        engineHoursLimit: null,
        throughputLimitMwh: null,
        sohGuaranteePct: null,
        paysParts: true,
        paysLabour: true,
      },
    ]);
  });

  it.each<[string, CoveragePolicyTerms, string[]]>([
    ['no component scopes → UNIT only', INVERTER_EU, ['UNIT']],
    ['CELLS → UNIT then CELLS', BATTERY_EU, ['UNIT', 'CELLS']],
    ['several components, in policy order', policy({ componentScopes: ['CELLS', 'BMS', 'POWERTRAIN'] }), ['UNIT', 'CELLS', 'BMS', 'POWERTRAIN']],
  ])('scopes: %s', (_name, terms, scopes) => {
    const coverages = standardCoverageTerms(terms, '2024-01-15', terms.throughputMwhPerKwh === null ? null : 10);
    expect(coverages.map((c) => c.scope)).toEqual(scopes);
  });

  it('gives every component the same dates and limits as the unit', () => {
    const [unit, ...components] = standardCoverageTerms(
      policy({ termMonths: 120, labourMonths: 60, throughputMwhPerKwh: 2.9, sohGuaranteePct: 70, engineHoursLimit: 5000, mileageLimitKm: 80000, componentScopes: ['CELLS', 'BMS'] }),
      '2024-08-31',
      5.12,
    );
    expect(components).toHaveLength(2);
    for (const component of components) expect({ ...component, scope: 'UNIT' }).toEqual(unit);
  });

  it.each<[string, number, number, number]>([
    // [name, throughputMwhPerKwh, capacityKwh, throughputLimitMwh]
    ['2.9 × 10.24 (floating point gives 29.695999…)', 2.9, 10.24, 29.696],
    ['2.9 × 5.12', 2.9, 5.12, 14.848],
    ['2.9 × 10', 2.9, 10, 29],
    ['3 × 0.3333 rounds up to 3 decimals', 3, 0.3333, 1],
    ['2.5 × 13.3333 rounds down to 3 decimals', 2.5, 13.3333, 33.333],
    ['1.2345 × 1.0001 = 1.23462345 rounds to 3 decimals', 1.2345, 1.0001, 1.235],
    ['0.1 × 0.2', 0.1, 0.2, 0.02],
    ['2.9 × 0 capacity', 2.9, 0, 0],
  ])('throughput limit: %s = %d MWh', (_name, perKwh, capacityKwh, expected) => {
    const coverages = standardCoverageTerms(policy({ throughputMwhPerKwh: perKwh, componentScopes: ['CELLS'] }), '2024-01-15', capacityKwh);
    expect(coverages.map((c) => c.throughputLimitMwh)).toEqual([expected, expected]);
  });

  it.each<[string, CoveragePolicyTerms, string | null]>([
    ['battery with a start', BATTERY_EU, '2024-01-15'],
    ['battery without a start', BATTERY_DACH, null],
  ])('throws CapacityRequiredError when the policy caps throughput per kWh but capacity is null (%s)', (_name, terms, start) => {
    expect(() => standardCoverageTerms(terms, start, null)).toThrow(CapacityRequiredError);
  });

  it('CapacityRequiredError is an Error with a message that names the capacity', () => {
    let caught: unknown;
    try {
      standardCoverageTerms(BATTERY_EU, '2024-01-15', null);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(CapacityRequiredError);
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).message).toMatch(/capacity/);
  });

  it.each<[string, CoveragePolicyTerms, number | null]>([
    ['no per-kWh cap and no capacity', INVERTER_EU, null],
    ['no per-kWh cap but a capacity', INVERTER_EU, 10.24],
  ])('no throughput limit when the policy has no per-kWh cap (%s)', (_name, terms, capacityKwh) => {
    const coverages = standardCoverageTerms(terms, '2024-01-15', capacityKwh);
    expect(coverages.map((c) => c.throughputLimitMwh)).toEqual([null]);
  });

  it.each<[string, number | null, boolean]>([
    ['labour the whole term (null)', null, true],
    ['labour = term', 120, true],
    ['labour 60 of 120 months', 60, true],
    ['labour 1 month', 1, true],
    ['labour 0 months', 0, false],
  ])('paysLabour: %s → %s (paysParts always true)', (_name, labourMonths, paysLabour) => {
    const coverages = standardCoverageTerms(policy({ termMonths: 120, labourMonths, componentScopes: ['CELLS'] }), '2024-01-15', null);
    expect(coverages.map((c) => [c.paysParts, c.paysLabour])).toEqual([[true, paysLabour], [true, paysLabour]]);
  });

  it.each<[string, CoveragePolicyTerms, string | null, string | null, string | null, string | null]>([
    // [name, policy, start, startDate, endDate, labourEndDate]
    ['EU inverter', INVERTER_EU, '2024-01-15', '2024-01-15', '2029-01-15', null],
    ['UK-IE inverter 10 years with 5 labour', INVERTER_UK_IE, '2024-01-15', '2024-01-15', '2034-01-15', '2029-01-15'],
    ['UK-IE battery 120 months, labour 60, from 29 Feb', BATTERY_UK_IE, '2024-02-29', '2024-02-29', '2034-02-28', '2029-02-28'],
    ['DE-AT-CH battery 120 months, labour the whole term', BATTERY_DACH, '2024-01-31', '2024-01-31', '2034-01-31', null],
    ['vehicle 36 months', VEHICLE_EU, '2023-12-31', '2023-12-31', '2026-12-31', null],
    ['not started yet → no dates', BATTERY_UK_IE, null, null, null, null],
  ])('dates: %s', (_name, terms, start, startDate, endDate, labourEndDate) => {
    const coverages = standardCoverageTerms(terms, start, terms.throughputMwhPerKwh === null ? null : 10.24);
    for (const coverage of coverages) {
      expect([coverage.startDate, coverage.endDate, coverage.labourEndDate]).toEqual([startDate, endDate, labourEndDate]);
    }
  });

  it.each<[string, CoveragePolicyTerms, number | null]>([
    ['DE-AT-CH battery', BATTERY_DACH, 80],
    ['EU battery', BATTERY_EU, 70],
    ['inverter', INVERTER_EU, null],
  ])('carries the SOH guarantee of the policy: %s → %s', (_name, terms, soh) => {
    const coverages = standardCoverageTerms(terms, '2024-01-15', terms.throughputMwhPerKwh === null ? null : 10.24);
    expect(coverages.map((c) => c.sohGuaranteePct)).toEqual(coverages.map(() => soh));
  });
});

describe('warrantyStatusOn', () => {
  const START = '2024-01-15';
  const END = '2029-01-15';

  it.each<[string, string | null, string | null, string | null, string, WarrantyStatus]>([
    // [name, startDate, expiresAt, voidedOn, asOf, status]
    ['inside the term', START, END, null, '2026-06-30', 'ACTIVE'],
    ['on the start date', START, END, null, START, 'ACTIVE'],
    ['the day before the start', START, END, null, '2024-01-14', 'NOT_STARTED'],
    ['no start date', null, null, null, '2026-06-30', 'NOT_STARTED'],
    ['no start date but an expiry', null, END, null, '2026-06-30', 'NOT_STARTED'],
    ['on the expiry date itself', START, END, null, END, 'ACTIVE'],
    ['the day after the expiry date', START, END, null, '2029-01-16', 'EXPIRED'],
    ['long after the expiry date', START, END, null, '2040-01-01', 'EXPIRED'],
    ['started but no expiry known', START, null, null, '2026-06-30', 'EXPIRED'],
    ['expiry on 29 Feb, asOf 29 Feb', START, '2028-02-29', null, '2028-02-29', 'ACTIVE'],
    ['expiry on 29 Feb, asOf 1 Mar', START, '2028-02-29', null, '2028-03-01', 'EXPIRED'],
    ['voided on the date itself', START, END, '2026-06-30', '2026-06-30', 'VOIDED'],
    ['voided before the date', START, END, '2025-01-01', '2026-06-30', 'VOIDED'],
    ['voided the day after the date → still active', START, END, '2026-07-01', '2026-06-30', 'ACTIVE'],
    ['voided later, asOf before the start → not started', START, END, '2026-07-01', '2024-01-01', 'NOT_STARTED'],
    ['voided after asOf does not count: expired on asOf', START, END, '2030-01-01', '2029-06-01', 'EXPIRED'],
    ['voided wins over expired', START, END, '2025-01-01', '2030-01-01', 'VOIDED'],
    ['voided wins over not started', null, null, '2024-01-01', '2024-06-01', 'VOIDED'],
    ['voided before the start, asOf before the start', START, END, '2023-06-01', '2023-12-01', 'VOIDED'],
    ['voided on the expiry date', START, END, END, END, 'VOIDED'],
  ])('%s → %s', (_name, startDate, expiresAt, voidedOn, asOf, status) => {
    expect(warrantyStatusOn({ startDate, expiresAt, voidedOn }, asOf)).toBe(status);
  });
});

describe('latestCoverageEnd', () => {
  it.each<[string, Array<{ endDate: string | null; voided: boolean }>, string | null]>([
    ['no coverages', [], null],
    ['one coverage', [{ endDate: '2029-01-15', voided: false }], '2029-01-15'],
    ['the latest of several', [{ endDate: '2029-01-15', voided: false }, { endDate: '2034-01-15', voided: false }, { endDate: '2031-06-30', voided: false }], '2034-01-15'],
    ['a voided later coverage is ignored', [{ endDate: '2029-01-15', voided: false }, { endDate: '2034-01-15', voided: true }], '2029-01-15'],
    ['a voided CELLS coverage does not shorten the UNIT', [{ endDate: '2034-01-15', voided: false }, { endDate: '2034-01-15', voided: true }], '2034-01-15'],
    ['all voided → null', [{ endDate: '2029-01-15', voided: true }, { endDate: '2034-01-15', voided: true }], null],
    ['null end dates are ignored', [{ endDate: null, voided: false }, { endDate: '2029-01-15', voided: false }, { endDate: null, voided: false }], '2029-01-15'],
    ['only null end dates → null', [{ endDate: null, voided: false }], null],
    ['null end dates and voided coverages together', [{ endDate: null, voided: false }, { endDate: '2040-01-01', voided: true }, { endDate: '2030-02-28', voided: false }], '2030-02-28'],
    ['across a year boundary', [{ endDate: '2029-12-31', voided: false }, { endDate: '2030-01-01', voided: false }], '2030-01-01'],
  ])('%s → %s', (_name, coverages, expected) => {
    expect(latestCoverageEnd(coverages)).toBe(expected);
  });
});
