import { coverageStatus, rememberingSchedule, type FleetPlanItem, type FleetUnit } from '../../src/projection/fleet-rows';
import { fleetRowsOf } from '../../src/projection/fleet-schema';
import { scheduleItem } from '../../src/service-items/service-item-status';

const PLAN: FleetPlanItem[] = [
  { code: 'INSPECTION_12M', name: 'Inspection 12 months', dueMonths: 12, dueKm: 15000, windowBeforeDays: 30, windowAfterDays: 30, windowBeforeKm: 1500, windowAfterKm: 1500, valueAmount: '149.0000', valueCurrency: 'EUR' },
  { code: 'INSPECTION_24M', name: 'Inspection 24 months', dueMonths: 24, dueKm: 30000, windowBeforeDays: 30, windowAfterDays: 30, windowBeforeKm: 1500, windowAfterKm: 1500, valueAmount: '219.0000', valueCurrency: 'EUR' },
];
const COVERAGE = { id: 'c-1', kind: 'STANDARD', scope: 'WHOLE_UNIT', startDate: '2025-12-01', endDate: '2028-12-01', labourEndDate: '2028-12-01', voidedOn: null };
const UNIT: FleetUnit = {
  warrantyId: 'w-1', orgId: 'acme', serialNumber: 'VAN-1', productFamily: 'VEHICLE', sku: 'DEMO-VAN-36', region: 'EU', startStatus: 'STARTED', startDate: '2025-12-01',
  supplyChainStage: null, activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: '2025-12-01', brokerInvoiceDate: null, freeServiceDateShift: null,
  coverages: [COVERAGE], liveClaims: [], odometerKm: null,
};

describe('fleetRowsOf', () => {
  it('one row per service item and one per coverage, with the anchor on every row', () => {
    const rows = fleetRowsOf(UNIT, PLAN, '2026-11-24');
    expect(rows.map((r) => [r.row_kind, r.item_code ?? r.coverage_kind, r.status, r.due_date ?? r.end_date])).toEqual([
      ['SERVICE_ITEM', 'INSPECTION_12M', 'CLAIMABLE', '2026-12-01'],
      ['SERVICE_ITEM', 'INSPECTION_24M', 'UPCOMING', '2027-12-01'],
      ['COVERAGE', 'STANDARD', 'ACTIVE', '2028-12-01'],
    ]);
    for (const row of rows) expect(row).toMatchObject({ anchor_date: '2025-12-01', anchor_source: 'SALE_INVOICE', as_of: '2026-11-24', serial_number: 'VAN-1', warranty_id: 'w-1' });
    expect(rows[0]).toMatchObject({ value_amount: '149.0000', value_currency: 'EUR', window_start: '2026-11-01', window_end: '2026-12-31', due_km: 15000, claim_date: null, coverage_id: null });
    expect(rows[2]).toMatchObject({ coverage_id: 'c-1', start_date: '2025-12-01', labour_end_date: '2028-12-01', item_code: null, value_amount: null, due_date: null });
  });

  it('broker stock without a claim: no item rows (no anchor in the bulk lookup), the coverage rows still', () => {
    const broker = { ...UNIT, supplyChainStage: 'BROKER' as const, saleInvoiceDate: '2025-11-01', startStatus: 'AWAITING_BROKER_INVOICE', startDate: null, coverages: [{ ...COVERAGE, startDate: null, endDate: null, labourEndDate: null }] };
    expect(fleetRowsOf(broker, PLAN, '2026-11-24').map((r) => [r.row_kind, r.status, r.anchor_date, r.broker_stock])).toEqual([['COVERAGE', 'NOT_STARTED', null, true]]);
    const claimed = fleetRowsOf({ ...broker, liveClaims: [{ itemCode: 'INSPECTION_12M', claimDate: '2026-10-01' }] }, PLAN, '2026-11-24');
    expect(claimed[0]).toMatchObject({ row_kind: 'SERVICE_ITEM', anchor_date: '2026-10-01', anchor_source: 'DE_FACTO', de_facto_date: '2026-10-01', status: 'CLAIMED', claim_date: '2026-10-01' });
  });

  it('a unit without a plan gives its coverage rows only', () => {
    expect(fleetRowsOf(UNIT, [], '2026-11-24').map((r) => r.row_kind)).toEqual(['COVERAGE']);
  });
});

describe('coverageStatus', () => {
  it.each([
    ['before its start', { startDate: '2026-01-01' }, '2025-12-31', 'NOT_STARTED'],
    ['on its start', { startDate: '2026-01-01' }, '2026-01-01', 'ACTIVE'],
    ['on its end', { endDate: '2028-12-01' }, '2028-12-01', 'ACTIVE'],
    ['the day after its end', { endDate: '2028-12-01' }, '2028-12-02', 'EXPIRED'],
    ['not started at all', { startDate: null }, '2026-01-01', 'NOT_STARTED'],
    ['voided that day', { voidedOn: '2026-05-01' }, '2026-05-01', 'VOIDED'],
    ['voided later', { voidedOn: '2026-05-01' }, '2026-04-30', 'ACTIVE'],
  ])('%s: %s', (_, change, asOf, status) => {
    expect(coverageStatus({ ...COVERAGE, ...change }, asOf)).toBe(status);
  });
});

describe('rememberingSchedule', () => {
  it('answers what scheduleItem answers, for any item and anchor, and forgets past its limit', () => {
    const schedule = rememberingSchedule(3);
    for (const anchor of ['2025-01-31', '2025-02-28', '2024-02-29', '2025-01-31', '2026-12-31']) {
      for (const item of PLAN) expect(schedule(item, anchor)).toEqual(scheduleItem(item, anchor));
    }
    expect(fleetRowsOf(UNIT, PLAN, '2026-11-24', rememberingSchedule())).toEqual(fleetRowsOf(UNIT, PLAN, '2026-11-24'));
  });
});
