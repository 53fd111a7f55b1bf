/** Claim intake (rule 10): the command checked, the unit's warranty checked, the lines priced, the claim written. */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { eventsStep } from '../audit/audit.service';
import { assertRole, type Actor } from '../auth/actor';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { isExternalKey } from '../common/ids';
import { calendarDateOf, type IsoDate } from '../common/calendar';
import { createCoverageLoaders } from '../coverage/coverage-loaders';
import { entityRowsStep } from '../db/entity-rows';
import { writeTogether } from '../db/one-statement';
import { transactionRows } from '../db/row-reader';
import {
  counterSpans, definedReadings, hasReadings, latestReadings, pickReadings, READING_KINDS, readingRangeProblems, readingRegressions,
  type ReadingValues,
} from '../readings/readings-history';
import type { OutboxMessage } from '../outbox/outbox-message.entity';
import { messagesStep } from '../outbox/outbox-writes';
import { UnitReading } from '../readings/unit-reading.entity';
import { normaliseSerialNumber } from '../records/record-inputs';
import { lockVisibleUnitKeys } from '../records/record-access';
import { assertReplacementSerialFree } from '../records/record-replacement';
import { deriveWarrantyStart } from '../records/warranty-start';
import { ClaimLine } from './claim-line.entity';
import type { ClaimKind } from './claim-states';
import { flatRateTermsOfLines } from './flat-rate-lines';
import { lineColumns, lineProblems, priceClaim, pricedColumns, type ComponentCover, type LineInput } from './line-coverage';
import { addServiceHours, type Interval } from './sla-calendar';
import { calendarWithUnitLock, intakeCalendarOf } from './sla-calendars';
import type { CalendarSpec } from '../calendars/calendar-store';
import { WarrantyClaim } from './warranty-claim.entity';
import { MAX_DESCRIPTION, approvedSteps, statusMessage, type ClaimsDeps } from './claim-transitions';
import { autoApproval } from './approval-rules';
import { alreadyClaimed, campaignCommandProblems, campaignIntake } from './claim-campaign';
import { CASE_REQUESTED, caseOpenedProblem, caseRequestPayload, responseClockStart, takeCase } from './claim-cases';
import { coverOf, hashRequest, snapshot } from './intake-rules';

export { coverOf, hashRequest };

/** Who approves a claim at intake under rule 16: the system, not a person. */
export const SYSTEM_ACTOR_ID = 'SYSTEM';

export interface SubmitClaimCommand {
  /** The unit: its record id or its serial number (exactly one). */
  warrantyId?: string | null;
  serialNumber?: string | null;
  kind: ClaimKind;
  repairDate: IsoDate;
  component?: string | null;
  capacityClaim?: boolean | null;
  description?: string | null;
  readings?: ReadingValues | null;
  currency: string;
  lines: LineInput[];
  cspCaseId?: string | null;
  /** A claim taken from an existing case: when the case was opened (its response clock starts there). */
  caseOpenedAt?: Date | null;
  idempotencyKey?: string | null;
  replacementSerialNumber?: string | null;
  /** CAMPAIGN claims (rule 19): the campaign whose remedy the claim is. */
  campaignCode?: string | null;
}

/** Roles that open claims: installers (RMA), the service desk, administrators, and CSP's integration. */
const SUBMITTERS = ['INSTALLER', 'AGENT', 'WARRANTY_ADMIN', 'SERVICE'] as const;
export const MAX_LINES = 200;

/**
 * Intake (rule 10): the active-warranty check runs on the unit as it is now, its full result is stored with
 * the claim, each line is priced and said to be covered or self-paid, the readings go into the unit's history,
 * and the SLA clocks start. A retry with the same idempotency key and request returns the first claim.
 */
