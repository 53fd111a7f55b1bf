import { compareDates, type IsoDate } from '../common/calendar';
import { deriveFreeServiceStart, type FreeServiceStart, type Lookup } from '../service-items/free-service-start';
import { scheduleItem, type ServiceItemSchedule, type ServiceItemStatus } from '../service-items/service-item-status';
import { eachServiceItem, freeServiceFactsOf, type LiveItemClaim, type PlanItemTerms, type RecordServiceFacts } from '../service-items/service-lookup';

/**
 * Rule 13: the bulk lookup of one unit as rows of the fleet projection, pure. One row per unit and service item of
 * its plan (the bulk lookup: broker stock has no anchor of its own), and one per coverage. The API's
 * `serviceItems(ignoreBrokerStock: false)` answers the same anchors, sources and statuses for the same unit.
 *
 * The rows go to a sink as they are made, with no object per row: the export makes millions of them
 * (fleet-group.ts gathers them into a row group; fleetRowsOf in fleet-schema.ts reads them back as objects).
 */
export interface FleetCoverage {
  id: string;
  kind: string;
  scope: string;
  startDate: IsoDate | null;
  endDate: IsoDate | null;
  labourEndDate: IsoDate | null;
  voidedOn: IsoDate | null;
}

export interface FleetUnit extends RecordServiceFacts {
  warrantyId: string;
  orgId: string;
  serialNumber: string;
  productFamily: string;
  sku: string;
  region: string;
  startStatus: string;
  startDate: IsoDate | null;
  coverages: FleetCoverage[];
  liveClaims: LiveItemClaim[];
  odometerKm: number | null;
}

export interface FleetPlanItem extends PlanItemTerms {
  name: string;
  valueAmount: string;
  valueCurrency: string;
}

export type CoverageStatus = 'ACTIVE' | 'NOT_STARTED' | 'EXPIRED' | 'VOIDED';

/** Where a unit's rows go: first the unit (its columns on every row of it), then a row per item, then per coverage. */
export interface FleetRowSink {
  unit(unit: FleetUnit, start: FreeServiceStart): void;
  serviceItem(item: FleetPlanItem, schedule: ServiceItemSchedule, status: ServiceItemStatus, claim: LiveItemClaim | null): void;
  coverage(coverage: FleetCoverage, status: CoverageStatus): void;
}

/** Rule 13 is the bulk lookup: broker stock gets no anchor of its own. */
const BULK: Lookup = { ignoreBrokerStock: false };

/** A coverage on `asOf`: voided on or before it, not yet started, past its end, or active. */
export function coverageStatus(coverage: FleetCoverage, asOf: IsoDate): CoverageStatus {
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

/** The unit's rows, to `sink`: its anchor from the bulk lookup, each plan item from it, each coverage on `asOf`. */
export function projectUnit(
  unit: FleetUnit,
  planItems: readonly FleetPlanItem[],
  asOf: IsoDate,
  sink: FleetRowSink,
  schedule: (item: FleetPlanItem, anchor: IsoDate) => ServiceItemSchedule = scheduleItem,
): void {
  const start = deriveFreeServiceStart(freeServiceFactsOf(unit, unit.liveClaims), BULK);
  sink.unit(unit, start);
  eachServiceItem(start, planItems, unit.liveClaims, unit.odometerKm, asOf, schedule, (item, itemSchedule, status, claim) => sink.serviceItem(item, itemSchedule, status, claim));
  for (const coverage of unit.coverages) sink.coverage(coverage, coverageStatus(coverage, asOf));
}
