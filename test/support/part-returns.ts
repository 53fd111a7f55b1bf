import type { TestApp } from './harness';

/** Helpers of the parts-return tests (rule 18): a unit, a claim on it taken as far as asked, and the return steps. */
export const RETURN_FIELDS = `rmaNumber partNumber status lineId windowDays dueAt overdue receivedAt inspectionOutcome chargeBackReason chargedBackAt claim { id } version`;
const CLAIM = `id status cover coveredTotal { amount } selfPaidTotal { amount } total { amount } version
  lines { id kind partNumber covered reason amount { amount } partReturn { ${RETURN_FIELDS} } }`;

export function returnsHelpers(t: TestApp, tokens: { admin: string; agent: string; warehouse: string }) {
  async function register(serialNumber: string, sku = 'SOFAR-INV-10KTL-X-G2'): Promise<void> {
    const { data } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { code message } } }`,
      { input: { serialNumber, sku, site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
      tokens.admin,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
  }

  async function setRule(input: Record<string, unknown>, token = tokens.admin) {
    const { data, errors } = await t.graphql(
      `mutation($input: SetPartReturnRuleInput!) { setPartReturnRule(input: $input) { rule { partNumber productFamily sku windowDays } userErrors { code field message } } }`,
      { input },
      token,
    );
    expect(errors).toBeUndefined();
    return data.setPartReturnRule;
  }

  async function claim(id: string) {
    const { data, errors } = await t.graphql(`query($id: ID!) { claim(id: $id) { ${CLAIM} } }`, { id }, tokens.agent);
    expect(errors).toBeUndefined();
    return data.claim;
  }

  /** A REPAIR claim with a PB-10K part (249.99) and 1.5 h of labour at 80, moved through `actions`. */
  async function claimThrough(serialNumber: string, actions: string[], partNumber = 'PB-10K', extra: Record<string, unknown> = {}) {
    const { data } = await t.graphql(
      `mutation($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id } userErrors { code message } } }`,
      {
        input: {
          serialNumber, kind: 'REPAIR', repairDate: '2026-11-20', component: 'POWER_BOARD', currency: 'EUR',
          lines: [{ kind: 'PART', partNumber, quantity: '1', unitPrice: '249.99' }, { kind: 'LABOUR', hours: '1.5', rate: '80' }],
          ...extra,
        },
      },
      tokens.agent,
    );
    expect(data.submitClaim.userErrors).toEqual([]);
    const id = data.submitClaim.claim.id as string;
    for (const action of actions) {
      const { data: moved } = await t.graphql(`mutation($id: ID!) { ${action}(input: { id: $id, reason: "test" }) { userErrors { code message } } }`, { id }, tokens.agent);
      expect(moved[action].userErrors).toEqual([]);
    }
    return claim(id);
  }

  async function step(mutation: 'recordPartShipment' | 'recordPartReceipt' | 'recordPartInspection', input: Record<string, unknown>, token = tokens.warehouse) {
    const { data, errors } = await t.graphql(
      `mutation($input: ${mutation[0].toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { changed partReturn { ${RETURN_FIELDS} } userErrors { code field message } } }`,
      { input },
      token,
    );
    expect(errors).toBeUndefined();
    return data[mutation];
  }

  return { register, setRule, claim, claimThrough, step };
}
