import { createHash, randomUUID } from 'node:crypto';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import type { AuditService } from '../audit/audit.service';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { isExternalKey, isUuid } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { calendarDateOf, type IsoDate } from '../common/calendar';
import { inTransaction } from '../db/transactions';
import type { CoverageCheckService, WarrantyCheckView } from '../coverage/coverage-check.service';
import { Coverage, WHOLE_UNIT } from '../coverage/coverage.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { WarrantyPolicy } from '../policies/warranty-policy.entity';
import {
  counterSpans, definedReadings, hasReadings, latestReadings, pickReadings, READING_KINDS, readingRangeProblems, readingRegressions, recordedHistory,
  type ReadingValues,
} from '../readings/readings-history';
import { UnitReading } from '../readings/unit-reading.entity';
import { normaliseSerialNumber } from '../records/record-inputs';
import { lockVisibleRecord, lockVisibleRecordBySerial } from '../records/record-access';
import type { Clock } from '../common/clock';
import { deriveWarrantyStart } from '../records/warranty-start';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { visibleClaims } from './claim-loaders';
import { ClaimLine } from './claim-line.entity';
import { decideTransition, FINAL_STATUSES, type ClaimAction, type ClaimKind, type ClaimStatus } from './claim-states';
import { lineProblems, priceClaim, type ComponentCover, type LineInput } from './line-coverage';
import { addServiceHours, serviceHoursBetween, type Interval, type ServiceCalendar } from './sla-calendar';
import { calendarOf, companyDaysOf, serviceCalendarFor } from './sla-calendars';
import { WarrantyClaim } from './warranty-claim.entity';

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
  idempotencyKey?: string | null;
  replacementSerialNumber?: string | null;
}

/** Roles that open claims: installers (RMA), the service desk, administrators, and CSP's integration. */
const SUBMITTERS = ['INSTALLER', 'AGENT', 'WARRANTY_ADMIN', 'SERVICE'] as const;
const MAX_LINES = 200;
const MAX_DESCRIPTION = 4_000;

/**
 * The claims desk: intake now; the transitions, exceptions and replacements build on the same transaction
 * shape. Every change writes the claim, its event on the record's history and its outbox message for CSP in one
 * transaction, or nothing.
 */
