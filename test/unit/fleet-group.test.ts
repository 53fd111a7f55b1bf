import { dateOfEpochDay } from '../../src/common/calendar';
import { days, FleetGroupBuilder, unscaled } from '../../src/projection/fleet-group';
import { projectUnit, rememberingSchedule, type FleetPlanItem, type FleetUnit } from '../../src/projection/fleet-rows';
import { FLEET_COLUMNS, fleetRowsOf, rowsOfGroup } from '../../src/projection/fleet-schema';

const PLAN: FleetPlanItem[] = [
  { code: 'CHECK_12M', name: 'First check-up', dueMonths: 12, dueKm: null, windowBeforeDays: 30, windowAfterDays: 60, windowBeforeKm: 0, windowAfterKm: 0, valueAmount: '80.5', valueCurrency: 'EUR' },
  { code: 'CHECK_60M', name: 'Five-year check-up', dueMonths: 60, dueKm: null, windowBeforeDays: 30, windowAfterDays: 60, windowBeforeKm: 0, windowAfterKm: 0, valueAmount: '120.0000', valueCurrency: 'EUR' },
];
const OTHER_PLAN: FleetPlanItem[] = [
  { code: 'KM_15K', name: 'Inspection at 15,000 km', dueMonths: null, dueKm: 15000, windowBeforeDays: 0, windowAfterDays: 0, windowBeforeKm: 1000, windowAfterKm: 1000, valueAmount: '0.0001', valueCurrency: 'USD' },
];

const unit = (n: number, change: Partial<FleetUnit> = {}): FleetUnit => ({
  warrantyId: `w-${n}`, orgId: 'acme', serialNumber: `SN-${n}`, productFamily: 'INVERTER', sku: 'INV-5K', region: 'EU', startStatus: 'STARTED', startDate: '2025-12-01',
  supplyChainStage: null, activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: '2025-12-01', brokerInvoiceDate: null, freeServiceDateShift: null,
  coverages: [
    { id: `c-${n}-a`, kind: 'STANDARD', scope: 'WHOLE_UNIT', startDate: '2025-12-01', endDate: '2035-12-01', labourEndDate: '2027-12-01', voidedOn: null },
    { id: `c-${n}-b`, kind: 'EXTENDED', scope: 'BATTERY', startDate: '2035-12-02', endDate: '2040-12-01', labourEndDate: null, voidedOn: null },
  ],
  liveClaims: [], odometerKm: null,
  ...change,
});

/** Units of every shape: anchored, claimed, broker stock with and without a claim, no coverages, another plan. */
const FLEET: Array<{ unit: FleetUnit; plan: FleetPlanItem[] }> = [
  { unit: unit(1), plan: PLAN },
  { unit: unit(2, { liveClaims: [{ itemCode: 'CHECK_12M', claimDate: '2026-11-20' }] }), plan: PLAN },
  { unit: unit(3, { supplyChainStage: 'BROKER', startStatus: 'AWAITING_BROKER_INVOICE', startDate: null }), plan: PLAN },
  { unit: unit(4, { supplyChainStage: 'BROKER', liveClaims: [{ itemCode: 'CHECK_60M', claimDate: '2026-03-01' }] }), plan: PLAN },
  { unit: unit(5, { coverages: [], saleInvoiceDate: '2024-02-29' }), plan: PLAN },
  { unit: unit(6, { odometerKm: 14500, productFamily: 'VEHICLE', sku: 'VAN' }), plan: OTHER_PLAN },
  { unit: unit(7, { coverages: [{ id: 'c-7', kind: 'STANDARD', scope: 'WHOLE_UNIT', startDate: '2020-01-01', endDate: '2030-01-01', labourEndDate: null, voidedOn: '2026-01-05' }] }), plan: [] },
];

