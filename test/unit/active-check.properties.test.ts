import fc from 'fast-check';
import {
  applicableCoverages,
  checkWarranty,
  type CheckableCoverage,
  type CheckableRecord,
  type CheckRequest,
  type CostType,
  type ReadingKind,
  type Readings,
  type WarrantyCheckResult,
} from '../../src/coverage/active-check';
import { addDays, addMonths, compareDates, daysBetween, type IsoDate } from '../../src/common/calendar';

/* ------------------------------------------------------------------ generators */

const RUNS = 400;

function dateIn(from: IsoDate, to: IsoDate): fc.Arbitrary<IsoDate> {
  return fc.integer({ min: 0, max: daysBetween(from, to) }).map((n) => addDays(from, n));
}

/** null (the value is not set) with weight `nullWeight` against 1 for a value. */
const optional = <T>(arb: fc.Arbitrary<T>, nullWeight = 1) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: nullWeight }, { arbitrary: arb, weight: 1 });
const mostly = (p: number) => fc.integer({ min: 0, max: 99 }).map((n) => n < p);

const coverageArb: fc.Arbitrary<Omit<CheckableCoverage, 'id'>> = fc
  .record({
    kind: fc.constantFrom<CheckableCoverage['kind']>('STANDARD', 'EXTENDED', 'PART', 'GOODWILL'),
    scope: fc.constantFrom('UNIT', 'UNIT', 'CELLS', 'POWERTRAIN'),
    started: mostly(90),
    start: dateIn('2015-01-01', '2030-12-31'),
    termMonths: fc.integer({ min: 1, max: 180 }),
    /** Fraction of the term at which labour ends; null = labour for the whole term. */
    labourFraction: optional(fc.integer({ min: 0, max: 100 })),
    mileageLimitKm: optional(fc.integer({ min: 0, max: 300_000 })),
    engineHoursLimit: optional(fc.integer({ min: 0, max: 20_000 })),
    throughputLimitMwh: optional(fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000)),
    sohGuaranteePct: optional(fc.oneof(fc.constantFrom(70, 80), fc.integer({ min: 50, max: 95 }))),
    paysParts: mostly(85),
    paysLabour: mostly(85),
    voidOffsetDays: optional(fc.integer({ min: -30, max: 16 * 366 }), 3),
    voidReason: fc.constantFrom('§5.5.19 cell firmware not updated', 'tampering', 'not installed by a certified installer'),
    policyLabel: optional(fc.constantFrom('INVERTER EU v1', 'BATTERY DE-AT-CH v1', 'VEHICLE EU v2')),
    claimId: optional(fc.constantFrom('claim-1', 'claim-2'), 1),
  })
  .map((g) => {
    const startDate = g.started ? g.start : null;
    const endDate = g.started ? addMonths(g.start, g.termMonths) : null;
    const labourMonths = g.labourFraction === null ? null : Math.floor((g.termMonths * g.labourFraction) / 100);
    const voidedOn = g.voidOffsetDays === null ? null : addDays(g.start, g.voidOffsetDays);
    return {
      kind: g.kind,
      scope: g.scope,
      startDate,
      endDate,
      labourEndDate: g.started && labourMonths !== null ? addMonths(g.start, labourMonths) : null,
      mileageLimitKm: g.mileageLimitKm,
      engineHoursLimit: g.engineHoursLimit,
      throughputLimitMwh: g.throughputLimitMwh,
      sohGuaranteePct: g.sohGuaranteePct,
      paysParts: g.paysParts,
      paysLabour: g.paysLabour,
      voidedOn,
      voidReason: voidedOn === null ? null : g.voidReason,
      policyLabel: g.policyLabel,
      claimId: g.kind === 'GOODWILL' ? g.claimId : null,
    };
  });

const coveragesArb: fc.Arbitrary<CheckableCoverage[]> = fc
  .array(coverageArb, { minLength: 1, maxLength: 4 })
  .map((cs) => cs.map((c, i) => ({ id: `cov-${i}`, ...c })));

