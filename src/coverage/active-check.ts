import { MAX_DATE } from '../common/input-guards';
import { addDays, compareDates, daysBetween, isWithin, minDate, type IsoDate } from '../common/calendar';
import { claimCheck, isClaimBound } from './claim-bound';

/**
 * The active-warranty check (rules 4, 5 and 6 of docs/RULES.md): for a repair on a date, with the unit's
 * readings, which coverages pay, for what, and why. Pure: the caller loads the record and its coverages.
 */

export type CheckKind = 'CLAIM' | 'TIME' | 'MILEAGE' | 'ENGINE_HOURS' | 'THROUGHPUT' | 'SOH' | 'VOID' | 'REPLACED' | 'LABOUR_TERM';
export type CheckOutcome = 'PASS' | 'FAIL' | 'READING_REQUIRED';
export type ReadingKind = 'odometerKm' | 'engineHours' | 'throughputMwh' | 'sohPct';
export type CostType = 'PARTS' | 'LABOUR';
export type Decision = 'COVERED' | 'PARTIALLY_COVERED' | 'SELF_PAID';

export interface Readings {
  odometerKm?: number | null;
  engineHours?: number | null;
  throughputMwh?: number | null;
  /** Measured state of health, percent. */
  sohPct?: number | null;
}

export interface CheckRequest {
  repairDate: IsoDate;
  readings: Readings;
  /** The component or part repaired (e.g. CELLS, POWERTRAIN); null = the unit as a whole. */
  component?: string | null;
  /** Only parts or only labour; null = both. */
  costType?: CostType | null;
  /** A claim for lost capacity: the SOH guarantee decides it (rule 5). */
  capacityClaim?: boolean;
  /** The unit's readings history per counter: its first and latest reading, for the projected end's rate. */
  history?: ReadingsHistory;
  /**
   * The claim being decided, when the check decides one (rule 11): only then may a coverage granted for that very
   * claim pay. A check of a unit on a day, or any other claim, has none of its own, so no claim-bound coverage pays.
   */
  claimId?: string | null;
}

/** The first and the latest recorded value of each counter (the readings history, rule 10). */
export type ReadingsHistory = Partial<Record<'odometerKm' | 'engineHours' | 'throughputMwh', { first: DatedReading; last: DatedReading }>>;
export interface DatedReading {
  value: number;
  readOn: IsoDate;
}

export interface CheckableCoverage {
  id: string;
  kind: 'STANDARD' | 'EXTENDED' | 'PART' | 'GOODWILL';
  scope: string;
  startDate: IsoDate | null;
  endDate: IsoDate | null;
  labourEndDate: IsoDate | null;
  mileageLimitKm: number | null;
  engineHoursLimit: number | null;
  throughputLimitMwh: number | null;
  sohGuaranteePct: number | null;
  paysParts: boolean;
  paysLabour: boolean;
  /** Calendar date (site time zone) of the coverage's own void, if any. */
  voidedOn: IsoDate | null;
  voidReason: string | null;
  /** e.g. "BATTERY DE-AT-CH v1": cited in every reason. */
  policyLabel: string | null;
  /** The claim a GOODWILL coverage was granted for (rule 11): it pays that claim and nothing else. */
  claimId?: string | null;
}

export interface CheckableRecord {
  serialNumber: string;
  /** Why the warranty has not started, when it has not (rule 2). */
  notStartedReason: string | null;
  voidedOn: IsoDate | null;
  voidReason: string | null;
  /** The unit was replaced under a REPLACE claim (rule 10) on this date, by this serial: its warranty moved there. */
  replacedOn?: IsoDate | null;
  replacedBy?: string | null;
}

export interface CheckResult {
  check: CheckKind;
  outcome: CheckOutcome;
  limit: string | null;
  reading: string | null;
  reason: string;
}

export interface ProjectedEnd {
  /** The date the first usage limit is reached at the rate seen so far ("whichever comes first"). */
  date: IsoDate;
  limit: CheckKind;
  calendarEnd: IsoDate;
  /** The earlier of the calendar end and the projection. */
  effectiveEnd: IsoDate;
}