export async function submitClaim(deps: ClaimsDeps, actor: Actor, command: SubmitClaimCommand): Promise<WarrantyClaim> {
  assertRole(actor, SUBMITTERS, 'submit a claim');
  checkCommand(command);
  const requestHash = hashRequest(command);
  try {
    return await deps.dataSource.transaction((manager) => intake(deps, manager, actor, command, requestHash));
  } catch (error) {
    // A retry: the first claim with this key is the answer, whatever stopped this attempt (the key in the unique
    // index, or a refusal the first claim itself causes now, as a campaign's one claim per unit). Looked up only
    // when the attempt fails, so a first submission costs no statement for it.
    if (command.idempotencyKey) {
      const earlier = await byIdempotencyKey(deps, actor, command.idempotencyKey, requestHash).catch((lookup) => {
        if (lookup instanceof DomainError) throw lookup;
        throw error;
      });
      if (earlier) return earlier;
    }
    // Two campaign claims on one unit at once: the second meets the first in the unique index (rule 19).
    if (isUniqueViolation(error, 'ux_claim_campaign_unit')) throw alreadyClaimed(command.campaignCode ?? '');
    throw error;
  }
}

async function byIdempotencyKey(deps: ClaimsDeps, actor: Actor, key: string, requestHash: string): Promise<WarrantyClaim | null> {
  const earlier = await deps.dataSource.getRepository(WarrantyClaim).findOne({ where: { orgId: actor.orgId, idempotencyKey: key } });
  if (!earlier) return null;
  if (earlier.requestHash !== requestHash) {
    throw new DomainError('IDEMPOTENCY_CONFLICT', `idempotency key ${key} was used for another claim request (claim ${earlier.id})`, ['input', 'idempotencyKey']);
  }
  return earlier;
}