export class ClaimsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly coverageCheck: CoverageCheckService,
    private readonly clock: Clock = () => new Date(),
  ) {}

  /**
   * Intake (rule 10): the active-warranty check runs on the unit as it is now, its full result is stored with
   * the claim, each line is priced and said to be covered or self-paid, the readings go into the unit's history,
   * and the SLA clocks start. A retry with the same idempotency key and request returns the first claim.
   */
  async submit(actor: Actor, command: SubmitClaimCommand): Promise<WarrantyClaim> {
    assertRole(actor, SUBMITTERS, 'submit a claim');
    checkCommand(command);
    const requestHash = hashRequest(command);
    if (command.idempotencyKey) {
      const earlier = await this.byIdempotencyKey(actor, command.idempotencyKey, requestHash);
      if (earlier) return earlier;
    }
    try {
      return await this.dataSource.transaction((manager) => this.intake(manager, actor, command, requestHash));
    } catch (error) {
      // Two identical retries at once: the second meets the first's key in the unique index.
      if (command.idempotencyKey && isUniqueViolation(error, 'ux_claim_idempotency')) {
        const earlier = await this.byIdempotencyKey(actor, command.idempotencyKey, requestHash);
        if (earlier) return earlier;
      }
      throw error;
    }
  }

  private async byIdempotencyKey(actor: Actor, key: string, requestHash: string): Promise<WarrantyClaim | null> {
    const earlier = await this.dataSource.getRepository(WarrantyClaim).findOne({ where: { orgId: actor.orgId, idempotencyKey: key } });
    if (!earlier) return null;
    if (earlier.requestHash !== requestHash) {
      throw new DomainError('IDEMPOTENCY_CONFLICT', `idempotency key ${key} was used for another claim request (claim ${earlier.id})`, ['input', 'idempotencyKey']);
    }
    return earlier;
  }

  private async intake(manager: EntityManager, actor: Actor, command: SubmitClaimCommand, requestHash: string): Promise<WarrantyClaim> {
    const record = await this.lockUnit(manager, actor, command);
    const timeZone = record.siteTimeZone ?? 'UTC';
    const now = this.clock();
    const today = calendarDateOf(now, timeZone);
    if (command.repairDate > today) {
      throw new DomainError('BAD_USER_INPUT', `repairDate ${command.repairDate} is in the future (today is ${today} at the site)`, ['input', 'repairDate']);
    }
    if (command.cspCaseId) await assertCaseOfOrganisation(manager, actor, command.cspCaseId);

    const coverages = await manager.find(Coverage, { where: { orgId: record.orgId, warrantyRecordId: record.id }, order: { createdAt: 'ASC', scope: 'ASC' } });
    const policyIds = [...new Set([record.policyId, ...coverages.map((c) => c.policyId).filter((id): id is string => Boolean(id))])];
    const policies = await manager.find(WarrantyPolicy, { where: { orgId: record.orgId, id: In(policyIds) } });
    const policy = policies.find((p) => p.id === record.policyId);
    if (!policy) throw new Error(`policy ${record.policyId} of record ${record.id} is missing`);
    const start = deriveWarrantyStart(record, { lateStartCapMonths: policy.lateStartCapMonths });
    if (start.status === 'STARTED' && start.date && command.repairDate < start.date) {
      throw new DomainError('BAD_USER_INPUT', `repairDate ${command.repairDate} is before the warranty start ${start.date}`, ['input', 'repairDate']);
    }

    // Readings: refused when lower than the history; a claim without readings is judged on the latest recorded.
    const history = await manager.find(UnitReading, { where: { orgId: record.orgId, warrantyRecordId: record.id }, order: { id: 'ASC' } });
    const recorded = recordedHistory(history);
    const given = pickReadings(command.readings ?? {});
    const regressions = readingRegressions(recorded, command.repairDate, given);
    if (regressions.length > 0) {
      throw new DomainErrors(regressions.map((r) => new DomainError('BAD_USER_INPUT', r.message, ['input', 'readings', r.reading])));
    }
    const latest = latestReadings(recorded);
    const readings: ReadingValues = hasReadings(given)
      ? given
      : Object.fromEntries(READING_KINDS.map((kind) => [kind, latest[kind]?.value ?? null]));

    const bundle = { record, coverages, policies };
    const request = { repairDate: command.repairDate, readings: definedReadings(readings), capacityClaim: command.capacityClaim ?? false, history: counterSpans(recorded) };
    const check = this.coverageCheck.judge(bundle, { ...request, component: command.component ?? null });
    const covers = new Map<string | null, ComponentCover>([[check.component, coverOf(check)]]);
    const coverFor = (component: string | null): ComponentCover => {
      let cover = covers.get(component);
      if (!cover) covers.set(component, (cover = coverOf(this.coverageCheck.judge(bundle, { ...request, component, capacityClaim: false }))));
      return cover;
    };
    const priced = priceClaim(command.currency, command.lines, check.component, coverFor);

    // The SLA clocks start at submission, in service hours of the site; travel logged with the claim pauses the
    // on-site clock. A refund has nobody to send on site.
    const calendar = await serviceCalendarFor(
      manager,
      { orgId: record.orgId, countryCode: record.siteCountry, timeZone },
      policy,
      Number(today.slice(0, 4)),
    );
    const travel: Interval[] = command.lines.flatMap((l) => (l.kind === 'TRAVEL' ? [{ start: l.startAt, end: l.endAt }] : []));
    const responseDueAt = policy.slaResponseHours !== null ? addServiceHours(calendar, now, policy.slaResponseHours) : null;
    const onsiteDueAt =
      command.kind !== 'REFUND' && policy.slaOnsiteHours !== null ? addServiceHours(calendar, now, policy.slaOnsiteHours, travel) : null;

    const claim = manager.create(WarrantyClaim, {
      id: randomUUID(),
      orgId: record.orgId,
      warrantyRecordId: record.id,
      cspCaseId: command.cspCaseId ?? null,
      kind: command.kind,
      status: 'SUBMITTED',
      submittedById: actor.id,
      decidedById: null,
      decisionReason: null,
      repairDate: command.repairDate,
      component: check.component,
      description: command.description ?? '',
      odometerKm: given.odometerKm ?? null,
      engineHours: given.engineHours ?? null,
      throughputMwh: given.throughputMwh ?? null,
      sohPct: given.sohPct ?? null,
      validation: snapshot(check, readings, hasReadings(given) ? 'REQUEST' : history.length > 0 ? 'HISTORY' : 'NONE', covers),
      currency: priced.currency,
      cover: priced.cover,
      coveredTotal: priced.coveredTotal,
      selfPaidTotal: priced.selfPaidTotal,
      total: priced.total,
      idempotencyKey: command.idempotencyKey ?? null,
      requestHash,
      replacementSerialNumber: command.replacementSerialNumber ? normaliseSerialNumber(command.replacementSerialNumber) : null,
      replacementRecordId: null,
      responseDueAt,
      respondedAt: null,
      onsiteDueAt,
      onsiteAt: null,
      closedAt: null,
      rowVersion: 1,
      createdAt: now,
      updatedAt: now,
    });
    await manager.insert(WarrantyClaim, claim);
    if (priced.lines.length > 0) {
      await manager.insert(
        ClaimLine,
        priced.lines.map((line) => {
          const input = command.lines[line.index];
          return {
            id: randomUUID(),
            orgId: record.orgId,
            claimId: claim.id,
            position: line.index,
            kind: line.kind,
            partNumber: input.kind === 'PART' ? input.partNumber.trim() : null,
            component: line.component,
            quantity: input.kind === 'PART' ? input.quantity : null,
            unitPrice: input.kind === 'PART' ? input.unitPrice : null,
            hours: input.kind === 'LABOUR' ? input.hours : null,
            rate: input.kind === 'LABOUR' ? input.rate : input.kind === 'TRAVEL' ? (input.rate ?? null) : null,
            startAt: input.kind === 'TRAVEL' ? input.startAt : null,
            endAt: input.kind === 'TRAVEL' ? input.endAt : null,
            amount: line.amount,
            covered: line.covered,
            reason: line.reason,
          };
        }),
      );
    }
    if (hasReadings(given)) {
      await manager.insert(UnitReading, {
        orgId: record.orgId,
        warrantyRecordId: record.id,
        readOn: command.repairDate,
        ...definedReadings(given),
        source: 'CLAIM',
        claimId: claim.id,
        recordedById: actor.id,
      });
    }
    await this.audit.append(manager, [
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
        },
      },
    ]);
    await writeStatusMessage(manager, claim, null);
    return claim;
  }

  /**
   * Moves a claim along the state machine (claim-states.ts): the claim row is locked, so of two concurrent
   * transitions exactly one happens and the other is judged on the status it left. Who decided and why are kept
   * on the claim and in the event; the SLA clocks stop at the first answer (response) and at the start of the
   * repair (on site); CSP gets the new status through the outbox, in the same transaction.
   */
  async transition(actor: Actor, input: { id: string; action: ClaimAction; reason: string }): Promise<WarrantyClaim> {
    const reason = checkedReason(input.reason);
    return this.dataSource.transaction(async (manager) => {
      const claim = await lockClaim(manager, actor, input.id);
      const to = nextStatus(claim, input.action, actor, ['input', 'id']);
      const detail = input.action === 'COMPLETE' && claim.kind === 'REPLACE' ? await this.replaceUnit(manager, actor, claim) : {};
      return this.applyTransition(manager, actor, claim, to, input.action, reason, detail);
    });
  }

  /**
   * Completing a REPLACE claim (rule 10): the replacement unit gets a record of its own carrying the rest of the
   * old unit's warranty (the same policy version, start, tier and end dates: each coverage not voided is copied
   * with its dates, terms and limits), the two records are linked both ways, the old one is marked replaced (its
   * status REPLACED, its checks refused from that day), and both histories get an event. A replacement serial
   * that is already registered refuses the completion (DUPLICATE_SERIAL), writing nothing.
   */
  private async replaceUnit(manager: EntityManager, actor: Actor, claim: WarrantyClaim): Promise<Record<string, unknown>> {
    const old = await manager.findOne(WarrantyRecord, { where: { id: claim.warrantyRecordId, orgId: claim.orgId }, lock: { mode: 'pessimistic_write' } });
    if (!old) throw new Error(`record ${claim.warrantyRecordId} of claim ${claim.id} is missing`);
    if (old.replacedAt) throw new DomainError('INVALID_TRANSITION', `unit ${old.serialNumber} was already replaced by ${old.replacedBySerialNumber}`, ['input', 'id']);
    const serialNumber = claim.replacementSerialNumber!;
    if (await manager.exists(WarrantyRecord, { where: { orgId: claim.orgId, serialNumber } })) {
      throw new DomainError('DUPLICATE_SERIAL', `the replacement ${serialNumber} is already registered`, ['input', 'id']);
    }
    const now = this.clock();
    const policy = await manager.findOneOrFail(WarrantyPolicy, { where: { id: old.policyId, orgId: old.orgId } });
    const start = deriveWarrantyStart(old, { lateStartCapMonths: policy.lateStartCapMonths });
    const replacement = manager.create(WarrantyRecord, {
      ...old,
      id: randomUUID(),
      serialNumber,
      registeredById: actor.id,
      registeredAt: now,
      // The replacement's warranty starts when the old one did: the operator date shift (which wins over every other
      // start fact) holds the old start, so the same rule gives the same dates.
      warrantyDateShift: start.date,
      replacedAt: null,
      replacedByRecordId: null,
      replacedBySerialNumber: null,
      replacesRecordId: old.id,
      rowVersion: 1,
      createdAt: now,
      updatedAt: now,
    });
    await manager.insert(WarrantyRecord, replacement);
    const coverages = await manager.find(Coverage, { where: { orgId: old.orgId, warrantyRecordId: old.id }, order: { createdAt: 'ASC', scope: 'ASC' } });
    const moved = coverages.filter((c) => !c.voidedAt).map((c) => ({ ...c, id: randomUUID(), warrantyRecordId: replacement.id, createdAt: now }));
    if (moved.length > 0) await manager.insert(Coverage, moved);
    await manager.update(
      WarrantyRecord,
      { id: old.id, orgId: old.orgId },
      // TypeORM's update adds the record's version and update time (its @VersionColumn and @UpdateDateColumn).
      { replacedAt: now, replacedByRecordId: replacement.id, replacedBySerialNumber: serialNumber },
    );
    claim.replacementRecordId = replacement.id;
    await manager.update(WarrantyClaim, { id: claim.id, orgId: claim.orgId }, { replacementRecordId: replacement.id });
    await this.audit.append(manager, [
      { orgId: old.orgId, warrantyRecordId: old.id, actorId: actor.id, event: 'WARRANTY_REPLACED', toValue: serialNumber, claimId: claim.id, detail: { replacementId: replacement.id } },
      {
        orgId: old.orgId,
        warrantyRecordId: replacement.id,
        actorId: actor.id,
        event: 'WARRANTY_REGISTERED',
        toValue: serialNumber,
        claimId: claim.id,
        detail: { replaces: old.id, replacesSerialNumber: old.serialNumber, coverages: moved.length, expiresAt: replacement.expiresAt },
      },
    ]);
    return { replacementId: replacement.id, replacementSerialNumber: serialNumber };
  }

  /**
   * Sends an uncovered or partly covered claim to Landray OA for a corporate exception (rule 11): the claim moves
   * to EXCEPTION_REQUESTED and OA's request leaves through the outbox, in the same transaction.
   */
  async requestException(actor: Actor, input: { id: string; reason: string }): Promise<WarrantyClaim> {
    const reason = checkedReason(input.reason);
    return this.dataSource.transaction(async (manager) => {
      const claim = await lockClaim(manager, actor, input.id);
      const to = nextStatus(claim, 'REQUEST_EXCEPTION', actor, ['input', 'id']);
      const record = await manager.findOneOrFail(WarrantyRecord, { where: { id: claim.warrantyRecordId, orgId: claim.orgId } });
      await this.applyTransition(manager, actor, claim, to, 'REQUEST_EXCEPTION', reason);
      const payload: Record<string, any> = {
        claimId: claim.id,
        warrantyId: record.id,
        serialNumber: record.serialNumber,
        kind: claim.kind,
        component: claim.component,
        repairDate: claim.repairDate,
        reason,
        checkReason: claim.validation?.reason ?? null,
        coveredTotal: { amount: claim.coveredTotal, currency: claim.currency },
        selfPaidTotal: { amount: claim.selfPaidTotal, currency: claim.currency },
        requestedBy: actor.id,
      };
      await manager.insert(OutboxMessage, { orgId: claim.orgId, destination: 'OA', topic: 'claim.exception_requested', aggregateId: claim.id, payload });
      return claim;
    });
  }

  /**
   * OA's decision on an exception (rule 11), from its webhook (SERVICE) or keyed in (WARRANTY_ADMIN). Approval adds
   * a GOODWILL coverage tied to the claim, scoped to the claim's component (the cells included where the policy
   * carves them out, since the coverage is scoped to exactly that component), prices every line as paid by it and
   * approves the claim. The same decision again under the same reference changes nothing; a different one is
   * refused.
   */
  async recordExceptionDecision(
    actor: Actor,
    input: { claimId: string; outcome: 'APPROVED' | 'REJECTED'; approver: string; reference: string; reason?: string | null },
    within?: EntityManager,
  ): Promise<WarrantyClaim> {
    assertRole(actor, ['SERVICE', 'WARRANTY_ADMIN'], 'record an exception decision');
    if (!isExternalKey(input.reference)) throw new DomainError('BAD_USER_INPUT', 'an OA reference is 1 to 200 letters, digits and ._:/-', ['input', 'reference']);
    const approver = input.approver.trim();
    if (!approver || approver.length > 200) throw new DomainError('BAD_USER_INPUT', 'name the approver (1 to 200 characters)', ['input', 'approver']);
    return this.decideException(actor, input, approver, within).catch((error: unknown) => {
      // Two claims decided under one reference at once: the second meets the first in the unique index.
      if (isUniqueViolation(error, 'ux_claim_exception_reference')) throw referenceTaken(input.reference, null);
      throw error;
    });
  }

  private decideException(
    actor: Actor,
    input: { claimId: string; outcome: 'APPROVED' | 'REJECTED'; approver: string; reference: string; reason?: string | null },
    approver: string,
    within?: EntityManager,
  ): Promise<WarrantyClaim> {
    return inTransaction(this.dataSource, within, async (manager) => {
      const claim = await lockClaim(manager, actor, input.claimId, ['input', 'claimId']);
      if (claim.exceptionReference !== null) {
        if (claim.exceptionReference === input.reference && claim.exceptionOutcome === input.outcome) return claim;
        const decided = `claim ${claim.id} was already decided ${claim.exceptionOutcome} under OA reference ${claim.exceptionReference}`;
        if (claim.exceptionReference === input.reference) throw new DomainError('IDEMPOTENCY_CONFLICT', decided, ['input', 'outcome']);
        throw new DomainError('INVALID_TRANSITION', decided, ['input', 'reference']);
      }
      const action: ClaimAction = input.outcome === 'APPROVED' ? 'APPROVE_EXCEPTION' : 'REJECT_EXCEPTION';
      const to = nextStatus(claim, action, actor, ['input', 'claimId']);
      // An OA reference decides one claim of the organisation (ux_claim_exception_reference).
      const other = await manager.findOne(WarrantyClaim, { select: { id: true }, where: { orgId: claim.orgId, exceptionReference: input.reference } });
      if (other) throw referenceTaken(input.reference, other.id);
      const now = this.clock();
      claim.exceptionReference = input.reference;
      claim.exceptionOutcome = input.outcome;
      claim.exceptionApprover = approver;
      claim.exceptionDecidedAt = now;
      const reason = input.reason?.trim() || `exception ${input.outcome.toLowerCase()} in Landray OA by ${approver} (${input.reference})`;
      let goodwill: Coverage | null = null;
      if (input.outcome === 'APPROVED') {
        goodwill = manager.create(Coverage, {
          id: randomUUID(),
          orgId: claim.orgId,
          warrantyRecordId: claim.warrantyRecordId,
          kind: 'GOODWILL',
          scope: claim.component ?? WHOLE_UNIT,
          startDate: claim.repairDate,
          endDate: claim.repairDate,
          labourEndDate: claim.repairDate,
          termMonths: 0,
          labourMonths: 0,
          paysParts: true,
          paysLabour: true,
          policyId: null,
          claimId: claim.id,
          voidedAt: null,
          voidReason: null,
        });
        await manager.insert(Coverage, goodwill);
        const paidBy = `paid as goodwill: exception ${input.reference} approved by ${approver}`;
        await manager.update(ClaimLine, { claimId: claim.id, orgId: claim.orgId }, { covered: true, reason: paidBy });
        claim.cover = 'COVERED';
        claim.coveredTotal = claim.total;
        claim.selfPaidTotal = '0';
      }
      await manager.update(
        WarrantyClaim,
        { id: claim.id, orgId: claim.orgId },
        {
          exceptionReference: claim.exceptionReference,
          exceptionOutcome: claim.exceptionOutcome,
          exceptionApprover: claim.exceptionApprover,
          exceptionDecidedAt: now,
          cover: claim.cover,
          coveredTotal: claim.coveredTotal,
          selfPaidTotal: claim.selfPaidTotal,
        },
      );
      if (goodwill) {
        await this.audit.append(manager, [
          {
            orgId: claim.orgId,
            warrantyRecordId: claim.warrantyRecordId,
            actorId: actor.id,
            event: 'COVERAGE_ADDED',
            coverageId: goodwill.id,
            claimId: claim.id,
            toValue: `GOODWILL ${goodwill.scope}`,
            detail: { kind: 'GOODWILL', scope: goodwill.scope, reference: input.reference, approver, amount: { amount: claim.total, currency: claim.currency } },
          },
        ]);
      }
      return this.applyTransition(manager, actor, claim, to, action, reason, { reference: input.reference, approver });
    });
  }

  /** Writes a decided transition: the claim, its clocks, the event and the CSP message. */
  private async applyTransition(manager: EntityManager, actor: Actor, claim: WarrantyClaim, to: ClaimStatus, action: ClaimAction, reason: string, detail: Record<string, unknown> = {}): Promise<WarrantyClaim> {
    const now = this.clock();
    const from = claim.status;
    claim.status = to;
    claim.decidedById = actor.id;
    claim.decisionReason = reason;
    if (from === 'SUBMITTED' && !claim.respondedAt) claim.respondedAt = now;
    if (to === 'IN_REPAIR' && !claim.onsiteAt) claim.onsiteAt = now;
    if (FINAL_STATUSES.has(to)) claim.closedAt = now;
    claim.rowVersion += 1;
    claim.updatedAt = now;
    await manager.update(
      WarrantyClaim,
      { id: claim.id, orgId: claim.orgId },
      {
        status: claim.status,
        decidedById: claim.decidedById,
        decisionReason: claim.decisionReason,
        respondedAt: claim.respondedAt,
        onsiteAt: claim.onsiteAt,
        closedAt: claim.closedAt,
        rowVersion: claim.rowVersion,
        updatedAt: now,
      },
    );
    await this.audit.append(manager, [
      {
        orgId: claim.orgId,
        warrantyRecordId: claim.warrantyRecordId,
        actorId: actor.id,
        event: 'CLAIM_STATUS_CHANGED',
        fromValue: from,
        toValue: to,
        claimId: claim.id,
        detail: { action, reason, ...detail },
      },
    ]);
    await writeStatusMessage(manager, claim, from);
    return claim;
  }

  /** The organisation's claims, newest first, filtered; a customer sees their own units' claims only. */
  async list(actor: Actor, filter: ClaimListFilter, page: { first?: number | null; after?: string | null }): Promise<Connection<WarrantyClaim>> {
    const size = pageSize(page.first, 20);
    const after = decodeCursor(page.after, ['timestamp', 'uuid']);
    const now = this.clock();
    const query = visibleClaims(this.dataSource.manager, actor);
    if (filter.status) query.andWhere('c.status = :status', { status: filter.status });
    if (filter.kind) query.andWhere('c.kind = :kind', { kind: filter.kind });
    if (filter.cspCaseId) query.andWhere('c.csp_case_id = :cspCaseId', { cspCaseId: filter.cspCaseId });
    if (filter.warrantyId) query.andWhere('c.warranty_record_id = :warrantyId', { warrantyId: isUuid(filter.warrantyId) ? filter.warrantyId : '00000000-0000-0000-0000-000000000000' });
    if (filter.slaState) {
      const response = targetStateSql('response_due_at', 'responded_at');
      const onsite = targetStateSql('onsite_due_at', 'onsite_at');
      const either = (state: string) => `(${response} = '${state}' OR ${onsite} = '${state}')`;
      const condition = {
        BREACHED: either('BREACHED'),
        RUNNING: `NOT ${either('BREACHED')} AND ${either('RUNNING')}`,
        MET: `NOT ${either('BREACHED')} AND NOT ${either('RUNNING')} AND ${either('MET')}`,
        STOPPED: either('STOPPED'),
      }[filter.slaState];
      query.andWhere(`coalesce(${condition}, false)`, { now });
    }
    const totalCount = await query.clone().getCount();
    if (after) query.andWhere('(c.created_at, c.id) < (:afterAt, :afterId)', { afterAt: after[0], afterId: after[1] });
    const rows = await query.orderBy('c.created_at', 'DESC').addOrderBy('c.id', 'DESC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (c) => [c.createdAt.toISOString(), c.id], after !== null);
  }

  /**
   * Claims whose running response or on-site target falls due within `hours` service hours of their site, most
   * urgent first. Candidates are read by due instant within a window every policy's service week fits (the
   * shortest service week of the organisation's policies, two weeks added for holidays), then each is measured on
   * its own site's calendar.
   */
  async atRisk(actor: Actor, hours: number, first: number | null | undefined): Promise<Array<{ claim: WarrantyClaim; target: 'RESPONSE' | 'ONSITE'; dueAt: Date; serviceHoursLeft: number }>> {
    if (!(hours > 0 && hours <= MAX_AT_RISK_HOURS)) throw new DomainError('BAD_USER_INPUT', `withinServiceHours must be more than 0 and at most ${MAX_AT_RISK_HOURS}`, ['withinServiceHours']);
    const size = pageSize(first, 50);
    const now = this.clock();
    const manager = this.dataSource.manager;
    const [{ minutes }] = await manager.query(
      `SELECT coalesce(min((service_closes_minute - service_opens_minute) * cardinality(service_days)), 0)::int AS minutes FROM warranty_policy WHERE org_id = $1`,
      [actor.orgId],
    );
    if (!minutes) return [];
    const windowEnd = new Date(now.getTime() + (Math.ceil((hours * 60) / minutes) + 2) * 7 * 24 * 3_600_000);
    const candidates = await visibleClaims(manager, actor)
      .andWhere(
        `((c.response_due_at IS NOT NULL AND c.responded_at IS NULL AND c.response_due_at BETWEEN :now AND :windowEnd)
          OR (c.onsite_due_at IS NOT NULL AND c.onsite_at IS NULL AND c.onsite_due_at BETWEEN :now AND :windowEnd))`,
        { now, windowEnd },
      )
      .andWhere(`c.status NOT IN ('REJECTED', 'CANCELLED', 'CLOSED')`)
      .orderBy('least(coalesce(c.response_due_at, c.onsite_due_at), coalesce(c.onsite_due_at, c.response_due_at))')
      .limit(MAX_AT_RISK_CANDIDATES)
      .getMany();
    const records = new Map(
      (candidates.length ? await manager.find(WarrantyRecord, { where: { orgId: actor.orgId, id: In([...new Set(candidates.map((c) => c.warrantyRecordId))]) } }) : []).map((r) => [r.id, r]),
    );
    const policies = new Map(
      (records.size ? await manager.find(WarrantyPolicy, { where: { orgId: actor.orgId, id: In([...new Set([...records.values()].map((r) => r.policyId))]) } }) : []).map((p) => [p.id, p]),
    );
    const calendars = new Map<string, ServiceCalendar>();
    const atRisk: Array<{ claim: WarrantyClaim; target: 'RESPONSE' | 'ONSITE'; dueAt: Date; serviceHoursLeft: number }> = [];
    for (const claim of candidates) {
      const record = records.get(claim.warrantyRecordId)!;
      const policy = policies.get(record.policyId)!;
      const site = { orgId: actor.orgId, countryCode: record.siteCountry, timeZone: record.siteTimeZone ?? 'UTC' };
      const key = `${site.countryCode}|${site.timeZone}|${policy.id}`;
      let calendar = calendars.get(key);
      if (!calendar) calendars.set(key, (calendar = calendarOf(site, policy, await companyDaysOf(manager, actor.orgId, site.countryCode), now.getUTCFullYear())));
      const targets: Array<['RESPONSE' | 'ONSITE', Date | null, Date | null]> = [
        ['RESPONSE', claim.responseDueAt, claim.respondedAt],
        ['ONSITE', claim.onsiteDueAt, claim.onsiteAt],
      ];
      for (const [target, dueAt, metAt] of targets) {
        if (!dueAt || metAt || dueAt.getTime() < now.getTime()) continue;
        const left = serviceHoursBetween(calendar, now, dueAt);
        if (left <= hours) atRisk.push({ claim, target, dueAt, serviceHoursLeft: Math.round(left * 100) / 100 });
      }
    }
    return atRisk.sort((a, b) => a.serviceHoursLeft - b.serviceHoursLeft || a.dueAt.getTime() - b.dueAt.getTime()).slice(0, size);
  }

  private lockUnit(manager: EntityManager, actor: Actor, command: SubmitClaimCommand): Promise<WarrantyRecord> {
    return command.warrantyId
      ? lockVisibleRecord(manager, actor, command.warrantyId, ['input', 'warrantyId'])
      : lockVisibleRecordBySerial(manager, actor, command.serialNumber ?? '');
  }
}