export interface CoverageCheck {
  coverage: CheckableCoverage;
  active: boolean;
  paysParts: boolean;
  paysLabour: boolean;
  checks: CheckResult[];
  projectedEnd: ProjectedEnd | null;
}

export interface WarrantyCheckResult {
  decision: Decision;
  paysParts: boolean;
  paysLabour: boolean;
  reason: string;
  /** The component judged: the one named, or for a capacity claim the one carrying the SOH guarantee. */
  component: string | null;
  /** The coverages that apply to the repaired component, each with its checks. */
  coverages: CoverageCheck[];
  /**
   * Readings a set limit needs that the request lacks, on coverages that pass every other check: the answer
   * depends on them.
   */
  missingReadings: ReadingKind[];
}

const USAGE_LIMITS: Array<{
  check: CheckKind;
  reading: ReadingKind;
  limit: (c: CheckableCoverage) => number | null;
  unit: string;
  noun: string;
}> = [
  { check: 'MILEAGE', reading: 'odometerKm', limit: (c) => c.mileageLimitKm, unit: 'km', noun: 'odometer reading' },
  { check: 'ENGINE_HOURS', reading: 'engineHours', limit: (c) => c.engineHoursLimit, unit: 'h', noun: 'engine hours' },
  { check: 'THROUGHPUT', reading: 'throughputMwh', limit: (c) => c.throughputLimitMwh, unit: 'MWh', noun: 'energy throughput' },
];

function label(c: CheckableCoverage): string {
  const scope = c.scope === 'UNIT' ? 'unit' : c.scope;
  return `${c.kind} ${scope} coverage${c.policyLabel ? ` (policy ${c.policyLabel})` : ''}`;
}

/**
 * The coverages that answer for a repair: the whole-unit ones, and those scoped to the repaired component.
 * A component the policy carved out into a STANDARD or EXTENDED coverage of its own (a battery's CELLS) is
 * answered for by that coverage alone, so voiding it (§5.5.19) is not undone by the whole-unit coverage;
 * PART contracts add to the whole-unit coverage instead of replacing it.
 */
export function applicableCoverages<C extends CheckableCoverage>(coverages: readonly C[], component?: string | null): C[] {
  const wanted = component?.toUpperCase() ?? null;
  if (wanted === null || wanted === 'UNIT') return coverages.filter((c) => c.scope === 'UNIT');
  const own = coverages.filter((c) => c.scope === wanted);
  const carvedOut = own.some((c) => c.kind === 'STANDARD' || c.kind === 'EXTENDED');
  return carvedOut ? own : [...coverages.filter((c) => c.scope === 'UNIT'), ...own];
}

/**
 * The component a request is judged on. A capacity claim is a claim on the component whose own coverage carries
 * the state-of-health guarantee (a battery's cells), whatever component the request names or leaves out: the
 * whole-unit coverage may carry the guarantee too, but a void of the cells (§5.5.19) must decide every capacity
 * claim, however it is phrased. Which component that is comes from the coverages (policy data), not from code.
 */
export function judgedComponent(coverages: readonly CheckableCoverage[], request: Pick<CheckRequest, 'component' | 'capacityClaim'>): string | null {
  const named = request.component?.toUpperCase() ?? null;
  if (!request.capacityClaim) return named;
  const guaranteeCarriers = [
    ...new Set(
      coverages
        .filter((c) => c.scope !== 'UNIT' && (c.kind === 'STANDARD' || c.kind === 'EXTENDED') && c.sohGuaranteePct !== null)
        .map((c) => c.scope),
    ),
  ].sort();
  return guaranteeCarriers[0] ?? named;
}

