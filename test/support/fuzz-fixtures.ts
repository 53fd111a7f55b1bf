import { createTestOrg, tokenFor, type TestApp } from './harness';
import type { TokenKind } from './fuzz-http';
import { emptyPools, type FuzzPools } from './fuzz-values';

/**
 * The test organisation the fuzz works on: units of every family (one in broker stock), a part coverage, claims
 * with CSP cases, a sale document, a service plan with a claimed item, a firmware release and heartbeats, and
 * the outbox messages they wrote. Their ids, serials and cursors are the values that look valid, so that a fuzzed
 * request gets past "not found" and into the services and the SQL.
 */
/**
 * The fuzz's customer token is fz-cust-1's. `othersUnits` are the serials and ids of the units it must never be
 * shown (fz-cust-2's, and a unit with no customer yet).
 */
export async function seedFuzzOrganisation(t: TestApp): Promise<{ tokens: Record<TokenKind, string | null>; pools: FuzzPools; othersUnits: string[] }> {
  const org = await createTestOrg(t.dataSource, 'fuzz');
  const admin = await tokenFor(org, ['WARRANTY_ADMIN', 'AGENT', 'SERVICE']);
  const tokens: Record<TokenKind, string | null> = {
    admin,
    installer: await tokenFor(org, ['INSTALLER']),
    customer: await tokenFor(org, ['CUSTOMER'], { customerId: 'fz-cust-1' }),
    none: null,
    garbage: 'eyJhbGciOiJub25lIn0.eyJvcmciOiJmdXp6In0.',
  };
  const pools = emptyPools();
  pools.customerIds.push('fz-cust-1', 'fz-cust-2');
  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await t.graphql(query, variables, admin);
    if (response.errors) throw new Error(`fixture failed: ${JSON.stringify(response.errors)}`);
    for (const payload of Object.values(response.data ?? {})) {
      const userErrors = (payload as { userErrors?: unknown[] } | null)?.userErrors;
      if (userErrors && userErrors.length > 0) throw new Error(`fixture refused: ${JSON.stringify(userErrors)}`);
    }
    return response.data;
  };

  await gql(`mutation($input: PublishServicePlanInput!) { publishServicePlan(input: $input) { userErrors { message } } }`, {
    input: { productFamily: 'VEHICLE', items: [
      { code: 'INSPECTION_12M', name: 'Inspection 12 months', dueMonths: 12, dueKm: 15000, windowBeforeDays: 30, windowAfterDays: 30, windowBeforeKm: 1500, windowAfterKm: 1500, value: { amount: '149.50', currency: 'EUR' } },
      { code: 'INSPECTION_24M', name: 'Inspection 24 months', dueMonths: 24, value: { amount: '219', currency: 'EUR' } },
    ] },
  });
  const units = [
    { serialNumber: 'FZ-INV-1', sku: 'SOFAR-INV-10KTL-X-G2', customerId: 'fz-cust-1', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' },
    { serialNumber: 'FZ-BAT-1', sku: 'SOFAR-PM-V2-10', customerId: 'fz-cust-1', site: { countryCode: 'PL' }, commissioningDate: '2024-01-10' },
    { serialNumber: 'FZ-BAT-2', sku: 'SOFAR-BTS-E5', customerId: 'fz-cust-2', site: { countryCode: 'GB' }, commissioningDate: '2020-01-10' },
    { serialNumber: 'WVWZZZ1KZFZ000001', sku: 'DEMO-VAN-36', customerId: 'fz-cust-2', site: { countryCode: 'DE' }, productionDate: '2025-01-15', sale: { invoiceDate: '2025-01-31' } },
    { serialNumber: 'WVWZZZ1KZFZ000002', sku: 'DEMO-VAN-36', site: { countryCode: 'DE' }, productionDate: '2025-01-15', supplyChainStage: 'BROKER', sale: { invoiceDate: '2025-09-01' } },
  ];
  const othersUnits: string[] = [];
  for (const input of units) {
    const data = await gql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id product { id } coverages { id } } userErrors { code message } } }`,
      { input },
    );
    const warranty = data.registerWarranty.warranty;
    pools.warrantyIds.push(warranty.id);
    pools.serials.push(input.serialNumber);
    if (input.customerId !== 'fz-cust-1') othersUnits.push(input.serialNumber, warranty.id);
    pools.skus.push(input.sku);
    pools.productIds.push(warranty.product.id);
    pools.coverageIds.push(...warranty.coverages.map((c: { id: string }) => c.id));
  }
  const [inverter, battery, , van] = pools.warrantyIds;

  const part = await gql(
    `mutation($id: ID!) { addPartCoverage(input: { warrantyId: $id, part: "POWERTRAIN", startDate: "2025-02-01", termMonths: 24, limits: { odometerKm: 100000 } }) { coverage { id } userErrors { code } } }`,
    { id: van },
  );
  pools.coverageIds.push(part.addPartCoverage.coverage.id);
  const item = await gql(
    `mutation { claimServiceItem(input: { serialNumber: "WVWZZZ1KZFZ000001", itemCode: "INSPECTION_12M", claimDate: "2026-01-20", odometerKm: 12000 }) { claim { id } userErrors { code message } } }`,
  );
  pools.serviceItemClaimIds.push(item.claimServiceItem.claim.id);
  const document = await gql(
    `mutation($id: ID!) { recordSaleDocument(input: { warrantyId: $id, kind: END_CUSTOMER_SALE, date: "2025-01-20", reference: "FZ-INV-DOC" }) { document { id } userErrors { code message } } }`,
    { id: inverter },
  );
  pools.saleDocumentIds.push(document.recordSaleDocument.document.id);

  const submit = `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code message } } }`;
  const claims = [
    { warrantyId: battery, kind: 'REPAIR', repairDate: '2026-05-01', currency: 'EUR', cspCaseId: 'FZ-CASE-1', readings: { throughputMwh: 5, sohPct: 70 },
      lines: [{ kind: 'PART', partNumber: 'P-1', quantity: '1', unitPrice: '10.50' }, { kind: 'TRAVEL', startAt: '2026-05-01T08:00:00Z', endAt: '2026-05-01T09:00:00Z' }] },
    { warrantyId: inverter, kind: 'REPAIR', repairDate: '2026-05-20', currency: 'EUR', cspCaseId: 'FZ-CASE-2', lines: [{ kind: 'LABOUR', hours: '2', rate: '60' }] },
    { warrantyId: van, kind: 'REFUND', repairDate: '2026-05-25', currency: 'EUR', cspCaseId: 'FZ-CASE-2', readings: { odometerKm: 15000 } },
  ];
  // Three of each, so that the claims the fuzz cancels or rejects early leave others to approve, repair, close.
  for (let round = 0; round < 3; round++) {
    for (const [index, input] of claims.entries()) {
      const repairDate = `2026-0${3 + round}-1${index}`;
      pools.claimIds.push((await gql(submit, { input: { ...input, repairDate } })).submitClaim.claim.id);
    }
  }
  pools.caseIds.push('FZ-CASE-1', 'FZ-CASE-2', 'FZ-CASE-NONE');

  // A campaign (rule 19) on every unit: CAMPAIGN claims, not-applicable decisions and a second publication of its code
  // reach the campaigns' services and SQL.
  await gql(`mutation($input: PublishCampaignInput!) { publishCampaign(input: $input) { userErrors { code message } } }`, {
    input: { code: 'FZ-RECALL', title: 'Fuzz recall', kind: 'SAFETY_RECALL', periodFrom: '2026-01-01', serialNumbers: units.map((u) => u.serialNumber), remedy: { currency: 'EUR', parts: [{ partNumber: 'FZ-KIT', quantity: '1', unitPrice: '25.00' }] } },
  });

  await gql(`mutation { publishFirmwareRelease(input: { productFamily: "BATTERY", component: "CELLS", version: "3.2", releasedAt: "2026-04-01T00:00:00Z", graceDays: 30 }) { userErrors { message } } }`);
  await gql(`mutation($input: RecordHeartbeatsInput!) { recordHeartbeats(input: $input) { userErrors { message } } }`, {
    input: { heartbeats: [{ serialNumber: 'FZ-BAT-1', at: '2026-05-30T10:00:00Z' }] },
  });

  const pages = await gql(
    `query($id: ID!) {
      warranties(first: 1) { pageInfo { endCursor } }
      warrantyPolicies(first: 100) { edges { node { id } } pageInfo { endCursor } }
      warrantyHistory(warrantyId: $id, first: 1) { pageInfo { endCursor } }
      claims(first: 1) { pageInfo { endCursor } }
      outboxMessages(first: 5) { edges { node { id } } pageInfo { endCursor } }
      productReferences(first: 1) { pageInfo { endCursor } }
    }`,
    { id: battery },
  );
  pools.policyIds.push(...pages.warrantyPolicies.edges.slice(0, 10).map((e: { node: { id: string } }) => e.node.id));
  pools.outboxIds.push(...pages.outboxMessages.edges.map((e: { node: { id: string } }) => e.node.id));
  for (const connection of Object.values(pages) as Array<{ pageInfo: { endCursor: string | null } }>) {
    if (connection.pageInfo.endCursor) pools.cursors.push(connection.pageInfo.endCursor);
  }
  return { tokens, pools, othersUnits };
}
