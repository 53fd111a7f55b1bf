import type { Actor } from './auth/actor';
import { createHistoryLoader } from './audit/history-loader';
import { createCoverageLoaders } from './coverage/coverage-loaders';
import { unauthenticated } from './common/errors';
import { createPolicyLoaders } from './policies/policies.service';
import { createProductLoaders } from './products/product-loaders';
import { createCustomerWarrantiesLoader, createRecordLoaders } from './records/record-loaders';
import type { RecordSelection, RecordSelectionHolder } from './records/record-selection';
import type { WarrantyRecord } from './records/warranty-record.entity';
import type { Services } from './services';

function createLoaders(services: Services, actor: Actor, selection: RecordSelection) {
  const records = createRecordLoaders(services.dataSource, services.reader, actor, selection);
  const coverages = createCoverageLoaders(services.dataSource, services.reader, actor);
  return {
    ...records,
    ...coverages,
    /** Mutations call this so the payload reads what was just written, not what was cached before. */
    forget(record: WarrantyRecord): void {
      records.forgetRecord(record);
      coverages.forgetCoverages(record);
    },
    ...createPolicyLoaders(services.dataSource, services.reader, actor),
    ...createProductLoaders(services.dataSource, actor),
    customerWarranties: createCustomerWarrantiesLoader(services.records, actor),
    history: createHistoryLoader(services.dataSource, actor),
  };
}
export type Loaders = ReturnType<typeof createLoaders>;

/** Everything one GraphQL request carries: who asks, the services, and that request's own DataLoaders. */
export interface RequestContext extends RecordSelectionHolder {
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
  // The loaders read the record columns the operation needs, which the selection plugin sets after validation,
  // before any resolver runs.
  const recordSelection: RecordSelection = {};
  const loaders = actor ? createLoaders(services, actor, recordSelection) : undefined;
  return { requestId, actor, authError, services, loaders, signal, recordSelection };
}

/** The caller and their loaders, or UNAUTHENTICATED. Every resolver that touches data starts here. */
export function authenticated(context: RequestContext): { actor: Actor; loaders: Loaders } {
  if (!context.actor || !context.loaders) throw unauthenticated(context.authError ?? undefined);
  return { actor: context.actor, loaders: context.loaders };
}
