import type { ApolloServerPlugin } from '@apollo/server';
import {
  isAbstractType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import type { WarrantyRecord } from './warranty-record.entity';

type RecordProperty = keyof WarrantyRecord & string;

/**
 * What a request needs of its warranty records: the entity properties the fields it selects read. The record
 * loaders read only those columns (plus the keys below), which on the hot read paths saves most of the time
 * spent turning rows into objects. `null` means "every column".
 */
export type RecordProperties = ReadonlySet<RecordProperty> | null;

/** Read on every path: the keys loaders match rows by, tenancy, and what nearly every resolver touches. */
const ALWAYS: RecordProperty[] = ['id', 'orgId', 'serialNumber', 'customerId', 'policyId', 'siteTimeZone'];

const START_FACTS: RecordProperty[] = [
  'warrantyDateShift', 'activationRecordDate', 'saleWarrantyActivationDate', 'saleInvoiceDate', 'supplyChainStage',
  'brokerInvoiceDate', 'productionDate',
];

/**
 * For every field of the GraphQL `WarrantyRecord`, the properties its resolver reads. A field missing here (one
 * added to the schema later) makes the request read every column: slower, never wrong. The unit test checks that
 * every field of the schema is listed.
 */
export const RECORD_FIELD_PROPERTIES: Record<string, readonly RecordProperty[]> = {
  __typename: [],
  id: [],
  serialNumber: [],
  sku: ['sku'],
  productFamily: ['productFamily'],
  capacityKwh: ['capacityKwh'],
  product: ['productId'],
  customer: [],
  installerId: ['installerId'],
  registrantRole: ['registrantRole'],
  registeredById: ['registeredById'],
  registeredAt: ['registeredAt'],
  site: ['siteCountry'],
  region: ['region'],
  policy: [],
  start: [...START_FACTS, 'startStatus', 'startDate', 'startSource'],
  startFacts: START_FACTS,
  tier: ['tier'],
  expiresAt: ['expiresAt'],
  status: ['startDate', 'expiresAt', 'voidedAt', 'replacedAt'],
  voidedAt: ['voidedAt'],
  voidReason: ['voidReason'],
  replacedAt: ['replacedAt'],
  replacedBy: ['replacedByRecordId'],
  replaces: ['replacesRecordId'],
  version: ['rowVersion'],
  updatedAt: ['updatedAt'],
  coverages: [],
  history: [],
  claims: [],
  latestReadings: [],
  telemetry: [],
  extensionOffer: [...START_FACTS, 'startStatus', 'startDate', 'expiresAt', 'voidedAt', 'tier'],
  freeServiceDateShift: ['freeServiceDateShift'],
  saleDocuments: [],
  serviceItems: [...START_FACTS, 'freeServiceDateShift', 'productFamily', 'sku'],
};

/**
 * Fields whose value is the record's property of the same name as it is: no resolver, no arguments, a scalar or
 * an enum. The planned reads (server/planned-reads.ts) answer these straight from the rows; a unit test checks
 * that none of them has a resolver and each is a leaf without arguments.
 */
export const PLAIN_RECORD_FIELDS: ReadonlySet<string> = new Set([
  'id', 'serialNumber', 'sku', 'productFamily', 'capacityKwh', 'installerId', 'registrantRole', 'registeredById',
  'registeredAt', 'region', 'tier', 'expiresAt', 'voidedAt', 'voidReason', 'updatedAt',
]);

/** Fields elsewhere in the schema whose resolvers work on whole records (the active-warranty check). */
const NEEDS_WHOLE_RECORD = new Set(['checkWarranty', 'warrantyCheck']);
/**
 * Fields elsewhere that read their unit's record for more than its keys: the hours left of a claim's SLA need the
 * site; a unit's free service by serial number (`Query.serviceItems`) needs its documents' dates.
 */
const READS_RECORD = new Set(['serviceHoursLeft', 'serviceItems']);

const RECORD_TYPE = 'WarrantyRecord';

/**
 * The record properties an operation needs, from its selections on `WarrantyRecord` (directly, through
 * fragments, or through an interface or union it belongs to), and whether it runs the active-warranty check
 * anywhere. Mutations and whole-record fields need every column.
 */
export function recordSelectionFor(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Required<RecordSelection> {
  if (operation.operation !== 'query' || !schema.getType(RECORD_TYPE)) return { properties: null, checks: false };
  const properties = new Set<RecordProperty>(ALWAYS);
  let checks = false;
  let unknownField = false;
  let readsRecord = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const name = node.name.value;
        if (NEEDS_WHOLE_RECORD.has(name)) checks = true;
        if (READS_RECORD.has(name)) readsRecord = true;
        const parent = typeInfo.getParentType();
        if (!parent) return;
        const onRecord =
          parent.name === RECORD_TYPE ||
          (isAbstractType(parent) && schema.getPossibleTypes(parent).some((type) => type.name === RECORD_TYPE));
        if (!onRecord) return;
        const read = RECORD_FIELD_PROPERTIES[name];
        if (!read) unknownField = true;
        else for (const property of read) properties.add(property);
      },
    }),
  );
  return { properties: checks || unknownField || readsRecord ? null : properties, checks };
}

/**
 * What the record-selection plugin leaves for the loaders to read. An object of its own that the request context
 * points at: Apollo Server hands plugins a shallow copy of the context, so a property set on the context itself
 * would not reach the loaders.
 */
export interface RecordSelection {
  properties?: RecordProperties;
  /** The operation runs the active-warranty check somewhere: its one statement also brings each unit's record. */
  checks?: boolean;
}
export interface RecordSelectionHolder {
  recordSelection: RecordSelection;
}

// Apollo Server hands the same parsed document to every request with the same query text (its document cache),
// so the walk runs once per distinct operation, not once per request.
const cache = new WeakMap<DocumentNode, Map<OperationDefinitionNode, Required<RecordSelection>>>();

/** Works out, after validation, which record columns the operation needs. */
export const recordSelectionPlugin: ApolloServerPlugin<RecordSelectionHolder> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ schema, document, operation, contextValue }) {
        if (!operation) return;
        let byOperation = cache.get(document);
        if (!byOperation) cache.set(document, (byOperation = new Map()));
        let selection = byOperation.get(operation);
        if (!selection) byOperation.set(operation, (selection = recordSelectionFor(schema, document, operation)));
        Object.assign(contextValue.recordSelection, selection);
      },
    };
  },
};
