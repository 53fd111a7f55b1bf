import { authenticated } from '../auth/authenticated';
import { DomainError, mutationPayload, queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import { calendarDateOf } from '../common/calendar';
import { warrantyStatusOn } from '../coverage/coverage-terms';
import type { Resolvers, SaleDocumentKind, RequestContext } from '../generated/graphql';
import type { SaleDocument } from './sale-document.entity';
import type { WarrantyRecord } from './warranty-record.entity';
import { deriveWarrantyStart } from './warranty-start';
import type { UpdateWarrantyCommand } from './records.service';
import { recordField, START_FACTS } from './record-fields';

/** Copies only the keys the client sent, turning GraphQL Dates into ISO strings: absent ≠ null in a PATCH. */
function updateCommand(input: Record<string, unknown>): UpdateWarrantyCommand {
  const command: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) command[key] = value instanceof Date ? isoDate(value) : value;
  return command as unknown as UpdateWarrantyCommand;
}

/** A changed record: drop what the request's loaders cached of it, so the payload shows what was written. */
async function fresh(context: RequestContext, change: Promise<WarrantyRecord>): Promise<WarrantyRecord> {
  const record = await change;
  authenticated(context).loaders.forget(record);
  return record;
}

export const recordResolvers: Resolvers = {
  Query: {
    warranty: (_, { serialNumber }, context) => authenticated(context).loaders.recordBySerialNumber.load(serialNumber),
    warranties: (_, { first, after, filter }, context) =>
      queryResult(() =>
        context.services.records.list(authenticated(context).actor, { ...filter, asOf: isoDate(filter?.asOf) }, { first, after }),
      ),
    warrantyHistory: async (_, { warrantyId, first, after }, context) => {
      const { actor, loaders } = authenticated(context);
      return queryResult(async () => {
        const record = await loaders.recordById.load(warrantyId);
        if (!record) throw new DomainError('NOT_FOUND', `no warranty with id ${warrantyId}`, ['warrantyId']);
        return context.services.audit.history(actor.orgId, record.id, { first, after });
      });
    },
  },

  Mutation: {
    recordSaleDocument: async (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      let written: SaleDocument | null = null;
      const payload = await mutationPayload('warranty', async () => {
        const { record, document } = await context.services.records.recordDocument(actor, {
          ...input,
          date: isoDate(input.date)!,
          warrantyActivationDate: isoDate(input.warrantyActivationDate),
        });
        loaders.forget(record);
        written = document;
        return record;
      });
      return { ...payload, document: written };
    },
    deleteSaleDocument: async (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      let deleted: SaleDocument | null = null;
      const payload = await mutationPayload('warranty', async () => {
        const { record, document } = await context.services.records.deleteDocument(actor, input);
        loaders.forget(record);
        deleted = document;
        return record;
      });
      return { ...payload, document: deleted };
    },
    registerWarranty: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('warranty', () =>
        context.services.records.register(actor, {
          ...input,
          productionDate: isoDate(input.productionDate),
          commissioningDate: isoDate(input.commissioningDate),
          brokerInvoiceDate: isoDate(input.brokerInvoiceDate),
          sale: input.sale
            ? { warrantyActivationDate: isoDate(input.sale.warrantyActivationDate), invoiceDate: isoDate(input.sale.invoiceDate) }
            : null,
        }),
      );
    },
    updateWarranty: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('warranty', () => fresh(context, context.services.records.update(actor, updateCommand(input))));
    },
    voidWarranty: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('warranty', () => fresh(context, context.services.records.void(actor, input)));
    },
    reinstateWarranty: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('warranty', () => fresh(context, context.services.records.reinstate(actor, input)));
    },
  },

  SaleDocument: {
    kind: (document) => document.kind as SaleDocumentKind,
    date: (document) => document.documentDate,
    deleted: (document) => document.deletedAt !== null,
  },
  WarrantyRecord: {
    saleDocuments: recordField([], async (record, { includeDeleted }, context) => {
      const documents = await authenticated(context).loaders.saleDocuments.load(record.id);
      return includeDeleted ? documents : documents.filter((d) => d.deletedAt === null);
    }),
    __resolveReference: (reference, context) => {
      const { loaders } = authenticated(context);
      if ('id' in reference && reference.id) return loaders.recordById.load(reference.id);
      if ('serialNumber' in reference && reference.serialNumber) {
        return loaders.recordBySerialNumber.load(reference.serialNumber);
      }
      return null;
    },
    product: recordField(['productId'], (record) => ({ id: record.productId })),
    customer: recordField([], (record) => (record.customerId ? { id: record.customerId } : null)),
    site: recordField(['siteCountry'], (record) => record),
    version: recordField(['rowVersion'], (record) => record.rowVersion),
    startFacts: recordField(START_FACTS, (record) => record),
    start: recordField([...START_FACTS, 'startStatus', 'startDate', 'startSource'], async (record, _, context) => {
      // The reason is worded from the facts; only the start itself is stored.
      const policy = await authenticated(context).loaders.policyById.load(record.policyId);
      return deriveWarrantyStart(record, { lateStartCapMonths: policy?.lateStartCapMonths ?? null });
    }),
    policy: recordField([], async (record, _, context) => {
      const policy = await authenticated(context).loaders.policyById.load(record.policyId);
      if (!policy) throw new Error(`policy ${record.policyId} of record ${record.id} is missing`);
      return policy;
    }),
    status: recordField(['startDate', 'expiresAt', 'voidedAt', 'replacedAt'], (record, { asOf }, context) =>
      warrantyStatusOn(
        {
          startDate: record.startDate,
          expiresAt: record.expiresAt,
          voidedOn: record.voidedAt ? calendarDateOf(record.voidedAt, record.siteTimeZone ?? 'UTC') : null,
          replacedOn: record.replacedAt ? calendarDateOf(record.replacedAt, record.siteTimeZone ?? 'UTC') : null,
        },
        isoDate(asOf) ?? calendarDateOf(context.services.now(), record.siteTimeZone ?? 'UTC'),
      )),
    replacedBy: recordField(['replacedByRecordId'], (record, _, context) => (record.replacedByRecordId ? authenticated(context).loaders.recordById.load(record.replacedByRecordId) : null)),
    replaces: recordField(['replacesRecordId'], (record, _, context) => (record.replacesRecordId ? authenticated(context).loaders.recordById.load(record.replacesRecordId) : null)),
    coverages: recordField([], (record, _, context) => authenticated(context).loaders.coveragesByRecordId.load(record.id)),
    history: recordField([], (record, { first, after }, context) =>
      queryResult(() => authenticated(context).loaders.history.load({ recordId: record.id, first, after }))),
  },

  Site: {
    countryCode: (record: WarrantyRecord) => record.siteCountry,
    timeZone: (record: WarrantyRecord) => record.siteTimeZone,
  },
};
