import {
  applicableCoverages,
  checkWarranty,
  projectEnd,
  type CheckableCoverage,
  type CheckableRecord,
  type CheckKind,
  type CheckOutcome,
  type CheckRequest,
  type CheckResult,
  type CostType,
  type Decision,
  type ReadingKind,
  type Readings,
  type WarrantyCheckResult,
} from '../../src/coverage/active-check';
import { addMonths, daysBetween } from '../../src/common/calendar';

/* ------------------------------------------------------------------ factories */

function coverage(over: Partial<CheckableCoverage> = {}): CheckableCoverage {
  return {
    id: 'cov-unit',
    kind: 'STANDARD',
    scope: 'UNIT',
    startDate: '2024-01-15',
    endDate: '2029-01-15',
    labourEndDate: null,
    mileageLimitKm: null,
    engineHoursLimit: null,
    throughputLimitMwh: null,
    sohGuaranteePct: null,
    paysParts: true,
    paysLabour: true,
    voidedOn: null,
    voidReason: null,
    policyLabel: 'INVERTER EU v1',
    ...over,
  };
}

function record(over: Partial<CheckableRecord> = {}): CheckableRecord {
  return { serialNumber: 'SN-1', notStartedReason: null, voidedOn: null, voidReason: null, ...over };
}

function check(
  coverages: CheckableCoverage[],
  request: Partial<CheckRequest> = {},
  rec: CheckableRecord = record(),
): WarrantyCheckResult {
  return checkWarranty(rec, coverages, { repairDate: '2025-06-01', readings: {}, ...request });
}

/** The check row of one kind on the n-th applicable coverage; fails the test when it is absent. */
function row(result: WarrantyCheckResult, kind: CheckKind, coverageIndex = 0): CheckResult {
  const found = result.coverages[coverageIndex]?.checks.find((c) => c.check === kind);
  if (!found) throw new Error(`no ${kind} check on coverage #${coverageIndex}`);
  return found;
}

const kinds = (result: WarrantyCheckResult, coverageIndex = 0) => result.coverages[coverageIndex].checks.map((c) => c.check);

/* ------------------------------------------------------------------ rule 3/4: time */

describe('checkWarranty: time (rules 3 and 4, start ≤ d ≤ end, end date inclusive)', () => {
  it.each<[string, string, CheckOutcome, Decision, string]>([
    ['repair on the start date is covered', '2024-01-15', 'PASS', 'COVERED', 'is within STANDARD unit coverage (policy INVERTER EU v1), 2024-01-15 to 2029-01-15'],
    ['repair in the middle of the term is covered', '2026-07-01', 'PASS', 'COVERED', 'is within'],
    ['repair on the end date is still covered', '2029-01-15', 'PASS', 'COVERED', 'is within'],
    ['repair the day after the end is self-paid', '2029-01-16', 'FAIL', 'SELF_PAID', 'repair on 2029-01-16 is after its end on 2029-01-15'],
    ['repair the day before the start is self-paid', '2024-01-14', 'FAIL', 'SELF_PAID', 'repair on 2024-01-14 is before its start on 2024-01-15'],
  ])('%s', (_name, repairDate, outcome, decision, reasonPart) => {
    const result = check([coverage()], { repairDate });
    const time = row(result, 'TIME');
    expect(time).toEqual({ check: 'TIME', outcome, limit: '2024-01-15..2029-01-15', reading: repairDate, reason: expect.stringContaining(reasonPart) });
    expect(result.decision).toBe(decision);
    expect(result.coverages[0].active).toBe(outcome === 'PASS');
    expect(result.paysParts).toBe(outcome === 'PASS');
    expect(result.paysLabour).toBe(outcome === 'PASS');
    expect(result.missingReadings).toEqual([]);
  });

  it.each<[string, string, number, string, string, boolean]>([
    // [name, start, termMonths, expected end, repair date, covered]
    ['leap-day start: 60 months end on 28 Feb, repair on it', '2024-02-29', 60, '2029-02-28', '2029-02-28', true],
    ['leap-day start: 1 March after the clamped end', '2024-02-29', 60, '2029-02-28', '2029-03-01', false],
    ['leap-day start: the leap day itself', '2024-02-29', 60, '2029-02-28', '2024-02-29', true],
    ['leap-day start: the day before (28 Feb)', '2024-02-29', 60, '2029-02-28', '2024-02-28', false],
    ['leap-day start: 48 months land on a leap day again', '2024-02-29', 48, '2028-02-29', '2028-02-29', true],
    ['leap-day start: 48 months, 1 March after', '2024-02-29', 48, '2028-02-29', '2028-03-01', false],
    ['31 Aug + 6 months clamps to 28 Feb: repair on it', '2024-08-31', 6, '2025-02-28', '2025-02-28', true],
    ['31 Aug + 6 months clamps to 28 Feb: 1 March is out', '2024-08-31', 6, '2025-02-28', '2025-03-01', false],
    ['31 Jan + 1 month in a leap year ends 29 Feb', '2024-01-31', 1, '2024-02-29', '2024-02-29', true],
    ['31 Jan + 1 month in a leap year: 1 March is out', '2024-01-31', 1, '2024-02-29', '2024-03-01', false],
    ['31 May + 1 month ends 30 Jun', '2024-05-31', 1, '2024-06-30', '2024-06-30', true],
    ['31 May + 1 month: 1 July is out', '2024-05-31', 1, '2024-06-30', '2024-07-01', false],
    ['31 Dec + 2 months ends 28 Feb across the year', '2024-12-31', 2, '2025-02-28', '2025-02-28', true],
  ])('%s', (_name, start, term, expectedEnd, repairDate, covered) => {
    const endDate = addMonths(start, term);
    expect(endDate).toBe(expectedEnd);
    const result = check([coverage({ startDate: start, endDate })], { repairDate });
    expect(row(result, 'TIME')).toMatchObject({ outcome: covered ? 'PASS' : 'FAIL', limit: `${start}..${expectedEnd}`, reading: repairDate });
    expect(result.decision).toBe(covered ? 'COVERED' : 'SELF_PAID');
  });

  it.each<[string, string | null, string]>([
    ['awaiting the broker invoice', 'AWAITING_BROKER_INVOICE', 'STANDARD unit coverage (policy INVERTER EU v1) has not started: AWAITING_BROKER_INVOICE'],
    ['awaiting the end-customer sale', 'AWAITING_END_CUSTOMER_SALE', 'has not started: AWAITING_END_CUSTOMER_SALE'],
    ['no reason on the record', null, 'has not started: no start date'],
  ])('a coverage that has not started (%s) fails TIME with the record’s reason', (_name, notStartedReason, reason) => {
    const result = check([coverage({ startDate: null, endDate: null })], { repairDate: '2025-06-01', readings: { odometerKm: 10 } }, record({ notStartedReason }));
    expect(row(result, 'TIME')).toEqual({ check: 'TIME', outcome: 'FAIL', limit: null, reading: '2025-06-01', reason: expect.stringContaining(reason) });
    expect(result.decision).toBe('SELF_PAID');
    expect(result.coverages[0].active).toBe(false);
    expect(result.coverages[0].projectedEnd).toBeNull();
    expect(result.reason.startsWith('self-paid')).toBe(true);
    expect(result.reason).toContain(reason);
  });
});