async function intake(deps: ClaimsDeps, manager: EntityManager, actor: Actor, command: SubmitClaimCommand, requestHash: string): Promise<WarrantyClaim> {
  // The unit locked (one statement), then everything the check judges, read after the lock (one statement: record,
  // coverages, policy versions, readings history, through the check's own loader on this transaction).
  // The service calendar in force rides in the lock's statement (calendarWithUnitLock): the lock does not guard it.
  const now = deps.clock();
  const unit = await lockVisibleUnitKeys<CalendarSpec | null>(manager, actor, command, calendarWithUnitLock(now));
  const loaders = transactionCheckLoaders(deps, manager, actor);
  const bundle = await loaders.checkBundleBySerialNumber.load(unit.serialNumber);
  if (!bundle) throw new Error(`record ${unit.id}, locked, was not read`);
  const { record, policies } = bundle;
  const timeZone = record.siteTimeZone ?? 'UTC';
  const today = calendarDateOf(now, timeZone);
  if (command.repairDate > today) {
    throw new DomainError('BAD_USER_INPUT', `repairDate ${command.repairDate} is in the future (today is ${today} at the site)`, ['input', 'repairDate']);
  }
  const openedProblem = command.caseOpenedAt ? caseOpenedProblem(command.caseOpenedAt, now, deps.clockSkewMs) : null;
  if (openedProblem) throw new DomainError('BAD_USER_INPUT', openedProblem, ['input', 'caseOpenedAt']);
  // Rule 14: the case id becomes the organisation's, or is refused as another's (one statement).
  if (command.cspCaseId) await takeCase(manager, record.orgId, command.cspCaseId, ['input', 'cspCaseId']);
  // A replacement already registered would only be refused at completion, after the repair: refused here.
  const replacementSerialNumber = command.replacementSerialNumber ? normaliseSerialNumber(command.replacementSerialNumber) : null;
  if (replacementSerialNumber) await assertReplacementSerialFree(manager, record.orgId, replacementSerialNumber, ['input', 'replacementSerialNumber']);
  // Rule 19: a CAMPAIGN claim's lines are its campaign's remedy, priced by it, and the campaign pays them all.
  const campaign = command.kind === 'CAMPAIGN' ? await campaignIntake(manager, record, { campaignCode: command.campaignCode!, repairDate: command.repairDate, currency: command.currency }) : null;
  if (campaign) command = { ...command, lines: campaign.lines };
  const flatRates = campaign ? campaign.flatRates : await flatRateTermsOfLines(manager, record, command);

  const policy = policies.find((p) => p.id === record.policyId);
  if (!policy) throw new Error(`policy ${record.policyId} of record ${record.id} is missing`);
  const start = deriveWarrantyStart(record, { lateStartCapMonths: policy.lateStartCapMonths });
  if (!campaign && start.status === 'STARTED' && start.date && command.repairDate < start.date) {
    throw new DomainError('BAD_USER_INPUT', `repairDate ${command.repairDate} is before the warranty start ${start.date}`, ['input', 'repairDate']);
  }

  // Readings: refused when lower than the history; a claim without readings is judged on the latest recorded.
  const recorded = bundle.recorded ?? [];
  const given = pickReadings(command.readings ?? {});
  const regressions = readingRegressions(recorded, command.repairDate, given);
  if (regressions.length > 0) {
    throw new DomainErrors(regressions.map((r) => new DomainError('BAD_USER_INPUT', r.message, ['input', 'readings', r.reading])));
  }
  const latest = latestReadings(recorded);
  const readings: ReadingValues = hasReadings(given)
    ? given
    : Object.fromEntries(READING_KINDS.map((kind) => [kind, latest[kind]?.value ?? null]));

  const request = { repairDate: command.repairDate, readings: definedReadings(readings), capacityClaim: command.capacityClaim ?? false, history: counterSpans(recorded) };
  const check = deps.coverageCheck.judge(bundle, { ...request, component: command.component ?? null });
  const covers = new Map<string | null, ComponentCover>([[check.component, coverOf(check)]]);
  const coverFor = (component: string | null): ComponentCover => {
    if (campaign) return campaign.cover;
    let cover = covers.get(component);
    if (!cover) covers.set(component, (cover = coverOf(deps.coverageCheck.judge(bundle, { ...request, component, capacityClaim: false }))));
    return cover;
  };
  const priced = priceClaim(command.currency, command.lines, check.component, coverFor, flatRates);

  // The SLA clocks start at submission, in service hours of the site; a claim taken from an existing case starts
  // its response clock when the case was opened (rule 14). Travel logged with the claim pauses the on-site clock.
  // A refund has nobody to send on site. The calendar is the unit's region's version in force today at the site; the
  // claim keeps it (rule 9).
  const responseStart = responseClockStart(now, command.caseOpenedAt);
  const { calendarId, calendar } = intakeCalendarOf(unit.also, { countryCode: record.siteCountry, timeZone }, Number(calendarDateOf(responseStart, timeZone).slice(0, 4)));
  const travel: Interval[] = command.lines.flatMap((l) => (l.kind === 'TRAVEL' ? [{ start: l.startAt, end: l.endAt }] : []));
  const responseDueAt = policy.slaResponseHours !== null ? addServiceHours(calendar, responseStart, policy.slaResponseHours) : null;
  const onsiteDueAt =
    command.kind !== 'REFUND' && policy.slaOnsiteHours !== null ? addServiceHours(calendar, now, policy.slaOnsiteHours, travel) : null;

  // Rule 16: a fully covered claim within the policy's limit for its currency is approved here, by the system, in
  // this transaction and these statements (the claim row is written approved; the two events and the two status
  // messages each go in one insert); any other claim waits for an agent, and no repair starts before approval.
  const policyName = `${policy.productFamily} ${policy.region} v${policy.version}`;
  const approval = campaign ? campaign.approval(priced) : autoApproval(priced, policy, policyName);
  const claim = manager.create(WarrantyClaim, {
    id: randomUUID(),
    orgId: record.orgId,
    warrantyRecordId: record.id,
    cspCaseId: command.cspCaseId ?? null,
    caseOpenedAt: command.caseOpenedAt ? responseStart : null,
    kind: command.kind,
    campaignId: campaign?.campaign.id ?? null,
    status: approval.approve ? 'APPROVED' : 'SUBMITTED',
    submittedById: actor.id,
    decidedById: approval.approve ? SYSTEM_ACTOR_ID : null,
    decisionReason: approval.approve ? approval.reason : null,
    repairDate: command.repairDate,
    component: check.component,
    description: command.description ?? '',
    odometerKm: given.odometerKm ?? null,
    engineHours: given.engineHours ?? null,
    throughputMwh: given.throughputMwh ?? null,
    sohPct: given.sohPct ?? null,
    validation: snapshot(check, readings, hasReadings(given) ? 'REQUEST' : recorded.length > 0 ? 'HISTORY' : 'NONE', covers),
    currency: priced.currency,
    cover: priced.cover,
    coveredTotal: priced.coveredTotal,
    selfPaidTotal: priced.selfPaidTotal,
    total: priced.total,
    estimateCoveredTotal: priced.coveredTotal,
    estimateSelfPaidTotal: priced.selfPaidTotal,
    estimateTotal: priced.total,
    approvedCoveredTotal: approval.approve ? priced.coveredTotal : null,
    idempotencyKey: command.idempotencyKey ?? null,
    requestHash,
    replacementSerialNumber,
    replacementRecordId: null,
    serviceCalendarId: calendarId,
    responseDueAt,
    // The system's approval is the claim's first answer: the response target is met at intake.
    respondedAt: approval.approve ? now : null,
    onsiteDueAt,
    onsiteAt: null,
    closedAt: null,
    rowVersion: approval.approve ? 2 : 1,
    createdAt: now,
    updatedAt: now,
  });
  // The claim, its lines and its readings, its events, CSP's messages and what the approval does (rule 18's part
  // returns) in one statement (db/one-statement.ts): a claim approved here costs what one that waits costs.
  const lineRows: Array<Partial<ClaimLine>> = priced.lines.map((line) => ({
    id: randomUUID(),
    orgId: record.orgId,
    claimId: claim.id,
    position: line.index,
    kind: line.kind,
    ...lineColumns(command.lines[line.index]),
    ...pricedColumns(line),
  }));
  const rows = [
    entityRowsStep(deps.dataSource, WarrantyClaim, [claim], 'claim_row'),
    entityRowsStep(deps.dataSource, ClaimLine, lineRows, 'claim_lines'),
    hasReadings(given)
      ? entityRowsStep(deps.dataSource, UnitReading, [{
          orgId: record.orgId,
          warrantyRecordId: record.id,
          readOn: command.repairDate,
          odometerKm: null,
          engineHours: null,
          throughputMwh: null,
          sohPct: null,
          ...definedReadings(given),
          source: 'CLAIM',
          claimId: claim.id,
          recordedById: actor.id,
        }], 'claim_readings')
      : null,
  ];
  const ruleDetail = { rule: campaign ? 19 : 16, limit: approval.limit === null ? null : { amount: approval.limit, currency: claim.currency }, reason: approval.reason };
  const events = eventsStep([
    {
      orgId: record.orgId,
      warrantyRecordId: record.id,
      actorId: actor.id,
      event: 'CLAIM_SUBMITTED',
      toValue: 'SUBMITTED',
      claimId: claim.id,
      detail: {
        kind: claim.kind,
        cover: claim.cover,
        decision: check.decision,
        coveredTotal: claim.coveredTotal,
        selfPaidTotal: claim.selfPaidTotal,
        currency: claim.currency,
        cspCaseId: claim.cspCaseId,
        ...(campaign ? { campaign: { id: campaign.campaign.id, code: campaign.campaign.code, kind: campaign.campaign.kind } } : {}),
        autoApproval: { approved: approval.approve, ...ruleDetail },
        ...(claim.caseOpenedAt ? { caseOpenedAt: claim.caseOpenedAt.toISOString() } : {}),
        ...(claim.cspCaseId ? {} : { caseRequested: true }),
      },
    },
    ...(approval.approve
      ? [{
          orgId: record.orgId,
          warrantyRecordId: record.id,
          actorId: SYSTEM_ACTOR_ID,
          event: 'CLAIM_STATUS_CHANGED',
          fromValue: 'SUBMITTED',
          toValue: 'APPROVED',
          claimId: claim.id,
          detail: { action: 'APPROVE', ...ruleDetail },
        }]
      : []),
  ]);
  // CSP's messages in one insert: without a case, the request to open one (rule 14) ahead of the status; a claim
  // approved at intake (rule 16) has two statuses, submitted then approved.
  const caseRequest: Partial<OutboxMessage>[] = claim.cspCaseId
    ? []
    : [{ orgId: claim.orgId, destination: 'CSP', topic: CASE_REQUESTED, aggregateId: claim.id, payload: caseRequestPayload(claim, record) }];
  const messages = messagesStep(
    approval.approve
      ? [
          ...caseRequest,
          statusMessage({ ...claim, status: 'SUBMITTED', rowVersion: 1 }, null, { autoApproval: { approved: true, ...ruleDetail } }),
          statusMessage(claim, 'SUBMITTED', { decidedBy: SYSTEM_ACTOR_ID, decision: ruleDetail }),
        ]
      : [...caseRequest, statusMessage(claim, null, { autoApproval: { approved: false, ...ruleDetail } })],
  );
  // What every approval does besides its status (rule 18's part returns), after the claim's messages; the events,
  // the messages and the approval's steps go in one statement (db/one-statement.ts): a claim approved here costs
  // no statement more than one that waits.
  const approvalSteps = approval.approve
    ? approvedSteps(deps, claim, SYSTEM_ACTOR_ID, {
        coveredParts: lineRows.flatMap((line) => (line.kind === 'PART' && line.covered ? [{ lineId: line.id!, partNumber: line.partNumber!, position: line.position! }] : [])),
      })
    : [];
  await writeTogether(manager, [...rows, events, messages, ...approvalSteps]);
  return claim;
}

