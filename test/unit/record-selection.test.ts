import { isObjectType, parse, type OperationDefinitionNode } from 'graphql';
import { buildWarrantySchema } from '../../src/schema';
import { describeRecordFields, recordFieldsOf } from '../../src/records/record-fields';
import { recordSelectionFor } from '../../src/records/record-selection';
import { CHECK_RECORD_PROPERTIES } from '../../src/coverage/check-inputs';

/** Which record columns an operation reads: too few would answer wrong values, so every path is pinned here. */
describe('record column selection', () => {
  const schema = buildWarrantySchema();
  const propertiesOf = (query: string) => {
    const document = parse(query);
    const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
    const { properties } = recordSelectionFor(schema, document, operation);
    return properties === null ? null : [...properties].sort();
  };
  const KEYS = ['customerId', 'id', 'orgId', 'policyId', 'serialNumber', 'siteTimeZone'];

  it('knows what every field of WarrantyRecord reads: a stored column, or a resolver declared with recordField', () => {
    const type = schema.getType('WarrantyRecord');
    if (!isObjectType(type)) throw new Error('WarrantyRecord is not an object type');
    const fields = recordFieldsOf(schema)!;
    // A field listed here makes every request that selects it read every column: declare its reads where it is resolved.
    expect(fields.undeclared).toEqual([]);
    expect(Object.keys(type.getFields()).filter((field) => !fields.reads.has(field))).toEqual([]);
  });

  it('knows the fields elsewhere that read whole records or run the check, from their resolvers', () => {
    const fields = recordFieldsOf(schema)!;
    expect([...fields.checks.keys()].sort()).toEqual(['Case.warrantyCheck', 'Query.checkWarranty']);
    expect([...fields.wholeRecords].sort()).toEqual(['Query.serviceItems', 'SlaTarget.serviceHoursLeft']);
  });

  it('reads every column for a field whose resolver declares nothing', () => {
    // A schema of its own where WarrantyRecord.sku has a resolver with no recordField declaration.
    const bare = buildWarrantySchema();
    const type = bare.getType('WarrantyRecord');
    if (!isObjectType(type)) throw new Error('WarrantyRecord is not an object type');
    type.getFields().sku.resolve = (record: { sku: string }) => record.sku;
    describeRecordFields(bare);
    expect(recordFieldsOf(bare)!.undeclared).toContain('sku');
    expect(recordFieldsOf(bare)!.reads.has('sku')).toBe(false);
    const document = parse('{ warranty(serialNumber: "X") { id sku } }');
    const operation = document.definitions[0] as OperationDefinitionNode;
    expect(recordSelectionFor(bare, document, operation).properties).toBeNull();
  });

  it('tells whether an operation shows a policy version anywhere (the check then reads the policies whole)', () => {
    const policiesOf = (query: string) => {
      const document = parse(query);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
      return recordSelectionFor(schema, document, operation).policies;
    };
    const CHECK = 'query($i: CheckWarrantyInput!) { checkWarranty(input: $i) { decision coverages { coverage { scope';
    expect(policiesOf(`${CHECK} } } } }`)).toBe(false);
    expect(policiesOf(`${CHECK} policy { version } } } } }`)).toBe(true);
    expect(policiesOf('query($i: CheckWarrantyInput!) { checkWarranty(input: $i) { warranty { policy { id } } } }')).toBe(true);
    expect(policiesOf('query { warranty(serialNumber: "X") { ...F } } fragment F on WarrantyRecord { coverages { policy { region } } }')).toBe(true);
    expect(policiesOf('query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warrantyCheck { decision } } } }')).toBe(false);
    // A mutation's payload is never narrowed.
    expect(policiesOf('mutation { __typename }')).toBe(true);
  });

  it('reads the keys and the selected fields of an _entities page', () => {
    expect(propertiesOf('query($r: [_Any!]!) { _entities(representations: $r) { ... on WarrantyRecord { id tier expiresAt } } }'))
      .toEqual([...KEYS, 'expiresAt', 'tier'].sort());
  });

  it('follows named fragments, nested records and abstract parents', () => {
    expect(
      propertiesOf(`query { warranty(serialNumber: "X") { ...F } }
        fragment F on WarrantyRecord { status registeredAt }`),
    ).toEqual([...KEYS, 'expiresAt', 'registeredAt', 'replacedAt', 'startDate', 'voidedAt'].sort());
    expect(propertiesOf('query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Case { warranty { sku } } } }'))
      .toEqual([...KEYS, 'sku'].sort());
  });

  it('reads every start fact for the start and its reason', () => {
    expect(propertiesOf('{ warranty(serialNumber: "X") { start { date reason } } }')).toEqual(
      expect.arrayContaining([
        'warrantyDateShift', 'activationRecordDate', 'saleWarrantyActivationDate', 'saleInvoiceDate', 'supplyChainStage',
        'brokerInvoiceDate', 'productionDate', 'startStatus', 'startDate', 'startSource',
      ]),
    );
  });

  it('reads what the active-warranty check judges by, with what the operation shows; whole records for mutations', () => {
    const CHECKED = [...new Set([...KEYS, ...CHECK_RECORD_PROPERTIES])].sort();
    expect(propertiesOf('{ checkWarranty(input: { serialNumber: "X", repairDate: "2026-01-01" }) { decision } }')).toEqual(CHECKED);
    expect(propertiesOf('query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warrantyCheck { decision } } } }')).toEqual(CHECKED);
    expect(propertiesOf('{ checkWarranty(input: { serialNumber: "X", repairDate: "2026-01-01" }) { decision warranty { tier registeredAt } } }'))
      .toEqual([...CHECKED, 'registeredAt', 'tier'].sort());
    expect(propertiesOf('query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warranty { sku } warrantyCheck { decision } } } }'))
      .toEqual([...CHECKED, 'sku'].sort());
    expect(propertiesOf('mutation { voidWarranty(input: { id: "x", reason: "r" }) { warranty { id } } }')).toBeNull();
  });

  it('marks the operations that run the check, so a case page reads each unit once', () => {
    const checksOf = (query: string) => {
      const document = parse(query);
      const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
      return recordSelectionFor(schema, document, operation).checks;
    };
    expect(checksOf('query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warranty { id } warrantyCheck { decision } } } }')).toBe(true);
    expect(checksOf('query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warranty { id } } } }')).toBe(false);
  });
});
