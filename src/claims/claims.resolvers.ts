import Decimal from 'decimal.js';
import { DomainError, DomainErrors, mutationPayload, queryResult } from '../common/errors';
import { isoDate } from '../common/validation';
import { isCustomerOnly } from '../auth/actor';
import { moneyOf } from '../common/money';
import { authenticated } from '../auth/authenticated';
import type { ClaimLineInput, Resolvers, RequestContext } from '../generated/graphql';
import type { ClaimAction, ClaimKind } from './claim-states';
import type { LineInput } from './line-coverage';
import { serviceHoursBetween } from './sla-calendar';
import { calendarOf } from './sla-calendars';
import type { ClaimLine } from './claim-line.entity';
import type { WarrantyClaim } from './warranty-claim.entity';
import { readsWholeRecords, recordField } from '../records/record-fields';


/** A line's currency: its claim's, which the lines loader reads with it. */
function currencyOf(line: ClaimLine): string {
  if (!line.currency) throw new Error(`claim line ${line.id} was read without its claim's currency`);
  return line.currency;
}

/** A quantity or hours as stored, without the trailing zeros of the column's scale. */
function decimal(value: string | null): string | null {
  return value === null ? null : new Decimal(value).toString();
}

/** What the warranty pays of a line: nothing when not covered, else its covered part (rule 17) or the whole. */
function coveredPart(line: ClaimLine): string {
  return line.covered ? (line.coveredAmount ?? line.amount) : '0';
}

const ENDED = new Set(['REJECTED', 'CANCELLED', 'CLOSED']);

/**
 * One SLA target's state, as `claims(filter: { slaState })` computes it in SQL (claims.service.ts). The service hours
 * left are resolved only when asked for: they need the site's calendar (three more statements for a page).
 */
function slaTarget(claim: WarrantyClaim, dueAt: Date | null, metAt: Date | null, now: Date) {
  if (!dueAt) return null;
  const state: 'MET' | 'BREACHED' | 'STOPPED' | 'RUNNING' = metAt
    ? metAt.getTime() <= dueAt.getTime() ? 'MET' : 'BREACHED'
    : ENDED.has(claim.status) ? 'STOPPED' : now.getTime() > dueAt.getTime() ? 'BREACHED' : 'RUNNING';
  return { dueAt, metAt, state, claim, now };
}

/** The calendar the claim keeps, at its site, from the request's loaders (its unit, its calendar version): batched. */
async function calendarOfClaim(context: RequestContext, claim: WarrantyClaim, now: Date) {
  const { loaders } = authenticated(context);
  const record = await loaders.recordById.load(claim.warrantyRecordId);
  if (!record) throw new Error(`record ${claim.warrantyRecordId} of claim ${claim.id} is missing`);
  const spec = claim.serviceCalendarId ? await loaders.calendarSpecById.load(claim.serviceCalendarId) : null;
  if (claim.serviceCalendarId && !spec) throw new Error(`service calendar ${claim.serviceCalendarId} of claim ${claim.id} is missing`);
  // One calendar per site and version for the whole request: a page of claims mostly shares one.
  const timeZone = record.siteTimeZone ?? 'UTC';
  const key = `${record.siteCountry}|${timeZone}|${claim.serviceCalendarId ?? ''}|${now.getUTCFullYear()}`;
  let calendar = loaders.calendars.get(key);
  if (!calendar) {
    calendar = calendarOf({ countryCode: record.siteCountry, timeZone }, spec, now.getUTCFullYear());
    loaders.calendars.set(key, calendar);
  }
  return calendar;
}

/** The lines as the service prices them; a field a line's kind needs and lacks is the client's mistake, named. */
function lineInputs(lines: readonly ClaimLineInput[], at: (index: number) => string[] = (index) => ['input', 'lines', String(index)]): LineInput[] {
  const problems: DomainError[] = [];
  const need = (index: number, name: string, value: unknown) => {
    if (value === null || value === undefined) problems.push(new DomainError('BAD_USER_INPUT', `a ${lines[index].kind} line needs ${name}`, [...at(index), name]));
  };
  const converted = lines.map((line, index): LineInput => {
    if (line.kind !== 'LABOUR' && line.operationCode !== null && line.operationCode !== undefined) {
      problems.push(new DomainError('BAD_USER_INPUT', 'only a LABOUR line names an operation', ['input', 'lines', String(index), 'operationCode']));
    }
    if (line.kind === 'PART') {
      need(index, 'partNumber', line.partNumber);
      need(index, 'quantity', line.quantity);
      need(index, 'unitPrice', line.unitPrice);
      return { kind: 'PART', partNumber: line.partNumber ?? '', component: line.component, quantity: line.quantity ?? '0', unitPrice: line.unitPrice ?? '0' };
    }
    if (line.kind === 'LABOUR') {
      need(index, 'hours', line.hours);
      need(index, 'rate', line.rate);
      return { kind: 'LABOUR', hours: line.hours ?? '0', rate: line.rate ?? '0', operationCode: line.operationCode };
    }

    need(index, 'startAt', line.startAt);
    need(index, 'endAt', line.endAt);
    return { kind: 'TRAVEL', startAt: line.startAt ?? new Date(0), endAt: line.endAt ?? new Date(0), rate: line.rate };
  });
  if (problems.length > 0) throw new DomainErrors(problems);
  return converted;
}

