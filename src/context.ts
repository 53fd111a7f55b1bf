import type { Actor } from './auth/actor';
import { createHistoryLoader } from './audit/history-loader';
import { createCampaignLoaders, type CampaignLoaders } from './campaigns/campaign-loaders';
import { createClaimLoaders, type ClaimLoaders } from './claims/claim-loaders';
import { createCoverageLoaders, type CoverageLoaders } from './coverage/coverage-loaders';
import { createLabourLoaders, type LabourLoaders } from './labour/labour-loaders';
import { createCalendarLoaders, type CalendarLoaders } from './calendars/calendar-loaders';
import { createPolicyLoaders, type PolicyLoaders } from './policies/policy-loaders';
import { createProductLoaders, type ProductLoaders } from './products/product-loaders';
import { createCustomerWarrantiesLoader, createRecordLoaders, type RecordLoaders } from './records/record-loaders';
import { createTelemetryLoader } from './telemetry/telemetry-loaders';
import { createPartReturnLoader } from './returns/returns-loaders';
import { createRecoveryLoaders, type RecoveryLoaders } from './recovery/recovery-loaders';
import { createServiceItemLoaders, type ServiceItemLoaders } from './service-items/service-item-loaders';
import { createSaleDocumentLoader } from './records/sale-document-loader';
import { createRegisteredUnitsLoader } from './records/registered-units-loader';
import type { RecordSelection, RecordSelectionHolder } from './records/record-selection';
import type { WarrantyRecord } from './records/warranty-record.entity';
import type { Services } from './services';

/**
 * The request's DataLoaders, each group built on first use: most requests touch one or two groups (a page of
 * `_entities` only the record loaders), and building all of them for every request was measurable on the hot
 * read paths.
 */
