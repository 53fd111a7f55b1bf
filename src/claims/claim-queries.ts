/** Reading claims: the filtered list and the claims whose SLA runs out soonest. */
import { In } from 'typeorm';
import { isCustomerOnly, type Actor } from '../auth/actor';
import { DomainError } from '../common/errors';
import { isUuid } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { calendarsByIds, STANDARD_WEEK } from '../calendars/calendar-store';
import { WarrantyRecord } from '../records/warranty-record.entity';
import { visibleClaims } from './claim-loaders';
import { serviceHoursBetween, type ServiceCalendar } from './sla-calendar';
import { calendarOf } from './sla-calendars';
import { WarrantyClaim } from './warranty-claim.entity';
import type { ClaimsDeps } from './claim-transitions';

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

/** The organisation's claims, newest first, filtered; a customer sees their own units' claims only. */
export async function listClaims(deps: ClaimsDeps, actor: Actor, filter: ClaimListFilter, page: { first?: number | null; after?: string | null }): Promise<Connection<WarrantyClaim>> {
  const size = pageSize(page.first, 20);
  const after = decodeCursor(page.after, ['timestamp', 'uuid']);
  const now = deps.clock();
  const query = visibleClaims(deps.dataSource.manager, actor);
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

/** The statuses in which a claim waits for an agent's decision (rules 15 and 16). */
export const AWAITING_DECISION = ['SUBMITTED', 'REAPPROVAL_REQUIRED'] as const;

/**
 * The approval queue (rules 15, 16): the claims waiting for an agent's decision, the oldest response target first
 * (a claim without one by its submission), then by id. One statement a page whatever its size: the count is a
 * subquery of the page's statement (only a page after the last, which has no row to carry it, counts apart).
 */
export async function claimsAwaitingDecision(deps: ClaimsDeps, actor: Actor, page: { first?: number | null; after?: string | null }): Promise<Connection<WarrantyClaim>> {
  const size = pageSize(page.first, 20);
  const after = decodeCursor(page.after, ['timestamp', 'uuid']);
  const waiting = (alias: string) => `${alias}.status IN ('${AWAITING_DECISION.join("', '")}')`;
  const customer = isCustomerOnly(actor)
    ? 'AND EXISTS (SELECT 1 FROM warranty_record r WHERE r.org_id = w.org_id AND r.id = w.warranty_record_id AND r.customer_id = :customerId)'
    : '';
  const due = 'coalesce(c.response_due_at, c.created_at)';
  const query = visibleClaims(deps.dataSource.manager, actor)
    .andWhere(waiting('c'))
    .addSelect(`(SELECT count(*)::int FROM warranty_claim w WHERE w.org_id = :orgId AND ${waiting('w')} ${customer})`, 'total')
    .addSelect(due, 'due')
    .setParameter('customerId', actor.customerId ?? '');
  if (after) query.andWhere(`(${due}, c.id) > (:afterDue, :afterId)`, { afterDue: after[0], afterId: after[1] });
  const { entities, raw } = await query.orderBy(due, 'ASC').addOrderBy('c.id', 'ASC').limit(size + 1).getRawAndEntities<{ total: number }>();
  const totalCount = raw.length > 0 ? raw[0].total : after ? await visibleClaims(deps.dataSource.manager, actor).andWhere(waiting('c')).getCount() : 0;
  return toConnection(entities, size, totalCount, (c) => [(c.responseDueAt ?? c.createdAt).toISOString(), c.id], after !== null);
}

/**
 * Claims whose running response or on-site target falls due within `hours` service hours of their site, most
 * urgent first. Candidates are read by due instant within a window every calendar's service week fits (the
 * shortest service week of the organisation's calendar versions and the standard week, two weeks added for
 * closing days), then each is measured on the calendar version it keeps, at its site. Four statements whatever the
 * number of claims: the window, the candidates with their units' sites, their calendar versions, the claims kept.
 */
export async function claimsAtRisk(deps: ClaimsDeps, actor: Actor, hours: number, first: number | null | undefined): Promise<Array<{ claim: WarrantyClaim; target: 'RESPONSE' | 'ONSITE'; dueAt: Date; serviceHoursLeft: number }>> {
  if (!(hours > 0 && hours <= MAX_AT_RISK_HOURS)) throw new DomainError('BAD_USER_INPUT', `withinServiceHours must be more than 0 and at most ${MAX_AT_RISK_HOURS}`, ['withinServiceHours']);
  const size = pageSize(first, 50);
  const now = deps.clock();
  const manager = deps.dataSource.manager;
  const [{ minutes }] = await manager.query(
    `SELECT least(min((closes_minute - opens_minute) * cardinality(service_days)), $2)::int AS minutes FROM service_calendar WHERE org_id = $1`,
    [actor.orgId, (STANDARD_WEEK.closesMinute - STANDARD_WEEK.opensMinute) * STANDARD_WEEK.serviceDays.length],
  );
  if (!minutes) return [];
  const windowEnd = new Date(now.getTime() + (Math.ceil((hours * 60) / minutes) + 2) * 7 * 24 * 3_600_000);
  // Only what measuring needs, with the site of each claim's unit, as plain rows: hydrating every candidate and its
  // whole unit as entities cost more than the rest of the read once the window holds hundreds of open claims.
  const candidates: AtRiskCandidate[] = await visibleClaims(manager, actor)
    .innerJoin(WarrantyRecord, 'unit', 'unit.org_id = c.org_id AND unit.id = c.warranty_record_id')
    .select('c.id', 'id')
    .addSelect('c.service_calendar_id', 'serviceCalendarId')
    .addSelect('c.response_due_at', 'responseDueAt')
    .addSelect('c.responded_at', 'respondedAt')
    .addSelect('c.onsite_due_at', 'onsiteDueAt')
    .addSelect('c.onsite_at', 'onsiteAt')
    .addSelect('unit.site_country', 'siteCountry')
    .addSelect('unit.site_time_zone', 'siteTimeZone')
    .andWhere(
      `((c.response_due_at IS NOT NULL AND c.responded_at IS NULL AND c.response_due_at BETWEEN :now AND :windowEnd)
        OR (c.onsite_due_at IS NOT NULL AND c.onsite_at IS NULL AND c.onsite_due_at BETWEEN :now AND :windowEnd))`,
      { now, windowEnd },
    )
    .andWhere(`c.status NOT IN ('REJECTED', 'CANCELLED', 'CLOSED')`)
    .orderBy('least(coalesce(c.response_due_at, c.onsite_due_at), coalesce(c.onsite_due_at, c.response_due_at))')
    .limit(MAX_AT_RISK_CANDIDATES)
    .getRawMany();
  const specs = await calendarsByIds(manager, actor.orgId, candidates.flatMap((c) => (c.serviceCalendarId ? [c.serviceCalendarId] : [])));
  const calendars = new Map<string, ServiceCalendar>();
  const atRisk: Array<{ claimId: string; target: 'RESPONSE' | 'ONSITE'; dueAt: Date; serviceHoursLeft: number }> = [];
  for (const claim of candidates) {
    const site = { countryCode: claim.siteCountry, timeZone: claim.siteTimeZone ?? 'UTC' };
    const key = `${site.countryCode}|${site.timeZone}|${claim.serviceCalendarId ?? ''}`;
    let calendar = calendars.get(key);
    if (!calendar) calendars.set(key, (calendar = calendarOf(site, claim.serviceCalendarId ? specs.get(claim.serviceCalendarId) ?? null : null, now.getUTCFullYear())));
    const targets: Array<['RESPONSE' | 'ONSITE', Date | null, Date | null]> = [
      ['RESPONSE', claim.responseDueAt, claim.respondedAt],
      ['ONSITE', claim.onsiteDueAt, claim.onsiteAt],
    ];
    for (const [target, dueAt, metAt] of targets) {
      if (!dueAt || metAt || dueAt.getTime() < now.getTime()) continue;
      const left = serviceHoursBetween(calendar, now, dueAt);
      if (left <= hours) atRisk.push({ claimId: claim.id, target, dueAt, serviceHoursLeft: Math.round(left * 100) / 100 });
    }
  }
  const kept = atRisk.sort((a, b) => a.serviceHoursLeft - b.serviceHoursLeft || a.dueAt.getTime() - b.dueAt.getTime()).slice(0, size);
  // The claims kept, whole, as the answer shows them.
  const ids = [...new Set(kept.map((k) => k.claimId))];
  const claims = new Map((ids.length ? await manager.find(WarrantyClaim, { where: { orgId: actor.orgId, id: In(ids) } }) : []).map((c) => [c.id, c]));
  // Read after the candidates, outside their statement: a claim gone in between is left out, not answered as null.
  return kept.flatMap(({ claimId, ...rest }) => {
    const claim = claims.get(claimId);
    return claim ? [{ claim, ...rest }] : [];
  });
}

/** A claim measured by claimsAtRisk: its targets, its calendar version and its unit's site. */
interface AtRiskCandidate {
  id: string;
  serviceCalendarId: string | null;
  responseDueAt: Date | null;
  respondedAt: Date | null;
  onsiteDueAt: Date | null;
  onsiteAt: Date | null;
  siteCountry: string;
  siteTimeZone: string | null;
}

/** The state of one SLA target as SQL (see Claim.sla): NULL when the claim has no such target. */
function targetStateSql(due: string, met: string): string {
  return `(CASE WHEN c.${due} IS NULL THEN NULL
    WHEN c.${met} IS NOT NULL THEN CASE WHEN c.${met} <= c.${due} THEN 'MET' ELSE 'BREACHED' END
    WHEN c.status IN ('REJECTED', 'CANCELLED', 'CLOSED') THEN 'STOPPED'
    WHEN :now > c.${due} THEN 'BREACHED' ELSE 'RUNNING' END)`;
}
