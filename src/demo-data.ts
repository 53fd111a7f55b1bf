import type { Actor } from './auth/actor';
import { DomainError } from './common/errors';
import { logger } from './common/logger';
import type { Services } from './services';

/**
 * A few registered units for the demo organisation, so a newcomer's first lookup finds something. Registered
 * through the service (events included); units already present are left alone, so restarts change nothing.
 */
const DEMO_ACTOR: Actor = { id: 'demo-seed', orgId: 'sofar', roles: ['WARRANTY_ADMIN', 'INSTALLER'], customerId: null };

export async function seedDemoUnits(services: Services): Promise<void> {
  const units = [
    { serialNumber: 'SF-DEMO-INV-0001', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'cust-1001', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2024-01-10', commissioningDate: '2024-03-15' },
    { serialNumber: 'SF-DEMO-BAT-0001', sku: 'SOFAR-PM-V2-10', customerId: 'cust-1002', site: { countryCode: 'GB', timeZone: 'Europe/London' }, commissioningDate: '2023-06-30' },
    { serialNumber: 'SF-DEMO-BAT-0002', sku: 'SOFAR-BTS-E5', customerId: 'cust-1003', site: { countryCode: 'PL', timeZone: 'Europe/Warsaw' }, registrantRole: 'END_CUSTOMER' as const, supplyChainStage: 'BROKER' as const },
  ];
  for (const unit of units) {
    try {
      await services.records.register(DEMO_ACTOR, unit);
      logger.info('demo unit registered', { serialNumber: unit.serialNumber });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'DUPLICATE_SERIAL')) throw error;
    }
  }
  // Two demo campaigns (rule 19): a safety recall of inverters by SKU and production date, a service campaign of
  // batteries by serial. Published once; a restart finds their codes taken and leaves them.
  const campaigns = [
    {
      code: 'DEMO-RECALL-INV-PB', title: 'Inverter power board may overheat (10KTL-X G2, produced H1 2024)', kind: 'SAFETY_RECALL' as const, periodFrom: '2026-01-01',
      remedy: { currency: 'EUR', labourOperations: ['INV-PB-SWAP'], parts: [{ partNumber: 'PB-10KTL-REV-C', quantity: '1', unitPrice: '180.00' }] },
      skuRanges: [{ sku: 'SOFAR-INV-10KTL-X-G2', producedFrom: '2024-01-01', producedTo: '2024-06-30' }],
    },
    {
      code: 'DEMO-SERVICE-BAT-BMS', title: 'Battery BMS board replacement (cell balancing)', kind: 'SERVICE_CAMPAIGN' as const, periodFrom: '2026-01-01', periodTo: '2027-12-31',
      remedy: { currency: 'EUR', labourOperations: ['BAT-BMS-SWAP'], parts: [{ partNumber: 'BMS-5', quantity: '1', unitPrice: '95.00' }] },
      serialNumbers: ['SF-DEMO-BAT-0001', 'SF-DEMO-BAT-0002'],
    },
  ];
  for (const campaign of campaigns) {
    try {
      await services.campaigns.publish(DEMO_ACTOR, campaign);
      logger.info('demo campaign published', { code: campaign.code });
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'CAMPAIGN_CODE_TAKEN')) throw error;
    }
  }
}

/**
 * Example suppliers and contracts of supplier recovery (rule 20) for the demo organisation: the inverters' power
 * boards, the batteries' BMS and cells, and the vehicles' powertrain. Upserted and published as version 1, so a
 * restart finds them unchanged. No endpoint: their messages wait until an admin sets one (upsertSupplier).
 */
export async function seedDemoSuppliers(services: Services): Promise<void> {
  for (const supplier of [
    { code: 'BOARDTECH', name: 'Boardtech Electronics (inverter power boards)' },
    { code: 'CELLWORKS', name: 'Cellworks Energy (battery cells and BMS)' },
    { code: 'DRIVELINE', name: 'Driveline Systems (vehicle powertrain)' },
  ]) {
    await services.recovery.upsertSupplier(DEMO_ACTOR, supplier);
  }
  await services.recovery.publishContracts(DEMO_ACTOR, [
    { code: 'INV-POWER-BOARD', version: 1, supplierCode: 'BOARDTECH', component: 'POWER_BOARD', productFamily: 'INVERTER', recoverySharePct: '80', windowMonths: 36, labourSharePct: '50', capPerClaim: { amount: '600.00', currency: 'EUR' }, validFrom: '2020-01-01' },
    { code: 'BAT-BMS', version: 1, supplierCode: 'CELLWORKS', partNumbers: ['BMS-5', 'BMS-10'], recoverySharePct: '100', windowMonths: 24, labourSharePct: null, validFrom: '2020-01-01' },
    { code: 'BAT-CELLS', version: 1, supplierCode: 'CELLWORKS', component: 'CELLS', productFamily: 'BATTERY', recoverySharePct: '60', windowMonths: 60, labourSharePct: '25', capPerClaim: { amount: '2500.00', currency: 'EUR' }, validFrom: '2020-01-01' },
    { code: 'VEH-POWERTRAIN', version: 1, supplierCode: 'DRIVELINE', component: 'POWERTRAIN', productFamily: 'VEHICLE', recoverySharePct: '70', windowMonths: 36, labourSharePct: '70', validFrom: '2020-01-01' },
  ]);
  logger.info('demo suppliers and contracts seeded');
}