/* ------------------------------------------------------------------ rule 4: usage limits */

describe('checkWarranty: usage limits (rule 4, at the limit passes, over fails)', () => {
  it.each<[string, Partial<CheckableCoverage>, Readings, CheckKind, CheckOutcome, string, string]>([
    ['odometer exactly at the mileage limit', { mileageLimitKm: 100000 }, { odometerKm: 100000 }, 'MILEAGE', 'PASS', '100000 km', '100000 km'],
    ['odometer one km over the mileage limit', { mileageLimitKm: 100000 }, { odometerKm: 100001 }, 'MILEAGE', 'FAIL', '100000 km', '100001 km'],
    ['odometer well under the mileage limit', { mileageLimitKm: 100000 }, { odometerKm: 0 }, 'MILEAGE', 'PASS', '100000 km', '0 km'],
    ['engine hours exactly at the hour limit', { engineHoursLimit: 5000 }, { engineHours: 5000 }, 'ENGINE_HOURS', 'PASS', '5000 h', '5000 h'],
    ['engine hours one over the hour limit', { engineHoursLimit: 5000 }, { engineHours: 5001 }, 'ENGINE_HOURS', 'FAIL', '5000 h', '5001 h'],
    ['throughput exactly at the cap', { throughputLimitMwh: 29 }, { throughputMwh: 29 }, 'THROUGHPUT', 'PASS', '29 MWh', '29 MWh'],
    ['throughput 0.001 MWh over the cap', { throughputLimitMwh: 29 }, { throughputMwh: 29.001 }, 'THROUGHPUT', 'FAIL', '29 MWh', '29.001 MWh'],
    ['throughput at a fractional cap', { throughputLimitMwh: 43.5 }, { throughputMwh: 43.5 }, 'THROUGHPUT', 'PASS', '43.5 MWh', '43.5 MWh'],
  ])('%s', (_name, limits, readings, kind, outcome, limit, reading) => {
    const result = check([coverage(limits)], { readings });
    const r = row(result, kind);
    expect(r).toMatchObject({ check: kind, outcome, limit, reading });
    expect(r.reason).toContain(outcome === 'PASS' ? `is within the ${limit} limit` : `is over the ${limit} limit`);
    expect(result.coverages[0].active).toBe(outcome === 'PASS');
    expect(result.decision).toBe(outcome === 'PASS' ? 'COVERED' : 'SELF_PAID');
    expect(result.missingReadings).toEqual([]);
  });

  it('every limit is checked separately: one failure among passes is enough to fail the coverage', () => {
    const result = check(
      [coverage({ mileageLimitKm: 100000, engineHoursLimit: 5000, throughputLimitMwh: 29 })],
      { readings: { odometerKm: 100000, engineHours: 5001, throughputMwh: 29 } },
    );
    expect(result.coverages[0].checks.map((c) => [c.check, c.outcome])).toEqual([
      ['TIME', 'PASS'], ['MILEAGE', 'PASS'], ['ENGINE_HOURS', 'FAIL'], ['THROUGHPUT', 'PASS'], ['VOID', 'PASS'], ['LABOUR_TERM', 'PASS'],
    ]);
    expect(result.decision).toBe('SELF_PAID');
    expect(result.reason).toContain('engine hours 5001 h is over the 5000 h limit');
  });

  it.each<[string, Partial<CheckableCoverage>, ReadingKind, CheckKind, string, Readings]>([
    ['mileage limit, odometer absent', { mileageLimitKm: 100000 }, 'odometerKm', 'MILEAGE', '100000 km', {}],
    ['mileage limit, odometer null', { mileageLimitKm: 100000 }, 'odometerKm', 'MILEAGE', '100000 km', { odometerKm: null }],
    ['hour limit, engine hours absent', { engineHoursLimit: 5000 }, 'engineHours', 'ENGINE_HOURS', '5000 h', { odometerKm: 10 }],
    ['throughput cap, throughput absent', { throughputLimitMwh: 29 }, 'throughputMwh', 'THROUGHPUT', '29 MWh', { sohPct: 50 }],
  ])('a set limit with its reading missing is READING_REQUIRED, never a pass (%s)', (_name, limits, reading, kind, limit, readings) => {
    const result = check([coverage(limits)], { readings });
    expect(row(result, kind)).toEqual({ check: kind, outcome: 'READING_REQUIRED', limit, reading: null, reason: expect.stringContaining('is required') });
    expect(result.missingReadings).toEqual([reading]);
    expect(result.coverages[0].active).toBe(false);
    expect(result.coverages[0].paysParts).toBe(false);
    expect(result.coverages[0].paysLabour).toBe(false);
    expect(result.decision).toBe('SELF_PAID');
    expect(result.reason).toBe(`cannot decide SN-1 on 2025-06-01: ${reading} required`);
  });

  it('several missing readings are all listed, once each, in limit order', () => {
    const result = check(
      [
        coverage({ id: 'a', mileageLimitKm: 100000, throughputLimitMwh: 29 }),
        coverage({ id: 'b', mileageLimitKm: 150000, engineHoursLimit: 5000 }),
      ],
      { readings: {} },
    );
    expect(result.missingReadings).toEqual(['odometerKm', 'throughputMwh', 'engineHours']);
    expect(result.coverages.every((c) => !c.active)).toBe(true);
  });

  it('a coverage with a missing reading is not active even when another coverage is', () => {
    const result = check(
      [coverage({ id: 'limited', mileageLimitKm: 100000 }), coverage({ id: 'free' })],
      { readings: {} },
    );
    expect(result.coverages.map((c) => [c.coverage.id, c.active])).toEqual([['limited', false], ['free', true]]);
    expect(result.missingReadings).toEqual(['odometerKm']);
  });

  it('an unset limit is not checked at all, even when its reading is given', () => {
    const result = check([coverage()], { readings: { odometerKm: 9_999_999, engineHours: 999_999, throughputMwh: 999_999, sohPct: 1 } });
    expect(kinds(result)).toEqual(['TIME', 'VOID', 'LABOUR_TERM']);
    expect(result.decision).toBe('COVERED');
  });

  it('only the limits that are set get a row', () => {
    const result = check([coverage({ mileageLimitKm: 100000 })], { readings: { odometerKm: 5, engineHours: 999_999, throughputMwh: 999_999 } });
    expect(kinds(result)).toEqual(['TIME', 'MILEAGE', 'VOID', 'LABOUR_TERM']);
    expect(result.decision).toBe('COVERED');
  });

  it('a limit of 0 is a set limit (only a reading of 0 passes)', () => {
    expect(row(check([coverage({ engineHoursLimit: 0 })], { readings: { engineHours: 0 } }), 'ENGINE_HOURS').outcome).toBe('PASS');
    expect(row(check([coverage({ engineHoursLimit: 0 })], { readings: { engineHours: 1 } }), 'ENGINE_HOURS').outcome).toBe('FAIL');
    expect(check([coverage({ engineHoursLimit: 0 })], { readings: {} }).missingReadings).toEqual(['engineHours']);
  });
});