/** The message CSP gets for every status a claim takes (its first included), written in the change's transaction. */
export async function writeStatusMessage(manager: EntityManager, claim: WarrantyClaim, from: string | null): Promise<void> {
  const payload: Record<string, any> = {
    claimId: claim.id,
    warrantyId: claim.warrantyRecordId,
    cspCaseId: claim.cspCaseId,
    kind: claim.kind,
    from,
    status: claim.status,
    cover: claim.cover,
    coveredTotal: { amount: claim.coveredTotal, currency: claim.currency },
    selfPaidTotal: { amount: claim.selfPaidTotal, currency: claim.currency },
    version: claim.rowVersion,
  };
  await manager.insert(OutboxMessage, { orgId: claim.orgId, destination: 'CSP', topic: 'claim.status_changed', aggregateId: claim.id, payload });
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
  for (const problem of lineProblems(command.currency, command.lines, { maxLines: MAX_LINES })) refuse(problem.field.map(String), problem.message);
  for (const problem of readingRangeProblems(command.readings ?? {})) refuse(['readings', problem.reading], problem.message);
  if (problems.length > 0) throw new DomainErrors(problems);
}

/** Where `action` takes the claim (claim-states.ts), or its refusal (FORBIDDEN, INVALID_TRANSITION) at `field`. */
/** An OA reference decides one claim of an organisation: another claim's decision under it is refused. */
function referenceTaken(reference: string, claimId: string | null): DomainError {
  const which = claimId ? `claim ${claimId}` : 'another claim';
  return new DomainError('IDEMPOTENCY_CONFLICT', `OA reference ${reference} already decided ${which}; each exception decision has its own reference`, ['input', 'reference']);
}

