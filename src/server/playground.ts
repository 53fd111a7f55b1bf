import type { ApolloServerPlugin } from '@apollo/server';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

export const EXAMPLE_OPERATIONS = `# Sofar Warranty playground. The Authorization header below holds a development token
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
 * Serves a self-contained GraphiQL (no CDN: works offline) at the subgraph's URL, replacing Apollo's landing
 * page, which loads from the internet. `token`, when given, pre-fills the Authorization header.
 */
export function playgroundPlugin(token?: string): ApolloServerPlugin {
  const html = renderGraphiQL({
    title: 'Sofar Warranty',
    defaultQuery: EXAMPLE_OPERATIONS,
    headers: JSON.stringify(token ? { Authorization: `Bearer ${token}` } : {}),
    shouldPersistHeaders: true,
  });
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}
