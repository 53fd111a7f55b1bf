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
}
