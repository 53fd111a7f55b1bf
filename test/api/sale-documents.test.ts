import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * A unit's documents along the supply chain over HTTP (rule 2): the warranty start follows them as they arrive and as
 * they are deleted, with its events and moved coverage dates; the refusals write nothing; the record's own facts are
 * carried into documents when the first one arrives.
 */
const RECORD = `mutation($input: RecordSaleDocumentInput!) { recordSaleDocument(input: $input) {
  warranty { start { status date source } coverages { kind startDate endDate } }
  document { id kind date warrantyActivationDate carriedFromRecord deleted } userErrors { code field message } } }`;
const DELETE = `mutation($input: DeleteSaleDocumentInput!) { deleteSaleDocument(input: $input) {
  warranty { start { status date source } } document { deleted deleteReason } userErrors { code field message } } }`;

describe('sale documents', () => {
  let t: TestApp;
  let agent: string;

  const gql = async (query: string, variables: Record<string, unknown> = {}) => {
    const { data, errors } = await t.graphql(query, variables, agent);
    expect(errors).toBeUndefined();
    return data;
  };
  const register = async (serialNumber: string, extra: Record<string, unknown> = {}) => {
    const { registerWarranty } = await gql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id start { status } } userErrors { code message } } }`,
      { input: { serialNumber, sku: 'DEMO-VAN-36', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, productionDate: '2025-06-01', supplyChainStage: 'DEALER', ...extra } },
    );
    expect(registerWarranty.userErrors).toEqual([]);
    return registerWarranty.warranty.id as string;
  };
  const record = async (input: Record<string, unknown>) => (await gql(RECORD, { input })).recordSaleDocument;
  const events = async (id: string) => (await t.dataSource.query(`SELECT event FROM warranty_event WHERE warranty_record_id = $1 ORDER BY id`, [id])).map((e: { event: string }) => e.event);
  const documents = async (serial: string, includeDeleted = false) =>
    (await gql(`query($serial: String!, $all: Boolean) { warranty(serialNumber: $serial) { saleDocuments(includeDeleted: $all) { kind date warrantyActivationDate carriedFromRecord deleted } } }`, { serial, all: includeDeleted })).warranty.saleDocuments;

  beforeAll(async () => {
    t = await startTestApp({ clock: clockAt('2026-11-24') });
    const org = await createTestOrg(t.dataSource, 'documents');
    agent = await tokenFor(org, ['AGENT']);
  });
  afterAll(() => t.stop());

  it('dealer stock, then the end-customer sale: the warranty starts and its coverage moves with it, each with its event', async () => {
    const id = await register('DOC-VAN-1');
    const sold = await record({ warrantyId: id, kind: 'END_CUSTOMER_SALE', date: '2026-03-01', warrantyActivationDate: '2026-03-10', reference: 'INV-1001' });
    expect(sold.userErrors).toEqual([]);
    expect(sold.warranty.start).toEqual({ status: 'STARTED', date: '2026-03-10', source: 'SALE_WARRANTY_ACTIVATION' });
    expect(sold.warranty.coverages).toEqual([expect.objectContaining({ kind: 'STANDARD', startDate: '2026-03-10', endDate: '2029-03-10' })]);
    expect(await events(id)).toEqual(expect.arrayContaining(['SALE_DOCUMENT_RECORDED', 'START_FACT_CHANGED', 'WARRANTY_START_CHANGED', 'COVERAGE_DATES_CHANGED']));
    // The dealer stock it was registered in is carried into a document (without a date: registration gave none).
    expect(await documents('DOC-VAN-1')).toEqual([
      { kind: 'DISTRIBUTOR_TO_DEALER', date: null, warrantyActivationDate: null, carriedFromRecord: true, deleted: false },
      { kind: 'END_CUSTOMER_SALE', date: '2026-03-01', warrantyActivationDate: '2026-03-10', carriedFromRecord: false, deleted: false },
    ]);
  });

  it('a service activation wins; deleting it moves the start back, and the deleted document stays on file', async () => {
    const activation = await record({ serialNumber: 'DOC-VAN-1', kind: 'SERVICE_ACTIVATION', date: '2026-03-05' });
    expect(activation.warranty.start).toEqual({ status: 'STARTED', date: '2026-03-05', source: 'ACTIVATION_RECORD' });
    const deleted = (await gql(DELETE, { input: { id: activation.document.id, reason: 'activation entered on the wrong van' } })).deleteSaleDocument;
    expect(deleted).toEqual({ warranty: { start: { status: 'STARTED', date: '2026-03-10', source: 'SALE_WARRANTY_ACTIVATION' } }, document: { deleted: true, deleteReason: 'activation entered on the wrong van' }, userErrors: [] });
    expect((await documents('DOC-VAN-1')).map((d: any) => d.kind)).not.toContain('SERVICE_ACTIVATION');
    expect((await documents('DOC-VAN-1', true)).filter((d: any) => d.deleted)).toEqual([expect.objectContaining({ kind: 'SERVICE_ACTIVATION', date: '2026-03-05' })]);
    const again = (await gql(DELETE, { input: { id: activation.document.id, reason: 'twice' } })).deleteSaleDocument;
    expect(again.userErrors[0].code).toBe('INVALID_TRANSITION');
  });

  it('broker stock until the broker invoices: the warranty waits, the free-service UI lookup anchors on the dealer sale', async () => {
    const id = await register('DOC-VAN-2');
    const toBroker = await record({ warrantyId: id, kind: 'DEALER_TO_BROKER', date: '2026-02-10' });
    expect(toBroker.warranty.start).toEqual({ status: 'AWAITING_BROKER_INVOICE', date: null, source: null });
    const lookup = async (ui: boolean) => (await gql(`query($ui: Boolean) { serviceItems(serialNumber: "DOC-VAN-2", ignoreBrokerStock: $ui) { freeServiceStartDate source brokerStock } }`, { ui })).serviceItems;
    expect(await lookup(true)).toEqual({ freeServiceStartDate: '2026-02-10', source: 'DEALER_SALE', brokerStock: true });
    expect(await lookup(false)).toEqual({ freeServiceStartDate: null, source: null, brokerStock: true });
    const invoiced = await record({ warrantyId: id, kind: 'BROKER_INVOICE', date: '2026-05-01' });
    expect(invoiced.warranty.start).toEqual({ status: 'STARTED', date: '2026-05-01', source: 'BROKER_INVOICE' });
    for (const ui of [true, false]) expect(await lookup(ui)).toEqual({ freeServiceStartDate: '2026-05-01', source: 'BROKER_INVOICE', brokerStock: false });
    // The sale to the broker cannot go while the invoice that follows it stands.
    const [sale] = await t.dataSource.query(`SELECT id FROM sale_document WHERE warranty_record_id = $1 AND kind = 'DEALER_TO_BROKER'`, [id]);
    const refused = (await gql(DELETE, { input: { id: sale.id, reason: 'entered twice' } })).deleteSaleDocument;
    expect(refused.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'id'], message: expect.stringContaining('delete the broker invoice first') }]);
  });

  it.each([
    ['a date before production', { kind: 'END_CUSTOMER_SALE', date: '2025-05-31' }, ['input', 'date']],
    ['a date in the future', { kind: 'END_CUSTOMER_SALE', date: '2026-11-25' }, ['input', 'date']],
    ['an activation date after today', { kind: 'END_CUSTOMER_SALE', date: '2026-11-01', warrantyActivationDate: '2026-12-01' }, ['input', 'warrantyActivationDate']],
    ['a broker invoice without the dealer-to-broker sale', { kind: 'BROKER_INVOICE', date: '2026-05-01' }, ['input', 'kind']],
    ['an activation date on a movement', { kind: 'DISTRIBUTOR_TO_DEALER', date: '2026-01-01', warrantyActivationDate: '2026-01-02' }, ['input', 'warrantyActivationDate']],
  ])('refuses %s with BAD_USER_INPUT and writes nothing', async (_, input, field) => {
    const id = await register(`DOC-REFUSE-${field.join('-')}-${String(input.date)}`);
    const before = { events: await events(id), documents: (await t.dataSource.query(`SELECT count(*)::int AS n FROM sale_document WHERE warranty_record_id = $1`, [id]))[0].n };
    const refused = await record({ warrantyId: id, ...input });
    expect(refused.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field, message: expect.any(String) }]);
    expect(await events(id)).toEqual(before.events);
    expect((await t.dataSource.query(`SELECT count(*)::int AS n FROM sale_document WHERE warranty_record_id = $1`, [id]))[0].n).toBe(before.documents);
  });

  it('a unit with documents takes its chain facts from them only: updateWarranty of one is refused', async () => {
    const { warranty } = await gql(`{ warranty(serialNumber: "DOC-VAN-1") { id } }`);
    const { updateWarranty } = await gql(`mutation($id: ID!) { updateWarranty(input: { id: $id, saleInvoiceDate: "2026-01-01" }) { userErrors { code field message } } }`, { id: warranty.id });
    expect(updateWarranty.userErrors).toEqual([{ code: 'BAD_USER_INPUT', field: ['input', 'saleInvoiceDate'], message: expect.stringContaining('sale documents') }]);
  });
});