const recordArb: fc.Arbitrary<CheckableRecord> = fc
  .record({
    notStartedReason: optional(fc.constantFrom('AWAITING_BROKER_INVOICE', 'AWAITING_END_CUSTOMER_SALE', 'AWAITING_ACTIVATION')),
    voidedOn: optional(dateIn('2015-01-01', '2046-12-31'), 6),
  })
  .map((r) => ({ serialNumber: 'SN-PROP', notStartedReason: r.notStartedReason, voidedOn: r.voidedOn, voidReason: r.voidedOn ? 'whole-unit void' : null }));

/**
 * Every reading present (no READING_REQUIRED): at random, small, or within a step of one of the coverages' limits,
 * so that the at-the-limit boundaries are hit often.
 */
function fullReadingsArb(coverages: CheckableCoverage[]): fc.Arbitrary<Readings> {
  const near = (limits: Array<number | null>, random: fc.Arbitrary<number>, small: fc.Arbitrary<number>, step: number) => {
    const set = limits.filter((l): l is number => l !== null);
    const options = [random, small];
    if (set.length > 0) {
      options.push(fc.tuple(fc.constantFrom(...set), fc.constantFrom(-step, 0, 0, step)).map(([l, o]) => Math.max(0, Math.round((l + o) * 1000) / 1000)));
    }
    return fc.oneof(...options);
  };
  return fc.record({
    odometerKm: near(coverages.map((c) => c.mileageLimitKm), fc.integer({ min: 0, max: 400_000 }), fc.integer({ min: 0, max: 5_000 }), 1),
    engineHours: near(coverages.map((c) => c.engineHoursLimit), fc.integer({ min: 0, max: 25_000 }), fc.integer({ min: 0, max: 500 }), 1),
    throughputMwh: near(
      coverages.map((c) => c.throughputLimitMwh),
      fc.integer({ min: 0, max: 120_000 }).map((n) => n / 1000),
      fc.integer({ min: 0, max: 5_000 }).map((n) => n / 1000),
      0.001,
    ),
    sohPct: near(coverages.map((c) => c.sohGuaranteePct), fc.integer({ min: 0, max: 1000 }).map((n) => n / 10), fc.integer({ min: 0, max: 690 }).map((n) => n / 10), 0.1),
  });
}

/** Each reading present, null or absent. */
function partialReadingsArb(coverages: CheckableCoverage[]): fc.Arbitrary<Readings> {
  const maybe = (v: number | null | undefined) => fc.constantFrom<number | null | undefined>(v, v, null, undefined);
  return fullReadingsArb(coverages).chain((full) =>
    fc.record({
      odometerKm: maybe(full.odometerKm),
      engineHours: maybe(full.engineHours),
      throughputMwh: maybe(full.throughputMwh),
      sohPct: maybe(full.sohPct),
    }),
  );
}

const componentArb = fc.constantFrom<string | null | undefined>(null, null, undefined, 'UNIT', 'CELLS', 'cells', 'POWERTRAIN', 'powertrain', 'GEARBOX');
const costTypeArb = fc.constantFrom<CostType | null | undefined>(null, undefined, 'PARTS', 'LABOUR');

interface Scenario {
  record: CheckableRecord;
  coverages: CheckableCoverage[];
  request: CheckRequest;
}

/**
 * Repair dates drawn at random, inside one of the coverages, or within two days of a coverage's start, end,
 * labour end or void date.
 */
