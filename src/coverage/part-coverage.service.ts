import { IsInt, IsNumber, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import type { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { assertRole, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { isUuid, newId } from '../common/ids';
import { isDateInRange, MAX_DATE } from '../common/input-guards';
import { assertValid } from '../common/validation';
import { refreshExpiry } from '../records/record-expiry';
import { lockVisibleRecord } from '../records/record-access';
import { WarrantyRecord } from '../records/warranty-record.entity';
import type { IsoDate } from '../common/calendar';
import { Coverage, WHOLE_UNIT } from './coverage.entity';
import { coverageDates } from './coverage-terms';

export class AddPartCoverageDto {
  @Matches(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, { message: 'must be a part name such as POWERTRAIN' })
  part: string;

  @IsInt()
  @Min(1)
  @Max(600)
  termMonths: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600)
  labourMonths?: number | null;

  @IsOptional()
  @MaxLength(2000)
  reason?: string | null;
}

/** A part contract's usage limits, validated on their own so that a refusal names ["input", "limits", …]. */
export class UsageLimitsDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  odometerKm?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  engineHours?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(0.001)
  @Max(1_000_000)
  throughputMwh?: number | null;

  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(100)
  sohGuaranteePct?: number | null;
}

export interface AddPartCoverageCommand {
  warrantyId: string;
  part: string;
  startDate: IsoDate;
  termMonths: number;
  labourMonths?: number | null;
  limits?: { odometerKm?: number | null; engineHours?: number | null; throughputMwh?: number | null; sohGuaranteePct?: number | null } | null;
  reason?: string | null;
}

/** Standalone part contracts: added and removed by a WARRANTY_ADMIN, each with its event. */
export class PartCoverageService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async add(actor: Actor, command: AddPartCoverageCommand): Promise<{ record: WarrantyRecord; coverage: Coverage }> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'add a part contract');
    const { limits, ...contract } = command;
    await assertValid(Object.assign(new AddPartCoverageDto(), contract));
    if (limits) await assertValid(Object.assign(new UsageLimitsDto(), limits), ['input', 'limits']);
    const part = command.part.toUpperCase();
    if (part === WHOLE_UNIT) throw new DomainError('BAD_USER_INPUT', 'a part contract covers a part, not the whole unit', ['input', 'part']);
    if (command.labourMonths != null && command.labourMonths > command.termMonths) {
      throw new DomainError('BAD_USER_INPUT', 'labourMonths cannot exceed termMonths', ['input', 'labourMonths']);
    }

    return this.dataSource.transaction(async (manager) => {
      const record = await lockVisibleRecord(manager, actor, command.warrantyId, ['input', 'warrantyId']);
      if (record.voidedAt) throw new DomainError('WARRANTY_VOIDED', `warranty ${record.serialNumber} is voided`, ['input', 'warrantyId']);
      const dates = coverageDates(command.startDate, command.termMonths, command.labourMonths ?? null);
      if (dates.endDate && !isDateInRange(dates.endDate)) {
        throw new DomainError('BAD_USER_INPUT', `startDate + termMonths ends on ${dates.endDate}, after ${MAX_DATE}`, ['input', 'termMonths']);
      }
      const coverage = manager.create(Coverage, {
        id: newId(),
        orgId: record.orgId,
        warrantyRecordId: record.id,
        kind: 'PART',
        scope: part,
        ...dates,
        termMonths: command.termMonths,
        labourMonths: command.labourMonths ?? null,
        mileageLimitKm: command.limits?.odometerKm ?? null,
        engineHoursLimit: command.limits?.engineHours ?? null,
        throughputLimitMwh: command.limits?.throughputMwh ?? null,
        sohGuaranteePct: command.limits?.sohGuaranteePct ?? null,
        paysParts: true,
        paysLabour: command.labourMonths !== 0,
        policyId: null,
        voidedAt: null,
        voidReason: null,
      });
      await manager.insert(Coverage, coverage);
      await this.audit.append(manager, [
        {
          orgId: record.orgId,
          warrantyRecordId: record.id,
          actorId: actor.id,
          event: 'COVERAGE_ADDED',
          coverageId: coverage.id,
          toValue: `PART ${part}`,
          detail: { kind: 'PART', scope: part, startDate: dates.startDate, endDate: dates.endDate, limits: command.limits ?? {}, reason: command.reason ?? null },
        },
        ...(await refreshExpiry(manager, record, actor.id)),
      ]);
      return { record, coverage };
    });
  }

  async remove(actor: Actor, input: { coverageId: string; reason: string }): Promise<{ record: WarrantyRecord; coverage: Coverage }> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'remove a part contract');
    if (!input.reason.trim()) throw new DomainError('BAD_USER_INPUT', 'reason must not be blank', ['input', 'reason']);
    return this.dataSource.transaction(async (manager) => {
      const found = isUuid(input.coverageId)
        ? await manager.findOneBy(Coverage, { id: input.coverageId, orgId: actor.orgId })
        : null;
      if (!found) throw new DomainError('NOT_FOUND', `no coverage with id ${input.coverageId}`, ['input', 'coverageId']);
      const record = await lockVisibleRecord(manager, actor, found.warrantyRecordId, ['input', 'coverageId']);
      if (found.kind !== 'PART') {
        throw new DomainError('BAD_USER_INPUT', `only part contracts can be removed; this is a ${found.kind} coverage`, ['input', 'coverageId']);
      }
      await manager.delete(Coverage, { orgId: found.orgId, id: found.id });
      await this.audit.append(manager, [
        {
          orgId: record.orgId,
          warrantyRecordId: record.id,
          actorId: actor.id,
          event: 'COVERAGE_REMOVED',
          coverageId: found.id,
          fromValue: `PART ${found.scope}`,
          detail: { scope: found.scope, startDate: found.startDate, endDate: found.endDate, reason: input.reason.trim() },
        },
        ...(await refreshExpiry(manager, record, actor.id)),
      ]);
      return { record, coverage: found };
    });
  }
}