/* ------------------------------------------------------------------ rule 5: SOH */

describe('checkWarranty: battery SOH on a capacity claim (rule 5, covered only below the guarantee)', () => {
  const battery = (pct: number, region: string) => coverage({ sohGuaranteePct: pct, policyLabel: `BATTERY ${region} v1`, endDate: '2034-01-15' });

  it.each<[string, number, string, number, CheckOutcome]>([
    ['DE-AT-CH: 79.9 % is below the 80 % guarantee → covered', 80, 'DE-AT-CH', 79.9, 'PASS'],
    ['DE-AT-CH: exactly 80 % is not below the guarantee → not covered', 80, 'DE-AT-CH', 80, 'FAIL'],
    ['DE-AT-CH: 85 % is above the guarantee → not covered', 80, 'DE-AT-CH', 85, 'FAIL'],
    ['DE-AT-CH: 75 % is below 80 % → covered', 80, 'DE-AT-CH', 75, 'PASS'],
    ['EU: 69.9 % is below the 70 % guarantee → covered', 70, 'EU', 69.9, 'PASS'],
    ['EU: exactly 70 % → not covered', 70, 'EU', 70, 'FAIL'],
    ['EU: 75 % is above 70 % (it would be covered in DE-AT-CH) → not covered', 70, 'EU', 75, 'FAIL'],
    ['EU: 0 % → covered', 70, 'EU', 0, 'PASS'],
  ])('%s', (_name, guarantee, region, soh, outcome) => {
    const result = check([battery(guarantee, region)], { capacityClaim: true, readings: { sohPct: soh } });
    const r = row(result, 'SOH');
    expect(r).toMatchObject({ check: 'SOH', outcome, limit: `< ${guarantee} %`, reading: `${soh} %` });
    expect(r.reason).toContain(outcome === 'PASS' ? `is below the ${guarantee} % guarantee` : `is not below the ${guarantee} % guarantee`);
    expect(r.reason).toContain(`BATTERY ${region} v1`);
    expect(result.decision).toBe(outcome === 'PASS' ? 'COVERED' : 'SELF_PAID');
    expect(result.coverages[0].active).toBe(outcome === 'PASS');
  });

  it.each<[string, boolean | undefined]>([
    ['capacityClaim false', false],
    ['capacityClaim not given', undefined],
  ])('%s → no SOH row, even with an SOH above the guarantee', (_name, capacityClaim) => {
    const result = check([battery(80, 'DE-AT-CH')], { capacityClaim, readings: { sohPct: 95 } });
    expect(kinds(result)).toEqual(['TIME', 'VOID', 'LABOUR_TERM']);
    expect(result.decision).toBe('COVERED');
  });

  it('a capacity claim against a coverage without an SOH guarantee fails: it does not guarantee capacity', () => {
    const result = check([coverage()], { capacityClaim: true, readings: { sohPct: 50 } });
    expect(kinds(result)).toEqual(['TIME', 'SOH', 'VOID', 'LABOUR_TERM']);
    expect(result.decision).toBe('SELF_PAID');
    expect(result.reason).toContain('no state-of-health guarantee');
  });

  it('does not hold the answer up for a reading that could not change it (the coverage failed another check)', () => {
    const result = check([coverage({ endDate: '2025-01-15', mileageLimitKm: 100000 })], { repairDate: '2026-01-01', readings: {} });
    expect(result.missingReadings).toEqual([]);
    expect(result.decision).toBe('SELF_PAID');
    expect(result.coverages[0].checks.find((c) => c.check === 'MILEAGE')?.outcome).toBe('READING_REQUIRED');
  });

  it.each<[string, Readings]>([
    ['absent', {}],
    ['null', { sohPct: null }],
  ])('a capacity claim with the SOH %s → READING_REQUIRED, listed as sohPct', (_name, readings) => {
    const result = check([battery(80, 'DE-AT-CH')], { capacityClaim: true, readings });
    expect(row(result, 'SOH')).toEqual({ check: 'SOH', outcome: 'READING_REQUIRED', limit: '< 80 %', reading: null, reason: expect.stringContaining('measured SOH is required') });
    expect(result.missingReadings).toEqual(['sohPct']);
    expect(result.coverages[0].active).toBe(false);
    expect(result.decision).toBe('SELF_PAID');
  });

  it.each<[string, Partial<CheckRequest>, CheckKind]>([
    ['after the calendar end', { repairDate: '2034-01-16' }, 'TIME'],
    ['over the throughput cap', { readings: { sohPct: 60, throughputMwh: 29.5 } }, 'THROUGHPUT'],
  ])('SOH below the guarantee is not enough %s (within time and throughput limits)', (_name, request, failing) => {
    const result = check([coverage({ sohGuaranteePct: 80, throughputLimitMwh: 29, endDate: '2034-01-15' })], {
      capacityClaim: true,
      readings: { sohPct: 60, throughputMwh: 10 },
      ...request,
    });
    expect(row(result, 'SOH').outcome).toBe('PASS');
    expect(row(result, failing).outcome).toBe('FAIL');
    expect(result.decision).toBe('SELF_PAID');
  });
});

