/** A unit's sale documents: recorded and deleted, the facts they say applied to the record with their events. */
import type { EntityManager } from 'typeorm';
import type { EventInput } from '../audit/audit.service';
import { assertRole, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { isUuid, newId } from '../common/ids';
import { requiredReason } from '../common/validation';
import type { IsoDate } from '../common/calendar';
import { writeRecord } from './record-expiry';
import { assertOneUnitKey, lockVisibleRecord, lockVisibleUnit } from './record-access';
import { SaleDocument } from './sale-document.entity';
import { CHAIN_FACT_FIELDS, documentConflict, documentsOfFacts, foldSaleDocuments, KINDS_WITH_ACTIVATION, type SaleDocumentFacts, type SaleDocumentKind } from './sale-documents';
import { WarrantyRecord } from './warranty-record.entity';
import { assertPlausibleFacts, changedColumns, EDITOR_ROLES, restart, show, todayAt, type RecordsDeps } from './record-changes';

/**
 * Records a document of the unit (rule 2). The first one carries the record's own facts into documents too, so
 * that nothing it was registered with is lost; from then on the unit's start facts are what its live documents
 * say, and the warranty start and the coverage dates follow, with their events. Refused, writing nothing: a date
 * in the future or before production, a warranty-activation date on a document that has none, a broker invoice
 * without the dealer-to-broker sale, and a dealer sale and an end-customer sale of the same unit.
 */
export async function recordDocument(
  deps: RecordsDeps,
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
  return deps.dataSource.transaction(async (manager) => {
    const record = await lockVisibleUnit(manager, actor, input);
    if (record.voidedAt) throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided; reinstate it before changing it`, ['input', 'warrantyId']);
    assertPlausibleFacts({ productionDate: record.productionDate, saleInvoiceDate: input.date, saleWarrantyActivationDate: activation }, todayAt(deps, record.siteTimeZone), {
      saleInvoiceDate: ['input', 'date'],
      saleWarrantyActivationDate: ['input', 'warrantyActivationDate'],
    });
    const documents = await documentsOf(deps, manager, record, actor);
    const conflict = documentConflict(input.kind, documents.map(factsOfDocument));
    if (conflict) throw new DomainError('BAD_USER_INPUT', conflict, ['input', 'kind']);
    const document = manager.create(SaleDocument, {
      id: newId(), orgId: record.orgId, warrantyRecordId: record.id, kind: input.kind, documentDate: input.date, warrantyActivationDate: activation, reference,
      carriedFromRecord: false, recordedById: actor.id, deletedAt: null, deletedById: null, deleteReason: null,
    });
    await manager.insert(SaleDocument, document);
    const detail = { documentId: document.id, kind: input.kind, date: input.date, warrantyActivationDate: activation, reference };
    await applyDocuments(deps, manager, actor, record, [...documents, document], { event: 'SALE_DOCUMENT_RECORDED', toValue: input.kind, detail });
    return { record, document };
  });
}

/** Deletes (softly) a document: it stays on file, no longer counts, and the facts, start and coverages follow. */
export async function deleteDocument(deps: RecordsDeps, actor: Actor, input: { id: string; reason: string }): Promise<{ record: WarrantyRecord; document: SaleDocument }> {
  assertRole(actor, EDITOR_ROLES, 'delete a sale document');
  const reason = requiredReason(input.reason);
  return deps.dataSource.transaction(async (manager) => {
    const found = isUuid(input.id) ? await manager.findOne(SaleDocument, { where: { id: input.id, orgId: actor.orgId } }) : null;
    if (!found) throw new DomainError('NOT_FOUND', `no sale document with id ${input.id}`, ['input', 'id']);
    const record = await lockVisibleRecord(manager, actor, found.warrantyRecordId, ['input', 'id']);
    if (record.voidedAt) throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided; reinstate it before changing it`, ['input', 'id']);
    const documents = await documentsOf(deps, manager, record, actor);
    const document = documents.find((d) => d.id === found.id)!;
    if (document.deletedAt) throw new DomainError('INVALID_TRANSITION', `the document was already deleted on ${document.deletedAt.toISOString()}`, ['input', 'id']);
    // A broker invoice stands on the dealer-to-broker sale: that sale goes only after the invoice.
    if (document.kind === 'DEALER_TO_BROKER' && documents.some((d) => d.kind === 'BROKER_INVOICE' && !d.deletedAt)) {
      throw new DomainError('BAD_USER_INPUT', 'the broker invoice follows this sale: delete the broker invoice first', ['input', 'id']);
    }
    Object.assign(document, { deletedAt: deps.clock(), deletedById: actor.id, deleteReason: reason });
    await manager.update(SaleDocument, { orgId: document.orgId, id: document.id }, { deletedAt: document.deletedAt, deletedById: actor.id, deleteReason: reason });
    const detail = { documentId: document.id, kind: document.kind, date: document.documentDate, reason };
    await applyDocuments(deps, manager, actor, record, documents, { event: 'SALE_DOCUMENT_DELETED', fromValue: document.kind, detail });
    return { record, document };
  });
}

/** The unit's documents, oldest first; the record's own facts carried into documents first if it has none yet. */
async function documentsOf(deps: RecordsDeps, manager: EntityManager, record: WarrantyRecord, actor: Actor): Promise<SaleDocument[]> {
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
async function applyDocuments(deps: RecordsDeps, manager: EntityManager, actor: Actor, record: WarrantyRecord, documents: SaleDocument[], change: Omit<EventInput, 'orgId' | 'warrantyRecordId' | 'actorId'>): Promise<void> {
  const before = { ...record };
  const base = { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id };
  const events: EventInput[] = [{ ...base, ...change }];
  const facts = foldSaleDocuments(documents.map(factsOfDocument));
  for (const field of CHAIN_FACT_FIELDS) {
    if (facts[field] === record[field]) continue;
    events.push({ ...base, event: 'START_FACT_CHANGED', fromValue: show(record[field]), toValue: show(facts[field]), detail: { field, documentId: change.detail?.documentId } });
    (record as unknown as Record<string, unknown>)[field] = facts[field];
  }
  if (events.length > 1) events.push(...(await restart(deps, manager, record, base)));
  const patch = changedColumns(before, record);
  if (Object.keys(patch).length > 0) await writeRecord(manager, record, patch);
  await deps.audit.append(manager, events);
}

function factsOfDocument(document: SaleDocument): SaleDocumentFacts {
  return { kind: document.kind as SaleDocumentKind, date: document.documentDate, warrantyActivationDate: document.warrantyActivationDate, deleted: document.deletedAt !== null };
}
