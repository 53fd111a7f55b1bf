import { epochDay, type IsoDate } from '../common/calendar';
import type { FreeServiceStart } from '../service-items/free-service-start';
import type { ServiceItemSchedule, ServiceItemStatus } from '../service-items/service-item-status';
import type { LiveItemClaim } from '../service-items/service-lookup';
import type { CoverageStatus, FleetCoverage, FleetPlanItem, FleetRowSink, FleetUnit } from './fleet-rows';

/**
 * A row group of the fleet projection as this thread builds it and the encoder thread receives it. What repeats
 * along the rows is kept once and pointed at: a unit's columns once per unit, an item's once per plan item, a due
 * date and window once per schedule. Each row is then a handful of indexes in typed arrays, which cross to the
 * encoder without being copied value by value; the encoder spreads them into the file's columns (fleet-schema.ts).
 * Dates are already DATE's physical value (days since 1970-01-01) and the value DECIMAL's unscaled integer.
 */
export interface FleetGroup {
  rows: number;
  asOfDay: number;
  units: {
    orgId: string[];
    warrantyId: string[];
    serialNumber: string[];
    productFamily: string[];
    sku: string[];
    region: string[];
    startStatus: string[];
    startDay: Array<number | null>;
    anchorDay: Array<number | null>;
    anchorSource: Array<string | null>;
    deFactoDay: Array<number | null>;
    brokerStock: boolean[];
  };
  items: { code: string[]; name: string[]; valueUnscaled: bigint[]; valueCurrency: string[] };
  schedules: { dueDay: Array<number | null>; windowStartDay: Array<number | null>; windowEndDay: Array<number | null>; dueKm: Array<number | null> };
  coverages: { id: string[]; kind: string[]; scope: string[]; startDay: Array<number | null>; endDay: Array<number | null>; labourEndDay: Array<number | null> };
  /** Per row: its unit; its item and schedule (service item rows) or its coverage (coverage rows), -1 for none. */
  unitOf: Int32Array;
  itemOf: Int32Array;
  scheduleOf: Int32Array;
  coverageOf: Int32Array;
  /** Per row: its status, an index into STATUSES. */
  status: Uint8Array;
  /** Per row: the day of the unit's claim of the item, NO_DAY for none. */
  claimDay: Int32Array;
}

export const STATUSES: ReadonlyArray<ServiceItemStatus | CoverageStatus> = ['CLAIMED', 'CLAIMABLE', 'UPCOMING', 'EXPIRED', 'ACTIVE', 'NOT_STARTED', 'VOIDED'];
const STATUS_CODE = new Map(STATUSES.map((status, code) => [status, code]));
export const NO_DAY = -2_147_483_648;

/** Dates repeat across a fleet (a day's sales, a plan's due dates): each is converted once, up to this many kept. */
const DAY_CACHE_LIMIT = 200_000;
const dayCache = new Map<string, number>();

/** 'YYYY-MM-DD' as days since 1970-01-01 (DATE's physical value), remembered. */
export function days(date: IsoDate): number {
  let value = dayCache.get(date);
  if (value === undefined) {
    value = epochDay(date);
    if (dayCache.size >= DAY_CACHE_LIMIT) dayCache.clear();
    dayCache.set(date, value);
  }
  return value;
}

const daysOrNull = (date: IsoDate | null): number | null => (date === null ? null : days(date));

/** DECIMAL(18,4): the scale of the value column. */
export const VALUE_SCALE = 4;

/** '149.0000' (NUMERIC as PostgreSQL gives it) as the DECIMAL's unscaled integer, exact. */
export function unscaled(amount: string): bigint {
  const [whole, fraction = ''] = amount.split('.');
  return BigInt(whole + fraction.padEnd(VALUE_SCALE, '0').slice(0, VALUE_SCALE));
}

function emptyGroup(asOfDay: number, capacity: number): FleetGroup {
  return {
    rows: 0,
    asOfDay,
    units: { orgId: [], warrantyId: [], serialNumber: [], productFamily: [], sku: [], region: [], startStatus: [], startDay: [], anchorDay: [], anchorSource: [], deFactoDay: [], brokerStock: [] },
    items: { code: [], name: [], valueUnscaled: [], valueCurrency: [] },
    schedules: { dueDay: [], windowStartDay: [], windowEndDay: [], dueKm: [] },
    coverages: { id: [], kind: [], scope: [], startDay: [], endDay: [], labourEndDay: [] },
    unitOf: new Int32Array(capacity),
    itemOf: new Int32Array(capacity),
    scheduleOf: new Int32Array(capacity),
    coverageOf: new Int32Array(capacity),
    status: new Uint8Array(capacity),
    claimDay: new Int32Array(capacity),
  };
}

function grown<T extends Int32Array | Uint8Array>(array: T, capacity: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(capacity);
  bigger.set(array);
  return bigger;
}

/** Gathers units' rows (projectUnit's sink) into a row group; `take` hands the group over and starts the next. */
export class FleetGroupBuilder implements FleetRowSink {
  private readonly asOfDay: number;
  private group: FleetGroup;
  private capacity: number;
  private itemIndex = new Map<FleetPlanItem, number>();
  private scheduleIndex = new Map<ServiceItemSchedule, number>();
  private currentUnit = -1;
  serviceItemRows = 0;
  coverageRows = 0;

