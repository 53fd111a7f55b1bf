import { authenticated } from '../auth/authenticated';
import { queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import { calendarDateOf } from '../common/calendar';
import type { Resolvers } from '../generated/graphql';
import { choosePolicy } from '../policies/region';
import type { WarrantyPolicy } from '../policies/warranty-policy.entity';
import type { CaseRef } from './references';
import { runsActiveCheck } from '../records/record-fields';
import { CHECK_RECORD_PROPERTIES } from '../coverage/check-inputs';

/**
 * Fields this subgraph adds to entities owned elsewhere. Their references carry only keys, so resolving a
 * reference needs no SQL; the added fields batch through the request's DataLoaders.
 */
export const federationResolvers: Resolvers = {
  Product: {
    __resolveReference: (reference) => ({ id: reference.id }),
    warrantyPolicies: async (product, { region }, context) => {
      const { loaders } = authenticated(context);
      const reference = await loaders.referenceByProductId.load(product.id);
      if (!reference) return [];
      const versions = await loaders.policiesByFamily.load(reference.productFamily);
      const today = calendarDateOf(context.services.now());
      const regions = region ? [region] : [...new Set(versions.map((p) => p.region))].sort();
      return regions
        .map((r) => choosePolicy(versions, reference.productFamily, r, today))
        .filter((p, index, all): p is WarrantyPolicy => p !== null && all.indexOf(p) === index);
    },
    registeredUnitsCount: (product, _, context) =>
      authenticated(context).loaders.registeredUnitsByProductId.load(product.id),
  },
  Customer: {
    __resolveReference: (reference) => ({ id: reference.id }),
    warranties: (customer, { first, after, status, asOf }, context) => {
      const { loaders } = authenticated(context);
      return queryResult(() => loaders.customerWarranties.load({ customerId: customer.id, first, after, status, asOf: isoDate(asOf) }));
    },
  },
  Case: {
    // `serialNumber` is in the representation because `warranty` @requires it.
    __resolveReference: (reference) => reference as CaseRef,
    warranty: (caseRef, _, context) => {
      const { loaders } = authenticated(context);
      if (!caseRef.serialNumber) return null;
      // A page of cases that also checks each case's warranty reads every unit once, in the check's statement.
      if (context.recordSelection.checks) {
        return loaders.checkBundleBySerialNumber.load(caseRef.serialNumber).then((bundle) => bundle?.record ?? null);
      }
      return loaders.recordBySerialNumber.load(caseRef.serialNumber);
    },
    warrantyCheck: runsActiveCheck(CHECK_RECORD_PROPERTIES, async (caseRef, _, context) => {
      const { loaders } = authenticated(context);
      if (!caseRef.serialNumber || !caseRef.openedAt) return null;
      const record = (await loaders.checkBundleBySerialNumber.load(caseRef.serialNumber))?.record;
      if (!record) return null;
      const openedOn = calendarDateOf(new Date(caseRef.openedAt), record.siteTimeZone ?? 'UTC');
      return queryResult(() =>
        context.services.coverageCheck.check(loaders, { serialNumber: caseRef.serialNumber!, repairDate: openedOn, readings: {} }),
      );
    }),
  },
};
