/** Registering a unit (rules 1 and 2): its record, its coverages and their events, in one transaction. */
import { assertRole, hasRole, isCustomerOnly, type Actor } from '../auth/actor';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError } from '../common/errors';
import { newId } from '../common/ids';
import { assertValid } from '../common/validation';
import { writeTogether, type WriteStep } from '../db/one-statement';
import type { IsoDate } from '../common/calendar';
import { Coverage } from '../coverage/coverage.entity';
import { CapacityRequiredError, latestCoverageEnd, standardCoverageTerms } from '../coverage/coverage-terms';
import { regionForCountry } from '../policies/region';
import { ProductReference } from '../products/product-reference.entity';
import { normaliseSerialNumber, RegisterWarrantyDto, toSiteDto } from './record-inputs';
import { deriveWarrantyStart, type WarrantyStartFacts } from './warranty-start';
import { activationRecordAtRegistration, registrantRoleFor, type RegistrantRole } from './registration';
import { WarrantyRecord, type SupplyChainStage } from './warranty-record.entity';
import { assertPlausibleFacts, todayAt, type RecordsDeps } from './record-changes';

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

const REGISTRAR_ROLES = ['INSTALLER', 'CUSTOMER', 'AGENT', 'WARRANTY_ADMIN'] as const;

export async function registerWarranty(deps: RecordsDeps, actor: Actor, command: RegisterWarrantyCommand): Promise<WarrantyRecord> {
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
  const today = todayAt(deps, timeZone);
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
    return await deps.dataSource.transaction(async (manager) => {
      const product = await manager.findOneBy(ProductReference, { orgId: actor.orgId, sku: command.sku });
      if (!product) {
        throw new DomainError('BAD_USER_INPUT', `unknown SKU "${command.sku}": no product reference for it`, ['input', 'sku']);
      }
      const region = regionForCountry(countryCode);
      if (!region) {
        throw new DomainError('NO_POLICY', `no warranty region covers country ${countryCode}`, ['input', 'site', 'countryCode']);
      }
      const policy = await deps.policies.policyFor(manager, actor.orgId, product.productFamily, region, today);
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
        registeredAt: deps.clock(),
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
      await deps.audit.append(manager, [
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
      // Other modules' part of a registration (rule 19: the campaigns a SKU range makes the unit part of).
      const steps: Array<WriteStep | null> = [];
      for (const hook of deps.onRegistered ?? []) steps.push(await hook(manager, record, actor.id, today, record.registeredAt));
      await writeTogether(manager, steps);
      return record;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'uq_record_serial')) throw duplicateSerial(serialNumber);
    throw error;
  }
}

function duplicateSerial(serialNumber: string): DomainError {
  return new DomainError('DUPLICATE_SERIAL', `serial number ${serialNumber} is already registered`, ['input', 'serialNumber']);
}
