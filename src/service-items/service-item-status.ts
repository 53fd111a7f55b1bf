import { isDateInRange } from '../common/input-guards';
import { addDays, addMonths, compareDates, type IsoDate } from '../common/calendar';

/**
 * A free service item's due date, its window and its status (rule 12): pure, from the item's terms, the unit's
 * anchor, the day asked about, the unit's latest odometer reading and its claim of the item, if any.
 */
export interface ServiceItemTerms {
  /** Due this many calendar months after the anchor (null: not due by time). */
  dueMonths: number | null;
  /** Due at this odometer reading (null: not due by distance). */
  dueKm: number | null;
  /** The window around the due date, in days before and after it (both days inside). */
  windowBeforeDays: number;
  windowAfterDays: number;
  /** The window around the due distance, in km below and above it (both readings inside). */
  windowBeforeKm: number;
  windowAfterKm: number;
}

export type ServiceItemStatus = 'CLAIMED' | 'CLAIMABLE' | 'UPCOMING' | 'EXPIRED';

export interface ServiceItemSchedule {
  dueDate: IsoDate | null;
  windowStart: IsoDate | null;
  windowEnd: IsoDate | null;
  dueKm: number | null;
  windowStartKm: number | null;
  windowEndKm: number | null;
}

export interface ServiceItemState extends ServiceItemSchedule {
  status: ServiceItemStatus;
  reason: string;
}

/**
 * When and at what reading the item is due, and its windows, from the anchor. Total: an anchor sent today is at most
 * 2199-12-31 (the Date scalar), so its dates fall far inside what can be shown; for an anchor stored before that bound
 * (a shift to 9998-12-31), a date past 9999-12-31 is none (null), as the projected end of a coverage is, instead of
 * failing the unit, its page and the export.
 */
export function scheduleItem(terms: ServiceItemTerms, anchor: IsoDate): ServiceItemSchedule {
  const dueDate = terms.dueMonths === null ? null : shown(addMonths(anchor, terms.dueMonths));
  return {
    dueDate,
    windowStart: dueDate === null ? null : shown(addDays(dueDate, -terms.windowBeforeDays)),
    windowEnd: dueDate === null ? null : shown(addDays(dueDate, terms.windowAfterDays)),
    dueKm: terms.dueKm,
    windowStartKm: terms.dueKm === null ? null : Math.max(0, terms.dueKm - terms.windowBeforeKm),
    windowEndKm: terms.dueKm === null ? null : terms.dueKm + terms.windowAfterKm,
  };
}

/** A derived date, or null past the last date that can be stored and shown (a five-digit year). */
function shown(date: IsoDate): IsoDate | null {
  return isDateInRange(date) ? date : null;
}

/**
 * The item's status on `asOf` with the unit's latest odometer reading (null: none known):
 * - CLAIMED: the unit has a claim of it that is not deleted (whatever the window; the claim's own date is shown);
 * - EXPIRED: past the end of either window, whichever comes first: the day after the time window's last day, or a
 *   reading above the distance window's top;
 * - CLAIMABLE: inside either window (its first and last day, its lowest and highest reading included);
 * - UPCOMING: before both windows.
 * The status alone, with nothing allocated: the fleet export classifies millions of items.
 */
export function itemStatusCode(schedule: ServiceItemSchedule, asOf: IsoDate, odometerKm: number | null, claimed: { claimDate: IsoDate } | null): ServiceItemStatus {
  if (claimed) return 'CLAIMED';
  const { windowStart, windowEnd, windowStartKm, windowEndKm } = schedule;
  if (windowEnd !== null && compareDates(asOf, windowEnd) > 0) return 'EXPIRED';
  if (windowEndKm !== null && odometerKm !== null && odometerKm > windowEndKm) return 'EXPIRED';
  if (windowStart !== null && compareDates(asOf, windowStart) >= 0) return 'CLAIMABLE';
  if (windowStartKm !== null && odometerKm !== null && odometerKm >= windowStartKm) return 'CLAIMABLE';
  return 'UPCOMING';
}

/** Why the item has the status `itemStatusCode` gave it, in words. */
function statusReason(status: ServiceItemStatus, schedule: ServiceItemSchedule, asOf: IsoDate, odometerKm: number | null, claimed: { claimDate: IsoDate } | null): string {
  const { windowStart, windowEnd, windowStartKm, windowEndKm } = schedule;
  switch (status) {
    case 'CLAIMED':
      return `claimed on ${claimed!.claimDate}`;
    case 'EXPIRED':
      return windowEnd !== null && compareDates(asOf, windowEnd) > 0
        ? `its window closed on ${windowEnd}`
        : `the odometer (${odometerKm} km) is past its window's ${windowEndKm} km`;
    case 'CLAIMABLE':
      return windowStart !== null && compareDates(asOf, windowStart) >= 0
        ? `inside its window, ${windowStart} to ${windowEnd}`
        : `the odometer (${odometerKm} km) is inside its window, ${windowStartKm} to ${windowEndKm} km`;
    case 'UPCOMING': {
      const when = [windowStart && `from ${windowStart}`, windowStartKm !== null && `from ${windowStartKm} km`].filter(Boolean).join(' or ');
      return `claimable ${when || 'once due'}`;
    }
  }
}

/** The item's schedule, its status (`itemStatusCode`) and why. */
export function itemStatus(schedule: ServiceItemSchedule, asOf: IsoDate, odometerKm: number | null, claimed: { claimDate: IsoDate } | null): ServiceItemState {
  const status = itemStatusCode(schedule, asOf, odometerKm, claimed);
  return { ...schedule, status, reason: statusReason(status, schedule, asOf, odometerKm, claimed) };
}
