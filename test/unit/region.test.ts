import { choosePolicy, FALLBACK_REGION, regionForCountry, type PolicyCandidate } from '../../src/policies/region';

describe('regionForCountry (rule 1)', () => {
  it.each([
    // explicit regions
    ['DE', 'DE-AT-CH'],
    ['AT', 'DE-AT-CH'],
    ['CH', 'DE-AT-CH'],
    ['PL', 'PL'],
    ['GB', 'UK-IE'],
    ['IE', 'UK-IE'],
  ])('%s → %s', (country, expected) => {
    expect(regionForCountry(country)).toBe(expected);
  });

  // Every EU member state that has no region of its own, plus the EEA's Iceland, Liechtenstein and Norway.
  it.each([
    ['BE'], ['BG'], ['HR'], ['CY'], ['CZ'], ['DK'], ['EE'], ['FI'], ['FR'], ['GR'], ['HU'], ['IT'], ['LV'], ['LT'],
    ['LU'], ['MT'], ['NL'], ['PT'], ['RO'], ['SK'], ['SI'], ['ES'], ['SE'],
    ['IS'], ['LI'], ['NO'],
  ])('%s (EU/EEA) → EU', (country) => {
    expect(regionForCountry(country)).toBe('EU');
  });

  it('falls back to the region named by FALLBACK_REGION', () => {
    expect(FALLBACK_REGION).toBe('EU');
  });

  it.each([
    ['US', 'United States'],
    ['CN', 'China'],
    ['JP', 'Japan'],
    ['AU', 'Australia'],
    ['TR', 'Türkiye (candidate, not EU/EEA)'],
    ['RS', 'Serbia (candidate, not EU/EEA)'],
    ['UA', 'Ukraine'],
    ['AL', 'Albania'],
    ['BA', 'Bosnia and Herzegovina'],
    ['ME', 'Montenegro'],
    ['MK', 'North Macedonia'],
    ['MD', 'Moldova'],
    ['RU', 'Russia'],
    ['BY', 'Belarus'],
    ['MC', 'Monaco'],
    ['SM', 'San Marino'],
    ['AD', 'Andorra'],
    ['VA', 'Vatican City'],
    ['XX', 'an unassigned code'],
    ['EU', 'the region code itself, not a country'],
    ['DEU', 'an alpha-3 code'],
    ['', 'an empty string'],
    ['   ', 'only whitespace'],
  ])('%j (%s) → null', (country) => {
    expect(regionForCountry(country)).toBeNull();
  });

  it.each([
    ['lower case', 'de', 'DE-AT-CH'],
    ['mixed case', 'Ch', 'DE-AT-CH'],
    ['lower case PL', 'pl', 'PL'],
    ['lower case GB', 'gb', 'UK-IE'],
    ['lower case IE with spaces', ' ie ', 'UK-IE'],
    ['lower case EU member', 'fr', 'EU'],
    ['lower case EEA member', 'no', 'EU'],
    ['leading and trailing spaces', '  AT  ', 'DE-AT-CH'],
    ['tab and newline', '\tnl\n', 'EU'],
    ['lower case non-EU', 'us', null],
    ['lower case non-EU with spaces', ' tr ', null],
  ])('normalises %s input (%j → %s)', (_name, country, expected) => {
    expect(regionForCountry(country)).toBe(expected);
  });
});

type Row = PolicyCandidate & { id: string };