/* ------------------------------------------------------------------ rule 6: labour vs parts */

describe('checkWarranty: labour vs parts (rule 6, UK-IE 5 + 5)', () => {
  const ukIe = coverage({ startDate: '2020-03-01', endDate: '2030-03-01', labourEndDate: '2025-03-01', policyLabel: 'INVERTER UK-IE v1' });

  it.each<[string, string, CostType | null, Decision, boolean, boolean, CheckOutcome]>([
    // [name, repair date, costType, decision, paysParts, paysLabour, LABOUR_TERM outcome]
    ['year 1, both', '2020-03-01', null, 'COVERED', true, true, 'PASS'],
    ['on the labour end date, both', '2025-03-01', null, 'COVERED', true, true, 'PASS'],
    ['the day after the labour end, both → parts only', '2025-03-02', null, 'PARTIALLY_COVERED', true, false, 'FAIL'],
    ['year 6, parts only asked → covered', '2026-06-01', 'PARTS', 'COVERED', true, false, 'FAIL'],
    ['year 6, labour only asked → self-paid', '2026-06-01', 'LABOUR', 'SELF_PAID', true, false, 'FAIL'],
    ['year 4, labour only asked → covered', '2024-06-01', 'LABOUR', 'COVERED', true, true, 'PASS'],
    ['on the end date, both → parts only', '2030-03-01', null, 'PARTIALLY_COVERED', true, false, 'FAIL'],
    ['the day after the end, both → self-paid', '2030-03-02', null, 'SELF_PAID', false, false, 'FAIL'],
    ['the day after the end, parts → self-paid', '2030-03-02', 'PARTS', 'SELF_PAID', false, false, 'FAIL'],
  ])('%s', (_name, repairDate, costType, decision, paysParts, paysLabour, labourOutcome) => {
    const result = check([ukIe], { repairDate, costType });
    expect(result.decision).toBe(decision);
    expect(result.paysParts).toBe(paysParts);
    expect(result.paysLabour).toBe(paysLabour);
    expect(result.coverages[0].paysParts).toBe(paysParts);
    expect(result.coverages[0].paysLabour).toBe(paysLabour);
    expect(row(result, 'LABOUR_TERM')).toMatchObject({ check: 'LABOUR_TERM', outcome: labourOutcome, limit: '2025-03-01', reading: repairDate });
  });

  it('the labour term is not a condition of the coverage being active', () => {
    const result = check([ukIe], { repairDate: '2026-06-01' });
    expect(result.coverages[0].active).toBe(true);
    expect(row(result, 'TIME').outcome).toBe('PASS');
  });

  it('a partially covered repair says labour is self-paid and why', () => {
    const result = check([ukIe], { repairDate: '2025-03-02' });
    expect(result.reason).toBe(
      'partially covered: STANDARD unit coverage (policy INVERTER UK-IE v1) pays parts; labour is self-paid ' +
        '(labour is paid only until 2025-03-01; from then on STANDARD unit coverage (policy INVERTER UK-IE v1) pays parts only)',
    );
  });

  it('a labour line after the labour term is self-paid, citing the labour term', () => {
    const result = check([ukIe], { repairDate: '2026-06-01', costType: 'LABOUR' });
    expect(result.reason.startsWith('self-paid')).toBe(true);
    expect(result.reason).toContain('labour is paid only until 2025-03-01');
  });

  it.each<[string, CostType | null, Decision]>([
    ['both → parts only', null, 'PARTIALLY_COVERED'],
    ['parts → covered', 'PARTS', 'COVERED'],
    ['labour → self-paid', 'LABOUR', 'SELF_PAID'],
  ])('a coverage that pays parts only (paysLabour false): %s', (_name, costType, decision) => {
    const result = check([coverage({ paysLabour: false })], { costType });
    expect(result.decision).toBe(decision);
    expect(result.paysParts).toBe(true);
    expect(result.paysLabour).toBe(false);
    expect(row(result, 'LABOUR_TERM')).toMatchObject({ outcome: 'FAIL', reason: 'STANDARD unit coverage (policy INVERTER EU v1) pays parts only' });
  });

  it('a coverage that pays labour only (paysParts false) is partially covered for both', () => {
    const result = check([coverage({ paysParts: false })]);
    expect(result.decision).toBe('PARTIALLY_COVERED');
    expect(result.paysParts).toBe(false);
    expect(result.paysLabour).toBe(true);
    expect(result.reason).toBe('partially covered: STANDARD unit coverage (policy INVERTER EU v1) pays labour; parts is self-paid');
  });

  it('parts from one coverage and labour from another make a COVERED repair', () => {
    const result = check([coverage({ id: 'parts', paysLabour: false }), coverage({ id: 'labour', paysParts: false })]);
    expect(result.decision).toBe('COVERED');
    expect(result.paysParts).toBe(true);
    expect(result.paysLabour).toBe(true);
  });
});