function nextStatus(claim: WarrantyClaim, action: ClaimAction, actor: Actor, field: string[]): ClaimStatus {
  const decision = decideTransition({ status: claim.status, kind: claim.kind, cover: claim.cover, action, roles: actor.roles });
  if (!decision.ok) throw new DomainError(decision.code, decision.reason, field);
  return decision.to;
}

function checkedReason(given: string): string {
  const reason = given.trim();
  if (!reason) throw new DomainError('BAD_USER_INPUT', 'say why (reason must not be empty)', ['input', 'reason']);
  if (reason.length > MAX_DESCRIPTION) throw new DomainError('BAD_USER_INPUT', `reason: at most ${MAX_DESCRIPTION} characters`, ['input', 'reason']);
  return reason;
}

export interface ClaimListFilter {
  status?: string | null;
  kind?: string | null;
  slaState?: 'RUNNING' | 'MET' | 'BREACHED' | 'STOPPED' | null;
  warrantyId?: string | null;
  cspCaseId?: string | null;
}

const MAX_AT_RISK_HOURS = 1_000;
/** At most this many claims due soonest are measured for one `claimsAtRisk` call. */
const MAX_AT_RISK_CANDIDATES = 5_000;


/** The state of one SLA target as SQL (see Claim.sla): NULL when the claim has no such target. */
function targetStateSql(due: string, met: string): string {
  return `(CASE WHEN c.${due} IS NULL THEN NULL
    WHEN c.${met} IS NOT NULL THEN CASE WHEN c.${met} <= c.${due} THEN 'MET' ELSE 'BREACHED' END
    WHEN c.status IN ('REJECTED', 'CANCELLED', 'CLOSED') THEN 'STOPPED'
    WHEN :now > c.${due} THEN 'BREACHED' ELSE 'RUNNING' END)`;
}

