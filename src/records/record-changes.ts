/** Changing a record: update, the re-derived start and coverages after a fact changes, void and reinstatement. */
import type { DataSource, EntityManager } from 'typeorm';
import type { AuditService, EventInput } from '../audit/audit.service';
import { assertRole, hasRole, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { isDateInRange, MAX_DATE } from '../common/input-guards';
import { assertValid } from '../common/validation';
import type { WriteStep } from '../db/one-statement';
import { calendarDateOf, compareDates, type IsoDate } from '../common/calendar';
import type { Clock } from '../common/clock';
import { Coverage, WHOLE_UNIT } from '../coverage/coverage.entity';
import { coverageDates } from '../coverage/coverage-terms';
import type { PoliciesService } from '../policies/policies.service';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { toSiteDto, UpdateWarrantyDto, VoidDto } from './record-inputs';
import { nextExpiry, refreshExpiry, writeRecord } from './record-expiry';
import { lockVisibleRecord } from './record-access';
import { SaleDocument } from './sale-document.entity';
import { CHAIN_FACT_FIELDS } from './sale-documents';
import { deriveWarrantyStart, type WarrantyStartFacts } from './warranty-start';
import { WarrantyRecord } from './warranty-record.entity';

/** What the records functions work with: the composition root builds it once (RecordsService). */
export interface RecordsDeps {
  dataSource: DataSource;
  policies: PoliciesService;
  audit: AuditService;
  clock: Clock;
  /** What other modules do when a unit is registered (campaigns: a SKU range's campaigns), given at composition. */
  onRegistered?: RecordRegisteredHook[];
}

/**
 * On a registration, in its transaction after the record and its coverages are written (rule 19: campaigns adds the
 * unit to the campaigns whose SKU ranges affect it): a step of the statement that writes the registration's events
 * (db/one-statement.ts), or null. `today` is the registration day at the site.
 */
export type RecordRegisteredHook = (manager: EntityManager, record: WarrantyRecord, actorId: string, today: IsoDate, at: Date) => Promise<WriteStep | null>;

/** Start facts a PATCH may set; an explicit null clears one. */
const START_FACT_FIELDS = [
  'productionDate',
  'activationRecordDate',
  'saleWarrantyActivationDate',
  'saleInvoiceDate',
  'supplyChainStage',
  'brokerInvoiceDate',
  'warrantyDateShift',
] as const;
type StartFactField = (typeof START_FACT_FIELDS)[number];

export type UpdateWarrantyCommand = {
  id: string;
  customerId?: string | null;
  installerId?: string | null;
  site?: { countryCode: string; timeZone?: string | null } | null;
  reason?: string | null;
} & { [K in StartFactField]?: WarrantyRecord[K] };

export const EDITOR_ROLES = ['AGENT', 'WARRANTY_ADMIN'] as const;
const VOIDER_ROLES = ['WARRANTY_ADMIN', 'SERVICE'] as const;

export function todayAt(deps: RecordsDeps, timeZone?: string | null): IsoDate {
  return calendarDateOf(deps.clock(), timeZone ?? 'UTC');
}

export async function updateWarranty(deps: RecordsDeps, actor: Actor, command: UpdateWarrantyCommand): Promise<WarrantyRecord> {
  assertRole(actor, EDITOR_ROLES, 'update a warranty');
  if ('warrantyDateShift' in command && !hasRole(actor, 'WARRANTY_ADMIN')) {
    throw new DomainError('FORBIDDEN', 'only a WARRANTY_ADMIN may shift the warranty date', ['input', 'warrantyDateShift']);
  }
  await assertValid(
    Object.assign(new UpdateWarrantyDto(), command, { site: command.site ? toSiteDto(command.site) : command.site }),
  );
  if (command.site === null) throw new DomainError('BAD_USER_INPUT', 'site cannot be cleared', ['input', 'site']);

  return deps.dataSource.transaction(async (manager) => {
    const record = await lockVisibleRecord(manager, actor, command.id);
    if (record.voidedAt) {
      throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided; reinstate it before changing it`, ['input', 'id']);
    }
    const before = { ...record };
    const today = todayAt(deps, record.siteTimeZone);
    const events: EventInput[] = [];
    const base = { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id };
    const reason = command.reason ?? undefined;
    const change = (event: string, field: string, from: unknown, to: unknown) =>
      events.push({ ...base, event, fromValue: show(from), toValue: show(to), detail: { field, ...(reason ? { reason } : {}) } });

    if ('customerId' in command && command.customerId !== record.customerId) {
      change('CUSTOMER_CHANGED', 'customerId', record.customerId, command.customerId ?? null);
      record.customerId = command.customerId ?? null;
    }
    if ('installerId' in command && command.installerId !== record.installerId) {
      change('INSTALLER_CHANGED', 'installerId', record.installerId, command.installerId ?? null);
      record.installerId = command.installerId ?? null;
    }
    if (command.site) {
      const country = command.site.countryCode.toUpperCase();
      const timeZone = command.site.timeZone ?? null;
      if (country !== record.siteCountry || timeZone !== record.siteTimeZone) {
        change('SITE_CHANGED', 'site', siteText(record.siteCountry, record.siteTimeZone), siteText(country, timeZone));
        record.siteCountry = country;
        record.siteTimeZone = timeZone;
      }
    }

    const chainFieldsSent = CHAIN_FACT_FIELDS.filter((field) => field in command && (command[field] ?? null) !== record[field]);
    if (chainFieldsSent.length > 0 && (await manager.exists(SaleDocument, { where: { orgId: record.orgId, warrantyRecordId: record.id } }))) {
      throw new DomainError(
        'BAD_USER_INPUT',
        `the unit's ${chainFieldsSent.join(', ')} come from its sale documents: record or delete a document instead`,
        ['input', chainFieldsSent[0]],
      );
    }
    let factsChanged = false;
    for (const field of START_FACT_FIELDS) {
      if (!(field in command)) continue;
      const next = command[field] ?? null;
      if (next === record[field]) continue;
      change('START_FACT_CHANGED', field, record[field], next);
      (record as unknown as Record<string, unknown>)[field] = next;
      factsChanged = true;
    }
    if (factsChanged) {
      const fieldPaths = Object.fromEntries(
        START_FACT_FIELDS.filter((f) => f !== 'supplyChainStage' && f !== 'warrantyDateShift').map((f) => [f, ['input', f]]),
      );
      assertPlausibleFacts(record, today, fieldPaths);
      events.push(...(await restart(deps, manager, record, base)));
    }

    if (events.length > 0) {
      await writeRecord(manager, record, changedColumns(before, record));
      await deps.audit.append(manager, events);
    }
    return record;
  });
}