/* ------------------------------------------------------------------ rule 4: void */

describe('checkWarranty: void (rule 4, voided on or before d → no cover)', () => {
  const reason = '§5.5.19 mandatory cell firmware BMS 2.1 not reported by 2025-03-01; last cloud contact 2024-12-20';

  it.each<[string, string, CheckOutcome, Decision]>([
    ['whole record voided on the repair date → self-paid (void on d counts)', '2025-06-01', 'FAIL', 'SELF_PAID'],
    ['whole record voided before the repair date → self-paid', '2025-01-01', 'FAIL', 'SELF_PAID'],
    ['whole record voided the day after the repair → still covered', '2025-06-02', 'PASS', 'COVERED'],
  ])('%s', (_name, voidedOn, outcome, decision) => {
    const result = check([coverage()], { repairDate: '2025-06-01' }, record({ voidedOn, voidReason: reason }));
    const v = row(result, 'VOID');
    expect(result.decision).toBe(decision);
    if (outcome === 'FAIL') {
      expect(v).toEqual({ check: 'VOID', outcome: 'FAIL', limit: null, reading: voidedOn, reason: `the whole warranty was voided on ${voidedOn}: ${reason}` });
      expect(result.reason.startsWith('self-paid')).toBe(true);
      expect(result.reason).toContain(reason);
    } else {
      expect(v).toEqual({ check: 'VOID', outcome: 'PASS', limit: null, reading: null, reason: 'STANDARD unit coverage (policy INVERTER EU v1) is not voided' });
    }
  });

  it.each<[string, string, Decision]>([
    ['coverage voided on the repair date', '2025-06-01', 'SELF_PAID'],
    ['coverage voided the day after', '2025-06-02', 'COVERED'],
  ])('%s', (_name, voidedOn, decision) => {
    const result = check([coverage({ voidedOn, voidReason: reason })], { repairDate: '2025-06-01' });
    expect(result.decision).toBe(decision);
    expect(row(result, 'VOID').outcome).toBe(decision === 'COVERED' ? 'PASS' : 'FAIL');
  });

  describe('a voided CELLS coverage beside an active UNIT coverage (§5.5.19)', () => {
    const coverages = [
      coverage({ id: 'unit', sohGuaranteePct: 80, policyLabel: 'BATTERY DE-AT-CH v1', endDate: '2034-01-15' }),
      coverage({ id: 'cells', scope: 'CELLS', sohGuaranteePct: 80, policyLabel: 'BATTERY DE-AT-CH v1', endDate: '2034-01-15', voidedOn: '2025-03-01', voidReason: reason }),
    ];

    it.each<[string, string]>([['CELLS', 'CELLS'], ['cells (lower case)', 'cells']])('a %s repair is self-paid', (_name, component) => {
      const result = check(coverages, { component });
      expect(result.coverages.map((c) => c.coverage.id)).toEqual(['cells']);
      expect(result.decision).toBe('SELF_PAID');
      expect(row(result, 'VOID')).toEqual({
        check: 'VOID', outcome: 'FAIL', limit: null, reading: '2025-03-01',
        reason: `STANDARD CELLS coverage (policy BATTERY DE-AT-CH v1) was voided on 2025-03-01: ${reason}`,
      });
      expect(result.reason.startsWith('self-paid: no active coverage pays for SN-1 (CELLS) on 2025-06-01')).toBe(true);
      expect(result.reason).toContain(reason);
    });

    it('a whole-unit repair (component null) is still covered by the UNIT coverage', () => {
      const result = check(coverages, { component: null });
      expect(result.coverages.map((c) => c.coverage.id)).toEqual(['unit']);
      expect(result.decision).toBe('COVERED');
      expect(row(result, 'VOID').outcome).toBe('PASS');
    });

    it('a CELLS repair before the void date is still covered', () => {
      expect(check(coverages, { component: 'CELLS', repairDate: '2025-02-28' }).decision).toBe('COVERED');
    });

    // Rule 5: a capacity claim is a claim on the cells however it is phrased, so the cells void decides it.
    it.each<[string, string | null]>([
      ['no component', null],
      ['the whole unit', 'UNIT'],
      ['another component', 'INVERTER_BOARD'],
      ['the cells', 'CELLS'],
    ])('a capacity claim naming %s is judged by the voided CELLS coverage: self-paid', (_name, component) => {
      const result = check(coverages, { component, capacityClaim: true, readings: { sohPct: 60 } });
      expect(result.component).toBe('CELLS');
      expect(result.coverages.map((c) => c.coverage.id)).toEqual(['cells']);
      expect(result.decision).toBe('SELF_PAID');
      expect(row(result, 'VOID').outcome).toBe('FAIL');
      expect(result.reason).toContain(reason);
      if (component !== 'CELLS') expect(result.reason).toContain('a capacity claim is a claim on the CELLS');
    });

    it('a capacity claim before the cells void is covered by the CELLS coverage', () => {
      const result = check(coverages, { capacityClaim: true, readings: { sohPct: 60 }, repairDate: '2025-02-28' });
      expect(result).toMatchObject({ decision: 'COVERED', component: 'CELLS' });
      expect(result.coverages.map((c) => c.coverage.id)).toEqual(['cells']);
    });
  });

  it('a capacity claim on a unit without a carved-out component is judged by the whole-unit coverage', () => {
    const result = check([coverage({ id: 'unit', sohGuaranteePct: 70 })], { capacityClaim: true, readings: { sohPct: 60 } });
    expect(result).toMatchObject({ decision: 'COVERED', component: null });
  });

  it('a PART contract with an SOH guarantee does not redirect a capacity claim (it adds to the unit coverage)', () => {
    const result = check(
      [coverage({ id: 'unit', sohGuaranteePct: 70 }), coverage({ id: 'part', kind: 'PART', scope: 'BMS', sohGuaranteePct: 70 })],
      { capacityClaim: true, readings: { sohPct: 60 } },
    );
    expect(result.component).toBeNull();
    expect(result.coverages.map((c) => c.coverage.id)).toEqual(['unit']);
  });

  it('a record void is reported before a coverage void', () => {
    const result = check(
      [coverage({ voidedOn: '2025-02-01', voidReason: 'coverage reason' })],
      {},
      record({ voidedOn: '2025-03-01', voidReason: 'record reason' }),
    );
    expect(row(result, 'VOID').reason).toBe('the whole warranty was voided on 2025-03-01: record reason');
  });
});

