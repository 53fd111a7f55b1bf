/**
 * The active-warranty check in a planned read (planned-reads.ts): `checkWarranty(input: $input)` and a page of CSP
 * cases with `warrantyCheck`, answered as their resolvers answer them (coverage-check.resolvers.ts and
 * federation.resolvers.ts) through the same loaders and the same engine, without graphql-js's executor. Whatever
 * the resolvers would refuse or fail on (bad input, no unit, a reading required, a failed statement) hands the
 * request over, and the general path answers it from the rows already loaded.
 */
import { getArgumentValues, getVariableValues, type GraphQLSchema } from 'graphql';
import { calendarDateOf } from '../common/calendar';
import { findBadInput } from '../common/input-guards';
import { isoDate } from '../common/validation';
import type { RequestContext } from '../context';
import type { WarrantyCheckView } from '../coverage/coverage-check.service';
import type { CaseRows } from './planned-fill';
import type { Root } from './planned-reads';

type CheckRoot = Extract<Root, { kind: 'check' }>;

/** The check's answer for the request's input, or null to hand over. */
export async function plannedCheck(schema: GraphQLSchema, root: CheckRoot, variables: Record<string, unknown> | undefined, context: RequestContext): Promise<WarrantyCheckView | null> {
  // The variables coerced, and the field's arguments built from them, by graphql-js's own functions.
  const coerced = getVariableValues(schema, root.operation.variableDefinitions ?? [], variables ?? {});
  if (coerced.errors) return null;
  let args: Record<string, any>;
  try {
    args = getArgumentValues(root.field, root.node, coerced.coerced);
  } catch {
    return null;
  }
  // What the argument guard (common/argument-guard.ts) would refuse.
  if (findBadInput(args, [])) return null;
  const { input } = args;
  try {
    return await context.services.coverageCheck.check(context.loaders!, {
      serialNumber: input.serialNumber,
      repairDate: isoDate(input.repairDate)!,
      readings: input.readings ?? {},
      component: input.component,
      costType: input.costType,
      capacityClaim: input.capacityClaim ?? false,
    });
  } catch {
    return null;
  }
}

/**
 * Each case's unit and its check on the day the case was opened (Case.warranty and Case.warrantyCheck when the
 * operation checks): every unit in the check's one statement. Null to hand over.
 */
export async function plannedCaseChecks(
  cases: ReadonlyArray<{ serialNumber?: unknown; openedAt?: unknown }>,
  context: RequestContext,
  wants: { record: boolean; check: boolean },
): Promise<CaseRows[] | null> {
  const loaders = context.loaders!;
  const bundles = await Promise.allSettled(
    // The units the resolvers would load: a case's for its warranty, and for its check only once it was opened.
    cases.map((c) =>
      typeof c.serialNumber === 'string' && c.serialNumber && (wants.record || (wants.check && c.openedAt))
        ? loaders.checkBundleBySerialNumber.load(c.serialNumber)
        : Promise.resolve(null),
    ),
  );
  // A failed statement: its rejection stays in the loader, and the general path answers with it.
  if (bundles.some((b) => b.status === 'rejected')) return null;
  try {
    return await Promise.all(
      cases.map(async (c, index) => {
        const bundle = (bundles[index] as PromiseFulfilledResult<Awaited<ReturnType<typeof loaders.checkBundleBySerialNumber.load>>>).value;
        const record = bundle?.record ?? null;
        if (!wants.check || !record || typeof c.openedAt !== 'string' || !c.openedAt) return { record, check: null };
        const openedOn = calendarDateOf(new Date(c.openedAt), record.siteTimeZone ?? 'UTC');
        const check = await context.services.coverageCheck.check(loaders, { serialNumber: c.serialNumber as string, repairDate: openedOn, readings: {} });
        return { record, check };
      }),
    );
  } catch {
    return null;
  }
}
