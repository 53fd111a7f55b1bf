import { addMonths, compareDates, maxDate, type IsoDate } from '../common/calendar';

/** The parts of a policy version that shape a STANDARD coverage. */
export interface CoveragePolicyTerms {
  termMonths: number;
  labourMonths: number | null;
  sohGuaranteePct: number | null;
  throughputMwhPerKwh: number | null;
  mileageLimitKm: number | null;
  engineHoursLimit: number | null;
  componentScopes: readonly string[];
}

export interface CoverageTerms {
  scope: string;
  termMonths: number;
  labourMonths: number | null;
  startDate: IsoDate | null;
  endDate: IsoDate | null;
  labourEndDate: IsoDate | null;
  mileageLimitKm: number | null;
  engineHoursLimit: number | null;
  throughputLimitMwh: number | null;
  sohGuaranteePct: number | null;
  paysParts: boolean;
  paysLabour: boolean;
}

export class CapacityRequiredError extends Error {
  constructor() {
    super("the policy caps throughput per kWh of capacity, so the unit's usable capacity (kWh) is required");
  }
}

/**
 * Rule 3 and 6: the end and labour-end dates of a coverage of `termMonths` (with `labourMonths` of labour) that
 * starts on `start`. No start yet (rule 2) → no dates. Labour ends earlier only when the policy says so.
 */
export function coverageDates(
  start: IsoDate | null,
  termMonths: number,
  labourMonths: number | null,
): { startDate: IsoDate | null; endDate: IsoDate | null; labourEndDate: IsoDate | null } {
  if (start === null) return { startDate: null, endDate: null, labourEndDate: null };
  const labourEndDate =
    labourMonths !== null && labourMonths > 0 && labourMonths < termMonths ? addMonths(start, labourMonths) : null;
  return { startDate: start, endDate: addMonths(start, termMonths), labourEndDate };
}

/**
 * The STANDARD coverages a policy version grants: one for the whole unit and one per component scope the policy
 * names (a battery's CELLS), so that a component can be voided on its own (§5.5.19) while the rest stays covered.
 */
export function standardCoverageTerms(
  policy: CoveragePolicyTerms,
  start: IsoDate | null,
  capacityKwh: number | null,
): CoverageTerms[] {
  let throughputLimitMwh: number | null = null;
  if (policy.throughputMwhPerKwh !== null) {
    if (capacityKwh === null) throw new CapacityRequiredError();
    throughputLimitMwh = Math.round(policy.throughputMwhPerKwh * capacityKwh * 1000) / 1000;
  }
  const dates = coverageDates(start, policy.termMonths, policy.labourMonths);
  return ['UNIT', ...policy.componentScopes].map((scope) => ({
    scope,
    termMonths: policy.termMonths,
    labourMonths: policy.labourMonths,
    ...dates,
    mileageLimitKm: policy.mileageLimitKm,
    engineHoursLimit: policy.engineHoursLimit,
    throughputLimitMwh,
    sohGuaranteePct: policy.sohGuaranteePct,
    paysParts: true,
    paysLabour: policy.labourMonths !== 0,
  }));
}

export type WarrantyStatus = 'NOT_STARTED' | 'ACTIVE' | 'EXPIRED' | 'VOIDED' | 'REPLACED';

/**
 * The record's headline status on a date: voided wins (a whole-unit void ends every coverage), then not
 * started, then expired after the latest coverage end (inclusive end date, rule 3).
 */
export function warrantyStatusOn(
  record: { startDate: IsoDate | null; expiresAt: IsoDate | null; voidedOn: IsoDate | null; replacedOn?: IsoDate | null },
  asOf: IsoDate,
): WarrantyStatus {
  if (record.voidedOn !== null && compareDates(record.voidedOn, asOf) <= 0) return 'VOIDED';
  if (record.replacedOn && compareDates(record.replacedOn, asOf) <= 0) return 'REPLACED';
  if (record.startDate === null || compareDates(asOf, record.startDate) < 0) return 'NOT_STARTED';
  if (record.expiresAt === null || compareDates(asOf, record.expiresAt) > 0) return 'EXPIRED';
  return 'ACTIVE';
}

/** `expiresAt` of a record: the end of its latest coverage that is not voided. */
export function latestCoverageEnd(coverages: ReadonlyArray<{ endDate: IsoDate | null; voided: boolean }>): IsoDate | null {
  return maxDate(coverages.filter((c) => !c.voided).map((c) => c.endDate));
}