/* ------------------------------------------------------------------ rule 4: which coverages answer */

describe('applicableCoverages (rule 4: linked part coverages count for claims on that part)', () => {
  const unit = coverage({ id: 'unit' });
  const unitExt = coverage({ id: 'unit-ext', kind: 'EXTENDED', startDate: '2029-01-15', endDate: '2034-01-15' });
  const cells = coverage({ id: 'cells', scope: 'CELLS' });
  const cellsExt = coverage({ id: 'cells-ext', kind: 'EXTENDED', scope: 'CELLS' });
  const powertrain = coverage({ id: 'pt', kind: 'PART', scope: 'POWERTRAIN' });
  const cellsGoodwill = coverage({ id: 'cells-gw', kind: 'GOODWILL', scope: 'CELLS' });
  const all = [unit, unitExt, cells, powertrain];
  const ids = (cs: CheckableCoverage[]) => cs.map((c) => c.id);

  it.each<[string, CheckableCoverage[], string | null | undefined, string[]]>([
    ['component null → only the UNIT-scope coverages', all, null, ['unit', 'unit-ext']],
    ['component undefined → only the UNIT-scope coverages', all, undefined, ['unit', 'unit-ext']],
    ["component 'UNIT' → only the UNIT-scope coverages", all, 'UNIT', ['unit', 'unit-ext']],
    ["component 'cells' (lower case) with a STANDARD CELLS coverage → only that (carve-out)", all, 'cells', ['cells']],
    ['component CELLS with STANDARD and EXTENDED CELLS coverages → both, no UNIT', [unit, cells, cellsExt], 'CELLS', ['cells', 'cells-ext']],
    ['component CELLS with only an EXTENDED CELLS coverage → carve-out too', [unit, cellsExt], 'CELLS', ['cells-ext']],
    ['component POWERTRAIN with a PART contract → the UNIT coverages plus the PART', all, 'POWERTRAIN', ['unit', 'unit-ext', 'pt']],
    ['component powertrain (lower case) → the same', all, 'powertrain', ['unit', 'unit-ext', 'pt']],
    ['component CELLS with only a GOODWILL CELLS coverage → UNIT plus goodwill (not a carve-out)', [unit, cellsGoodwill], 'CELLS', ['unit', 'cells-gw']],
    ['a component with no coverage of its own → the UNIT coverages', all, 'INVERTER_BOARD', ['unit', 'unit-ext']],
    ['a component with no coverage of its own and no UNIT coverage → none', [cells, powertrain], 'GEARBOX', []],
    ['no coverages at all → none', [], 'CELLS', []],
  ])('%s', (_name, coverages, component, expected) => {
    expect(ids(applicableCoverages(coverages, component))).toEqual(expected);
  });

  it('a component with no coverage of its own and no UNIT coverage is self-paid, and says why', () => {
    const result = check([cells, powertrain], { component: 'gearbox' });
    expect(result.coverages).toEqual([]);
    expect(result.decision).toBe('SELF_PAID');
    expect(result.paysParts).toBe(false);
    expect(result.paysLabour).toBe(false);
    expect(result.reason).toBe('self-paid: SN-1 (GEARBOX) on 2025-06-01 has no coverage for this component');
  });

  describe('a PART contract that starts later than the vehicle', () => {
    const vehicle = coverage({ id: 'vehicle', startDate: '2022-01-01', endDate: '2025-01-01', mileageLimitKm: 100000, policyLabel: 'VEHICLE EU v1' });
    const part = coverage({ id: 'powertrain', kind: 'PART', scope: 'POWERTRAIN', startDate: '2024-06-01', endDate: '2027-06-01', mileageLimitKm: 150000, policyLabel: 'VEHICLE EU v1' });

    it('repair 2026-01-01 at 120000 km on POWERTRAIN → covered by the PART contract only', () => {
      const result = check([vehicle, part], { repairDate: '2026-01-01', component: 'POWERTRAIN', readings: { odometerKm: 120000 } });
      expect(result.decision).toBe('COVERED');
      expect(result.coverages.map((c) => [c.coverage.id, c.active])).toEqual([['vehicle', false], ['powertrain', true]]);
      expect(row(result, 'TIME', 0).outcome).toBe('FAIL');
      expect(row(result, 'MILEAGE', 0)).toMatchObject({ outcome: 'FAIL', limit: '100000 km', reading: '120000 km' });
      expect(row(result, 'TIME', 1).outcome).toBe('PASS');
      expect(row(result, 'MILEAGE', 1)).toMatchObject({ outcome: 'PASS', limit: '150000 km', reading: '120000 km' });
      expect(result.reason).toBe('covered: PART POWERTRAIN coverage (policy VEHICLE EU v1) pays parts and labour');
    });

    it('repair 2024-05-31 at 50000 km → covered by the vehicle coverage only (the part contract has not started)', () => {
      const result = check([vehicle, part], { repairDate: '2024-05-31', component: 'POWERTRAIN', readings: { odometerKm: 50000 } });
      expect(result.decision).toBe('COVERED');
      expect(result.coverages.map((c) => [c.coverage.id, c.active])).toEqual([['vehicle', true], ['powertrain', false]]);
      expect(row(result, 'TIME', 1)).toMatchObject({ outcome: 'FAIL', reason: expect.stringContaining('before its start on 2024-06-01') });
      expect(result.reason).toBe('covered: STANDARD unit coverage (policy VEHICLE EU v1) pays parts and labour');
    });

    it('repair 2024-06-01 at 50000 km → both pay', () => {
      const result = check([vehicle, part], { repairDate: '2024-06-01', component: 'POWERTRAIN', readings: { odometerKm: 50000 } });
      expect(result.coverages.map((c) => c.active)).toEqual([true, true]);
      expect(result.decision).toBe('COVERED');
    });

    it('the PART contract does not answer for a whole-unit repair', () => {
      const result = check([vehicle, part], { repairDate: '2026-01-01', readings: { odometerKm: 120000 } });
      expect(result.coverages.map((c) => c.coverage.id)).toEqual(['vehicle']);
      expect(result.decision).toBe('SELF_PAID');
      expect(result.reason).toContain('repair on 2026-01-01 is after its end on 2025-01-01');
    });
  });
});