function transition(context: RequestContext, input: { id: string; reason: string }, action: ClaimAction) {
  const { actor, loaders } = authenticated(context);
  return mutationPayload('claim', async () => {
    const claim = await context.services.claims.transition(actor, { id: input.id, action, reason: input.reason });
    loaders.claimById.clear(claim.id).prime(claim.id, claim);
    return claim;
  });
}

export const claimResolvers: Resolvers = {
  Query: {
    claim: (_, { id }, context) => authenticated(context).loaders.claimById.load(id),
    claims: (_, { filter, first, after }, context) =>
      queryResult(() => context.services.claims.list(authenticated(context).actor, { ...filter }, { first, after })),
    claimsAwaitingDecision: (_, { first, after }, context) =>
      queryResult(() => context.services.claims.awaitingDecision(authenticated(context).actor, { first, after })),
    claimsAtRisk: (_, { withinServiceHours, first }, context) =>
      queryResult(() => context.services.claims.atRisk(authenticated(context).actor, withinServiceHours, first)),
  },

  Mutation: {
    submitClaim: (_, { input }, context) => {
      const { actor } = authenticated(context);
      return mutationPayload('claim', async () =>
        context.services.claims.submit(actor, {
          warrantyId: input.warrantyId,
          serialNumber: input.serialNumber,
          kind: input.kind as ClaimKind,
          repairDate: isoDate(input.repairDate)!,
          component: input.component,
          capacityClaim: input.capacityClaim,
          description: input.description,
          readings: input.readings ?? null,
          currency: input.currency,
          lines: lineInputs(input.lines ?? []),
          cspCaseId: input.cspCaseId,
          caseOpenedAt: input.caseOpenedAt,
          idempotencyKey: input.idempotencyKey,
          replacementSerialNumber: input.replacementSerialNumber,
          campaignCode: input.campaignCode,
        }),
      );
    },
    approveClaim: (_, { input }, context) => transition(context, input, 'APPROVE'),
    rejectClaim: (_, { input }, context) => transition(context, input, 'REJECT'),
    cancelClaim: (_, { input }, context) => transition(context, input, 'CANCEL'),
    startClaimRepair: (_, { input }, context) => transition(context, input, 'START_REPAIR'),
    completeClaim: (_, { input }, context) => transition(context, input, 'COMPLETE'),
    requestClaimException: (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      return mutationPayload('claim', async () => {
        const claim = await context.services.claims.requestException(actor, input);
        loaders.claimById.clear(claim.id).prime(claim.id, claim);
        return claim;
      });
    },
    amendClaimLines: (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      return mutationPayload('claim', async () => {
        const problems: DomainError[] = [];
        const convert = <T,>(run: () => T): T | null => {
          try {
            return run();
          } catch (error) {
            if (error instanceof DomainErrors) problems.push(...error.errors);
            else throw error;
            return null;
          }
        };
        const add = convert(() => lineInputs(input.add ?? [], (i) => ['input', 'add', String(i)])) ?? [];
        const change = (input.change ?? []).map((c, i) => ({ lineId: c.lineId, line: convert(() => lineInputs([c.line], () => ['input', 'change', String(i), 'line'])[0]) }));
        if (problems.length > 0) throw new DomainErrors(problems);
        const claim = await context.services.claims.amendLines(actor, {
          claimId: input.claimId,
          currency: input.currency,
          add,
          change: change.map((c) => ({ lineId: c.lineId, line: c.line! })),
          remove: input.remove ?? [],
          reason: input.reason,
        });
        loaders.claimById.clear(claim.id).prime(claim.id, claim);
        loaders.claimLines.clear(claim.id);
        return claim;
      });
    },
    linkClaimCase: (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      return mutationPayload('claim', async () => {
        const claim = await context.services.claims.linkCase(actor, { claimId: input.claimId, caseId: input.caseId, openedAt: input.openedAt });
        loaders.claimById.clear(claim.id).prime(claim.id, claim);
        return claim;
      });
    },
    recordExceptionDecision: (_, { input }, context) => {
      const { actor, loaders } = authenticated(context);
      return mutationPayload('claim', async () => {
        const claim = await context.services.claims.recordExceptionDecision(actor, input);
        loaders.claimById.clear(claim.id).prime(claim.id, claim);
        loaders.claimLines.clear(claim.id);
        return claim;
      });
    },
  },

  Claim: {
    warranty: async (claim, _, context) => {
      const record = await authenticated(context).loaders.recordById.load(claim.warrantyRecordId);
      if (!record) throw new Error(`record ${claim.warrantyRecordId} of claim ${claim.id} is missing`);
      return record;
    },
    replacement: (claim, _, context) => (claim.replacementRecordId ? authenticated(context).loaders.recordById.load(claim.replacementRecordId) : null),
    readings: (claim) => ({ odometerKm: claim.odometerKm, engineHours: claim.engineHours, throughputMwh: claim.throughputMwh, sohPct: claim.sohPct }),
    check: (claim) => {
      const stored = claim.validation ?? {};
      return {
        decision: stored.decision,
        paysParts: stored.paysParts,
        paysLabour: stored.paysLabour,
        reason: stored.reason,
        readingsFrom: stored.readingsFrom ?? 'REQUEST',
        coverages: stored.coverages ?? [],
      };
    },
    lines: (claim, _, context) => authenticated(context).loaders.claimLines.load(claim.id),
    coveredTotal: (claim) => moneyOf(claim.coveredTotal, claim.currency),
    selfPaidTotal: (claim) => moneyOf(claim.selfPaidTotal, claim.currency),
    total: (claim) => moneyOf(claim.total, claim.currency),
    estimate: (claim) => ({
      coveredTotal: moneyOf(claim.estimateCoveredTotal, claim.currency),
      selfPaidTotal: moneyOf(claim.estimateSelfPaidTotal, claim.currency),
      total: moneyOf(claim.estimateTotal, claim.currency),
    }),
    actual: (claim) => ({
      coveredTotal: moneyOf(claim.coveredTotal, claim.currency),
      selfPaidTotal: moneyOf(claim.selfPaidTotal, claim.currency),
      total: moneyOf(claim.total, claim.currency),
    }),
    approvedCoveredTotal: (claim) => (claim.approvedCoveredTotal === null ? null : moneyOf(claim.approvedCoveredTotal, claim.currency)),
    sla: (claim, _, context) => {
      const now = context.services.now();
      return {
        response: slaTarget(claim, claim.responseDueAt, claim.respondedAt, now),
        onsite: slaTarget(claim, claim.onsiteDueAt, claim.onsiteAt, now),
      };
    },
    version: (claim) => claim.rowVersion,
    serviceCalendar: (claim, _, context) => (claim.serviceCalendarId ? authenticated(context).loaders.calendarById.load(claim.serviceCalendarId) : null),
    // Customers see their claims, not the traffic between systems about them.
    messages: (claim, _, context) => {
      const { actor, loaders } = authenticated(context);
      return isCustomerOnly(actor) ? [] : loaders.claimMessages.load(claim.id);
    },
    exception: (claim) =>
      claim.exceptionReference && claim.exceptionOutcome && claim.exceptionApprover && claim.exceptionDecidedAt
        ? { reference: claim.exceptionReference, outcome: claim.exceptionOutcome, approver: claim.exceptionApprover, decidedAt: claim.exceptionDecidedAt }
        : null,
  },

  SlaTarget: {
    serviceHoursLeft: readsWholeRecords(async (target, _, context) => {
      const { claim, now, dueAt, state } = target as ReturnType<typeof slaTarget> & object;
      if (state !== 'RUNNING') return null;
      const calendar = await calendarOfClaim(context, claim, now);
      return Math.round(serviceHoursBetween(calendar, now, dueAt) * 100) / 100;
    }),
  },

  ClaimLine: {
    kind: (line) => line.kind as never,
    quantity: (line) => decimal(line.quantity),
    hours: (line) => decimal(line.hours),
    unitPrice: (line) => (line.unitPrice === null ? null : moneyOf(line.unitPrice, currencyOf(line))),
    rate: (line) => (line.rate === null ? null : moneyOf(line.rate, currencyOf(line))),
    amount: (line) => moneyOf(line.amount, currencyOf(line)),
    coveredAmount: (line) => moneyOf(coveredPart(line), currencyOf(line)),
    selfPaidAmount: (line) => moneyOf(new Decimal(line.amount).minus(coveredPart(line)).toFixed(), currencyOf(line)),
    operation: (line, _, context) => (line.operationId === null ? null : authenticated(context).loaders.labourOperationById.load(line.operationId)),
  },

  Case: {
    claims: (caseRef, { first, after }, context) =>
      queryResult(() => authenticated(context).loaders.claimsByCase.load({ caseId: caseRef.id, first, after })),
  },

  WarrantyRecord: {
    claims: recordField([], (record, { first, after }, context) =>
      queryResult(() => authenticated(context).loaders.claimsByRecord.load({ recordId: record.id, first, after }))),
    latestReadings: recordField([], (record, _, context) => authenticated(context).loaders.latestReadings.load(record.id)),
  },
};
