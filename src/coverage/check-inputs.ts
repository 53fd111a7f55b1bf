/**
 * What the engine (active-check.ts) is given for a unit, from its stored rows: the record's start, void and
 * replacement on the site's calendar, and each coverage's terms with its policy's label. Pure: the coverage check
 * (coverage-check.service.ts) and the bench's floor (bench/floor-server.ts) run the very same code on the same rows.
 */
import { calendarDateOf } from '../common/calendar';
import { deriveWarrantyStart, type WarrantyStartFacts } from '../records/warranty-start';
import type { CheckableCoverage, CheckableRecord } from './active-check';

/** The record's columns the check reads. */
export interface RecordFacts extends WarrantyStartFacts {
  serialNumber: string;
  policyId: string;
  siteTimeZone: string | null;
  voidedAt: Date | null;
  voidReason: string | null;
  replacedAt: Date | null;
  replacedBySerialNumber: string | null;
}

/** RecordFacts' properties, for reading only those (with what a request shows) when a request runs the check. */
export const CHECK_RECORD_PROPERTIES = [
  'serialNumber', 'policyId', 'siteTimeZone', 'voidedAt', 'voidReason', 'replacedAt', 'replacedBySerialNumber',
  'warrantyDateShift', 'activationRecordDate', 'saleWarrantyActivationDate', 'saleInvoiceDate', 'supplyChainStage',
  'brokerInvoiceDate', 'productionDate',
] as const satisfies ReadonlyArray<keyof RecordFacts>;
// Every property of RecordFacts is listed: a property added there and not here fails the build.
const everyRecordFact: Exclude<keyof RecordFacts, (typeof CHECK_RECORD_PROPERTIES)[number]> extends never ? true : never = true;
void everyRecordFact;

/** A coverage's columns the check reads. */
export type CoverageFacts = Omit<CheckableCoverage, 'voidedOn' | 'policyLabel'> & { policyId: string | null; voidedAt: Date | null };

/** A policy version's columns the check reads. */
export interface PolicyFacts {
  id: string;
  productFamily: string;
  region: string;
  version: number;
  lateStartCapMonths: number | null;
}

export function checkInputs(record: RecordFacts, coverages: readonly CoverageFacts[], policies: readonly PolicyFacts[]): { unit: CheckableRecord; coverages: CheckableCoverage[] } {
  const policyById = new Map(policies.map((p) => [p.id, p]));
  const timeZone = record.siteTimeZone ?? 'UTC';
  const start = deriveWarrantyStart(record, { lateStartCapMonths: policyById.get(record.policyId)?.lateStartCapMonths ?? null });
  return {
    unit: {
      serialNumber: record.serialNumber,
      notStartedReason: start.status === 'STARTED' ? null : start.reason,
      voidedOn: record.voidedAt ? calendarDateOf(record.voidedAt, timeZone) : null,
      voidReason: record.voidReason,
      replacedOn: record.replacedAt ? calendarDateOf(record.replacedAt, timeZone) : null,
      replacedBy: record.replacedBySerialNumber,
    },
    coverages: coverages.map((c) => {
      const policy = c.policyId ? policyById.get(c.policyId) : undefined;
      return {
        id: c.id,
        kind: c.kind,
        scope: c.scope,
        startDate: c.startDate,
        endDate: c.endDate,
        labourEndDate: c.labourEndDate,
        mileageLimitKm: c.mileageLimitKm,
        engineHoursLimit: c.engineHoursLimit,
        throughputLimitMwh: c.throughputLimitMwh,
        sohGuaranteePct: c.sohGuaranteePct,
        paysParts: c.paysParts,
        paysLabour: c.paysLabour,
        voidedOn: c.voidedAt ? calendarDateOf(c.voidedAt, timeZone) : null,
        voidReason: c.voidReason,
        policyLabel: policy ? `${policy.productFamily} ${policy.region} v${policy.version}` : null,
        claimId: c.claimId,
      };
    }),
  };
}
