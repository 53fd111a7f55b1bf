import { hasReadings, latestReadings, readingRegressions, type RecordedReading } from '../../src/readings/readings-history';

/** The readings history: counters never go down; the latest of each kind answers checks without readings. */
const HISTORY: RecordedReading[] = [
  { readOn: '2025-03-01', sequence: 1, odometerKm: 10_000, throughputMwh: 5.5, sohPct: 98 },
  { readOn: '2025-09-01', sequence: 2, odometerKm: 18_000, engineHours: 300 },
  { readOn: '2025-09-01', sequence: 3, sohPct: 95 },
  { readOn: '2026-02-01', sequence: 4, odometerKm: 25_000 },
];

describe('readingRegressions', () => {
  it.each([
    ['a higher odometer', '2026-03-01', { odometerKm: 26_000 }, []],
    ['the same odometer', '2026-03-01', { odometerKm: 25_000 }, []],
    ['a lower odometer, naming the earlier reading', '2026-03-01', { odometerKm: 24_999 }, ['odometerKm 24999 km is lower than 25000 km recorded on 2026-02-01']],
    ['a backdated claim compares with what was recorded up to its date', '2025-10-01', { odometerKm: 20_000 }, []],
    ['…and is still refused below that', '2025-10-01', { odometerKm: 17_000 }, ['odometerKm 17000 km is lower than 18000 km recorded on 2025-09-01']],
    ['several counters at once', '2026-03-01', { engineHours: 200, throughputMwh: 5 }, [
      'engineHours 200 h is lower than 300 h recorded on 2025-09-01',
      'throughputMwh 5 MWh is lower than 5.5 MWh recorded on 2025-03-01',
    ]],
    ['a lower state of health is how batteries age', '2026-03-01', { sohPct: 80 }, []],
    ['before any reading', '2025-01-01', { odometerKm: 1 }, []],
  ])('%s', (_label, readOn, incoming, messages) => {
    expect(readingRegressions(HISTORY, readOn, incoming).map((r) => r.message)).toEqual(messages);
  });
});

describe('latestReadings', () => {
  it('takes each kind from its own latest reading', () => {
    expect(latestReadings(HISTORY)).toEqual({
      odometerKm: { value: 25_000, readOn: '2026-02-01' },
      engineHours: { value: 300, readOn: '2025-09-01' },
      throughputMwh: { value: 5.5, readOn: '2025-03-01' },
      sohPct: { value: 95, readOn: '2025-09-01' },
    });
  });

  it('later recording wins on the same date; nothing recorded is null', () => {
    const sameDay: RecordedReading[] = [{ readOn: '2026-01-01', sequence: 2, sohPct: 90 }, { readOn: '2026-01-01', sequence: 1, sohPct: 91 }];
    expect(latestReadings(sameDay)).toEqual({ odometerKm: null, engineHours: null, throughputMwh: null, sohPct: { value: 90, readOn: '2026-01-01' } });
  });

  it('hasReadings', () => {
    expect(hasReadings({})).toBe(false);
    expect(hasReadings({ odometerKm: null })).toBe(false);
    expect(hasReadings({ sohPct: 0 })).toBe(true);
  });
});
