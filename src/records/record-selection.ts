import type { ApolloServerPlugin } from '@apollo/server';
import {
  getNamedType, isAbstractType, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { RECORD_TYPE, recordFieldsOf, type RecordProperty } from './record-fields';

/**
 * What a request needs of its warranty records: the entity properties the fields it selects read. The record
 * loaders read only those columns (plus the keys below), which on the hot read paths saves most of the time
 * spent turning rows into objects. `null` means "every column".
 */
export type RecordProperties = ReadonlySet<RecordProperty> | null;

/** Read on every path: the keys loaders match rows by, tenancy, and what nearly every resolver touches. */
const ALWAYS: RecordProperty[] = ['id', 'orgId', 'serialNumber', 'customerId', 'policyId', 'siteTimeZone'];

/**
 * The record properties an operation needs, from its selections on `WarrantyRecord` (directly, through
 * fragments, or through an interface or union it belongs to), and whether it runs the active-warranty check
 * anywhere. Mutations and whole-record fields need every column.
 */
export function recordSelectionFor(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): Required<RecordSelection> {
  const fields = recordFieldsOf(schema);
  if (operation.operation !== 'query' || !fields) return { properties: null, checks: false, policies: true };
  const properties = new Set<RecordProperty>(ALWAYS);
  let checks = false;
  let unknownField = false;
  let readsRecord = false;
  let policies = false;
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const name = node.name.value;
        const parent = typeInfo.getParentType();
        if (!parent) return;
        const coordinate = `${parent.name}.${name}`;
        // A field that answers with a policy version (a coverage's, a record's): its fields read the whole row.
        const type = typeInfo.getType();
        if (type && getNamedType(type).name === POLICY_TYPE) policies = true;
        const checkReads = fields.checks.get(coordinate);
        if (checkReads) {
          checks = true;
          for (const property of checkReads) properties.add(property);
        }
        if (fields.wholeRecords.has(coordinate)) readsRecord = true;
        const onRecord =
          parent.name === RECORD_TYPE ||
          (isAbstractType(parent) && schema.getPossibleTypes(parent).some((type) => type.name === RECORD_TYPE));
        if (!onRecord) return;
        const read = fields.reads.get(name);
        if (!read) unknownField = true;
        else for (const property of read) properties.add(property);
      },
    }),
  );
  return { properties: unknownField || readsRecord ? null : properties, checks, policies };
}

/** The schema's type of a policy version. */
const POLICY_TYPE = 'Policy';

/**
 * What the record-selection plugin leaves for the loaders to read. An object of its own that the request context
 * points at: Apollo Server hands plugins a shallow copy of the context, so a property set on the context itself
 * would not reach the loaders.
 */
export interface RecordSelection {
  properties?: RecordProperties;
  /** The operation runs the active-warranty check somewhere: its one statement also brings each unit's record. */
  checks?: boolean;
  /**
   * The operation shows a policy version somewhere (`Coverage.policy`, `WarrantyRecord.policy`): the check's
   * statement then reads the units' policy versions whole and hands them to the policy loader; otherwise only the
   * columns the check itself judges by. Unknown (not worked out) counts as true.
   */
  policies?: boolean;
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
