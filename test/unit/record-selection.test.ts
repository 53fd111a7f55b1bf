import { isObjectType, parse, type OperationDefinitionNode } from 'graphql';
import { buildWarrantySchema } from '../../src/schema';
import { RECORD_FIELD_PROPERTIES, recordSelectionFor } from '../../src/records/record-selection';

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

  it('knows what every field of WarrantyRecord reads (a new field must be added to the map)', () => {
    const type = schema.getType('WarrantyRecord');
    if (!isObjectType(type)) throw new Error('WarrantyRecord is not an object type');
    expect(Object.keys(type.getFields()).filter((field) => !(field in RECORD_FIELD_PROPERTIES))).toEqual([]);
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

  it('reads whole records for the active-warranty check and for mutations', () => {
    expect(propertiesOf('{ checkWarranty(input: { serialNumber: "X", repairDate: "2026-01-01" }) { decision } }')).toBeNull();
    expect(propertiesOf('query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { warrantyCheck { decision } } } }')).toBeNull();
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
