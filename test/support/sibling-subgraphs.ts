/** Minimal stand-ins for the sibling subgraphs this subgraph extends: Products, Customers and the CSP. */
const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])';

export const PRODUCTS_SDL = `${LINK}
type Product @key(fields: "id") { id: ID! name: String sku: String }
type Query { products: [Product!]! }
`;
export const CUSTOMERS_SDL = `${LINK}
type Customer @key(fields: "id") { id: ID! name: String }
type Query { customers: [Customer!]! }
`;
export const CSP_SDL = `${LINK}
scalar DateTime
type Case @key(fields: "id") { id: ID! serialNumber: String title: String openedAt: DateTime }
type Query { cases: [Case!]! }
`;
