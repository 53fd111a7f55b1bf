/**
 * Answering a planned read (planned-reads.ts makes the plans): the records read with the loaders' own statements,
 * each response key filled as the plan says, or the request handed over to Apollo Server before anything is
 * written.
 */
import { findBadInput } from '../common/input-guards';
import type { Loaders, RequestContext } from '../context';
import type { RepresentationCheck } from '../federation/representations';
import { normaliseSerialNumber } from '../records/record-inputs';
import type { WarrantyRecord } from '../records/warranty-record.entity';
import type { HeavySlots } from './heavy-slots';
import { plannedCaseChecks, plannedCheck } from './planned-checks';
import { fill, type CaseRows } from './planned-fill';
import { CASE, RECORD, type PlannedRead, type Projection } from './planned-reads';

const NONE: ReadonlyMap<string, WarrantyRecord> = new Map();

/**
 * Reads the records of these keys in the loaders' statements (none for an empty set). If a statement fails (an
 * outage, the request's budget or deadline), the loaders are primed with the outcome, the error included, so
 * that the general path, taking over, answers with that same error without sending the statement again.
 */
async function readOrPrime(
  rows: Loaders['recordRows'],
  ids: readonly string[],
  serials: readonly string[],
  idsFirst: boolean,
): Promise<[ReadonlyMap<string, WarrantyRecord> | null, ReadonlyMap<string, WarrantyRecord> | null]> {
  const readSerials = () => (serials.length > 0 ? rows.readBySerialNumbers(serials) : NONE);
  const readIds = () => (ids.length > 0 ? rows.readByIds(ids) : NONE);
  const [idRead, serialRead] = idsFirst
    ? await Promise.allSettled([readIds(), readSerials()])
    : await Promise.allSettled([readSerials(), readIds()]).then(([serial, id]) => [id, serial] as const);
  if (serialRead.status === 'fulfilled' && idRead.status === 'fulfilled') return [serialRead.value, idRead.value];
  const outcome = (read: PromiseSettledResult<ReadonlyMap<string, WarrantyRecord>>) =>
    read.status === 'fulfilled' ? read.value : read.reason instanceof Error ? read.reason : new Error(String(read.reason));
  rows.prime(ids, serials, { bySerial: outcome(serialRead), byId: outcome(idRead) });
  return [null, null];
}


function readsRecord(fields: readonly Projection[]): boolean {
  for (const field of fields) if (field.kind === 'record') return true;
  return false;
}

export interface PlannedReadOptions {
  checkRepresentation: RepresentationCheck;
  maxRepresentations: number;
  /** The general path's cost bounds (costPlugin in limits.ts), by the same estimate. */
  maxCost: number;
  heavyCost: number;
  slots: HeavySlots;
}

/**
 * The `data` of the response, or null to hand the request over to the general path (nothing has been sent;
 * rows loaded so far stay in the context's loaders).
 */
export async function answerPlannedRead(
  plan: PlannedRead,
  variables: Record<string, unknown> | undefined,
  context: RequestContext,
  options: PlannedReadOptions,
): Promise<Record<string, unknown> | null> {
  const { loaders } = context;
  if (!context.actor || !loaders) return null;
  // The same estimate and bounds as the general path: over the limit, that path refuses the request; over the
  // light limit, the plan answers only while it holds a heavy slot.
  const cost = plannedCost(plan, variables);
  if (cost === null || cost > options.maxCost) return null;
  if (cost <= options.heavyCost) {
    options.slots.noteLight();
    return answer(plan, variables, context, options);
  }
  let release: (() => void) | undefined;
  try {
    release = await options.slots.take(context.signal);
  } catch {
    return null;
  }
  try {
    return await answer(plan, variables, context, options);
  } finally {
    release();
  }
}

/** The estimate with the request's representations; null for one of a type the plan has no cost for (it hands over). */
function plannedCost(plan: PlannedRead, variables: Record<string, unknown> | undefined): number | null {
  const { base, perRepresentation } = plan.cost;
  if (plan.root.kind !== 'entities') return base;
  const representations = variables?.[plan.root.variable];
  if (!Array.isArray(representations)) return null;
  let cost = base;
  for (const representation of representations) {
    const each = perRepresentation.get((representation as { __typename?: string } | null)?.__typename as string);
    if (each === undefined) return null;
    cost += each;
  }
  return cost;
}