describe('FleetGroupBuilder', () => {
  it('a group of many units reads back as the rows of each unit alone, in order, whatever its starting capacity', () => {
    const expected = FLEET.flatMap(({ unit: u, plan }) => fleetRowsOf(u, plan, '2026-11-24'));
    for (const capacity of [1, 3, 1024]) {
      const builder = new FleetGroupBuilder('2026-11-24', capacity);
      const schedule = rememberingSchedule();
      for (const { unit: u, plan } of FLEET) projectUnit(u, plan, '2026-11-24', builder, schedule);
      expect(builder.rows).toBe(expected.length);
      expect(rowsOfGroup(builder.take())).toEqual(expected);
    }
  });

  it('keeps what repeats once: a unit per unit, an item per plan item, a schedule per item and anchor', () => {
    const builder = new FleetGroupBuilder('2026-11-24');
    const schedule = rememberingSchedule();
    for (const n of [1, 2, 3]) projectUnit(unit(n), PLAN, '2026-11-24', builder, schedule);
    const group = builder.take();
    expect(group.rows).toBe(12);
    expect(group.units.warrantyId).toEqual(['w-1', 'w-2', 'w-3']);
    expect(group.items.code).toEqual(['CHECK_12M', 'CHECK_60M']);
    expect(group.items.valueUnscaled).toEqual([805000n, 1200000n]);
    expect(group.schedules.dueDay).toHaveLength(2);
    expect(Array.from(group.unitOf)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(Array.from(group.itemOf)).toEqual([0, 1, -1, -1, 0, 1, -1, -1, 0, 1, -1, -1]);
    expect(Array.from(group.coverageOf)).toEqual([-1, -1, 0, 1, -1, -1, 2, 3, -1, -1, 4, 5]);
    expect(builder.serviceItemRows).toBe(6);
    expect(builder.coverageRows).toBe(6);
  });

  it('take hands the group over and starts an empty one', () => {
    const builder = new FleetGroupBuilder('2026-11-24');
    projectUnit(unit(1), PLAN, '2026-11-24', builder);
    const first = builder.take();
    expect(first.rows).toBe(4);
    expect(builder.rows).toBe(0);
    projectUnit(unit(2), OTHER_PLAN, '2026-11-24', builder);
    const second = builder.take();
    expect(second.units.warrantyId).toEqual(['w-2']);
    expect(second.items.code).toEqual(['KM_15K']);
    expect(rowsOfGroup(second).map((row) => row.item_code ?? row.coverage_id)).toEqual(['KM_15K', 'c-2-a', 'c-2-b']);
  });

  it('refuses a row before its unit', () => {
    const builder = new FleetGroupBuilder('2026-11-24');
    expect(() => builder.coverage(unit(1).coverages[0], 'ACTIVE')).toThrow('a fleet row before its unit');
  });

  it('every column has a value for every row', () => {
    const builder = new FleetGroupBuilder('2026-11-24');
    for (const { unit: u, plan } of FLEET) projectUnit(u, plan, '2026-11-24', builder);
    const group = builder.take();
    for (const column of FLEET_COLUMNS) {
      const values = column.values(group);
      expect(values).toHaveLength(group.rows);
      if (!column.nullable) expect(values.filter((value) => value === null || value === undefined)).toEqual([]);
    }
  });
});

describe('physical values', () => {
  it.each([
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['2024-02-29', 19782],
    ['2026-11-24', 20781],
  ])('%s is day %d and back', (date, day) => {
    expect(days(date)).toBe(day);
    expect(dateOfEpochDay(day)).toBe(date);
  });

  it.each([
    ['149.0000', 1490000n],
    ['80.5', 805000n],
    ['0.0001', 1n],
    ['12', 120000n],
    ['-3.25', -32500n],
  ])('%s is the DECIMAL(18,4) %s', (amount, value) => {
    expect(unscaled(amount)).toBe(value);
  });

  it('the value reads back as stored at scale 4', () => {
    const rows = fleetRowsOf(unit(1), [{ ...PLAN[0], valueAmount: '0.0001' }], '2026-11-24');
    expect(rows[0].value_amount).toBe('0.0001');
  });
});
