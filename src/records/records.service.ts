import type { DataSource, EntityManager } from 'typeorm';
import { In, type SelectQueryBuilder } from 'typeorm';
import { AuditService, type EventInput } from '../audit/audit.service';
import { assertRole, hasRole, isCustomerOnly, type Actor } from '../auth/actor';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError } from '../common/errors';
import { isUuid, newId } from '../common/ids';
import { isDateInRange, MAX_DATE } from '../common/input-guards';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { assertValid, requiredReason } from '../common/validation';
import { calendarDateOf, compareDates, type IsoDate } from '../common/calendar';
import type { Clock } from '../common/clock';
import { Coverage, WHOLE_UNIT } from '../coverage/coverage.entity';
import {
  CapacityRequiredError, coverageDates, latestCoverageEnd, standardCoverageTerms, type WarrantyStatus,
} from '../coverage/coverage-terms';
import { PoliciesService } from '../policies/policies.service';
import { regionForCountry } from '../policies/region';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import { ProductReference } from '../products/product-reference.entity';
import {
  normaliseSerialNumber, RegisterWarrantyDto, toSiteDto, UpdateWarrantyDto, VoidDto,
} from './record-inputs';
import { nextExpiry, refreshExpiry, writeRecord } from './record-expiry';
import { assertOneUnitKey, lockVisibleRecord, lockVisibleUnit, visibleRecordsWhere } from './record-access';
import { SaleDocument } from './sale-document.entity';
import {
  CHAIN_FACT_FIELDS, documentConflict, documentsOfFacts, foldSaleDocuments, KINDS_WITH_ACTIVATION, type SaleDocumentFacts, type SaleDocumentKind,
} from './sale-documents';
import { deriveWarrantyStart, type WarrantyStartFacts } from './warranty-start';
import { activationRecordAtRegistration, registrantRoleFor, type RegistrantRole } from './registration';
import { WarrantyRecord, type SupplyChainStage } from './warranty-record.entity';

export interface RegisterWarrantyCommand {
  serialNumber: string;
  sku: string;
  customerId?: string | null;
  site: { countryCode: string; timeZone?: string | null };
  registrantRole?: RegistrantRole | null;
  productionDate?: IsoDate | null;
  commissioningDate?: IsoDate | null;
  sale?: { warrantyActivationDate?: IsoDate | null; invoiceDate?: IsoDate | null } | null;
  supplyChainStage?: SupplyChainStage | null;
  brokerInvoiceDate?: IsoDate | null;
}

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

export interface WarrantyListFilter {
  customerId?: string | null;
  productId?: string | null;
  productFamily?: string | null;
  region?: string | null;
  tier?: string | null;
  startStatus?: string | null;
  status?: WarrantyStatus | null;
  /** The date `status` is judged on; default today (UTC). */
  asOf?: IsoDate | null;
  serialNumberPrefix?: string | null;
}

const REGISTRAR_ROLES = ['INSTALLER', 'CUSTOMER', 'AGENT', 'WARRANTY_ADMIN'] as const;
const EDITOR_ROLES = ['AGENT', 'WARRANTY_ADMIN'] as const;
const VOIDER_ROLES = ['WARRANTY_ADMIN', 'SERVICE'] as const;