function createLoaders(services: Services, actor: Actor, selection: RecordSelection) {
  let records: RecordLoaders | undefined;
  let coverages: CoverageLoaders | undefined;
  let policies: PolicyLoaders | undefined;
  let products: ProductLoaders | undefined;
  let labour: LabourLoaders | undefined;
  let calendarGroup: CalendarLoaders | undefined;
  const calendarLoaders = () => (calendarGroup ??= createCalendarLoaders(services.dataSource, actor));
  let customerWarranties: ReturnType<typeof createCustomerWarrantiesLoader> | undefined;
  let history: ReturnType<typeof createHistoryLoader> | undefined;
  let claims: ClaimLoaders | undefined;
  let telemetry: ReturnType<typeof createTelemetryLoader> | undefined;
  let serviceItems: ServiceItemLoaders | undefined;
  let saleDocuments: ReturnType<typeof createSaleDocumentLoader> | undefined;
  let registeredUnits: ReturnType<typeof createRegisteredUnitsLoader> | undefined;
  let partReturns: ReturnType<typeof createPartReturnLoader> | undefined;
  let campaigns: CampaignLoaders | undefined;
  let recovery: RecoveryLoaders | undefined;
  const claimLoaders = () => (claims ??= createClaimLoaders(services.dataSource, actor));
  const recordLoaders = () => (records ??= createRecordLoaders(services.dataSource, services.reader, actor, selection));
  const coverageLoaders = () => (coverages ??= createCoverageLoaders(services.dataSource, services.reader, actor, selection));
  const policyLoaders = () => (policies ??= createPolicyLoaders(services.dataSource, services.reader, actor));
  const productLoaders = () => (products ??= createProductLoaders(services.dataSource, actor));
  return {
    get recordById() {
      return recordLoaders().recordById;
    },
    get recordBySerialNumber() {
      return recordLoaders().recordBySerialNumber;
    },
    get recordRows() {
      return recordLoaders().recordRows;
    },
    get coveragesByRecordId() {
      return coverageLoaders().coveragesByRecordId;
    },
    get checkBundleBySerialNumber() {
      return coverageLoaders().checkBundleBySerialNumber;
    },
    /** Mutations call this so the payload reads what was just written, not what was cached before. */
    forget(record: WarrantyRecord): void {
      records?.forgetRecord(record);
      coverages?.forgetCoverages(record);
    },
    get policyById() {
      return policyLoaders().policyById;
    },
    get policiesByFamily() {
      return policyLoaders().policiesByFamily;
    },
    /** The labour operation versions claim lines were priced under (rule 17). */
    get labourOperationById() {
      return (labour ??= createLabourLoaders(services.dataSource, actor)).operationById;
    },
    /** Service calendar versions (rule 9): what a claim keeps, their closing days, and both as the SLA maths reads them. */
    get calendarById() {
      return calendarLoaders().calendarById;
    },
    get closingDaysByCalendarId() {
      return calendarLoaders().closingDaysByCalendarId;
    },
    get calendarSpecById() {
      return calendarLoaders().calendarSpecById;
    },
    get referenceByProductId() {
      return productLoaders().referenceByProductId;
    },
    get registeredUnitsByProductId() {
      return (registeredUnits ??= createRegisteredUnitsLoader(services.dataSource, actor));
    },
    get customerWarranties() {
      return (customerWarranties ??= createCustomerWarrantiesLoader(services.records, actor));
    },
    get history() {
      return (history ??= createHistoryLoader(services.dataSource, actor));
    },
    get claimById() {
      return claimLoaders().claimById;
    },
    get claimLines() {
      return claimLoaders().linesByClaimId;
    },
    get claimsByRecord() {
      return claimLoaders().claimsByRecord;
    },
    get latestReadings() {
      return claimLoaders().latestReadingsByRecordId;
    },
    get claimsByCase() {
      return claimLoaders().claimsByCaseId;
    },
    get claimMessages() {
      return claimLoaders().messagesByClaimId;
    },
    get telemetry() {
      return (telemetry ??= createTelemetryLoader(services.dataSource, actor));
    },
    /** A unit's sale documents, by record. */
    get saleDocuments() {
      return (saleDocuments ??= createSaleDocumentLoader(services.dataSource, actor));
    },
    /** Free service: plans by unit, live item claims and odometers by record. */
    get serviceItems() {
      return (serviceItems ??= createServiceItemLoaders(services.dataSource, actor));
    },
    /** A claim line's part return, by line id. */
    get partReturns() {
      return (partReturns ??= createPartReturnLoader(services.dataSource, actor));
    },
    /** Campaigns (rule 19): by id, a record's campaigns, a serial's open campaigns, a product's campaigns. */
    get campaigns() {
      return (campaigns ??= createCampaignLoaders(services.dataSource, actor, services.now));
    },
    /** Suppliers and recovery lines (rule 20). */
    get recovery() {
      return (recovery ??= createRecoveryLoaders(services.dataSource, actor));
    },
    /** Service calendars built for this request, by calendar version, site and year. */
    get calendars() {
      return claimLoaders().calendars;
    },
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** Everything one GraphQL request carries: who asks, the services, and that request's own DataLoaders. */
export interface RequestContext extends RecordSelectionHolder {
  requestId: string;
  actor: Actor | null;
  /** Why the bearer token was refused, when one was sent and was bad. */
  authError: string | null;
  services: Services;
  loaders?: Loaders;
  /** Aborted at the request's deadline or when the client has gone: resolvers stop doing work then. */
  signal?: AbortSignal;
}

export function createRequestContext(
  services: Services,
  requestId: string,
  actor: Actor | null,
  authError: string | null,
  signal?: AbortSignal,
): RequestContext {
  // The loaders read the record columns the operation needs, which the selection plugin sets after validation,
  // before any resolver runs.
  const recordSelection: RecordSelection = {};
  const loaders = actor ? createLoaders(services, actor, recordSelection) : undefined;
  return { requestId, actor, authError, services, loaders, signal, recordSelection };
}