function checkCoverage(record: CheckableRecord, coverage: CheckableCoverage, request: CheckRequest): CheckResult[] {
  const d = request.repairDate;
  const name = label(coverage);
  const checks: CheckResult[] = [];

  // Claim (rule 11): a goodwill coverage pays the one claim it was granted for.
  if (isClaimBound(coverage)) checks.push(claimCheck(coverage, request, name));

  // Time (rule 3: the end date itself is inside).
  if (coverage.startDate === null || coverage.endDate === null) {
    checks.push({ check: 'TIME', outcome: 'FAIL', limit: null, reading: d, reason: `${name} has not started: ${record.notStartedReason ?? 'no start date'}` });
  } else {
    const inside = isWithin(d, coverage.startDate, coverage.endDate);
    const where = compareDates(d, coverage.startDate) < 0 ? `before its start on ${coverage.startDate}` : `after its end on ${coverage.endDate}`;
    checks.push({
      check: 'TIME',
      outcome: inside ? 'PASS' : 'FAIL',
      limit: `${coverage.startDate}..${coverage.endDate}`,
      reading: d,
      reason: inside
        ? `repair on ${d} is within ${name}, ${coverage.startDate} to ${coverage.endDate}`
        : `repair on ${d} is ${where}: ${name} does not cover it`,
    });
  }

  // Usage limits (rule 4): at or under the limit passes; a set limit without its reading cannot pass.
  for (const usage of USAGE_LIMITS) {
    const limit = usage.limit(coverage);
    if (limit === null) continue;
    const reading = request.readings[usage.reading];
    if (reading === null || reading === undefined) {
      checks.push({ check: usage.check, outcome: 'READING_REQUIRED', limit: `${limit} ${usage.unit}`, reading: null, reason: `${name} limits ${usage.noun} to ${limit} ${usage.unit}: the ${usage.noun} is required` });
      continue;
    }
    const within = reading <= limit;
    checks.push({
      check: usage.check,
      outcome: within ? 'PASS' : 'FAIL',
      limit: `${limit} ${usage.unit}`,
      reading: `${reading} ${usage.unit}`,
      reason: within
        ? `${usage.noun} ${reading} ${usage.unit} is within the ${limit} ${usage.unit} limit of ${name}`
        : `${usage.noun} ${reading} ${usage.unit} is over the ${limit} ${usage.unit} limit of ${name}`,
    });
  }

  // SOH (rule 5): a capacity claim is covered only while the measured SOH is below the guarantee; a coverage
  // that guarantees no SOH does not pay for lost capacity at all.
  if (request.capacityClaim && coverage.sohGuaranteePct === null) {
    checks.push({ check: 'SOH', outcome: 'FAIL', limit: null, reading: null, reason: `${name} gives no state-of-health guarantee, so it does not cover lost capacity` });
  } else if (request.capacityClaim && coverage.sohGuaranteePct !== null) {
    const soh = request.readings.sohPct;
    const limit = `< ${coverage.sohGuaranteePct} %`;
    if (soh === null || soh === undefined) {
      checks.push({ check: 'SOH', outcome: 'READING_REQUIRED', limit, reading: null, reason: `${name} guarantees ${coverage.sohGuaranteePct} % state of health: the measured SOH is required for a capacity claim` });
    } else {
      const below = soh < coverage.sohGuaranteePct;
      checks.push({
        check: 'SOH',
        outcome: below ? 'PASS' : 'FAIL',
        limit,
        reading: `${soh} %`,
        reason: below
          ? `measured SOH ${soh} % is below the ${coverage.sohGuaranteePct} % guarantee of ${name}: the capacity loss is a defect`
          : `measured SOH ${soh} % is not below the ${coverage.sohGuaranteePct} % guarantee of ${name}: the capacity is within what is guaranteed`,
      });
    }
  }

  // Void (rule 4): voided on or before the repair date → no cover, whole unit or this coverage.
  const voids = [
    { on: record.voidedOn, reason: record.voidReason, what: 'the whole warranty' },
    { on: coverage.voidedOn, reason: coverage.voidReason, what: name },
  ].filter((v) => v.on !== null && compareDates(v.on, d) <= 0);
  checks.push(
    voids.length > 0
      ? { check: 'VOID', outcome: 'FAIL', limit: null, reading: voids[0].on, reason: `${voids[0].what} was voided on ${voids[0].on}: ${voids[0].reason}` }
      : { check: 'VOID', outcome: 'PASS', limit: null, reading: null, reason: `${name} is not voided` },
  );
  // Replacement (rule 10): from the day the unit was replaced, its warranty is the replacement's.
  if (record.replacedOn) {
    checks.push(
      compareDates(record.replacedOn, d) <= 0
        ? { check: 'REPLACED', outcome: 'FAIL', limit: null, reading: record.replacedOn, reason: `the unit was replaced by ${record.replacedBy ?? 'another unit'} on ${record.replacedOn}: its warranty continues on the replacement` }
        : { check: 'REPLACED', outcome: 'PASS', limit: null, reading: record.replacedOn, reason: `the repair is before the unit's replacement on ${record.replacedOn}` },
    );
  }
  return checks;
}