/** Registration, update, void and reinstatement of warranty records; every change with its events, atomically. */
export class RecordsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: PoliciesService,
    private readonly audit: AuditService,
    private readonly clock: Clock = () => new Date(),
  ) {}

  private today(timeZone?: string | null): IsoDate {
    return calendarDateOf(this.clock(), timeZone ?? 'UTC');
  }

  // ---------------------------------------------------------------- registration

  async register(actor: Actor, command: RegisterWarrantyCommand): Promise<WarrantyRecord> {
    assertRole(actor, REGISTRAR_ROLES, 'register a warranty');
    // Serials and SKUs are judged as they will be stored: " SN-1 " is the serial SN-1, as it is for lookups.
    const serialNumber = normaliseSerialNumber(command.serialNumber);
    command = { ...command, serialNumber, sku: command.sku.trim() };
    await assertValid(Object.assign(new RegisterWarrantyDto(), command, { site: toSiteDto(command.site) }));

    const caller = { customerOnly: isCustomerOnly(actor), installer: hasRole(actor, 'INSTALLER') };
    const registrantRole = registrantRoleFor(caller, command.registrantRole);
    const customerId = caller.customerOnly ? actor.customerId : (command.customerId ?? null);
    const countryCode = command.site.countryCode.toUpperCase();
    const timeZone = command.site.timeZone ?? null;
    const today = this.today(timeZone);
    const facts: WarrantyStartFacts = {
      productionDate: command.productionDate ?? null,
      activationRecordDate: activationRecordAtRegistration(caller, registrantRole, command.commissioningDate, today),
      saleWarrantyActivationDate: command.sale?.warrantyActivationDate ?? null,
      saleInvoiceDate: command.sale?.invoiceDate ?? null,
      supplyChainStage: command.supplyChainStage ?? null,
      brokerInvoiceDate: command.brokerInvoiceDate ?? null,
    };
    assertPlausibleFacts(facts, today, {
      productionDate: ['input', 'productionDate'],
      activationRecordDate: ['input', 'commissioningDate'],
      saleWarrantyActivationDate: ['input', 'sale', 'warrantyActivationDate'],
      saleInvoiceDate: ['input', 'sale', 'invoiceDate'],
      brokerInvoiceDate: ['input', 'brokerInvoiceDate'],
    });

    try {
      return await this.dataSource.transaction(async (manager) => {
        const product = await manager.findOneBy(ProductReference, { orgId: actor.orgId, sku: command.sku });
        if (!product) {
          throw new DomainError('BAD_USER_INPUT', `unknown SKU "${command.sku}": no product reference for it`, ['input', 'sku']);
        }
        const region = regionForCountry(countryCode);
        if (!region) {
          throw new DomainError('NO_POLICY', `no warranty region covers country ${countryCode}`, ['input', 'site', 'countryCode']);
        }
        const policy = await this.policies.policyFor(manager, actor.orgId, product.productFamily, region, today);
        if (!policy) {
          throw new DomainError(
            'NO_POLICY',
            `no ${product.productFamily} policy for region ${region} (nor an EU one) is in force on ${today}`,
            ['input', 'sku'],
          );
        }
        if (await manager.existsBy(WarrantyRecord, { orgId: actor.orgId, serialNumber })) {
          throw duplicateSerial(serialNumber);
        }
        const start = deriveWarrantyStart(facts, policy);
        let terms;
        try {
          terms = standardCoverageTerms(policy, start.date, product.capacityKwh);
        } catch (error) {
          if (error instanceof CapacityRequiredError) throw new DomainError('BAD_USER_INPUT', error.message, ['input', 'sku']);
          throw error;
        }

        const record = manager.create(WarrantyRecord, {
          id: newId(),
          orgId: actor.orgId,
          serialNumber,
          productId: product.productId,
          sku: product.sku,
          productFamily: product.productFamily,
          capacityKwh: product.capacityKwh,
          customerId,
          installerId: registrantRole === 'INSTALLER' && caller.installer ? actor.id : null,
          registrantRole,
          registeredById: actor.id,
          registeredAt: this.clock(),
          siteCountry: countryCode,
          siteTimeZone: timeZone,
          region,
          policyId: policy.id,
          productionDate: facts.productionDate ?? null,
          activationRecordDate: facts.activationRecordDate ?? null,
          saleWarrantyActivationDate: facts.saleWarrantyActivationDate ?? null,
          saleInvoiceDate: facts.saleInvoiceDate ?? null,
          supplyChainStage: facts.supplyChainStage ?? null,
          brokerInvoiceDate: facts.brokerInvoiceDate ?? null,
          warrantyDateShift: null,
          startStatus: start.status,
          startDate: start.date,
          startSource: start.source,
          tier: 'STANDARD',
          expiresAt: latestCoverageEnd(terms.map((t) => ({ endDate: t.endDate, voided: false }))),
          voidedAt: null,
          voidReason: null,
        });
        await manager.insert(WarrantyRecord, record);
        const coverages = terms.map((t) =>
          manager.create(Coverage, { id: newId(), orgId: actor.orgId, warrantyRecordId: record.id, kind: 'STANDARD', policyId: policy.id, voidedAt: null, voidReason: null, ...t }),
        );
        await manager.insert(Coverage, coverages);

        const base = { orgId: actor.orgId, warrantyRecordId: record.id, actorId: actor.id };
        await this.audit.append(manager, [
          {
            ...base,
            event: 'WARRANTY_REGISTERED',
            toValue: serialNumber,
            detail: {
              sku: product.sku,
              productFamily: product.productFamily,
              region,
              policyId: policy.id,
              policyVersion: policy.version,
              registrantRole,
              start: { status: start.status, date: start.date, source: start.source, reason: start.reason },
            },
          },
          ...coverages.map((c) => ({
            ...base,
            event: 'COVERAGE_ADDED',
            coverageId: c.id,
            toValue: `${c.kind} ${c.scope}`,
            detail: { kind: c.kind, scope: c.scope, startDate: c.startDate, endDate: c.endDate, labourEndDate: c.labourEndDate },
          })),
        ]);
        return record;
      });
    } catch (error) {
      if (isUniqueViolation(error, 'uq_record_serial')) throw duplicateSerial(serialNumber);
      throw error;
    }
  }

  // ---------------------------------------------------------------- update

  async update(actor: Actor, command: UpdateWarrantyCommand): Promise<WarrantyRecord> {
    assertRole(actor, EDITOR_ROLES, 'update a warranty');
    if ('warrantyDateShift' in command && !hasRole(actor, 'WARRANTY_ADMIN')) {
      throw new DomainError('FORBIDDEN', 'only a WARRANTY_ADMIN may shift the warranty date', ['input', 'warrantyDateShift']);
    }
    await assertValid(
      Object.assign(new UpdateWarrantyDto(), command, { site: command.site ? toSiteDto(command.site) : command.site }),
    );
    if (command.site === null) throw new DomainError('BAD_USER_INPUT', 'site cannot be cleared', ['input', 'site']);

    return this.dataSource.transaction(async (manager) => {
      const record = await lockVisibleRecord(manager, actor, command.id);
      if (record.voidedAt) {
        throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided; reinstate it before changing it`, ['input', 'id']);
      }
      const before = { ...record };
      const today = this.today(record.siteTimeZone);
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
        events.push(...(await this.restart(manager, record, base)));
      }

      if (events.length > 0) {
        await writeRecord(manager, record, changedColumns(before, record));
        await this.audit.append(manager, events);
      }
      return record;
    });
  }

  // ---------------------------------------------------------------- sale documents

  /**
   * Records a document of the unit (rule 2). The first one carries the record's own facts into documents too, so
   * that nothing it was registered with is lost; from then on the unit's start facts are what its live documents
   * say, and the warranty start and the coverage dates follow, with their events. Refused, writing nothing: a date
   * in the future or before production, a warranty-activation date on a document that has none, a broker invoice
   * without the dealer-to-broker sale, and a dealer sale and an end-customer sale of the same unit.
   */
  async recordDocument(
    actor: Actor,
    input: { warrantyId?: string | null; serialNumber?: string | null; kind: SaleDocumentKind; date: IsoDate; warrantyActivationDate?: IsoDate | null; reference?: string | null },
  ): Promise<{ record: WarrantyRecord; document: SaleDocument }> {
    assertRole(actor, EDITOR_ROLES, 'record a sale document');
    assertOneUnitKey(input);
    const activation = input.warrantyActivationDate ?? null;
    if (activation && !KINDS_WITH_ACTIVATION.has(input.kind)) {
      throw new DomainError('BAD_USER_INPUT', `a ${input.kind} document has no warranty-activation date (only END_CUSTOMER_SALE and DEALER_TO_BROKER do)`, ['input', 'warrantyActivationDate']);
    }
    const reference = input.reference?.trim() || null;
    if (reference && (reference.length > 200 || /[\u0000-\u001f]/.test(reference))) {
      throw new DomainError('BAD_USER_INPUT', 'a reference is at most 200 characters, without control characters', ['input', 'reference']);
    }
    return this.dataSource.transaction(async (manager) => {
      const record = await lockVisibleUnit(manager, actor, input);
      if (record.voidedAt) throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided; reinstate it before changing it`, ['input', 'warrantyId']);
      assertPlausibleFacts({ productionDate: record.productionDate, saleInvoiceDate: input.date, saleWarrantyActivationDate: activation }, this.today(record.siteTimeZone), {
        saleInvoiceDate: ['input', 'date'],
        saleWarrantyActivationDate: ['input', 'warrantyActivationDate'],
      });
      const documents = await this.documentsOf(manager, record, actor);
      const conflict = documentConflict(input.kind, documents.map(factsOfDocument));
      if (conflict) throw new DomainError('BAD_USER_INPUT', conflict, ['input', 'kind']);
      const document = manager.create(SaleDocument, {
        id: newId(), orgId: record.orgId, warrantyRecordId: record.id, kind: input.kind, documentDate: input.date, warrantyActivationDate: activation, reference,
        carriedFromRecord: false, recordedById: actor.id, deletedAt: null, deletedById: null, deleteReason: null,
      });
      await manager.insert(SaleDocument, document);
      const detail = { documentId: document.id, kind: input.kind, date: input.date, warrantyActivationDate: activation, reference };
      await this.applyDocuments(manager, actor, record, [...documents, document], { event: 'SALE_DOCUMENT_RECORDED', toValue: input.kind, detail });
      return { record, document };
    });
  }

  /** Deletes (softly) a document: it stays on file, no longer counts, and the facts, start and coverages follow. */
  async deleteDocument(actor: Actor, input: { id: string; reason: string }): Promise<{ record: WarrantyRecord; document: SaleDocument }> {
    assertRole(actor, EDITOR_ROLES, 'delete a sale document');
    const reason = requiredReason(input.reason);
    return this.dataSource.transaction(async (manager) => {
      const found = isUuid(input.id) ? await manager.findOne(SaleDocument, { where: { id: input.id, orgId: actor.orgId } }) : null;
      if (!found) throw new DomainError('NOT_FOUND', `no sale document with id ${input.id}`, ['input', 'id']);
      const record = await lockVisibleRecord(manager, actor, found.warrantyRecordId, ['input', 'id']);
      if (record.voidedAt) throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided; reinstate it before changing it`, ['input', 'id']);
      const documents = await this.documentsOf(manager, record, actor);
      const document = documents.find((d) => d.id === found.id)!;
      if (document.deletedAt) throw new DomainError('INVALID_TRANSITION', `the document was already deleted on ${document.deletedAt.toISOString()}`, ['input', 'id']);
      // A broker invoice stands on the dealer-to-broker sale: that sale goes only after the invoice.
      if (document.kind === 'DEALER_TO_BROKER' && documents.some((d) => d.kind === 'BROKER_INVOICE' && !d.deletedAt)) {
        throw new DomainError('BAD_USER_INPUT', 'the broker invoice follows this sale: delete the broker invoice first', ['input', 'id']);
      }
      Object.assign(document, { deletedAt: this.clock(), deletedById: actor.id, deleteReason: reason });
      await manager.update(SaleDocument, { id: document.id }, { deletedAt: document.deletedAt, deletedById: actor.id, deleteReason: reason });
      const detail = { documentId: document.id, kind: document.kind, date: document.documentDate, reason };
      await this.applyDocuments(manager, actor, record, documents, { event: 'SALE_DOCUMENT_DELETED', fromValue: document.kind, detail });
      return { record, document };
    });
  }

  /** The unit's documents, oldest first; the record's own facts carried into documents first if it has none yet. */
  private async documentsOf(manager: EntityManager, record: WarrantyRecord, actor: Actor): Promise<SaleDocument[]> {
    const documents = await manager.find(SaleDocument, { where: { orgId: record.orgId, warrantyRecordId: record.id }, order: { recordedAt: 'ASC', id: 'ASC' } });
    if (documents.length > 0) return documents;
    const carried = documentsOfFacts(record).map((facts) =>
      manager.create(SaleDocument, {
        id: newId(), orgId: record.orgId, warrantyRecordId: record.id, kind: facts.kind, documentDate: facts.date, warrantyActivationDate: facts.warrantyActivationDate,
        reference: null, carriedFromRecord: true, recordedById: actor.id, deletedAt: null, deletedById: null, deleteReason: null,
      }),
    );
    if (carried.length > 0) await manager.insert(SaleDocument, carried);
    return carried;
  }

  /** The facts the documents say, written with their events; the start and the coverages re-derived when they moved. */
  private async applyDocuments(manager: EntityManager, actor: Actor, record: WarrantyRecord, documents: SaleDocument[], change: Omit<EventInput, 'orgId' | 'warrantyRecordId' | 'actorId'>): Promise<void> {
    const before = { ...record };
    const base = { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id };
    const events: EventInput[] = [{ ...base, ...change }];
    const facts = foldSaleDocuments(documents.map(factsOfDocument));
    for (const field of CHAIN_FACT_FIELDS) {
      if (facts[field] === record[field]) continue;
      events.push({ ...base, event: 'START_FACT_CHANGED', fromValue: show(record[field]), toValue: show(facts[field]), detail: { field, documentId: change.detail?.documentId } });
      (record as unknown as Record<string, unknown>)[field] = facts[field];
    }
    if (events.length > 1) events.push(...(await this.restart(manager, record, base)));
    const patch = changedColumns(before, record);
    if (Object.keys(patch).length > 0) await writeRecord(manager, record, patch);
    await this.audit.append(manager, events);
  }

  /** Re-derives the start (rule 2) after a fact changed and moves every STANDARD coverage with it (rule 3). */
  private async restart(manager: EntityManager, record: WarrantyRecord, base: Omit<EventInput, 'event'>): Promise<EventInput[]> {
    const policy = await manager.findOneByOrFail(WarrantyPolicy, { id: record.policyId });
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
    const coverages = await manager.find(Coverage, { where: { warrantyRecordId: record.id }, lock: { mode: 'pessimistic_write' } });
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
      await manager.update(Coverage, { id: coverage.id }, dates);
    }
    events.push(...(await nextExpiry(manager, record, base.actorId)));
    return events;
  }

  // ---------------------------------------------------------------- void and reinstate

  async void(actor: Actor, input: { id: string; component?: string | null; reason: string }): Promise<WarrantyRecord> {
    assertRole(actor, VOIDER_ROLES, 'void a warranty');
    await assertValid(Object.assign(new VoidDto(), input));
    return this.changeVoidState(actor, input, 'void');
  }

  async reinstate(actor: Actor, input: { id: string; component?: string | null; reason: string }): Promise<WarrantyRecord> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'reinstate a warranty');
    await assertValid(Object.assign(new VoidDto(), input));
    return this.changeVoidState(actor, input, 'reinstate');
  }

  private async changeVoidState(
    actor: Actor,
    input: { id: string; component?: string | null; reason: string },
    action: 'void' | 'reinstate',
  ): Promise<WarrantyRecord> {
    const reason = input.reason.trim();
    return this.dataSource.transaction(async (manager) => {
      const record = await lockVisibleRecord(manager, actor, input.id);
      const base = { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id };
      const now = this.clock();
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
        await this.audit.append(manager, [
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
        where: { warrantyRecordId: record.id, scope: component },
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
        await manager.update(Coverage, { id: coverage.id }, { voidedAt: coverage.voidedAt, voidReason: coverage.voidReason });
      }
      events.push(...(await refreshExpiry(manager, record, actor.id)));
      await this.audit.append(manager, events);
      return record;
    });
  }

  // ---------------------------------------------------------------- reads

  async list(
    actor: Actor,
    filter: WarrantyListFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<WarrantyRecord>> {
    const size = pageSize(args.first, 20);
    const after = decodeCursor(args.after, ['timestamp', 'uuid']);
    const query = this.filteredRecords(actor, filter);
    const totalCount = await query.clone().getCount();
    if (after) {
      query.andWhere('(r.registered_at, r.id) < (:afterAt, :afterId)', { afterAt: after[0], afterId: after[1] });
    }
    const rows = await query.orderBy('r.registered_at', 'DESC').addOrderBy('r.id', 'DESC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, recordCursor, after !== null);
  }

  /**
   * One page of many customers' units in two SQL statements, however many customers and whatever cursor each
   * one is at: a window query counts each customer's units and numbers those after that customer's cursor, then
   * one query loads the rows of every page.
   */
  async pagesByCustomer(
    actor: Actor,
    requests: ReadonlyArray<{ customerId: string; after: string | null | undefined }>,
    filter: Omit<WarrantyListFilter, 'customerId'>,
    first: number | null | undefined,
  ): Promise<Map<string, Connection<WarrantyRecord>>> {
    const size = pageSize(first, 20);
    const cursors = requests.flatMap(({ customerId, after }) => {
      const position = decodeCursor(after, ['timestamp', 'uuid']);
      return position ? [{ customer_id: customerId, after_at: position[0], after_id: position[1] }] : [];
    });
    const numbered = this.filteredRecords(actor, filter)
      .andWhere('r.customer_id IN (:...customerIds)', { customerIds: [...new Set(requests.map((r) => r.customerId))] })
      .select('r.id', 'id')
      .addSelect('r.customer_id', 'customerId')
      .addSelect('r.registered_at', 'registeredAt')
      .addSelect('count(*) OVER (PARTITION BY r.customer_id)', 'total');
    const [sql, parameters] = numbered.getQueryAndParameters();
    // The count covers all of a customer's units and the numbering only those after the customer's cursor; one
    // row per customer is always kept (any_row = 1) so that a page past the last unit still knows the count.
    const ranked: Array<{ id: string; customerId: string; total: string; position: string; after_ok: boolean }> = await this.dataSource.query(
      `SELECT * FROM (
         SELECT c.id, c."customerId", c.total, x.after_ok,
                row_number() OVER (PARTITION BY c."customerId", x.after_ok ORDER BY c."registeredAt" DESC, c.id DESC) AS position,
                row_number() OVER (PARTITION BY c."customerId") AS any_row
           FROM (${sql}) c
           LEFT JOIN jsonb_to_recordset($${parameters.length + 1}::jsonb) AS k(customer_id text, after_at timestamptz, after_id uuid)
             ON k.customer_id = c."customerId"
          CROSS JOIN LATERAL (SELECT k.customer_id IS NULL OR (c."registeredAt", c.id) < (k.after_at, k.after_id) AS after_ok) x
       ) numbered WHERE (numbered.after_ok AND numbered.position <= ${size + 1}) OR numbered.any_row = 1`,
      [...parameters, JSON.stringify(cursors)],
    );
    const onPage = ranked.filter((r) => r.after_ok && Number(r.position) <= size + 1);
    const rows = onPage.length
      ? await this.dataSource.getRepository(WarrantyRecord).find({ where: { orgId: actor.orgId, id: In(onPage.map((r) => r.id)) } })
      : [];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const pages = new Map<string, Connection<WarrantyRecord>>();
    for (const { customerId, after } of requests) {
      const mine = onPage.filter((r) => r.customerId === customerId).sort((a, b) => Number(a.position) - Number(b.position));
      const records = mine.map((r) => byId.get(r.id)).filter((r): r is WarrantyRecord => r !== undefined);
      const total = Number(ranked.find((r) => r.customerId === customerId)?.total ?? 0);
      pages.set(customerId, toConnection(records, size, total, recordCursor, Boolean(after)));
    }
    return pages;
  }

  /** The records a caller may see, narrowed by a filter; the one place list queries are built. */
  private filteredRecords(actor: Actor, filter: WarrantyListFilter): SelectQueryBuilder<WarrantyRecord> {
    const scope = visibleRecordsWhere(actor);
    const query = this.dataSource.getRepository(WarrantyRecord).createQueryBuilder('r').where('r.org_id = :orgId', { orgId: actor.orgId });
    if (scope.customerId !== undefined) query.andWhere('r.customer_id = :ownCustomer', { ownCustomer: scope.customerId });
    if (filter.customerId) query.andWhere('r.customer_id = :customerId', { customerId: filter.customerId });
    if (filter.productId) query.andWhere('r.product_id = :productId', { productId: filter.productId });
    if (filter.productFamily) query.andWhere('r.product_family = :family', { family: filter.productFamily });
    if (filter.region) query.andWhere('r.region = :region', { region: filter.region });
    if (filter.tier) query.andWhere('r.tier = :tier', { tier: filter.tier });
    if (filter.startStatus) query.andWhere('r.start_status = :startStatus', { startStatus: filter.startStatus });
    if (filter.serialNumberPrefix) {
      query.andWhere("r.serial_number LIKE :prefix ESCAPE '\\'", { prefix: `${escapeLike(normaliseSerialNumber(filter.serialNumberPrefix))}%` });
    }
    if (filter.status) {
      // A replacement is decided like a void: by its flag, the day taken in UTC (see README, "Noticed").
      const replaced = "(r.replaced_at IS NOT NULL AND (r.replaced_at AT TIME ZONE 'UTC')::date <= :statusDate)";
      const conditions: Record<WarrantyStatus, string> = {
        VOIDED: 'r.voided_at IS NOT NULL',
        REPLACED: `r.voided_at IS NULL AND ${replaced}`,
        NOT_STARTED: `r.voided_at IS NULL AND NOT ${replaced} AND (r.start_date IS NULL OR r.start_date > :statusDate)`,
        EXPIRED: `r.voided_at IS NULL AND NOT ${replaced} AND r.start_date <= :statusDate AND (r.expires_at IS NULL OR r.expires_at < :statusDate)`,
        ACTIVE: `r.voided_at IS NULL AND NOT ${replaced} AND r.start_date <= :statusDate AND r.expires_at >= :statusDate`,
      };
      query.andWhere(conditions[filter.status], { statusDate: filter.asOf ?? this.today() });
    }
    return query;
  }
}

const recordCursor = (r: WarrantyRecord) => [r.registeredAt.toISOString(), r.id];

// ------------------------------------------------------------------ helpers

function duplicateSerial(serialNumber: string): DomainError {
  return new DomainError('DUPLICATE_SERIAL', `serial number ${serialNumber} is already registered`, ['input', 'serialNumber']);
}


/**
 * Facts are about the past: none may lie after today, and no sale, invoice or activation before the unit was
 * produced. (An operator's date shift is exempt: it may deliberately move the start.)
 */
function assertPlausibleFacts(
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

function changedColumns(before: WarrantyRecord, after: WarrantyRecord): Partial<WarrantyRecord> {
  const patch: Record<string, unknown> = {};
  for (const column of UPDATABLE_COLUMNS) if (before[column] !== after[column]) patch[column] = after[column];
  return patch as Partial<WarrantyRecord>;
}

function factsOfDocument(document: SaleDocument): SaleDocumentFacts {
  return { kind: document.kind as SaleDocumentKind, date: document.documentDate, warrantyActivationDate: document.warrantyActivationDate, deleted: document.deletedAt !== null };
}

function show(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function siteText(country: string, timeZone: string | null): string {
  return timeZone ? `${country} (${timeZone})` : country;
}

function dateRange(start: string | null, end: string | null): string | null {
  return start && end ? `${start}..${end}` : null;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}