async function answer(
  plan: PlannedRead,
  variables: Record<string, unknown> | undefined,
  context: RequestContext,
  options: PlannedReadOptions,
): Promise<Record<string, unknown> | null> {
  const loaders = context.loaders!;
  Object.assign(context.recordSelection, plan.recordSelection);
  const { root } = plan;
  try {
    if (root.kind === 'lookup') {
      const serialNumber = 'value' in root.serialNumber ? root.serialNumber.value : variables?.[root.serialNumber.variable];
      if (typeof serialNumber !== 'string' || findBadInput({ serialNumber }, [])) return null;
      const serial = normaliseSerialNumber(serialNumber);
      const [bySerial] = await readOrPrime(loaders.recordRows, [], [serial], false);
      if (!bySerial) return null;
      const record = bySerial.get(serial) ?? null;
      try {
        return { [root.key]: record ? fill(root.fields, record) : null };
      } catch (error) {
        loaders.recordRows.prime([], [serial], { byId: NONE, bySerial });
        throw error;
      }
    }

    if (root.kind === 'check') {
      const view = await plannedCheck(plan.schema, root, variables, context);
      return view ? { [root.key]: fill(root.fields, view) } : null;
    }

    const representations = variables?.[root.variable];
    if (!Array.isArray(representations) || representations.length > options.maxRepresentations) return null;
    if (plan.recordSelection.checks) return await answerCaseChecks(root, representations, context, options);
    // Each entity's source and how its record is found, as WarrantyRecord.__resolveReference (id first, then
    // serial number) and Case.warranty (the case's serial number) find it; then every record in at most two
    // statements, the ones the loaders' batches would run.
    const count = representations.length;
    const fieldsOf: Projection[][] = new Array(count);
    const sources: Array<Record<string, unknown>> = new Array(count);
    const keys: Array<{ id: string } | { serial: string } | null> = new Array(count);
    const ids = new Set<string>();
    const serials = new Set<string>();
    // The loaders send their statements in the order of their first keys; so does the plan, which matters when
    // the request's statement budget lets only the first one through.
    let idsFirst: boolean | undefined;
    for (let index = 0; index < count; index++) {
      const checked = options.checkRepresentation(representations[index], index);
      if ('error' in checked) return null;
      const reference = checked.value;
      const fields = root.byType.get(reference.__typename as string);
      if (!fields) return null;
      fieldsOf[index] = fields;
      sources[index] = reference;
      let key: { id: string } | { serial: string } | null = null;
      if (reference.__typename === RECORD) {
        if (reference.id) key = { id: reference.id as string };
        else if (reference.serialNumber) key = { serial: normaliseSerialNumber(reference.serialNumber as string) };
      } else if (reference.serialNumber && readsRecord(fields)) {
        key = { serial: normaliseSerialNumber(reference.serialNumber as string) };
      }
      if (key && 'id' in key) ids.add(key.id);
      else if (key) serials.add(key.serial);
      keys[index] = key;
      idsFirst ??= key === null ? undefined : 'id' in key;
    }
    const rows = loaders.recordRows;
    const idList = [...ids];
    const serialList = [...serials];
    const [bySerial, byId] = await readOrPrime(rows, idList, serialList, idsFirst ?? false);
    if (!bySerial || !byId) return null;
    const recordOf = (key: { id: string } | { serial: string } | null) =>
      key === null ? null : (('id' in key ? byId.get(key.id) : bySerial.get(key.serial)) ?? null);
    try {
      const items = new Array(count);
      for (let index = 0; index < count; index++) {
        const record = recordOf(keys[index]);
        const source = sources[index];
        if (source.__typename === RECORD) items[index] = record ? fill(fieldsOf[index], record) : null;
        else items[index] = fill(fieldsOf[index], source, { record });
      }
      return { [root.key]: items };
    } catch (error) {
      // The general path will fill the same fields from the same rows.
      rows.prime(idList, serialList, { byId, bySerial });
      throw error;
    }
  } catch {
    // A value the executor would refuse (HAND_OVER): the general path answers, with its own error, status and log
    // line, from the rows primed above.
    return null;
  }
}


/**
 * A page of CSP cases that checks their warranties (only Case representations: the plan has no other type): every
 * unit in the check's one statement, each case's fields filled from its unit and its check.
 */
async function answerCaseChecks(
  root: Extract<PlannedRead['root'], { kind: 'entities' }>,
  representations: readonly unknown[],
  context: RequestContext,
  options: PlannedReadOptions,
): Promise<Record<string, unknown> | null> {
  const fields = root.byType.get(CASE);
  if (!fields) return null;
  const sources: Array<Record<string, unknown>> = [];
  for (let index = 0; index < representations.length; index++) {
    const checked = options.checkRepresentation(representations[index], index);
    if ('error' in checked || checked.value.__typename !== CASE) return null;
    sources.push(checked.value);
  }
  const rows: CaseRows[] | null = await plannedCaseChecks(sources, context, {
    record: fields.some((f) => f.kind === 'record'),
    check: fields.some((f) => f.kind === 'check'),
  });
  if (!rows) return null;
  return { [root.key]: sources.map((source, index) => fill(fields, source, rows[index])) };
}