/** Rule 6: labour is paid only up to the labour end (inclusive), when the coverage pays labour at all. */
function labourCheck(coverage: CheckableCoverage, d: IsoDate): CheckResult {
  const name = label(coverage);
  if (!coverage.paysLabour) {
    return { check: 'LABOUR_TERM', outcome: 'FAIL', limit: null, reading: d, reason: `${name} pays parts only` };
  }
  if (coverage.labourEndDate === null || compareDates(d, coverage.labourEndDate) <= 0) {
    return { check: 'LABOUR_TERM', outcome: 'PASS', limit: coverage.labourEndDate, reading: d, reason: coverage.labourEndDate ? `labour is paid until ${coverage.labourEndDate}` : `${name} pays labour for its whole term` };
  }
  return { check: 'LABOUR_TERM', outcome: 'FAIL', limit: coverage.labourEndDate, reading: d, reason: `labour is paid only until ${coverage.labourEndDate}; from then on ${name} pays parts only` };
}

/**
 * Projects when the first usage limit will be reached at the rate seen from the start to the repair date, as
 * "whichever comes first" beside the calendar end. Null when no usage limit or reading allows a projection.
 */
export function projectEnd(coverage: CheckableCoverage, readingDate: IsoDate, readings: Readings, history: ReadingsHistory = {}): ProjectedEnd | null {
  if (!coverage.startDate || !coverage.endDate) return null;
  const lastDay = daysBetween(coverage.startDate, MAX_DATE);
  let best: { date: IsoDate; limit: CheckKind } | null = null;
  for (const usage of USAGE_LIMITS) {
    const limit = usage.limit(coverage);
    if (limit === null) continue;
    const date = projectedDate(coverage.startDate, limit, readingDate, readings[usage.reading], history[usage.reading as keyof ReadingsHistory], lastDay);
    if (date !== null && (best === null || compareDates(date, best.date) < 0)) best = { date, limit: usage.check };
  }
  if (best === null) return null;
  return { ...best, calendarEnd: coverage.endDate, effectiveEnd: minDate(best.date, coverage.endDate) };
}

/**
 * When a counter reaches `limit`. With a history of two readings on different days that grew, at the history's own
 * rate from its latest reading (a unit that ran hard last year and idles now is projected by what it really did);
 * else at the average rate since the coverage start, from the reading on the repair date. Null when the counter
 * does not grow, or the date would fall past the last date we can show.
 */
function projectedDate(
  start: IsoDate,
  limit: number,
  readingDate: IsoDate,
  reading: number | null | undefined,
  history: { first: DatedReading; last: DatedReading } | undefined,
  lastDay: number,
): IsoDate | null {
  if (history) {
    const days = daysBetween(history.first.readOn, history.last.readOn);
    const grown = history.last.value - history.first.value;
    if (days > 0 && grown > 0) {
      const fromLast = history.last.value >= limit ? 0 : Math.floor(((limit - history.last.value) * days) / grown);
      const offset = daysBetween(start, history.last.readOn) + fromLast;
      return offset > lastDay ? null : addDays(start, offset);
    }
  }
  const elapsed = daysBetween(start, readingDate);
  if (elapsed <= 0 || reading === null || reading === undefined || reading <= 0) return null;
  const daysToLimit = Math.floor((limit * elapsed) / reading);
  // A tiny reading projects the limit thousands of years out: past the last date we can show, there is none.
  return daysToLimit > lastDay ? null : addDays(start, daysToLimit);
}

