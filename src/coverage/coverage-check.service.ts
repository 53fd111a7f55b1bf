import { DomainError } from '../common/errors';
import type { PolicyLoaders } from '../policies/policy-loaders';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import { checkInputs } from './check-inputs';
import {
  checkWarranty, type CheckRequest, type CoverageCheck, type Readings, type WarrantyCheckResult,
} from './active-check';
import type { IsoDate } from '../common/calendar';
import { readingRangeProblems } from '../readings/readings-history';
import type { CheckBundle, CoverageLoaders } from './coverage-loaders';
import type { Coverage } from './coverage.entity';

/** What the GraphQL layer shows: the engine's answer with the stored rows it speaks about. */
export interface CoverageCheckView extends Omit<CoverageCheck, 'coverage'> {
  coverage: Coverage;
}
export interface WarrantyCheckView extends Omit<WarrantyCheckResult, 'coverages'> {
  warranty: WarrantyRecord;
  /** The readings judged, and whether they came with the request or from the unit's readings history. */
  readings: Readings;
  readingsFrom: 'REQUEST' | 'HISTORY' | 'NONE';
  repairDate: IsoDate;
  component: string | null;
  coverages: CoverageCheckView[];
}


function definedReadings(values: Readings): Readings {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== null && v !== undefined)) as Readings;
}

/** The request's loaders the check reads through (the composition root's context.ts hands it its own). */
export type CheckLoaders = Pick<CoverageLoaders, 'checkBundleBySerialNumber' | 'coveragesByRecordId'> & Pick<PolicyLoaders, 'policyById'>;

/**
 * Loads a unit's record, coverages and policy versions (one batched statement) through the request's loaders and asks the pure engine
 * (active-check.ts). Used by `checkWarranty` and by `Case.warrantyCheck`.
 */
export class CoverageCheckService {
  async check(
    loaders: CheckLoaders,
    input: { serialNumber: string } & CheckRequest,
  ): Promise<WarrantyCheckView> {
    const [outOfRange] = readingRangeProblems(input.readings);
    if (outOfRange) throw new DomainError('BAD_USER_INPUT', outOfRange.message, ['input', 'readings', outOfRange.reading]);
    const bundle = await loaders.checkBundleBySerialNumber.load(input.serialNumber);
    if (!bundle) throw new DomainError('NOT_FOUND', `no warranty for serial number ${input.serialNumber}`, ['input', 'serialNumber']);
    // The same request may show these rows again (a case's `warranty { coverages { policy } }`).
    loaders.coveragesByRecordId.prime(bundle.record.id, bundle.coverages);
    // Only whole rows: a request that shows no policy version reads only the columns the check judges by.
    if (bundle.wholePolicies !== false) for (const policy of bundle.policies) loaders.policyById.prime(policy.id, policy);
    // A request without readings is judged on the unit's latest recorded ones (so a battery case gets an answer
    // instead of READING_REQUIRED once a reading is on file).
    const latest = definedReadings(bundle.latestReadings ?? {});
    const history = bundle.history ?? {};
    if (Object.keys(definedReadings(input.readings)).length === 0 && Object.keys(latest).length > 0) {
      return this.judge(bundle, { ...input, readings: latest, history }, 'HISTORY');
    }
    return this.judge(bundle, { ...input, history });
  }

  /**
   * The engine's answer for rows already loaded (by the loaders, or by a claim's transaction, which locks the
   * record first): READING_REQUIRED when a limit needs a reading the request lacks.
   */
  judge(bundle: CheckBundle, input: CheckRequest, readingsFrom?: 'HISTORY'): WarrantyCheckView {
    const { record, coverages, policies } = bundle;
    const inputs = checkInputs(record, coverages, policies);
    const result = checkWarranty(inputs.unit, inputs.coverages, input);
    if (result.missingReadings.length > 0) {
      throw new DomainError(
        'READING_REQUIRED',
        `${result.reason}: the unit's coverages set limits on ${result.missingReadings.join(', ')}`,
        ['input', 'readings', result.missingReadings[0]],
      );
    }
    const readings = definedReadings(input.readings);
    // Built field by field rather than spread: a page of 100 cases builds 100 of these, and spreading was the
    // check's costliest line (the compiler still makes every field of the view present).
    return {
      decision: result.decision,
      paysParts: result.paysParts,
      paysLabour: result.paysLabour,
      reason: result.reason,
      component: result.component,
      missingReadings: result.missingReadings,
      warranty: record,
      readings,
      readingsFrom: readingsFrom ?? (Object.keys(readings).length > 0 ? 'REQUEST' : 'NONE'),
      repairDate: input.repairDate,
      coverages: result.coverages.map((r) => ({
        coverage: coverages.find((c) => c.id === r.coverage.id)!,
        active: r.active,
        paysParts: r.paysParts,
        paysLabour: r.paysLabour,
        checks: r.checks,
        projectedEnd: r.projectedEnd,
      })),
    };
  }
}
