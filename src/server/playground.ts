import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

export const EXAMPLE_OPERATIONS = `# Sofar Warranty playground. On the server's own machine the Authorization header holds a development token
# (WARRANTY_ADMIN of org "sofar"); make others with: npm run token -- --org sofar --role AGENT
# Pick an operation with the ▶ button.

query LookUpBySerial {
  warranty(serialNumber: "SF-DEMO-INV-0001") {
    id serialNumber productFamily region tier expiresAt status
    start { status date source reason }
    policy { region version termMonths labourMonths }
    coverages { kind scope startDate endDate labourEndDate limits { throughputMwh sohGuaranteePct } voidedAt }
  }
}

mutation Register {
  registerWarranty(input: {
    serialNumber: "SF-PLAY-0001"
    sku: "SOFAR-PM-V2-10"
    customerId: "cust-42"
    site: { countryCode: "AT", timeZone: "Europe/Vienna" }
    commissioningDate: "2025-05-02"
  }) {
    warranty { id serialNumber region expiresAt coverages { scope endDate } }
    userErrors { code field message }
  }
}

mutation VoidCells {
  voidWarranty(input: { id: "<record id>", component: "CELLS", reason: "missed mandatory cell firmware" }) {
    warranty { coverages { scope voidedAt voidReason } }
    userErrors { code field message }
  }
}

query Fleet {
  warranties(first: 10, filter: { status: ACTIVE }) {
    totalCount
    edges { cursor node { serialNumber productFamily region expiresAt } }
    pageInfo { hasNextPage endCursor }
  }
}

query Policies {
  warrantyPolicies(asOf: "2026-01-01") {
    edges { node { productFamily region version termMonths labourMonths sohGuaranteePct extensionTiers } }
  }
}

query History {
  warranty(serialNumber: "SF-DEMO-INV-0001") {
    history(first: 20) { edges { node { event fromValue toValue actorId occurredAt detail } } }
  }
}
`;

/**
 * A self-contained GraphiQL (no CDN: works offline), served at the subgraph's URL in place of Apollo's landing
 * page, which loads from the internet. `token`, when given, pre-fills the Authorization header.
 */
export function playgroundHtml(token?: string): string {
  return renderGraphiQL({
    title: 'Sofar Warranty',
    defaultQuery: token ? EXAMPLE_OPERATIONS : `${NO_TOKEN_NOTE}${EXAMPLE_OPERATIONS}`,
    headers: JSON.stringify(token ? { Authorization: `Bearer ${token}` } : {}),
    shouldPersistHeaders: true,
  });
}

const NO_TOKEN_NOTE = `# You are not on the server's machine, so no development token was filled in: a token minted for any
# browser that reaches this port would let anyone on the network act as an administrator. Make one where the
# server runs (npm run token -- --org sofar --role AGENT) and set it in the Headers tab:
#   { "Authorization": "Bearer <token>" }

`;

/** A caller on this machine: 127.0.0.0/8 or ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}