export function checkWarranty(
  record: CheckableRecord,
  coverages: readonly CheckableCoverage[],
  request: CheckRequest,
): WarrantyCheckResult {
  const component = judgedComponent(coverages, request);
  const applicable = applicableCoverages(coverages, component);
  const results: CoverageCheck[] = applicable.map((coverage) => {
    const checks = checkCoverage(record, coverage, request);
    const active = checks.every((c) => c.outcome === 'PASS');
    const labour = labourCheck(coverage, request.repairDate);
    return {
      coverage,
      active,
      paysParts: active && coverage.paysParts,
      paysLabour: active && labour.outcome === 'PASS',
      checks: [...checks, labour],
      projectedEnd: projectEnd(coverage, request.repairDate, request.readings, request.history),
    };
  });

  // A reading is missing only where it would decide: a coverage that already fails another check (ended,
  // voided, over another limit) cannot pay whatever the reading, so it does not hold the answer up.
  const undecided = results.filter((r) => !r.checks.some((c) => c.outcome === 'FAIL' && c.check !== 'LABOUR_TERM'));
  const missingReadings = [
    ...new Set(
      undecided.flatMap((r) =>
        r.checks
          .filter((c) => c.outcome === 'READING_REQUIRED')
          .map((c) => (c.check === 'SOH' ? 'sohPct' : USAGE_LIMITS.find((u) => u.check === c.check)!.reading) as ReadingKind),
      ),
    ),
  ];
  const paysParts = results.some((r) => r.paysParts);
  const paysLabour = results.some((r) => r.paysLabour);
  const wanted = request.costType ?? null;
  const decision: Decision =
    wanted === 'PARTS'
      ? paysParts ? 'COVERED' : 'SELF_PAID'
      : wanted === 'LABOUR'
        ? paysLabour ? 'COVERED' : 'SELF_PAID'
        : paysParts && paysLabour ? 'COVERED' : paysParts || paysLabour ? 'PARTIALLY_COVERED' : 'SELF_PAID';

  const reason = explain(record, { ...request, component }, results, decision, missingReadings);
  const redirected = request.capacityClaim && component !== (request.component?.toUpperCase() ?? null);
  return {
    decision,
    paysParts,
    paysLabour,
    reason: redirected ? `${reason} (a capacity claim is a claim on the ${component} and is judged by their coverage)` : reason,
    component,
    coverages: results,
    missingReadings,
  };
}

function explain(
  record: CheckableRecord,
  request: CheckRequest,
  results: CoverageCheck[],
  decision: Decision,
  missingReadings: ReadingKind[],
): string {
  const subject = `${record.serialNumber}${request.component ? ` (${request.component.toUpperCase()})` : ''} on ${request.repairDate}`;
  if (missingReadings.length > 0) return `cannot decide ${subject}: ${missingReadings.join(', ')} required`;
  if (results.length === 0) return `self-paid: ${subject} has no coverage for this component`;
  const payers = results.filter((r) => r.paysParts || r.paysLabour);
  if (decision === 'SELF_PAID') {
    const why = results.map((r) => r.checks.find((c) => c.outcome !== 'PASS' && c.check !== 'LABOUR_TERM')?.reason ?? r.checks.find((c) => c.outcome !== 'PASS')?.reason).filter(Boolean);
    return `self-paid: no active coverage pays for ${subject}; ${why.join('; ')}`;
  }
  const what = (r: CoverageCheck) => (r.paysParts && r.paysLabour ? 'parts and labour' : r.paysParts ? 'parts' : 'labour');
  const paid = payers.map((r) => `${label(r.coverage)} pays ${what(r)}`).join('; ');
  if (decision === 'PARTIALLY_COVERED') {
    const unpaid = payers.some((r) => r.paysParts) ? 'labour' : 'parts';
    const labourWhy = results.map((r) => r.checks.find((c) => c.check === 'LABOUR_TERM' && c.outcome === 'FAIL')?.reason).find(Boolean);
    return `partially covered: ${paid}; ${unpaid} is self-paid${labourWhy && unpaid === 'labour' ? ` (${labourWhy})` : ''}`;
  }
  return `covered: ${paid}`;
}
