import type { Pool, PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { requestScope, type RequestScope } from '../common/logger';
import type { Replica, ReplicaSet } from './replicas';

/**
 * Where a request's statements go, chosen once per request and below every module: a GraphQL query reads from
 * one healthy replica, everything else (mutations, the reads inside and after their transactions, webhooks, the
 * export, the commands, the dispatcher) from the primary. The choice is made where the operation's type is known
 * (the planned read's route and an Apollo plugin, server/), and every connection TypeORM or the row reader takes
 * while serving that request follows it, so no loader, service or new module has to ask for it.
 *
 * Nothing is chosen for a request until `readFromReplica` is called for it: the primary is the default.
 */

/** The header with which a client asks that this query read from the primary (its own writes, just made). */
export const READ_PRIMARY_HEADER = 'x-sofar-read-primary';

/** Why a query's reads went where they went (a label of the routing metric). */
export type RouteReason = 'REPLICA' | 'ASKED_PRIMARY' | 'NO_HEALTHY_REPLICA' | 'REPLICA_UNREACHABLE';

interface Routing {
  replicas: ReplicaSet;
  onRoute?: (target: string, reason: RouteReason) => void;
}

const routings = new WeakMap<DataSource, Routing>();
/** Per request (its scope), the replica it reads from; null: it was routed, to the primary. */
const chosen = new WeakMap<RequestScope, Replica | null>();

/** Whether a client's header value asks for the primary: any value but empty, `0` or `false`. */
export function asksForPrimary(value: string | undefined): boolean {
  if (value === undefined) return false;
  const trimmed = value.trim().toLowerCase();
  return trimmed !== '' && trimmed !== '0' && trimmed !== 'false';
}

/**
 * Makes `dataSource` (and the row readers on its pool) send each request's statements where the request was
 * routed. TypeORM's driver takes every connection through `obtainMasterConnection` (there is no `replication`
 * configured: see decision 0011), so that one method is wrapped.
 */
export function installReadRouting(dataSource: DataSource, replicas: ReplicaSet, onRoute?: Routing['onRoute']): void {
  routings.set(dataSource, { replicas, onRoute });
  const driver = dataSource.driver as PostgresDriver;
  const primary = driver.obtainMasterConnection.bind(driver);
  driver.obtainMasterConnection = async () => {
    const replica = routedReplica();
    if (!replica) return primary();
    const client = await connectToReplica(replica, replicas, onRoute);
    return client ? [client, (error?: Error | boolean) => client.release(error)] : primary();
  };
}

/**
 * Routes the current request's reads to a healthy replica (or, when the client asked for the primary or none is
 * healthy, to the primary). Once per request: later calls (a planned read that hands over to Apollo) keep the
 * first choice. Does nothing without replicas or outside a request.
 */
export function readFromReplica(dataSource: DataSource, primaryHeader: string | undefined): void {
  const routing = routings.get(dataSource);
  const scope = requestScope.getStore();
  if (!routing || !scope || chosen.has(scope)) return;
  if (asksForPrimary(primaryHeader)) {
    chosen.set(scope, null);
    routing.onRoute?.('primary', 'ASKED_PRIMARY');
    return;
  }
  const replica = routing.replicas.pick();
  chosen.set(scope, replica);
  if (replica) routing.onRoute?.(replica.label, 'REPLICA');
  else routing.onRoute?.('primary', 'NO_HEALTHY_REPLICA');
}

/** The replica the current request reads from, if any (for the request log). */
export function readsFrom(): string | undefined {
  const scope = requestScope.getStore();
  if (!scope || !chosen.has(scope)) return undefined;
  return chosen.get(scope)?.label ?? 'primary';
}

function routedReplica(): Replica | null {
  const scope = requestScope.getStore();
  return (scope && chosen.get(scope)) || null;
}

/**
 * A connection from the request's replica; null when the replica could not give one (refused, timed out): it is
 * marked down, the rest of the request reads from the primary, and no error reaches the client. An error on a
 * statement already sent is the statement's, and is not retried elsewhere.
 */
async function connectToReplica(replica: Replica, replicas: ReplicaSet, onRoute: Routing['onRoute']): Promise<PoolClient | null> {
  try {
    return await replica.pool.connect();
  } catch (error) {
    replicas.markDown(replica, error as Error);
    const scope = requestScope.getStore();
    if (scope) chosen.set(scope, null);
    onRoute?.('primary', 'REPLICA_UNREACHABLE');
    return null;
  }
}

/** A connection for the row reader: from the request's replica when it was routed to one, else from `primary`. */
export async function connectForRows(dataSource: DataSource, primary: Pool): Promise<PoolClient> {
  const replica = routedReplica();
  const routing = replica && routings.get(dataSource);
  if (replica && routing) {
    const client = await connectToReplica(replica, routing.replicas, routing.onRoute);
    if (client) return client;
  }
  return primary.connect();
}