/** The claim, locked for the rest of the transaction; another organisation's claim is not found. */
async function lockClaim(manager: EntityManager, actor: Actor, id: string, field: string[] = ['input', 'id']): Promise<WarrantyClaim> {
  const claim = isUuid(id)
    ? await manager.findOne(WarrantyClaim, { where: { id, orgId: actor.orgId }, lock: { mode: 'pessimistic_write' } })
    : null;
  if (!claim) throw new DomainError('NOT_FOUND', `no claim with id ${id}`, field);
  return claim;
}

/** A claim's case is the case of one organisation: a case id another organisation's claims use is not ours. */
async function assertCaseOfOrganisation(manager: EntityManager, actor: Actor, cspCaseId: string): Promise<void> {
  const other = await manager
    .createQueryBuilder(WarrantyClaim, 'c')
    .where('c.csp_case_id = :cspCaseId AND c.org_id <> :orgId', { cspCaseId, orgId: actor.orgId })
    .getExists();
  if (other) throw new DomainError('BAD_USER_INPUT', `CSP case ${cspCaseId} belongs to another organisation`, ['input', 'cspCaseId']);
}

function coverOf(check: WarrantyCheckView): ComponentCover {
  return { paysParts: check.paysParts, paysLabour: check.paysLabour, reason: check.reason };
}

