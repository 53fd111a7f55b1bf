import type { DataSource } from 'typeorm';
import { AuditService } from './audit/audit.service';
import { ClaimsService } from './claims/claims.service';
import { CoverageCheckService } from './coverage/coverage-check.service';
import { PartCoverageService } from './coverage/part-coverage.service';
import { RowReader } from './db/row-reader';
import { LabourService } from './labour/labour.service';
import { CalendarsService } from './calendars/calendars.service';
import { ExtensionsService } from './extensions/extensions.service';
import { PoliciesService } from './policies/policies.service';
import { ReadingsService } from './readings/readings.service';
import { ProductsService } from './products/products.service';
import { RecordsService } from './records/records.service';
import type { Clock } from './common/clock';
import { TelemetryService } from './telemetry/telemetry.service';
import { OutboxService } from './outbox/outbox.service';
import { WebhooksService } from './webhooks/webhooks.service';
import { ReturnsService } from './returns/returns.service';
import { ServiceItemsService } from './service-items/service-items.service';
import { CampaignsService } from './campaigns/campaigns.service';
import { completeOnClose, joinOnRegistration } from './campaigns/campaign-claims';
import { campaignClaimInProgress } from './claims/claim-campaign';
import { RecoveryService } from './recovery/recovery.service';
import { recoverOnClose } from './recovery/recovery-close';

/** The application's services: stateless apart from the data source, built once per process. */
export function createServices(dataSource: DataSource, clock?: Clock, options: { clockSkewSeconds?: number } = {}) {
  /** How far a sender's clock may run ahead of ours (CLOCK_SKEW_SECONDS): observed instants past now + this are refused. */
  const clockSkewMs = (options.clockSkewSeconds ?? 300) * 1000;
  const audit = new AuditService(dataSource);
  const policies = new PoliciesService(dataSource);
  const records = new RecordsService(dataSource, policies, audit, clock);
  const partCoverages = new PartCoverageService(dataSource, audit);
  const products = new ProductsService(dataSource);
  const labour = new LabourService(dataSource);
  const calendars = new CalendarsService(dataSource);
  // The hot read paths' loaders read through this one reader, which keeps its prepared statements' names.
  const reader = new RowReader(dataSource);
  const coverageCheck = new CoverageCheckService();
  const claims = new ClaimsService(dataSource, audit, coverageCheck, clock, clockSkewMs);
  // Returns hears of every approval through the claims' hook list: claims never imports returns (returns/ sits above).
  const returns = new ReturnsService(dataSource, audit, clock);
  claims.whenApproved(returns.authoriseReturns);
  // Supplier recovery (rule 20) hears of every close through the claims' close hooks, and of every charge-back through
  // returns' hooks: neither claims nor returns imports recovery.
  const recovery = new RecoveryService(dataSource, clock);
  claims.whenClosed(recoverOnClose());
  returns.whenChargedBack(recovery.withdrawCharged);
  const readings = new ReadingsService(dataSource, audit, clock);
  const extensions = new ExtensionsService(dataSource, audit, clock);
  const telemetry = new TelemetryService(dataSource, clock, clockSkewMs);
  const outbox = new OutboxService(dataSource);
  const webhooks = new WebhooksService(dataSource, claims, products, telemetry, returns, recovery);
  const serviceItems = new ServiceItemsService(dataSource, audit, clock);
  // Campaigns (rule 19) sits below claims: claims' intake reads a campaign's terms from it; campaigns hears of a closed
  // claim (the unit completed) and of a registration (a SKU range's new unit) through hooks, and asks claims whether
  // a campaign claim is in progress through the function given here: campaigns imports neither claims nor this root.
  const campaigns = new CampaignsService(dataSource, campaignClaimInProgress, clock);
  claims.whenClosed(completeOnClose);
  records.whenRegistered(joinOnRegistration);
  return {
    dataSource, reader, audit, policies, products, labour, calendars, records, partCoverages, coverageCheck, claims, readings, extensions, telemetry, outbox, webhooks, serviceItems, returns, campaigns, recovery,
    /** The services' clock (tests pin it): the day and instant the read paths judge on. */
    now: clock ?? (() => new Date()),
    clockSkewMs,
  };
}

export type Services = ReturnType<typeof createServices>;