  constructor(asOf: IsoDate, initialCapacity = 1024) {
    this.asOfDay = days(asOf);
    this.capacity = initialCapacity;
    this.group = emptyGroup(this.asOfDay, initialCapacity);
  }

  get rows(): number {
    return this.group.rows;
  }

  unit(unit: FleetUnit, start: FreeServiceStart): void {
    const units = this.group.units;
    this.currentUnit = units.orgId.length;
    units.orgId.push(unit.orgId);
    units.warrantyId.push(unit.warrantyId);
    units.serialNumber.push(unit.serialNumber);
    units.productFamily.push(unit.productFamily);
    units.sku.push(unit.sku);
    units.region.push(unit.region);
    units.startStatus.push(unit.startStatus);
    units.startDay.push(daysOrNull(unit.startDate));
    units.anchorDay.push(daysOrNull(start.date));
    units.anchorSource.push(start.source);
    units.deFactoDay.push(daysOrNull(start.deFactoServiceStartDate));
    units.brokerStock.push(start.brokerStock);
  }

  serviceItem(item: FleetPlanItem, schedule: ServiceItemSchedule, status: ServiceItemStatus, claim: LiveItemClaim | null): void {
    const row = this.nextRow();
    const group = this.group;
    group.itemOf[row] = this.indexOfItem(item);
    group.scheduleOf[row] = this.indexOfSchedule(schedule);
    group.coverageOf[row] = -1;
    group.status[row] = STATUS_CODE.get(status)!;
    group.claimDay[row] = claim === null ? NO_DAY : days(claim.claimDate);
    this.serviceItemRows += 1;
  }

  coverage(coverage: FleetCoverage, status: CoverageStatus): void {
    const row = this.nextRow();
    const group = this.group;
    const coverages = group.coverages;
    group.itemOf[row] = -1;
    group.scheduleOf[row] = -1;
    group.coverageOf[row] = coverages.id.length;
    group.status[row] = STATUS_CODE.get(status)!;
    group.claimDay[row] = NO_DAY;
    coverages.id.push(coverage.id);
    coverages.kind.push(coverage.kind);
    coverages.scope.push(coverage.scope);
    coverages.startDay.push(daysOrNull(coverage.startDate));
    coverages.endDay.push(daysOrNull(coverage.endDate));
    coverages.labourEndDay.push(daysOrNull(coverage.labourEndDate));
    this.coverageRows += 1;
  }

  /** The group built so far, its typed arrays cut to its rows; the builder starts an empty one. */
  take(): FleetGroup {
    const group = this.group;
    const rows = group.rows;
    const taken = {
      ...group,
      unitOf: group.unitOf.slice(0, rows),
      itemOf: group.itemOf.slice(0, rows),
      scheduleOf: group.scheduleOf.slice(0, rows),
      coverageOf: group.coverageOf.slice(0, rows),
      status: group.status.slice(0, rows),
      claimDay: group.claimDay.slice(0, rows),
    };
    this.group = emptyGroup(this.asOfDay, this.capacity);
    this.itemIndex = new Map();
    this.scheduleIndex = new Map();
    this.currentUnit = -1;
    return taken;
  }

  private nextRow(): number {
    const group = this.group;
    if (this.currentUnit < 0) throw new Error('a fleet row before its unit');
    if (group.rows === this.capacity) {
      this.capacity *= 2;
      group.unitOf = grown(group.unitOf, this.capacity);
      group.itemOf = grown(group.itemOf, this.capacity);
      group.scheduleOf = grown(group.scheduleOf, this.capacity);
      group.coverageOf = grown(group.coverageOf, this.capacity);
      group.status = grown(group.status, this.capacity);
      group.claimDay = grown(group.claimDay, this.capacity);
    }
    const row = group.rows;
    group.unitOf[row] = this.currentUnit;
    group.rows += 1;
    return row;
  }

  private indexOfItem(item: FleetPlanItem): number {
    let index = this.itemIndex.get(item);
    if (index === undefined) {
      const items = this.group.items;
      index = items.code.length;
      items.code.push(item.code);
      items.name.push(item.name);
      items.valueUnscaled.push(unscaled(item.valueAmount));
      items.valueCurrency.push(item.valueCurrency);
      this.itemIndex.set(item, index);
    }
    return index;
  }

  private indexOfSchedule(schedule: ServiceItemSchedule): number {
    let index = this.scheduleIndex.get(schedule);
    if (index === undefined) {
      const schedules = this.group.schedules;
      index = schedules.dueDay.length;
      schedules.dueDay.push(daysOrNull(schedule.dueDate));
      schedules.windowStartDay.push(daysOrNull(schedule.windowStart));
      schedules.windowEndDay.push(daysOrNull(schedule.windowEnd));
      schedules.dueKm.push(schedule.dueKm);
      this.scheduleIndex.set(schedule, index);
    }
    return index;
  }
}