/* ------------------------------------------------------------------ reasons */

describe('checkWarranty: reasons', () => {
  it('a covered reason cites the policy label', () => {
    expect(check([coverage()]).reason).toBe('covered: STANDARD unit coverage (policy INVERTER EU v1) pays parts and labour');
  });

  it('a coverage without a policy label is named without one', () => {
    expect(check([coverage({ policyLabel: null })]).reason).toBe('covered: STANDARD unit coverage pays parts and labour');
  });

  it('a self-paid reason starts with "self-paid" and contains the failing check’s reason', () => {
    const result = check([coverage({ mileageLimitKm: 100000 })], { repairDate: '2025-06-01', readings: { odometerKm: 100001 } });
    const failing = row(result, 'MILEAGE');
    expect(failing.outcome).toBe('FAIL');
    expect(result.reason.startsWith('self-paid')).toBe(true);
    expect(result.reason).toContain(failing.reason);
    expect(result.reason).toBe(
      'self-paid: no active coverage pays for SN-1 on 2025-06-01; odometer reading 100001 km is over the 100000 km limit of STANDARD unit coverage (policy INVERTER EU v1)',
    );
  });

  it('a self-paid reason names one failing check per applicable coverage', () => {
    const result = check([coverage({ id: 'a', endDate: '2025-01-01' }), coverage({ id: 'b', voidedOn: '2025-05-01', voidReason: 'tampering' })]);
    expect(result.reason).toContain(row(result, 'TIME', 0).reason);
    expect(result.reason).toContain('was voided on 2025-05-01: tampering');
  });

  it('every check row has a non-empty reason', () => {
    const result = check(
      [coverage({ mileageLimitKm: 1, engineHoursLimit: 1, throughputLimitMwh: 1, sohGuaranteePct: 80, labourEndDate: '2025-01-01' })],
      { capacityClaim: true, readings: { odometerKm: 2, engineHours: 0, sohPct: 90 } },
    );
    expect(kinds(result)).toEqual(['TIME', 'MILEAGE', 'ENGINE_HOURS', 'THROUGHPUT', 'SOH', 'VOID', 'LABOUR_TERM']);
    for (const c of result.coverages[0].checks) expect(c.reason.length).toBeGreaterThan(0);
  });
});

/* ------------------------------------------------------------------ projected end */