/** Re-derives the start (rule 2) after a fact changed and moves every STANDARD coverage with it (rule 3). */
export async function restart(deps: RecordsDeps, manager: EntityManager, record: WarrantyRecord, base: Omit<EventInput, 'event'>): Promise<EventInput[]> {
  const policy = await manager.findOneByOrFail(WarrantyPolicy, { orgId: record.orgId, id: record.policyId });
  const start = deriveWarrantyStart(record, policy);
  const events: EventInput[] = [];
  if (start.status !== record.startStatus || start.date !== record.startDate || start.source !== record.startSource) {
    events.push({
      ...base,
      event: 'WARRANTY_START_CHANGED',
      fromValue: record.startDate ?? record.startStatus,
      toValue: start.date ?? start.status,
      detail: { from: { status: record.startStatus, source: record.startSource }, to: { status: start.status, source: start.source }, reason: start.reason },
    });
    record.startStatus = start.status;
    record.startDate = start.date;
    record.startSource = start.source;
  }
  const coverages = await manager.find(Coverage, { where: { orgId: record.orgId, warrantyRecordId: record.id }, lock: { mode: 'pessimistic_write' } });
  for (const coverage of coverages.filter((c) => c.kind === 'STANDARD')) {
    const dates = coverageDates(record.startDate, coverage.termMonths, coverage.labourMonths);
    // Only an operator's date shift may lie in the future, so only it can push an end past the calendar.
    if (dates.endDate && !isDateInRange(dates.endDate)) {
      throw new DomainError('BAD_USER_INPUT', `the ${coverage.scope} coverage would end on ${dates.endDate}, after ${MAX_DATE}`, ['input', 'warrantyDateShift']);
    }
    if (dates.startDate === coverage.startDate && dates.endDate === coverage.endDate && dates.labourEndDate === coverage.labourEndDate) continue;
    events.push({
      ...base,
      event: 'COVERAGE_DATES_CHANGED',
      coverageId: coverage.id,
      fromValue: dateRange(coverage.startDate, coverage.endDate),
      toValue: dateRange(dates.startDate, dates.endDate),
      detail: { scope: coverage.scope, labourEndDate: { from: coverage.labourEndDate, to: dates.labourEndDate } },
    });
    Object.assign(coverage, dates);
    await manager.update(Coverage, { orgId: coverage.orgId, id: coverage.id }, dates);
  }
  events.push(...(await nextExpiry(manager, record, base.actorId)));
  return events;
}

export async function voidRecord(deps: RecordsDeps, actor: Actor, input: { id: string; component?: string | null; reason: string }): Promise<WarrantyRecord> {
  assertRole(actor, VOIDER_ROLES, 'void a warranty');
  await assertValid(Object.assign(new VoidDto(), input));
  return changeVoidState(deps, actor, input, 'void');
}

export async function reinstateRecord(deps: RecordsDeps, actor: Actor, input: { id: string; component?: string | null; reason: string }): Promise<WarrantyRecord> {
  assertRole(actor, ['WARRANTY_ADMIN'], 'reinstate a warranty');
  await assertValid(Object.assign(new VoidDto(), input));
  return changeVoidState(deps, actor, input, 'reinstate');
}