/** The coverage check's loaders reading in the claim's transaction (the unit's whole check bundle in one statement). */
function transactionCheckLoaders(deps: ClaimsDeps, manager: EntityManager, actor: Actor) {
  return createCoverageLoaders(deps.dataSource, transactionRows(manager), actor);
}

/** Everything about the command that can be refused without reading the database, each problem with its field. */
function checkCommand(command: SubmitClaimCommand): void {
  const problems: DomainError[] = [];
  const refuse = (field: string[], message: string) => problems.push(new DomainError('BAD_USER_INPUT', message, ['input', ...field]));
  if (Boolean(command.warrantyId) === Boolean(command.serialNumber?.trim())) refuse(['warrantyId'], 'give the unit by warrantyId or by serialNumber (one of them)');
  if (command.kind === 'REPLACE' && !command.replacementSerialNumber?.trim()) refuse(['replacementSerialNumber'], 'a REPLACE claim names the replacement unit');
  if (command.kind !== 'REPLACE' && command.replacementSerialNumber) refuse(['replacementSerialNumber'], `a ${command.kind} claim has no replacement unit`);
  if ((command.description ?? '').length > MAX_DESCRIPTION) refuse(['description'], `at most ${MAX_DESCRIPTION} characters`);
  if (command.idempotencyKey !== null && command.idempotencyKey !== undefined && !isExternalKey(command.idempotencyKey)) {
    refuse(['idempotencyKey'], 'an idempotency key is 1 to 200 letters, digits and ._:/- (starting with a letter or digit)');
  }
  if (command.cspCaseId !== null && command.cspCaseId !== undefined && !isExternalKey(command.cspCaseId)) refuse(['cspCaseId'], 'not a CSP case id');
  if (command.caseOpenedAt && !command.cspCaseId) refuse(['caseOpenedAt'], 'the opening of a case goes with its cspCaseId (a claim without one asks CSP to open a case)');
  for (const problem of lineProblems(command.currency, command.lines, { maxLines: MAX_LINES })) refuse(problem.field.map(String), problem.message);
  problems.push(...campaignCommandProblems(command));
  for (const problem of readingRangeProblems(command.readings ?? {})) refuse(['readings', problem.reading], problem.message);
  if (problems.length > 0) throw new DomainErrors(problems);
}