const row = (productFamily: string, region: string, version: number, effectiveFrom: string): Row => ({
  id: `${productFamily}/${region}/v${version}@${effectiveFrom}`,
  productFamily,
  region,
  version,
  effectiveFrom,
});

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const INV_EU_V1 = row('INVERTER', 'EU', 1, '2020-01-01');
const INV_EU_V2 = row('INVERTER', 'EU', 2, '2024-07-01');
const INV_DACH_V1 = row('INVERTER', 'DE-AT-CH', 1, '2020-01-01');
const INV_DACH_V2 = row('INVERTER', 'DE-AT-CH', 2, '2025-01-01');
const INV_DACH_V3_SAME_DAY = row('INVERTER', 'DE-AT-CH', 3, '2025-01-01');
const INV_DACH_FUTURE = row('INVERTER', 'DE-AT-CH', 1, '2030-01-01');
const INV_PL_V1 = row('INVERTER', 'PL', 1, '2020-01-01');
const INV_PL_V3_OLD = row('INVERTER', 'PL', 3, '2021-01-01');
const INV_PL_V2_NEW = row('INVERTER', 'PL', 2, '2023-01-01');
const INV_EU_FUTURE = row('INVERTER', 'EU', 1, '2030-01-01');
const BAT_EU_V1 = row('BATTERY', 'EU', 1, '2020-01-01');
const BAT_PL_V9 = row('BATTERY', 'PL', 9, '2020-01-01');
const BAT_DACH_V1 = row('BATTERY', 'DE-AT-CH', 1, '2020-01-01');

