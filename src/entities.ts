import { WarrantyEvent } from './audit/warranty-event.entity';
import { Campaign, CampaignEvent, CampaignSkuRange, CampaignUnit } from './campaigns/campaign.entities';
import { ClaimCase } from './claims/claim-case.entity';
import { ClaimLine } from './claims/claim-line.entity';
import { WarrantyClaim } from './claims/warranty-claim.entity';
import { Coverage } from './coverage/coverage.entity';
import { ServiceCalendarVersion, ServiceClosingDay } from './calendars/service-calendar.entity';
import { ExtensionPurchase } from './extensions/extension-purchase.entity';
import { LabourOperation } from './labour/labour-operation.entity';
import { LabourRate } from './labour/labour-rate.entity';
import { OutboxMessage } from './outbox/outbox-message.entity';
import { WarrantyPolicy } from './policies/warranty-policy.entity';
import { ProductReference } from './products/product-reference.entity';
import { UnitReading } from './readings/unit-reading.entity';
import { WarrantyRecord } from './records/warranty-record.entity';
import { SaleDocument } from './records/sale-document.entity';
import { WebhookReceipt } from './webhooks/webhook-receipt.entity';
import { PartReturn, PartReturnRule, RmaCounter } from './returns/part-return.entities';
import { RecoveryClaim, RecoveryLine, Supplier, SupplierContract } from './recovery/recovery.entities';
import { ServiceItemClaim } from './service-items/service-item-claim.entity';
import { ServicePlan, ServicePlanItem } from './service-items/service-plan.entity';
import { FirmwareRelease, TelemetryDecision, UnitFirmware, UnitTelemetryRow } from './telemetry/telemetry.entities';

export const ENTITIES = [
  WarrantyPolicy, ProductReference, WarrantyRecord, Coverage, WarrantyClaim, ClaimLine, ClaimCase, ServiceCalendarVersion, ServiceClosingDay, UnitReading, OutboxMessage, ExtensionPurchase,
  FirmwareRelease, UnitTelemetryRow, UnitFirmware, TelemetryDecision,
  WarrantyEvent, WebhookReceipt, ServicePlan, ServicePlanItem, ServiceItemClaim, SaleDocument, LabourOperation, LabourRate,
  PartReturnRule, PartReturn, RmaCounter,
  Campaign, CampaignSkuRange, CampaignUnit, CampaignEvent,
  PartReturnRule, PartReturn, RmaCounter, Supplier, SupplierContract, RecoveryClaim, RecoveryLine,
];
