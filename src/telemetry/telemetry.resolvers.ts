import { DomainError, queryResult, userErrorsOf, type UserError } from '../common/errors';
import { pageSize } from '../common/pagination';
import { authenticated } from '../auth/authenticated';
import type { Resolvers } from '../generated/graphql';
import { DAY_MS } from './firmware-rules';
import type { FirmwareRelease } from './telemetry.entities';
import { unitsAtRisk } from './telemetry.service';
import { recordField } from '../records/record-fields';

/** The payload of a service call whose result has several fields: its refusals as `userErrors`, nothing written. */
async function payload<T extends object>(run: () => Promise<T>, empty: T): Promise<T & { userErrors: UserError[] }> {
  try {
    return { ...(await run()), userErrors: [] };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return { ...empty, userErrors: userErrorsOf(error) };
  }
}

export const telemetryResolvers: Resolvers = {
  FirmwareRelease: {
    deadline: (release) => new Date(new Date(release.releasedAt).getTime() + release.graceDays * DAY_MS),
  },
  WarrantyRecord: {
    telemetry: recordField([], (record, _, context) => authenticated(context).loaders.telemetry.load(record.id)),
  },
  Query: {
    unitsAtRisk: (_, { withinDays, first }, context) =>
      queryResult(async () => {
        const { actor, loaders } = authenticated(context);
        if (!Number.isInteger(withinDays) || withinDays < 0 || withinDays > 3650) throw new DomainError('BAD_USER_INPUT', 'withinDays must be from 0 to 3650', ['withinDays']);
        const size = pageSize(first, 100);
        const rows = await unitsAtRisk(context.services.dataSource, actor, withinDays, size, context.services.now());
        // The rows are the caller's already; a record the loader cannot show them is left out, never a null.
        const withRecords = await Promise.all(rows.map(async (row) => ({ ...row, warranty: await loaders.recordById.load(row.warrantyId) })));
        return withRecords.filter((row): row is typeof row & { warranty: NonNullable<typeof row.warranty> } => row.warranty != null);
      }),
  },
  Mutation: {
    publishFirmwareRelease: (_, { input }, context) =>
      payload<{ release: FirmwareRelease | null }>(async () => ({ release: await context.services.telemetry.publishRelease(authenticated(context).actor, input) }), { release: null }),
    recordHeartbeats: (_, { input }, context) =>
      payload(() => context.services.telemetry.recordHeartbeats(authenticated(context).actor, input.heartbeats), { accepted: 0, unknownSerialNumbers: [] }),
    recordFirmwareReports: (_, { input }, context) =>
      payload(() => context.services.telemetry.recordFirmware(authenticated(context).actor, input.reports), { accepted: 0, unknownSerialNumbers: [] }),
    evaluateTelemetry: (_, { input }, context) =>
      payload(
        () => context.services.telemetry.evaluate(authenticated(context).actor, { dryRun: input.dryRun ?? false, afterWarrantyId: input.afterWarrantyId, limit: input.limit }),
        { dryRun: input.dryRun ?? false, voided: 0, flagged: 0, decisions: [], unitsConsidered: 0, lastWarrantyId: null, done: false },
      ),
  },
};