describe('projectEnd ("whichever comes first")', () => {
  const base = coverage({ startDate: '2024-01-01', endDate: '2027-01-01' });

  it('the arithmetic behind the example: 2024 has 366 days', () => {
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(Math.floor((100000 * 366) / 50000)).toBe(732);
    expect(daysBetween('2024-01-01', '2026-01-02')).toBe(732);
  });

  it.each<[string, Partial<CheckableCoverage>, string, Readings, { date: string; limit: CheckKind; calendarEnd: string; effectiveEnd: string }]>([
    ['50000 km in 366 days of 100000 km → 732 days → 2026-01-02', { mileageLimitKm: 100000 }, '2025-01-01', { odometerKm: 50000 },
      { date: '2026-01-02', limit: 'MILEAGE', calendarEnd: '2027-01-01', effectiveEnd: '2026-01-02' }],
    ['the calendar end comes first → effective end is the calendar end', { mileageLimitKm: 100000, endDate: '2025-06-01' }, '2025-01-01', { odometerKm: 50000 },
      { date: '2026-01-02', limit: 'MILEAGE', calendarEnd: '2025-06-01', effectiveEnd: '2025-06-01' }],
    ['two limits: the engine-hour projection (488 days) is earlier than the mileage one (732)', { mileageLimitKm: 100000, engineHoursLimit: 2000 }, '2025-01-01', { odometerKm: 50000, engineHours: 1500 },
      { date: '2025-05-03', limit: 'ENGINE_HOURS', calendarEnd: '2027-01-01', effectiveEnd: '2025-05-03' }],
    ['two limits: the mileage projection is earlier', { mileageLimitKm: 100000, engineHoursLimit: 2000 }, '2025-01-01', { odometerKm: 50000, engineHours: 500 },
      { date: '2026-01-02', limit: 'MILEAGE', calendarEnd: '2027-01-01', effectiveEnd: '2026-01-02' }],
    ['throughput 10 of 30 MWh in 366 days → 1098 days → 2027-01-03, after the calendar end', { throughputLimitMwh: 30 }, '2025-01-01', { throughputMwh: 10 },
      { date: '2027-01-03', limit: 'THROUGHPUT', calendarEnd: '2027-01-01', effectiveEnd: '2027-01-01' }],
    ['fractional days are floored: 10000 km limit, 3000 km in 10 days → 33 days', { mileageLimitKm: 10000 }, '2024-01-11', { odometerKm: 3000 },
      { date: '2024-02-03', limit: 'MILEAGE', calendarEnd: '2027-01-01', effectiveEnd: '2024-02-03' }],
    ['a reading already over the limit projects a date in the past', { mileageLimitKm: 100000 }, '2025-01-01', { odometerKm: 200000 },
      { date: '2024-07-02', limit: 'MILEAGE', calendarEnd: '2027-01-01', effectiveEnd: '2024-07-02' }],
    ['a limit without a reading is skipped; the other one projects', { mileageLimitKm: 100000, engineHoursLimit: 2000 }, '2025-01-01', { odometerKm: 50000 },
      { date: '2026-01-02', limit: 'MILEAGE', calendarEnd: '2027-01-01', effectiveEnd: '2026-01-02' }],
  ])('%s', (_name, over, readingDate, readings, expected) => {
    expect(projectEnd({ ...base, ...over }, readingDate, readings)).toEqual(expected);
  });

  it.each<[string, Partial<CheckableCoverage>, string, Readings]>([
    ['no limits', {}, '2025-01-01', { odometerKm: 50000, engineHours: 100, throughputMwh: 5 }],
    ['limits but no readings', { mileageLimitKm: 100000, engineHoursLimit: 2000 }, '2025-01-01', {}],
    ['readings only for unset limits', { mileageLimitKm: 100000 }, '2025-01-01', { engineHours: 100 }],
    ['a reading of 0 (no usage yet)', { mileageLimitKm: 100000 }, '2025-01-01', { odometerKm: 0 }],
    ['reading date on the start', { mileageLimitKm: 100000 }, '2024-01-01', { odometerKm: 50000 }],
    ['reading date before the start', { mileageLimitKm: 100000 }, '2023-12-31', { odometerKm: 50000 }],
    ['coverage not started', { mileageLimitKm: 100000, startDate: null, endDate: null }, '2025-01-01', { odometerKm: 50000 }],
  ])('→ null: %s', (_name, over, readingDate, readings) => {
    expect(projectEnd({ ...base, ...over }, readingDate, readings)).toBeNull();
  });

  describe('from the readings history', () => {
    // A van that did 30,000 km in its first year, then 10,000 in six months: the history's own rate (20,000 km a
    // year) projects from its latest reading, not the average since the start.
    const history = { odometerKm: { first: { value: 30000, readOn: '2025-01-01' }, last: { value: 40000, readOn: '2025-07-01' } } };
    it.each<[string, Partial<CheckableCoverage>, Record<string, unknown>, string | null]>([
      ['at the history rate from the latest reading: 60,000 km left at 10,000 per 181 days → 1086 days', { mileageLimitKm: 100000 }, history, '2028-06-21'],
      ['the latest reading already at the limit: the day it was read', { mileageLimitKm: 40000 }, history, '2025-07-01'],
      ['one reading only: the average since the start, from the repair reading', { mileageLimitKm: 100000 }, { odometerKm: { first: { value: 40000, readOn: '2025-07-01' }, last: { value: 40000, readOn: '2025-07-01' } } }, '2027-09-29'],
      ['a history that did not grow: the average since the start', { mileageLimitKm: 100000 }, { odometerKm: { first: { value: 40000, readOn: '2025-01-01' }, last: { value: 40000, readOn: '2025-07-01' } } }, '2027-09-29'],
    ])('%s', (_name, over, spans, date) => {
      const projected = projectEnd({ ...base, ...over, endDate: '2030-01-01' }, '2025-07-01', { odometerKm: 40000 }, spans as never);
      expect(projected?.date ?? null).toBe(date);
    });
  });

  it('checkWarranty projects each coverage from the repair date and readings', () => {
    const result = check([coverage({ startDate: '2024-01-01', endDate: '2027-01-01', mileageLimitKm: 100000 })], {
      repairDate: '2025-01-01',
      readings: { odometerKm: 50000 },
    });
    expect(result.coverages[0].projectedEnd).toEqual({ date: '2026-01-02', limit: 'MILEAGE', calendarEnd: '2027-01-01', effectiveEnd: '2026-01-02' });
  });
});
