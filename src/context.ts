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
class RequestLoaders {
  #records: RecordLoaders | undefined;
  #coverages: CoverageLoaders | undefined;
  #policies: PolicyLoaders | undefined;
  #products: ProductLoaders | undefined;
  #labour: LabourLoaders | undefined;
  #calendarGroup: CalendarLoaders | undefined;
  #customerWarranties: ReturnType<typeof createCustomerWarrantiesLoader> | undefined;
  #history: ReturnType<typeof createHistoryLoader> | undefined;
  #claims: ClaimLoaders | undefined;
  #telemetry: ReturnType<typeof createTelemetryLoader> | undefined;
  #serviceItems: ServiceItemLoaders | undefined;
  #saleDocuments: ReturnType<typeof createSaleDocumentLoader> | undefined;
  #registeredUnits: ReturnType<typeof createRegisteredUnitsLoader> | undefined;
  #partReturns: ReturnType<typeof createPartReturnLoader> | undefined;
  #campaigns: CampaignLoaders | undefined;
  #recovery: RecoveryLoaders | undefined;

  constructor(
    private readonly services: Services,
    private readonly actor: Actor,
    private readonly selection: RecordSelection,
  ) {}

  private calendarLoaders() {
    return (this.#calendarGroup ??= createCalendarLoaders(this.services.dataSource, this.actor));
  }
  private claimLoaders() {
    return (this.#claims ??= createClaimLoaders(this.services.dataSource, this.actor));
  }
  private recordLoaders() {
    return (this.#records ??= createRecordLoaders(this.services.dataSource, this.services.reader, this.actor, this.selection));
  }
  private coverageLoaders() {
    return (this.#coverages ??= createCoverageLoaders(this.services.dataSource, this.services.reader, this.actor, this.selection));
  }
  private policyLoaders() {
    return (this.#policies ??= createPolicyLoaders(this.services.dataSource, this.services.reader, this.actor));
  }
  private productLoaders() {
    return (this.#products ??= createProductLoaders(this.services.dataSource, this.actor));
  }

  get recordById() {
    return this.recordLoaders().recordById;
  }
  get recordBySerialNumber() {
    return this.recordLoaders().recordBySerialNumber;
  }
  get recordRows() {
    return this.recordLoaders().recordRows;
  }
  get coveragesByRecordId() {
    return this.coverageLoaders().coveragesByRecordId;
  }
  get checkBundleBySerialNumber() {
    return this.coverageLoaders().checkBundleBySerialNumber;
  }
  /** Mutations call this so the payload reads what was just written, not what was cached before. */
  forget(record: WarrantyRecord): void {
    this.#records?.forgetRecord(record);
    this.#coverages?.forgetCoverages(record);
  }
  get policyById() {
    return this.policyLoaders().policyById;
  }
  get policiesByFamily() {
    return this.policyLoaders().policiesByFamily;
  }
  /** The labour operation versions claim lines were priced under (rule 17). */
  get labourOperationById() {
    return (this.#labour ??= createLabourLoaders(this.services.dataSource, this.actor)).operationById;
  }
  /** Service calendar versions (rule 9): what a claim keeps, their closing days, and both as the SLA maths reads them. */
  get calendarById() {
    return this.calendarLoaders().calendarById;
  }
  get closingDaysByCalendarId() {
    return this.calendarLoaders().closingDaysByCalendarId;
  }
  get calendarSpecById() {
    return this.calendarLoaders().calendarSpecById;
  }
  get referenceByProductId() {
    return this.productLoaders().referenceByProductId;
  }
  get registeredUnitsByProductId() {
    return (this.#registeredUnits ??= createRegisteredUnitsLoader(this.services.dataSource, this.actor));
  }
  get customerWarranties() {
    return (this.#customerWarranties ??= createCustomerWarrantiesLoader(this.services.records, this.actor));
  }
  get history() {
    return (this.#history ??= createHistoryLoader(this.services.dataSource, this.actor));
  }
  get claimById() {
    return this.claimLoaders().claimById;
  }
  get claimLines() {
    return this.claimLoaders().linesByClaimId;
  }
  get claimsByRecord() {
    return this.claimLoaders().claimsByRecord;
  }
  get latestReadings() {
    return this.claimLoaders().latestReadingsByRecordId;
  }
  get claimsByCase() {
    return this.claimLoaders().claimsByCaseId;
  }
  get claimMessages() {
    return this.claimLoaders().messagesByClaimId;
  }
  get telemetry() {
    return (this.#telemetry ??= createTelemetryLoader(this.services.dataSource, this.actor));
  }
  /** A unit's sale documents, by record. */
  get saleDocuments() {
    return (this.#saleDocuments ??= createSaleDocumentLoader(this.services.dataSource, this.actor));
  }
  /** Free service: plans by unit, live item claims and odometers by record. */
  get serviceItems() {
    return (this.#serviceItems ??= createServiceItemLoaders(this.services.dataSource, this.actor));
  }
  /** A claim line's part return, by line id. */
  get partReturns() {
    return (this.#partReturns ??= createPartReturnLoader(this.services.dataSource, this.actor));
  }
  /** Campaigns (rule 19): by id, a record's campaigns, a serial's open campaigns, a product's campaigns. */
  get campaigns() {
    return (this.#campaigns ??= createCampaignLoaders(this.services.dataSource, this.actor, this.services.now));
  }
  /** Suppliers and recovery lines (rule 20). */
  get recovery() {
    return (this.#recovery ??= createRecoveryLoaders(this.services.dataSource, this.actor));
  }
  /** Service calendars built for this request, by calendar version, site and year. */
  get calendars() {
    return this.claimLoaders().calendars;
  }
}
export type Loaders = RequestLoaders;

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
  const loaders = actor ? new RequestLoaders(services, actor, recordSelection) : undefined;
  return { requestId, actor, authError, services, loaders, signal, recordSelection };
}