/** The check as stored with the claim: the decision, every coverage's checks and the policy versions behind them. */
function snapshot(check: WarrantyCheckView, readings: ReadingValues, readingsFrom: 'REQUEST' | 'HISTORY' | 'NONE', covers: Map<string | null, ComponentCover>) {
  return {
    decision: check.decision,
    paysParts: check.paysParts,
    paysLabour: check.paysLabour,
    reason: check.reason,
    component: check.component,
    repairDate: check.repairDate,
    readings: definedReadings(readings),
    readingsFrom,
    coverages: check.coverages.map((c) => ({
      coverageId: c.coverage.id,
      kind: c.coverage.kind,
      scope: c.coverage.scope,
      policyId: c.coverage.policyId,
      startDate: c.coverage.startDate,
      endDate: c.coverage.endDate,
      active: c.active,
      paysParts: c.paysParts,
      paysLabour: c.paysLabour,
      checks: c.checks,
    })),
    componentCovers: Object.fromEntries([...covers].map(([component, cover]) => [component ?? '', cover])),
  };
}

/** SHA-256 of the request with its keys sorted, so that a retry serialised differently is still the same request. */
export function hashRequest(command: SubmitClaimCommand): string {
  const canonical = (value: unknown): unknown => {
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map(canonical);
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined && v !== null)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, v]) => [k, canonical(v)]),
      );
    }
    return value;
  };
  return createHash('sha256').update(JSON.stringify(canonical(command))).digest('hex');
}

