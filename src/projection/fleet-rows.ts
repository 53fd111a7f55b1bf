import { compareDates, type IsoDate } from '../coverage/calendar';
import { scheduleItem, type ServiceItemSchedule } from '../service-items/service-item-status';
import { lookupServiceItems, type LiveItemClaim, type PlanItemTerms, type RecordServiceFacts } from '../service-items/service-lookup';

/**
 * Rule 13: the bulk lookup of one unit as rows of the fleet projection, pure. One row per unit and service item of
 * its plan (the bulk lookup: broker stock has no anchor of its own), and one per coverage. The API's
 * `serviceItems(ignoreBrokerStock: false)` answers the same anchors, sources and statuses for the same unit.
 */
export interface FleetUnit extends RecordServiceFacts {
  warrantyId: string;
  orgId: string;
  serialNumber: string;
  productFamily: string;
  sku: string;
  region: string;
  startStatus: string;
  startDate: IsoDate | null;
  coverages: Array<{ id: string; kind: string; scope: string; startDate: IsoDate | null; endDate: IsoDate | null; labourEndDate: IsoDate | null; voidedOn: IsoDate | null }>;
  liveClaims: LiveItemClaim[];
  odometerKm: number | null;
}

export interface FleetPlanItem extends PlanItemTerms {
  name: string;
  valueAmount: string;
  valueCurrency: string;
}

export type RowKind = 'SERVICE_ITEM' | 'COVERAGE';
export type CoverageStatus = 'ACTIVE' | 'NOT_STARTED' | 'EXPIRED' | 'VOIDED';

/** One row of the projection; the column order is the file's. */
export interface FleetRow {
  rowKind: RowKind;
  orgId: string;
  warrantyId: string;
  serialNumber: string;
  productFamily: string;
  sku: string;
  region: string;
  asOf: IsoDate;
  warrantyStartStatus: string;
  warrantyStartDate: IsoDate | null;
  anchorDate: IsoDate | null;
  anchorSource: string | null;
  deFactoDate: IsoDate | null;
  brokerStock: boolean;
  itemCode: string | null;
  itemName: string | null;
  coverageId: string | null;
  coverageKind: string | null;
  coverageScope: string | null;
  startDate: IsoDate | null;
  dueDate: IsoDate | null;
  windowStart: IsoDate | null;
  windowEnd: IsoDate | null;
  dueKm: number | null;
  endDate: IsoDate | null;
  labourEndDate: IsoDate | null;
  status: string;
  claimDate: IsoDate | null;
  valueAmount: string | null;
  valueCurrency: string | null;
}

/** A coverage on `asOf`: voided on or before it, not yet started, past its end, or active. */
export function coverageStatus(coverage: FleetUnit['coverages'][number], asOf: IsoDate): CoverageStatus {
  if (coverage.voidedOn !== null && compareDates(coverage.voidedOn, asOf) <= 0) return 'VOIDED';
  if (coverage.startDate === null || compareDates(asOf, coverage.startDate) < 0) return 'NOT_STARTED';
  if (coverage.endDate !== null && compareDates(asOf, coverage.endDate) > 0) return 'EXPIRED';
  return 'ACTIVE';
}

/**
 * `scheduleItem` remembered per item and anchor: a fleet has millions of units but few distinct anchors per plan item,
 * so the export works each due date and window out once. Bounded: forgotten past `limit` entries.
 */
export function rememberingSchedule(limit = 200_000): (item: FleetPlanItem, anchor: IsoDate) => ServiceItemSchedule {
  const known = new Map<FleetPlanItem, Map<IsoDate, ServiceItemSchedule>>();
  let size = 0;
  return (item, anchor) => {
    let byAnchor = known.get(item);
    if (!byAnchor) known.set(item, (byAnchor = new Map()));
    let schedule = byAnchor.get(anchor);
    if (!schedule) {
      if (size >= limit) {
        known.clear();
        size = 0;
        known.set(item, (byAnchor = new Map()));
      }
      byAnchor.set(anchor, (schedule = scheduleItem(item, anchor)));
      size += 1;
    }
    return schedule;
  };
}

export function fleetRowsOf(
  unit: FleetUnit,
  planItems: readonly FleetPlanItem[],
  asOf: IsoDate,
  schedule: (item: FleetPlanItem, anchor: IsoDate) => ServiceItemSchedule = scheduleItem,
): FleetRow[] {
  const { start, items } = lookupServiceItems(unit, planItems, unit.liveClaims, unit.odometerKm, { ignoreBrokerStock: false }, asOf, schedule);
  const base = {
    orgId: unit.orgId,
    warrantyId: unit.warrantyId,
    serialNumber: unit.serialNumber,
    productFamily: unit.productFamily,
    sku: unit.sku,
    region: unit.region,
    asOf,
    warrantyStartStatus: unit.startStatus,
    warrantyStartDate: unit.startDate,
    anchorDate: start.date,
    anchorSource: start.source,
    deFactoDate: start.deFactoServiceStartDate,
    brokerStock: start.brokerStock,
  };
  const rows: FleetRow[] = items.map(({ item, state, claim }) => ({
    rowKind: 'SERVICE_ITEM',
    ...base,
    itemCode: item.code,
    itemName: item.name,
    coverageId: null,
    coverageKind: null,
    coverageScope: null,
    startDate: null,
    dueDate: state.dueDate,
    windowStart: state.windowStart,
    windowEnd: state.windowEnd,
    dueKm: state.dueKm,
    endDate: null,
    labourEndDate: null,
    status: state.status,
    claimDate: claim?.claimDate ?? null,
    valueAmount: item.valueAmount,
    valueCurrency: item.valueCurrency,
  }));
  for (const coverage of unit.coverages) {
    rows.push({
      rowKind: 'COVERAGE',
      ...base,
      itemCode: null,
      itemName: null,
      coverageId: coverage.id,
      coverageKind: coverage.kind,
      coverageScope: coverage.scope,
      startDate: coverage.startDate,
      dueDate: null,
      windowStart: null,
      windowEnd: null,
      dueKm: null,
      endDate: coverage.endDate,
      labourEndDate: coverage.labourEndDate,
      status: coverageStatus(coverage, asOf),
      claimDate: null,
      valueAmount: null,
      valueCurrency: null,
    });
  }
  return rows;
}
