import { composeServices } from '@apollo/composition';
import { isObjectType, type GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import { loadContractSchema } from '../../src/schema-parts';
import { CSP_SDL, CUSTOMERS_SDL, PRODUCTS_SDL } from '../support/sibling-subgraphs';


function fieldsOf(schema: GraphQLSchema, typeName: string): string[] {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type in the API schema`);
  return Object.keys(type.getFields());
}

function fieldType(schema: GraphQLSchema, typeName: string, fieldName: string): string {
  const type = schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type in the API schema`);
  return String(type.getFields()[fieldName]?.type);
}

describe('supergraph composition', () => {
  const result = composeServices([
    { name: 'warranty', url: 'http://warranty.invalid/graphql', typeDefs: gql(loadContractSchema()) },
    { name: 'products', url: 'http://products.invalid/graphql', typeDefs: gql(PRODUCTS_SDL) },
    { name: 'customers', url: 'http://customers.invalid/graphql', typeDefs: gql(CUSTOMERS_SDL) },
    { name: 'csp', url: 'http://csp.invalid/graphql', typeDefs: gql(CSP_SDL) },
  ]);

  it('composes without errors', () => {
    expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    expect(result.supergraphSdl).toContain('join__Graph');
  });

  it('exposes the fields this subgraph contributes in the API schema', () => {
    const api = result.schema!.toAPISchema().toGraphQLJSSchema();
    expect(fieldsOf(api, 'Case')).toEqual(expect.arrayContaining(['id', 'serialNumber', 'title', 'warranty']));
    expect(fieldsOf(api, 'Product')).toEqual(
      expect.arrayContaining(['id', 'name', 'sku', 'warrantyPolicies', 'registeredUnitsCount']),
    );
    expect(fieldsOf(api, 'Customer')).toEqual(expect.arrayContaining(['id', 'name', 'warranties']));
    expect(fieldsOf(api, 'Query')).toEqual(
      expect.arrayContaining(['warranty', 'warranties', 'warrantyPolicies', 'products', 'customers', 'cases']),
    );
    expect(fieldType(api, 'Case', 'warranty')).toBe('WarrantyRecord');
    expect(fieldType(api, 'Product', 'warrantyPolicies')).toBe('[Policy!]!');
    expect(fieldType(api, 'Product', 'registeredUnitsCount')).toBe('Int!');
    expect(fieldType(api, 'Customer', 'warranties')).toBe('WarrantyRecordConnection!');
    expect(fieldType(api, 'Query', 'warranty')).toBe('WarrantyRecord');
    // Federation plumbing stays out of the API schema.
    expect(api.getType('_Entity')).toBeUndefined();
    expect(fieldsOf(api, 'Query')).not.toContain('_entities');
  });

  it('plans Case.warranty through the @requires of serialNumber', () => {
    // The supergraph records that the warranty subgraph needs the CSP's serialNumber to resolve Case.warranty.
    expect(result.supergraphSdl).toMatch(/warranty: WarrantyRecord @join__field\(graph: WARRANTY, requires: "serialNumber"\)/);
  });
});
