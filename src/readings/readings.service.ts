import type { DataSource } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import type { AuditService } from '../audit/audit.service';
import { DomainError, DomainErrors } from '../common/errors';
import { calendarDateOf, type IsoDate } from '../common/calendar';
import { assertOneUnitKey, lockVisibleUnit } from '../records/record-access';
import type { Clock } from '../common/clock';
import { WarrantyRecord } from '../records/warranty-record.entity';
import {
  definedReadings, hasReadings, pickReadings, readingRangeProblems, readingRegressions, recordedHistory, type ReadingValues,
} from './readings-history';
import { UnitReading } from './unit-reading.entity';

/** Roles that report readings: the desk, installers on site, and the integrations (CSP, CLOUD). */
const REPORTERS = ['INSTALLER', 'AGENT', 'WARRANTY_ADMIN', 'SERVICE'] as const;

/**
 * Readings reported outside a claim (a check on site, a CSP case, a telemetry reading): they join the unit's
 * history under the same rules as a claim's (counters never go down), with an event, in one transaction.
 */
export class ReadingsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock = () => new Date(),
  ) {}

  async record(actor: Actor, input: { warrantyId?: string | null; serialNumber?: string | null; readOn: IsoDate; readings: ReadingValues }): Promise<WarrantyRecord> {
    assertRole(actor, REPORTERS, 'record readings');
    assertOneUnitKey(input);
    const readings = pickReadings(input.readings);
    if (!hasReadings(readings)) throw new DomainError('BAD_USER_INPUT', 'give at least one reading', ['input', 'readings']);
    const ranges = readingRangeProblems(readings);
    if (ranges.length > 0) throw new DomainErrors(ranges.map((p) => new DomainError('BAD_USER_INPUT', p.message, ['input', 'readings', p.reading])));
    return this.dataSource.transaction(async (manager) => {
      const record = await lockVisibleUnit(manager, actor, input);
      const today = calendarDateOf(this.clock(), record.siteTimeZone ?? 'UTC');
      if (input.readOn > today) throw new DomainError('BAD_USER_INPUT', `readOn ${input.readOn} is in the future (today is ${today} at the site)`, ['input', 'readOn']);
      const history = await manager.find(UnitReading, { where: { orgId: record.orgId, warrantyRecordId: record.id }, order: { id: 'ASC' } });
      const regressions = readingRegressions(
        recordedHistory(history),
        input.readOn,
        readings,
      );
      if (regressions.length > 0) {
        throw new DomainErrors(regressions.map((r) => new DomainError('BAD_USER_INPUT', r.message, ['input', 'readings', r.reading])));
      }
      const given = definedReadings(readings);
      await manager.insert(UnitReading, { orgId: record.orgId, warrantyRecordId: record.id, readOn: input.readOn, ...given, source: 'REPORTED', claimId: null, recordedById: actor.id });
      await this.audit.append(manager, [
        { orgId: record.orgId, warrantyRecordId: record.id, actorId: actor.id, event: 'READINGS_RECORDED', detail: { readOn: input.readOn, readings: given } },
      ]);
      return record;
    });
  }
}
