/**
 * What the command-line tools share: they work through a running subgraph over HTTP (next to `npm start`, against a
 * deployment, on any database), with a token of the organisation, so the same validation, roles, tenancy and
 * transactions apply as for every other caller.
 */
import { signToken } from '../src/auth/tokens';
import { DEVELOPMENT_JWT_SECRET } from '../src/config';
import { CommandError } from './command-line';

export { CommandError, runCommand } from './command-line';

/** The token given, else (outside production) a development WARRANTY_ADMIN token minted for `org`. */
export async function adminToken(given: string | null, org: string | null, sub: string): Promise<string> {
  if (given) return given;
  return signToken(process.env.JWT_SECRET || DEVELOPMENT_JWT_SECRET, { sub, org: org!, roles: ['WARRANTY_ADMIN'] }, {
    expiresIn: '1h',
    issuer: process.env.JWT_ISSUER,
    audience: process.env.JWT_AUDIENCE,
  });
}

/** Sends one operation and returns `data[field]`, or refuses with what went wrong ("<what> refused: CODE message"). */
export async function callSubgraph<T>(url: string, token: string, query: string, variables: Record<string, unknown>, field: string, what: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new CommandError(`cannot reach the subgraph at ${url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`);
  }
  let body: { data?: Record<string, T | null>; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new CommandError(`the subgraph at ${url} answered HTTP ${response.status} without a GraphQL response`);
  }
  const payload = body.data?.[field];
  if (!payload) {
    const error = body.errors?.[0];
    throw new CommandError(`the subgraph refused ${what}: ${error?.extensions?.code ?? `HTTP ${response.status}`} ${error?.message ?? ''}`.trim());
  }
  return payload;
}