function scenarioArb(readingsArb: (coverages: CheckableCoverage[]) => fc.Arbitrary<Readings>): fc.Arbitrary<Scenario> {
  return fc.tuple(coveragesArb, recordArb).chain(([coverages, record]) => {
    const anchors = [
      ...coverages.flatMap((c) => [c.startDate, c.endDate, c.labourEndDate, c.voidedOn]),
      record.voidedOn,
    ].filter((d): d is IsoDate => d !== null);
    const terms = coverages.flatMap((c) => (c.startDate !== null && c.endDate !== null ? [[c.startDate, c.endDate] as const] : []));
    const options: fc.Arbitrary<IsoDate>[] = [dateIn('2014-01-01', '2046-12-31')];
    if (anchors.length > 0) options.push(fc.tuple(fc.constantFrom(...anchors), fc.integer({ min: -2, max: 2 })).map(([d, o]) => addDays(d, o)));
    if (terms.length > 0) options.push(fc.constantFrom(...terms).chain(([start, end]) => dateIn(start, end)));
    return fc.record({
      record: fc.constant(record),
      coverages: fc.constant(coverages),
      request: fc.record({
        repairDate: fc.oneof(...options),
        readings: readingsArb(coverages),
        component: componentArb,
        costType: costTypeArb,
        capacityClaim: fc.boolean(),
        claimId: fc.constantFrom<string | null | undefined>(undefined, null, 'claim-1', 'claim-2'),
      }),
    });
  });
}

const run = (s: Scenario): WarrantyCheckResult => checkWarranty(s.record, s.coverages, s.request);

/**
 * An independent reading of rules 3–5 for one coverage: start ≤ d ≤ end, each set limit has its reading and the
 * reading is at or under it, a capacity claim's SOH is below the coverage's guarantee (none → not covered), no
 * void on or before d.
 */
function activeByRule(record: CheckableRecord, c: CheckableCoverage, req: CheckRequest): boolean {
  const d = req.repairDate;
  // Rule 11: goodwill pays the claim it was granted for, and only that one.
  if (c.kind === 'GOODWILL' && (!c.claimId || c.claimId !== req.claimId)) return false;
  if (c.startDate === null || c.endDate === null) return false;
  if (compareDates(d, c.startDate) < 0 || compareDates(d, c.endDate) > 0) return false;
  const within = (limit: number | null, reading: number | null | undefined) =>
    limit === null || (reading !== null && reading !== undefined && reading <= limit);
  if (!within(c.mileageLimitKm, req.readings.odometerKm)) return false;
  if (!within(c.engineHoursLimit, req.readings.engineHours)) return false;
  if (!within(c.throughputLimitMwh, req.readings.throughputMwh)) return false;
  // A capacity claim needs an SOH guarantee on the coverage, and the measured SOH below it.
  if (req.capacityClaim && c.sohGuaranteePct === null) return false;
  if (req.capacityClaim && c.sohGuaranteePct !== null) {
    const soh = req.readings.sohPct;
    if (soh === null || soh === undefined || !(soh < c.sohGuaranteePct)) return false;
  }
  for (const v of [record.voidedOn, c.voidedOn]) if (v !== null && compareDates(v, d) <= 0) return false;
  return true;
}

/**
 * Rule 5 restated for the oracle: a capacity claim is judged on the component whose own (standard or extended)
 * coverage carries an SOH guarantee, whatever the request names; any other request on the component it names.
 */
function componentByRule(coverages: readonly CheckableCoverage[], request: CheckRequest): string | null {
  const named = request.component?.toUpperCase() ?? null;
  if (!request.capacityClaim) return named;
  const carrier = coverages
    .filter((c) => c.sohGuaranteePct !== null && c.scope !== 'UNIT' && ['STANDARD', 'EXTENDED'].includes(c.kind))
    .map((c) => c.scope)
    .sort()[0];
  return carrier ?? named;
}

/* ------------------------------------------------------------------ properties */