async function changeVoidState(
  deps: RecordsDeps,
  actor: Actor,
  input: { id: string; component?: string | null; reason: string },
  action: 'void' | 'reinstate',
): Promise<WarrantyRecord> {
  const reason = input.reason.trim();
  return deps.dataSource.transaction(async (manager) => {
    const record = await lockVisibleRecord(manager, actor, input.id);
    const base = { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id };
    const now = deps.clock();
    const component = input.component?.toUpperCase() ?? null;

    if (component === null || component === WHOLE_UNIT) {
      if (action === 'void' && record.voidedAt) {
        throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is already voided`, ['input', 'id']);
      }
      if (action === 'reinstate' && !record.voidedAt) {
        throw new DomainError('BAD_USER_INPUT', `warranty ${record.serialNumber} is not voided`, ['input', 'id']);
      }
      const previous = record.voidReason;
      await writeRecord(manager, record, { voidedAt: action === 'void' ? now : null, voidReason: action === 'void' ? reason : null });
      await deps.audit.append(manager, [
        action === 'void'
          ? { ...base, event: 'WARRANTY_VOIDED', fromValue: null, toValue: reason, detail: { reason } }
          : { ...base, event: 'WARRANTY_REINSTATED', fromValue: previous, toValue: null, detail: { reason } },
      ]);
      return record;
    }

    if (record.voidedAt) {
      throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided as a whole`, ['input', 'id']);
    }
    const coverages = await manager.find(Coverage, {
      where: { orgId: record.orgId, warrantyRecordId: record.id, scope: component },
      lock: { mode: 'pessimistic_write' },
    });
    if (coverages.length === 0) {
      throw new DomainError('NOT_FOUND', `warranty ${record.serialNumber} has no ${component} coverage`, ['input', 'component']);
    }
    const targets = coverages.filter((c) => (action === 'void' ? c.voidedAt === null : c.voidedAt !== null));
    if (targets.length === 0) {
      throw action === 'void'
        ? new DomainError('WARRANTY_VOIDED', `the ${component} coverage is already voided`, ['input', 'component'])
        : new DomainError('BAD_USER_INPUT', `the ${component} coverage is not voided`, ['input', 'component']);
    }
    const events: EventInput[] = [];
    for (const coverage of targets) {
      events.push({
        ...base,
        event: action === 'void' ? 'COVERAGE_VOIDED' : 'COVERAGE_REINSTATED',
        coverageId: coverage.id,
        fromValue: action === 'void' ? null : coverage.voidReason,
        toValue: action === 'void' ? reason : null,
        detail: { scope: coverage.scope, kind: coverage.kind, reason },
      });
      coverage.voidedAt = action === 'void' ? now : null;
      coverage.voidReason = action === 'void' ? reason : null;
      await manager.update(Coverage, { orgId: coverage.orgId, id: coverage.id }, { voidedAt: coverage.voidedAt, voidReason: coverage.voidReason });
    }
    events.push(...(await refreshExpiry(manager, record, actor.id)));
    await deps.audit.append(manager, events);
    return record;
  });
}


/**
 * Facts are about the past: none may lie after today, and no sale, invoice or activation before the unit was
 * produced. (An operator's date shift is exempt: it may deliberately move the start.)
 */
export function assertPlausibleFacts(
  facts: WarrantyStartFacts,
  today: IsoDate,
  fields: Partial<Record<keyof WarrantyStartFacts, string[]>>,
): void {
  for (const [name, field] of Object.entries(fields) as [keyof WarrantyStartFacts, string[]][]) {
    const value = facts[name];
    if (typeof value !== 'string') continue;
    if (compareDates(value, today) > 0) {
      throw new DomainError('BAD_USER_INPUT', `${field.slice(1).join('.')} ${value} is in the future (today is ${today})`, field);
    }
    if (name !== 'productionDate' && facts.productionDate && compareDates(value, facts.productionDate) < 0) {
      throw new DomainError('BAD_USER_INPUT', `${field.slice(1).join('.')} ${value} is before the production date ${facts.productionDate}`, field);
    }
  }
}

/** The columns an update may change, and which of them did: the one UPDATE of the record writes just those. */
const UPDATABLE_COLUMNS = [
  'customerId', 'installerId', 'siteCountry', 'siteTimeZone', ...START_FACT_FIELDS, 'startStatus', 'startDate', 'startSource', 'expiresAt',
] as const;

export function changedColumns(before: WarrantyRecord, after: WarrantyRecord): Partial<WarrantyRecord> {
  const patch: Record<string, unknown> = {};
  for (const column of UPDATABLE_COLUMNS) if (before[column] !== after[column]) patch[column] = after[column];
  return patch as Partial<WarrantyRecord>;
}

export function show(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function siteText(country: string, timeZone: string | null): string {
  return timeZone ? `${country} (${timeZone})` : country;
}

function dateRange(start: string | null, end: string | null): string | null {
  return start && end ? `${start}..${end}` : null;
}