describe('choosePolicy (rule 1 + versioning)', () => {
  it.each<[string, Row[], string, string, string, Row | null]>([
    // region vs EU fallback
    ['the region row wins over the EU row', [INV_EU_V1, INV_DACH_V1], 'INVERTER', 'DE-AT-CH', '2024-01-01', INV_DACH_V1],
    ['the region row wins even when the EU row is newer', [INV_EU_V1, INV_EU_V2, INV_DACH_V1], 'INVERTER', 'DE-AT-CH', '2024-12-31', INV_DACH_V1],
    ['no region row → the EU row of the family', [INV_EU_V1, INV_DACH_V1], 'INVERTER', 'PL', '2024-01-01', INV_EU_V1],
    ['no region row → the EU row in force at the date', [INV_EU_V1, INV_EU_V2], 'INVERTER', 'UK-IE', '2024-06-30', INV_EU_V1],
    ['no region row → the newer EU row once in force', [INV_EU_V1, INV_EU_V2], 'INVERTER', 'UK-IE', '2024-07-01', INV_EU_V2],
    ['an unknown region falls back to EU', [INV_EU_V1, INV_DACH_V1], 'INVERTER', 'XX', '2024-01-01', INV_EU_V1],
    ['region EU picks the EU row', [INV_EU_V1, INV_DACH_V1, INV_PL_V1], 'INVERTER', 'EU', '2024-01-01', INV_EU_V1],
    ['the region row is not yet in force → the EU row', [INV_EU_V1, INV_DACH_FUTURE], 'INVERTER', 'DE-AT-CH', '2024-01-01', INV_EU_V1],
    // none
    ['empty list → null', [], 'INVERTER', 'DE-AT-CH', '2024-01-01', null],
    ['only another family → null', [BAT_EU_V1, BAT_PL_V9], 'INVERTER', 'PL', '2024-01-01', null],
    ['region EU and no EU row (other regions exist) → null', [INV_DACH_V1, INV_PL_V1], 'INVERTER', 'EU', '2024-01-01', null],
    ['region EU and only a future EU row → null', [INV_EU_FUTURE, INV_DACH_V1], 'INVERTER', 'EU', '2024-01-01', null],
    ['region and EU rows all in the future → null', [INV_DACH_FUTURE, INV_EU_FUTURE], 'INVERTER', 'DE-AT-CH', '2024-01-01', null],
    ['an unknown family → null', [INV_EU_V1, BAT_EU_V1], 'VEHICLE', 'EU', '2024-01-01', null],
    // never another family's row
    ['another family\'s region row is ignored → own EU row', [BAT_PL_V9, INV_EU_V1], 'INVERTER', 'PL', '2024-01-01', INV_EU_V1],
    ['another family\'s EU row is not a fallback', [BAT_EU_V1, INV_DACH_V1], 'INVERTER', 'PL', '2024-01-01', null],
    ['family matching is exact (case-sensitive)', [row('inverter', 'PL', 1, '2020-01-01'), INV_EU_V1], 'INVERTER', 'PL', '2024-01-01', INV_EU_V1],
    ['a battery in DE-AT-CH gets the battery row', [INV_DACH_V1, BAT_DACH_V1, BAT_EU_V1], 'BATTERY', 'DE-AT-CH', '2024-01-01', BAT_DACH_V1],
    // version in force at a date
    ['effectiveFrom after asOf is ignored', [INV_DACH_V1, INV_DACH_V2], 'INVERTER', 'DE-AT-CH', '2024-12-31', INV_DACH_V1],
    ['effectiveFrom exactly on asOf counts', [INV_DACH_V1, INV_DACH_V2], 'INVERTER', 'DE-AT-CH', '2025-01-01', INV_DACH_V2],
    ['the latest effectiveFrom wins after it', [INV_DACH_V1, INV_DACH_V2], 'INVERTER', 'DE-AT-CH', '2026-06-15', INV_DACH_V2],
    ['the only row, effective on asOf', [INV_EU_V1], 'INVERTER', 'EU', '2020-01-01', INV_EU_V1],
    ['the only row, effective the day after asOf → null', [INV_EU_V1], 'INVERTER', 'EU', '2019-12-31', null],
    ['the latest effectiveFrom wins over a higher version with an earlier date', [INV_PL_V1, INV_PL_V3_OLD, INV_PL_V2_NEW], 'INVERTER', 'PL', '2024-01-01', INV_PL_V2_NEW],
    ['before the newer date the older higher version is in force', [INV_PL_V1, INV_PL_V3_OLD, INV_PL_V2_NEW], 'INVERTER', 'PL', '2022-12-31', INV_PL_V3_OLD],
    ['a tie on effectiveFrom is broken by the higher version', [INV_DACH_V1, INV_DACH_V2, INV_DACH_V3_SAME_DAY], 'INVERTER', 'DE-AT-CH', '2025-06-01', INV_DACH_V3_SAME_DAY],
    ['a tie on effectiveFrom on asOf itself is broken by the higher version', [INV_DACH_V2, INV_DACH_V3_SAME_DAY], 'INVERTER', 'DE-AT-CH', '2025-01-01', INV_DACH_V3_SAME_DAY],
    ['a tie does not pull a not-yet-effective version in', [INV_DACH_V1, INV_DACH_V2, INV_DACH_V3_SAME_DAY], 'INVERTER', 'DE-AT-CH', '2024-12-31', INV_DACH_V1],
  ])('%s', (_name, policies, family, region, asOf, expected) => {
    // The answer must not depend on the order the rows arrive in: try every ordering.
    for (const ordering of permutations(policies)) {
      const chosen = choosePolicy(ordering, family, region, asOf);
      expect(chosen === null ? null : chosen.id).toBe(expected === null ? null : expected.id);
      if (expected !== null) expect(chosen).toBe(expected);
    }
  });

  it('returns the caller\'s own row object, with its extra fields', () => {
    const policy = { ...INV_DACH_V1, termMonths: 60 };
    const policies: Array<Row & { termMonths: number }> = [{ ...INV_EU_V1, termMonths: 120 }, policy];
    const chosen = choosePolicy(policies, 'INVERTER', 'DE-AT-CH', '2024-01-01');
    expect(chosen).toBe(policy);
    expect(chosen?.termMonths).toBe(60);
  });

  it('does not mutate the input list', () => {
    const policies = [INV_DACH_V2, INV_EU_V1, INV_DACH_V1];
    const copy = policies.slice();
    choosePolicy(policies, 'INVERTER', 'DE-AT-CH', '2025-06-01');
    expect(policies).toEqual(copy);
  });
});

describe('regionForCountry: EU territories with ISO codes of their own', () => {
  it.each(['AX', 'GP', 'GF', 'MQ', 'YT', 'RE', 'MF'])('%s → EU', (country) => {
    expect(regionForCountry(country)).toBe('EU');
  });
});