describe('checkWarranty properties (fast-check)', () => {
  it('a. never COVERED or PARTIALLY_COVERED when every applicable coverage fails a non-labour check', () => {
    fc.assert(
      fc.property(scenarioArb(fullReadingsArb), (s) => {
        const result = run(s);
        const failsByRows = result.coverages.every((r) => r.checks.some((c) => c.check !== 'LABOUR_TERM' && c.outcome !== 'PASS'));
        const failsByRule = applicableCoverages(s.coverages, componentByRule(s.coverages, s.request)).every((c) => !activeByRule(s.record, c, s.request));
        expect(failsByRows).toBe(failsByRule);
        if (failsByRule) {
          expect(result.decision).toBe('SELF_PAID');
          expect(result.paysParts).toBe(false);
          expect(result.paysLabour).toBe(false);
          expect(result.reason.startsWith('self-paid')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a′. each coverage is active exactly when rule 4 says so (independent oracle), and only active coverages pay', () => {
    fc.assert(
      fc.property(scenarioArb(partialReadingsArb), (s) => {
        const result = run(s);
        expect(result.coverages.map((r) => r.coverage.id)).toEqual(applicableCoverages(s.coverages, componentByRule(s.coverages, s.request)).map((c) => c.id));
        for (const r of result.coverages) {
          expect(r.active).toBe(activeByRule(s.record, r.coverage, s.request));
          expect(r.paysParts).toBe(r.active && r.coverage.paysParts);
          if (!r.active) expect(r.paysLabour).toBe(false);
          if (r.paysLabour) {
            expect(r.coverage.paysLabour).toBe(true);
            if (r.coverage.labourEndDate !== null) expect(compareDates(s.request.repairDate, r.coverage.labourEndDate)).toBeLessThanOrEqual(0);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  describe('b. monotonicity: raising a limit never turns a paid repair into SELF_PAID', () => {
    type Raise = 'mileage' | 'hours' | 'throughput' | 'end' | 'soh' | 'all';
    const raiseArb = fc.record({
      index: fc.nat(),
      what: fc.constantFrom<Raise>('mileage', 'hours', 'throughput', 'end', 'soh', 'all'),
      by: fc.integer({ min: 0, max: 200_000 }),
      /** Removing a usage limit (→ null, not checked) is raising it to infinity; an SOH guarantee is only raised. */
      remove: mostly(15),
    });

    function raise(c: CheckableCoverage, what: Raise, by: number, remove: boolean): CheckableCoverage {
      const up = (v: number | null, step: number) => (v === null ? null : remove ? null : v + step);
      const out = { ...c };
      if (what === 'mileage' || what === 'all') out.mileageLimitKm = up(c.mileageLimitKm, by);
      if (what === 'hours' || what === 'all') out.engineHoursLimit = up(c.engineHoursLimit, by % 20_000);
      if (what === 'throughput' || what === 'all') out.throughputLimitMwh = up(c.throughputLimitMwh, (by % 100_000) / 1000);
      // Removing an SOH guarantee takes the capacity cover away (rule 5), so it is raised, never removed.
      if (what === 'soh' || what === 'all') out.sohGuaranteePct = c.sohGuaranteePct === null ? null : c.sohGuaranteePct + (by % 30);
      if ((what === 'end' || what === 'all') && c.endDate !== null) out.endDate = addDays(c.endDate, by % 4000);
      return out;
    }

    it('holds for one raised coverage or all of one’s limits', () => {
      fc.assert(
        fc.property(scenarioArb(fullReadingsArb), raiseArb, (s, r) => {
          const before = run(s);
          const i = r.index % s.coverages.length;
          const raised = s.coverages.map((c, j) => (j === i ? raise(c, r.what, r.by, r.remove) : c));
          const after = checkWarranty(s.record, raised, s.request);
          if (before.decision === 'COVERED') expect(after.decision).toBe('COVERED');
          if (before.decision === 'PARTIALLY_COVERED') expect(after.decision).not.toBe('SELF_PAID');
          if (before.paysParts) expect(after.paysParts).toBe(true);
          if (before.paysLabour) expect(after.paysLabour).toBe(true);
          before.coverages.forEach((c, j) => {
            if (c.active) expect(after.coverages[j].active).toBe(true);
          });
        }),
        { numRuns: RUNS },
      );
    });
  });

  it('c. deterministic (same input → deeply equal output) and does not mutate its inputs', () => {
    fc.assert(
      fc.property(scenarioArb(partialReadingsArb), (s) => {
        const snapshot = structuredClone(s);
        const first = checkWarranty(s.record, s.coverages, s.request);
        const second = checkWarranty(s.record, s.coverages, s.request);
        const fresh = checkWarranty(structuredClone(s.record), structuredClone(s.coverages), structuredClone(s.request));
        expect(second).toEqual(first);
        expect(fresh).toEqual(first);
        expect(s).toEqual(snapshot);
        // Readings left out stay left out (no keys added).
        expect(Object.keys(s.request.readings).sort()).toEqual(Object.keys(snapshot.request.readings).sort());
      }),
      { numRuns: RUNS },
    );
  });

  it('d. a READING_REQUIRED check never counts as active; missingReadings lists exactly those readings', () => {
    const readingOf: Record<string, ReadingKind> = { MILEAGE: 'odometerKm', ENGINE_HOURS: 'engineHours', THROUGHPUT: 'throughputMwh', SOH: 'sohPct' };
    fc.assert(
      fc.property(scenarioArb(partialReadingsArb), (s) => {
        const result = run(s);
        const required = new Set<ReadingKind>();
        for (const r of result.coverages) {
          const missing = r.checks.filter((c) => c.outcome === 'READING_REQUIRED');
          // Only a coverage that fails nothing else is held up by a missing reading.
          const decidedAnyway = r.checks.some((c) => c.outcome === 'FAIL' && c.check !== 'LABOUR_TERM');
          for (const c of missing) {
            if (!decidedAnyway) required.add(readingOf[c.check]);
            const value = s.request.readings[readingOf[c.check]];
            expect(value === null || value === undefined).toBe(true);
            expect(c.reading).toBeNull();
          }
          if (missing.length > 0) {
            expect(r.active).toBe(false);
            expect(r.paysParts).toBe(false);
            expect(r.paysLabour).toBe(false);
          }
        }
        expect([...result.missingReadings].sort()).toEqual([...required].sort());
        expect(new Set(result.missingReadings).size).toBe(result.missingReadings.length);
        if (result.missingReadings.length > 0) expect(result.reason.startsWith('cannot decide')).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('d′. with every reading given there is never a READING_REQUIRED', () => {
    fc.assert(
      fc.property(scenarioArb(fullReadingsArb), (s) => {
        const result = run(s);
        expect(result.missingReadings).toEqual([]);
        expect(result.coverages.flatMap((r) => r.checks).some((c) => c.outcome === 'READING_REQUIRED')).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('e. the decision is consistent with what is paid', () => {
    fc.assert(
      fc.property(scenarioArb(partialReadingsArb), (s) => {
        const result = run(s);
        const costType = s.request.costType ?? null;
        expect(result.paysParts).toBe(result.coverages.some((r) => r.paysParts));
        expect(result.paysLabour).toBe(result.coverages.some((r) => r.paysLabour));
        switch (result.decision) {
          case 'COVERED':
            if (costType === null) expect(result.paysParts && result.paysLabour).toBe(true);
            if (costType === 'PARTS') expect(result.paysParts).toBe(true);
            if (costType === 'LABOUR') expect(result.paysLabour).toBe(true);
            break;
          case 'PARTIALLY_COVERED':
            expect(costType).toBeNull();
            expect(result.paysParts !== result.paysLabour).toBe(true);
            break;
          case 'SELF_PAID':
            if (costType === null) expect(!result.paysParts && !result.paysLabour).toBe(true);
            if (costType === 'PARTS') expect(result.paysParts).toBe(false);
            if (costType === 'LABOUR') expect(result.paysLabour).toBe(false);
            break;
        }
        if (result.missingReadings.length === 0) {
          if (result.decision === 'SELF_PAID') expect(result.reason.startsWith('self-paid')).toBe(true);
          if (result.decision === 'COVERED') expect(result.reason.startsWith('covered')).toBe(true);
          if (result.decision === 'PARTIALLY_COVERED') expect(result.reason.startsWith('partially covered')).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
