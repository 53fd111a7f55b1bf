import type { Actor } from './auth/actor';
import { createHistoryLoader } from './audit/history-loader';
import { unauthenticated } from './common/errors';
import { createPolicyLoaders } from './policies/policies.service';
import { createProductLoaders } from './products/product-loaders';
import { createCustomerWarrantiesLoader, createRecordLoaders } from './records/record-loaders';
import type { Services } from './services';

function createLoaders(services: Services, actor: Actor) {
  return {
    ...createRecordLoaders(services.dataSource, actor),
    ...createPolicyLoaders(services.dataSource, actor),
    ...createProductLoaders(services.dataSource, actor),
    customerWarranties: createCustomerWarrantiesLoader(services.records, actor),
    history: createHistoryLoader(services.dataSource, actor),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** Everything one GraphQL request carries: who asks, the services, and that request's own DataLoaders. */
export interface RequestContext {
  requestId: string;
  actor: Actor | null;
  /** Why the bearer token was refused, when one was sent and was bad. */
  authError: string | null;
  services: Services;
  loaders?: Loaders;
  /** Aborted at the request's deadline or when the client has gone: resolvers stop doing work then. */
  signal?: AbortSignal;
}

export function createRequestContext(
  services: Services,
  requestId: string,
  actor: Actor | null,
  authError: string | null,
  signal?: AbortSignal,
): RequestContext {
  return { requestId, actor, authError, services, loaders: actor ? createLoaders(services, actor) : undefined, signal };
}

/** The caller and their loaders, or UNAUTHENTICATED. Every resolver that touches data starts here. */
export function authenticated(context: RequestContext): { actor: Actor; loaders: Loaders } {
  if (!context.actor || !context.loaders) throw unauthenticated(context.authError ?? undefined);
  return { actor: context.actor, loaders: context.loaders };
}
