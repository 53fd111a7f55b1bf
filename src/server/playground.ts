import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { decodeJwt } from 'jose';
import { PrecompressedBody } from './http-compression';

/** The organisation of the playground's development token, and the demo units its examples use (db/demo-data.ts). */
export const PLAYGROUND_ORG = 'sofar';
export const DEMO_SERIAL = 'SF-DEMO-INV-0001';
/** The demo battery, whose cells VoidCells voids: its id is filled into the examples' variables. */
export const DEMO_BATTERY_SERIAL = 'SF-DEMO-BAT-0001';

export const EXAMPLE_OPERATIONS = `# Sofar Warranty playground. On the server's own machine the Authorization header holds a development token
# of a WARRANTY_ADMIN of org "sofar" (what every example below needs); make a token of another role with:
#   npm run token -- --org sofar --role AGENT
# Pick an operation with the ▶ button. VoidCells takes the demo battery's id (SF-DEMO-BAT-0001) from the Variables tab.

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

mutation VoidCells($id: ID!) {
  voidWarranty(input: { id: $id, component: "CELLS", reason: "missed mandatory cell firmware" }) {
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
 * The examples' variables: the id of the demo battery (looked up where the server runs), or, without one, an empty
 * id to fill in with one from a unit's lookup (its `id`).
 */
export function exampleVariables(recordId: string | null): string {
  return JSON.stringify({ id: recordId ?? '' }, null, 2);
}

/**
 * A self-contained GraphiQL (no CDN: works offline), served at the subgraph's URL in place of Apollo's landing
 * page, which loads from the internet. `token`, when given, pre-fills the Authorization header; `recordId` (the
 * demo battery's id) the variables.
 */
export function playgroundHtml(token?: string, recordId: string | null = null): string {
  const query = token ? EXAMPLE_OPERATIONS : `${NO_TOKEN_NOTE}${EXAMPLE_OPERATIONS}`;
  return renderGraphiQL({
    title: 'Sofar Warranty',
    defaultQuery: query,
    defaultTabs: [{ query, variables: exampleVariables(recordId) }],
    headers: JSON.stringify(token ? { Authorization: `Bearer ${token}` } : {}),
    shouldPersistHeaders: true,
  });
}

const NO_TOKEN_NOTE = `# You are not on the server's machine, so no development token was filled in: a token minted for any
# browser that reaches this port would let anyone on the network act as an administrator. Make one where the
# server runs (npm run token -- --org sofar --role WARRANTY_ADMIN, the role the examples need) and set it in the
# Headers tab:
#   { "Authorization": "Bearer <token>" }

`;

/** A caller on this machine: 127.0.0.0/8 or ::1, also as IPv4-mapped IPv6. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain);
}

const HTML = 'text/html; charset=utf-8';

/**
 * The playground pages, each built and compressed once: one for callers elsewhere (no token), and one for callers
 * on this machine with a development token, rebuilt (a new token, the demo unit's id looked up again) once half
 * the token's lifetime has passed.
 */
export class PlaygroundPages {
  private remote: PrecompressedBody | undefined;
  private local: { page: Promise<PrecompressedBody>; renewAt: number } | undefined;

  constructor(
    private readonly mintToken: (() => Promise<string>) | undefined,
    private readonly demoRecordId: () => Promise<string | null>,
  ) {}

  page(loopback: boolean): Promise<PrecompressedBody> {
    if (!loopback || !this.mintToken) return Promise.resolve((this.remote ??= new PrecompressedBody(Buffer.from(playgroundHtml()), HTML)));
    if (!this.local || Date.now() >= this.local.renewAt) {
      const local: { page: Promise<PrecompressedBody>; renewAt: number } = { page: this.build(this.mintToken, (renewAt) => (local.renewAt = renewAt)), renewAt: Infinity };
      this.local = local;
      // A failure (the database away while the id is looked up) is not kept: the next request builds again.
      local.page.catch(() => (this.local === local ? (this.local = undefined) : undefined));
    }
    return this.local.page;
  }

  private async build(mintToken: () => Promise<string>, renewAt: (ms: number) => void): Promise<PrecompressedBody> {
    const token = await mintToken();
    const { exp } = decodeJwt(token);
    const now = Date.now();
    // Our development tokens always carry `exp`; one without is kept like the page without a token.
    renewAt(exp ? now + Math.max(0, exp * 1000 - now) / 2 : Infinity);
    // The page works without the demo battery's id (its example then asks for one): a database that is away does
    // not make the playground an error.
    const demoId = await this.demoRecordId().catch(() => null);
    return new PrecompressedBody(Buffer.from(playgroundHtml(token, demoId)), HTML);
  }
}

/**
 * What `GET /` answers a client that is not a browser (curl, `Accept: *\/*`) and asks no query: what this endpoint
 * is and how to use it, in plain text, instead of Apollo's CSRF refusal.
 */
export function aboutText(url: string, playground: boolean): string {
  return `Sofar Warranty: the GraphQL subgraph (Apollo Federation 2) that owns the warranty life of every serialized unit.

Ask it with a POST of JSON to this URL, with a bearer token:
  curl -s ${url} -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\
    -d '{"query":"{ warranty(serialNumber: \\"${DEMO_SERIAL}\\") { serialNumber status expiresAt } }"}'

A development token (only with the development secret; production tokens come from your identity provider):
  npm run token -- --org ${PLAYGROUND_ORG} --role WARRANTY_ADMIN
${
  playground
    ? `In a browser, open ${url} for the playground (GraphiQL), with examples to run.`
    : 'The playground (GraphiQL) is switched off here (PLAYGROUND=false).'
}
A GET with ?query=... works too, with the header apollo-require-preflight: true (CSRF prevention).
Also: /health (alive), /ready (database reachable), /metrics (Prometheus).
`;
}
