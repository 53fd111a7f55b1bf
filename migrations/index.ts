import { InitialSchema1795514324858 } from './1795514324858-InitialSchema';
import { SeedExamplePolicies1795514400000 } from './1795514400000-SeedExamplePolicies';
import { PolicyPublisher1795515834383 } from './1795515834383-PolicyPublisher';
import { ProductReferenceChanges1795544213795 } from './1795544213795-ProductReferenceChanges';
import { RegistrantRoles1795600000000 } from './1795600000000-RegistrantRoles';
import { Claims1795700000000 } from './1795700000000-Claims';
import { Extensions1795800000000 } from './1795800000000-Extensions';
import { Telemetry1795900000000 } from './1795900000000-Telemetry';
import { RecordOrgIdIndex1796000000000 } from './1796000000000-RecordOrgIdIndex';
import { OutboxDelivery1796100000000 } from './1796100000000-OutboxDelivery';
import { WebhookReceipts1796200000000 } from './1796200000000-WebhookReceipts';
import { ServiceItems1796300000000 } from './1796300000000-ServiceItems';
import { SaleDocuments1796400000000 } from './1796400000000-SaleDocuments';
import { GoodwillClaimAndMoney1796500000000 } from './1796500000000-GoodwillClaimAndMoney';
import { ClaimCases1796600000000 } from './1796600000000-ClaimCases';
import { ApprovalAndAmendments1796610000000 } from './1796610000000-ApprovalAndAmendments';
import { LabourOperations1796620000000 } from './1796620000000-LabourOperations';
import { PartReturns1796630000000 } from './1796630000000-PartReturns';
import { PartReturnLineKept1796650000000 } from './1796650000000-PartReturnLineKept';
import { Campaigns1796700000000 } from './1796700000000-Campaigns';
import { ServiceCalendars1796640000000 } from './1796640000000-ServiceCalendars';
import { SupplierRecovery1796710000000 } from './1796710000000-SupplierRecovery';
import { ClaimsAtRiskIndexes1796740000000 } from './1796740000000-ClaimsAtRiskIndexes';
import { KeysByOrganisation1796750000000 } from './1796750000000-KeysByOrganisation';

/** Every migration, in order. Listed explicitly so ts-node, ts-jest and compiled builds all find the same set. */
export const MIGRATIONS = [
  InitialSchema1795514324858,
  SeedExamplePolicies1795514400000,
  PolicyPublisher1795515834383,
  ProductReferenceChanges1795544213795,
  RegistrantRoles1795600000000,
  Claims1795700000000,
  Extensions1795800000000,
  Telemetry1795900000000,
  RecordOrgIdIndex1796000000000,
  OutboxDelivery1796100000000,
  WebhookReceipts1796200000000,
  ServiceItems1796300000000,
  SaleDocuments1796400000000,
  GoodwillClaimAndMoney1796500000000,
  ClaimCases1796600000000,
  ApprovalAndAmendments1796610000000,
  LabourOperations1796620000000,
  PartReturns1796630000000,
  ServiceCalendars1796640000000,
  PartReturnLineKept1796650000000,
  Campaigns1796700000000,
  SupplierRecovery1796710000000,
  ClaimsAtRiskIndexes1796740000000,
  KeysByOrganisation1796750000000,
];
