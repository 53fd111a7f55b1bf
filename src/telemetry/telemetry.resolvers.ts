import { DomainError, DomainErrors, type UserError } from '../common/errors';
import { authenticated } from '../context';
import type { Resolvers } from '../generated/graphql';
import { DAY_MS } from './firmware-rules';
import type { FirmwareRelease } from './telemetry.entities';

/** The payload of a service call whose result has several fields: its refusals as `userErrors`, nothing written. */
async function payload<T extends object>(run: () => Promise<T>, empty: T): Promise<T & { userErrors: UserError[] }> {
  try {
    return { ...(await run()), userErrors: [] };
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    const errors = error instanceof DomainErrors ? error.errors : [error];
    return { ...empty, userErrors: errors.map((e) => ({ code: e.code, field: e.field ?? null, message: e.message })) };
  }
}

export const telemetryResolvers: Resolvers = {
  FirmwareRelease: {
    deadline: (release) => new Date(new Date(release.releasedAt).getTime() + release.graceDays * DAY_MS),
  },
  Mutation: {
    publishFirmwareRelease: (_, { input }, context) =>
      payload<{ release: FirmwareRelease | null }>(async () => ({ release: await context.services.telemetry.publishRelease(authenticated(context).actor, input) }), { release: null }),
    recordHeartbeats: (_, { input }, context) =>
      payload(() => context.services.telemetry.recordHeartbeats(authenticated(context).actor, input.heartbeats), { accepted: 0, unknownSerialNumbers: [] }),
    recordFirmwareReports: (_, { input }, context) =>
      payload(() => context.services.telemetry.recordFirmware(authenticated(context).actor, input.reports), { accepted: 0, unknownSerialNumbers: [] }),
    evaluateTelemetry: (_, { input }, context) =>
      payload(() => context.services.telemetry.evaluate(authenticated(context).actor, { dryRun: input.dryRun ?? false }), { dryRun: input.dryRun ?? false, voided: 0, flagged: 0, decisions: [] }),
  },
};
