import type { IsoDate } from '../common/calendar';

/**
 * The rules of a unit's readings history (rule 10), pure. Odometer, engine hours and energy throughput only ever
 * grow: a reading lower than the highest recorded on or before its own date is a mistake (or a tampered meter)
 * and is refused, naming the earlier reading. State of health falls over a battery's life, so it is recorded but
 * never refused for being lower.
 */
export type CounterKind = 'odometerKm' | 'engineHours' | 'throughputMwh';
export const COUNTERS: readonly CounterKind[] = ['odometerKm', 'engineHours', 'throughputMwh'];
export type ReadingKind = CounterKind | 'sohPct';
export const READING_KINDS: readonly ReadingKind[] = [...COUNTERS, 'sohPct'];

export type ReadingValues = Partial<Record<ReadingKind, number | null>>;

export interface RecordedReading extends ReadingValues {
  readOn: IsoDate;
  /** Recording order, for readings of one date. */
  sequence: number;
}

export interface ReadingRegression {
  reading: CounterKind;
  message: string;
}

const UNITS: Record<ReadingKind, string> = { odometerKm: 'km', engineHours: 'h', throughputMwh: 'MWh', sohPct: '%' };

/** The counters of `incoming` (taken on `readOn`) that are lower than one recorded on or before that date. */
export function readingRegressions(history: readonly RecordedReading[], readOn: IsoDate, incoming: ReadingValues): ReadingRegression[] {
  const regressions: ReadingRegression[] = [];
  for (const kind of COUNTERS) {
    const value = incoming[kind];
    if (value === null || value === undefined) continue;
    let highest: RecordedReading | null = null;
    for (const row of history) {
      const recorded = row[kind];
      if (recorded === null || recorded === undefined || row.readOn > readOn) continue;
      if (!highest || recorded > (highest[kind] as number)) highest = row;
    }
    if (highest && value < (highest[kind] as number)) {
      regressions.push({
        reading: kind,
        message: `${kind} ${value} ${UNITS[kind]} is lower than ${highest[kind]} ${UNITS[kind]} recorded on ${highest.readOn}`,
      });
    }
  }
  return regressions;
}

/** The latest value of each reading kind, with the date it was taken (null when none was ever recorded). */
export function latestReadings(history: readonly RecordedReading[]): Record<ReadingKind, { value: number; readOn: IsoDate } | null> {
  const latest = { odometerKm: null, engineHours: null, throughputMwh: null, sohPct: null } as Record<ReadingKind, { value: number; readOn: IsoDate; sequence: number } | null>;
  for (const row of history) {
    for (const kind of READING_KINDS) {
      const value = row[kind];
      if (value === null || value === undefined) continue;
      const current = latest[kind];
      if (!current || row.readOn > current.readOn || (row.readOn === current.readOn && row.sequence > current.sequence)) {
        latest[kind] = { value, readOn: row.readOn, sequence: row.sequence };
      }
    }
  }
  const strip = (entry: { value: number; readOn: IsoDate } | null) => (entry ? { value: entry.value, readOn: entry.readOn } : null);
  return { odometerKm: strip(latest.odometerKm), engineHours: strip(latest.engineHours), throughputMwh: strip(latest.throughputMwh), sohPct: strip(latest.sohPct) };
}

/** Whether any reading is given. */
export function hasReadings(values: ReadingValues): boolean {
  return READING_KINDS.some((kind) => values[kind] !== null && values[kind] !== undefined);
}

/** Every reading kind with its value, null where absent (for rows and inputs alike). */
export function pickReadings(values: ReadingValues): ReadingValues {
  return Object.fromEntries(READING_KINDS.map((kind) => [kind, values[kind] ?? null])) as ReadingValues;
}

/** A unit's stored reading rows, in recording order, as the history the rules read. */
export function recordedHistory(rows: ReadonlyArray<ReadingValues & { readOn: IsoDate; id: string }>): RecordedReading[] {
  return rows.map((row) => ({ ...pickReadings(row), readOn: row.readOn, sequence: Number(row.id) }));
}

/** Only the readings given. */
export function definedReadings(values: ReadingValues): Partial<Record<ReadingKind, number>> {
  return Object.fromEntries(READING_KINDS.filter((k) => values[k] !== null && values[k] !== undefined).map((k) => [k, values[k] as number]));
}

/** The plausible range of each reading; outside it a reading is a typing mistake. */
const READING_RANGES: Record<ReadingKind, { min: number; max: number }> = {
  odometerKm: { min: 0, max: 10_000_000 },
  engineHours: { min: 0, max: 1_000_000 },
  throughputMwh: { min: 0, max: 1_000_000 },
  sohPct: { min: 0, max: 100 },
};

/** The readings outside their range, each with a message. */
export function readingRangeProblems(values: ReadingValues): Array<{ reading: ReadingKind; message: string }> {
  return READING_KINDS.flatMap((kind) => {
    const value = values[kind];
    if (value === null || value === undefined) return [];
    const { min, max } = READING_RANGES[kind];
    return Number.isFinite(value) && value >= min && value <= max ? [] : [{ reading: kind, message: `${kind} must be from ${min} to ${max} (got ${value})` }];
  });
}

/** Each counter's first and latest recorded reading (by date, then recording order), where it has one. */
export function counterSpans(history: readonly RecordedReading[]): Partial<Record<CounterKind, { first: { value: number; readOn: IsoDate }; last: { value: number; readOn: IsoDate } }>> {
  const spans: Partial<Record<CounterKind, { first: RecordedReading; last: RecordedReading }>> = {};
  const before = (a: RecordedReading, b: RecordedReading) => a.readOn < b.readOn || (a.readOn === b.readOn && a.sequence < b.sequence);
  for (const row of history) {
    for (const kind of COUNTERS) {
      if (row[kind] === null || row[kind] === undefined) continue;
      const span = spans[kind];
      if (!span) spans[kind] = { first: row, last: row };
      else {
        if (before(row, span.first)) span.first = row;
        if (before(span.last, row)) span.last = row;
      }
    }
  }
  return Object.fromEntries(
    Object.entries(spans).map(([kind, span]) => [
      kind,
      { first: { value: span!.first[kind as CounterKind] as number, readOn: span!.first.readOn }, last: { value: span!.last[kind as CounterKind] as number, readOn: span!.last.readOn } },
    ]),
  );
}

/** A row of a unit's readings history as a JSON array carries it: date, odometer, hours, MWh, SOH (oldest first). */
export type ReadingRow = [string, number | null, number | null, number | string | null, number | string | null];

/**
 * The latest value of each reading and the first and latest of each counter, from the unit's whole readings history
 * (a unit has a handful of readings), by the readings history's own rules.
 */
export function historyOfRows(rows: readonly ReadingRow[] | null): { latestReadings: ReadingValues; history: ReturnType<typeof counterSpans>; recorded: RecordedReading[] } {
  const recorded: RecordedReading[] = (rows ?? []).map(([readOn, odometerKm, engineHours, throughputMwh, sohPct], sequence) => ({
    readOn,
    sequence,
    odometerKm,
    engineHours,
    throughputMwh: throughputMwh === null ? null : Number(throughputMwh),
    sohPct: sohPct === null ? null : Number(sohPct),
  }));
  const latest = latestReadings(recorded);
  return {
    latestReadings: Object.fromEntries(READING_KINDS.map((kind) => [kind, latest[kind]?.value ?? null])),
    history: counterSpans(recorded),
    recorded,
  };
}
