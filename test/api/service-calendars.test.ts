import { clockAt, createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Rule 9's service calendars as data: versions published by an administrator (all or nothing), closing days as new
 * versions, and each claim keeping the version it was opened under, for its due instants, its amendments, the hours
 * left and claimsAtRisk.
 */
const PUBLISH = `mutation($input: PublishServiceCalendarInput!) {
  publishServiceCalendar(input: $input) { calendar { id region version effectiveFrom serviceDays opensAt closesAt closingDays { date name countryCode } publishedById } userErrors { code field message } } }`;
const CHANGE = `mutation($input: ChangeServiceClosingDaysInput!) {
  changeServiceClosingDays(input: $input) { calendar { region version serviceDays opensAt closesAt closingDays { date name countryCode } } userErrors { code field message } } }`;
const SUBMIT = `mutation($input: SubmitClaimInput!) {
  submitClaim(input: $input) { claim { id serviceCalendar { region version } sla { response { dueAt } onsite { dueAt } } } userErrors { code field message } } }`;
const HOURS_LEFT = `query($id: ID!) { claim(id: $id) { sla { response { dueAt serviceHoursLeft } } } }`;

describe('service calendars (rule 9)', () => {
  let t: TestApp;
  let org: string;
  let admin: string;
  let agent: string;
  const calendarRows = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM service_calendar WHERE org_id = $1`, [org]))[0].n as number;
  const dayRows = async () => (await t.dataSource.query(`SELECT count(*)::int AS n FROM service_calendar_day WHERE org_id = $1`, [org]))[0].n as number;

  beforeAll(async () => {
    // Tuesday 1 December 2026, 12:00 UTC: 13:00 in Berlin.
    t = await startTestApp({ clock: clockAt('2026-12-01') });
    org = await createTestOrg(t.dataSource, 'calendars');
    admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    agent = await tokenFor(org, ['AGENT']);
    // Eight service hours to respond, sixteen to be on site; no claim approved at intake (its response would be met).
    await t.dataSource.query(`UPDATE warranty_policy SET sla_response_hours = 8, sla_onsite_hours = 16, auto_approval_limits = '{}' WHERE org_id = $1`, [org]);
    for (const serialNumber of ['CAL-A', 'CAL-B', 'CAL-C']) {
      const { data } = await t.graphql(
        `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { userErrors { message } } }`,
        { input: { serialNumber, sku: 'SOFAR-INV-10KTL-X-G2', site: { countryCode: 'DE', timeZone: 'Europe/Berlin' }, commissioningDate: '2025-01-10' } },
        admin,
      );
      expect(data.registerWarranty.userErrors).toEqual([]);
    }
  });
  afterAll(() => t?.stop());

  async function submit(serialNumber: string) {
    const { data } = await t.graphql(SUBMIT, { input: { serialNumber, kind: 'REPAIR', repairDate: '2026-11-30', currency: 'EUR' } }, agent);
    expect(data.submitClaim.userErrors).toEqual([]);
    return data.submitClaim.claim;
  }

  const LONG_WEEK = { region: 'DE-AT-CH', effectiveFrom: '2026-12-01', serviceDays: [6, 1, 2, 3, 4, 5], opensAt: '08:00', closesAt: '20:00' };

  it('only a WARRANTY_ADMIN publishes, and a refusal writes nothing', async () => {
    const before = await calendarRows();
    const { data } = await t.graphql(PUBLISH, { input: LONG_WEEK }, agent);
    expect(data.publishServiceCalendar).toMatchObject({ calendar: null, userErrors: [{ code: 'FORBIDDEN' }] });
    const changed = await t.graphql(CHANGE, { input: { effectiveFrom: '2026-12-01', add: [{ date: '2026-12-24', name: 'x' }] } }, agent);
    expect(changed.data.changeServiceClosingDays.userErrors[0].code).toBe('FORBIDDEN');
    expect(await calendarRows()).toBe(before);
  });

  it.each([
    ['closing before opening', { closesAt: '07:00' }, ['input', 'closesAt']],
    ['a weekday twice', { serviceDays: [1, 2, 2] }, ['input', 'serviceDays', '2']],
    ['weekday 8', { serviceDays: [8] }, ['input', 'serviceDays', '0']],
    ['no service day', { serviceDays: [] }, ['input', 'serviceDays']],
    ['a time that is none', { opensAt: '8 am' }, ['input', 'opensAt']],
    ['a region that is none', { region: 'Bavaria' }, ['input', 'region']],
    ['a closing day twice', { closingDays: [{ date: '2026-12-24', name: 'Eve' }, { date: '2026-12-24', name: 'Eve again' }] }, ['input', 'closingDays', '1', 'date']],
    ['a closing day without a name', { closingDays: [{ date: '2026-12-24', name: '' }] }, ['input', 'closingDays', '0', 'name']],
    ['a closing day of no country', { closingDays: [{ date: '2026-12-24', name: 'Eve', countryCode: 'Germany' }] }, ['input', 'closingDays', '0', 'countryCode']],
  ])('refuses %s at its field, writing nothing', async (_, change, field) => {
    const before = [await calendarRows(), await dayRows()];
    const { data } = await t.graphql(PUBLISH, { input: { ...LONG_WEEK, ...change } }, admin);
    expect(data.publishServiceCalendar.calendar).toBeNull();
    expect(data.publishServiceCalendar.userErrors).toEqual([expect.objectContaining({ code: 'BAD_USER_INPUT', field })]);
    expect([await calendarRows(), await dayRows()]).toEqual(before);
  });

  it('refuses a closing day outside the Date bounds as the scalar does', async () => {
    const { data, errors } = await t.graphql(PUBLISH, { input: { ...LONG_WEEK, closingDays: [{ date: '2200-01-01', name: 'Far' }] } }, admin);
    expect(data?.publishServiceCalendar?.calendar ?? null).toBeNull();
    expect(JSON.stringify(errors ?? data.publishServiceCalendar.userErrors)).toMatch(/1900-01-01 to 2199-12-31/);
  });

  it('a claim keeps the calendar it was opened under; a new calendar changes new claims only', async () => {
    // The seeded default calendar: 09:00–17:00 Monday to Friday. Tue 13:00–17:00 (4 h), Wed 09:00 + 4 h = 13:00 CET.
    const a = await submit('CAL-A');
    expect(a.serviceCalendar).toEqual({ region: null, version: 1 });
    expect(a.sla.response.dueAt.slice(0, 16)).toBe('2026-12-02T12:00');

    const { data } = await t.graphql(PUBLISH, { input: LONG_WEEK }, admin);
    expect(data.publishServiceCalendar.userErrors).toEqual([]);
    expect(data.publishServiceCalendar.calendar).toMatchObject({ region: 'DE-AT-CH', version: 1, serviceDays: [1, 2, 3, 4, 5, 6], opensAt: '08:00', closesAt: '20:00', closingDays: [] });

    // 08:00–20:00 Monday to Saturday: Tue 13:00–20:00 (7 h), Wed 08:00 + 1 h = 09:00 CET.
    const b = await submit('CAL-B');
    expect(b.serviceCalendar).toEqual({ region: 'DE-AT-CH', version: 1 });
    expect(b.sla.response.dueAt.slice(0, 16)).toBe('2026-12-02T08:00');

    // A's targets and its hours left are still measured on the default calendar: 8 hours, not the 12 of the new one.
    const left = await t.graphql(HOURS_LEFT, { id: a.id }, agent);
    expect(left.data.claim.sla.response.dueAt.slice(0, 16)).toBe('2026-12-02T12:00');
    expect(left.data.claim.sla.response.serviceHoursLeft).toBeCloseTo(8, 1);

    const inForce = await t.graphql(`{ de: serviceCalendarInForce(region: "DE-AT-CH", asOf: "2026-12-01") { region version } pl: serviceCalendarInForce(region: "PL", asOf: "2026-12-01") { region version } }`, {}, agent);
    expect(inForce.data).toEqual({ de: { region: 'DE-AT-CH', version: 1 }, pl: { region: null, version: 1 } });
  });

  it('closing days are a new version: they move the due instant of new claims, not of those opened before', async () => {
    const wrong = await t.graphql(CHANGE, { input: { region: 'PL', effectiveFrom: '2026-12-01', add: [{ date: '2026-12-02', name: 'x' }] } }, admin);
    expect(wrong.data.changeServiceClosingDays.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND', field: ['input', 'region'] })]);
    const early = await t.graphql(CHANGE, { input: { region: 'DE-AT-CH', effectiveFrom: '2026-11-30', add: [{ date: '2026-12-02', name: 'x' }] } }, admin);
    expect(early.data.changeServiceClosingDays.userErrors).toEqual([expect.objectContaining({ field: ['input', 'effectiveFrom'] })]);

    const { data } = await t.graphql(CHANGE, { input: { region: 'DE-AT-CH', effectiveFrom: '2026-12-01', add: [{ date: '2026-12-02', name: 'Works meeting' }, { date: '2026-12-03', name: 'Swiss day', countryCode: 'CH' }] } }, admin);
    expect(data.changeServiceClosingDays).toEqual({
      calendar: {
        region: 'DE-AT-CH', version: 2, serviceDays: [1, 2, 3, 4, 5, 6], opensAt: '08:00', closesAt: '20:00',
        closingDays: [{ date: '2026-12-02', name: 'Works meeting', countryCode: null }, { date: '2026-12-03', name: 'Swiss day', countryCode: 'CH' }],
      },
      userErrors: [],
    });
    // Tue 13:00–20:00 (7 h), Wednesday closed, Thursday open in Germany (the Swiss day is not German): 08:00 + 1 h.
    const c = await submit('CAL-C');
    expect(c.serviceCalendar).toEqual({ region: 'DE-AT-CH', version: 2 });
    expect(c.sla.response.dueAt.slice(0, 16)).toBe('2026-12-03T08:00');

    // B keeps version 1: Wednesday is open for it, 8 hours left (version 2 would say 7).
    const claims = await t.graphql(`{ claims(first: 10) { edges { node { id serviceCalendar { version } sla { response { serviceHoursLeft } } } } } }`, {}, agent);
    const byVersion = claims.data.claims.edges.map((e: { node: { serviceCalendar: { version: number } | null; sla: { response: { serviceHoursLeft: number } } } }) => [e.node.serviceCalendar?.version, Math.round(e.node.sla.response.serviceHoursLeft)]);
    expect(byVersion).toEqual([[2, 8], [1, 8], [1, 8]]);

    const removed = await t.graphql(CHANGE, { input: { region: 'DE-AT-CH', effectiveFrom: '2026-12-01', remove: [{ date: '2026-12-03' }] } }, admin);
    expect(removed.data.changeServiceClosingDays.userErrors).toEqual([expect.objectContaining({ field: ['input', 'remove', '0', 'date'] })]);
  });

  it('claimsAtRisk measures each claim on its own version', async () => {
    const { data } = await t.graphql(`{ claimsAtRisk(withinServiceHours: 10) { claim { serviceCalendar { region version } } target serviceHoursLeft } }`, {}, agent);
    const response = data.claimsAtRisk.filter((r: { target: string }) => r.target === 'RESPONSE');
    expect(response).toHaveLength(3);
    for (const row of response) expect(row.serviceHoursLeft).toBeCloseTo(8, 1);
    expect(response.map((r: { claim: { serviceCalendar: { version: number; region: string | null } } }) => `${r.claim.serviceCalendar.region}/${r.claim.serviceCalendar.version}`).sort()).toEqual(['DE-AT-CH/1', 'DE-AT-CH/2', 'null/1']);
  });

  it('an amendment logging travel recomputes the on-site target on the claim’s own version', async () => {
    const { data } = await t.graphql(`{ claims(first: 10) { edges { node { id version serviceCalendar { region } sla { onsite { dueAt } } } } } }`, {}, agent);
    const a = data.claims.edges.map((e: { node: unknown }) => e.node).find((n: { serviceCalendar: { region: string | null } }) => n.serviceCalendar.region === null);
    // Sixteen hours on the default calendar from Tue 13:00: 4 + 8 + 4 = Thu 13:00 CET.
    expect(a.sla.onsite.dueAt.slice(0, 16)).toBe('2026-12-03T12:00');
    const amended = await t.graphql(
      `mutation($input: AmendClaimLinesInput!) { amendClaimLines(input: $input) { claim { sla { onsite { dueAt } } } userErrors { field message } } }`,
      { input: { claimId: a.id, currency: 'EUR', reason: 'travel logged', add: [{ kind: 'TRAVEL', startAt: '2026-12-02T08:00:00Z', endAt: '2026-12-02T10:00:00Z' }] } },
      agent,
    );
    expect(amended.data.amendClaimLines.userErrors).toEqual([]);
    // Two service hours of Wednesday paused (09:00–11:00 CET): Thu 15:00 CET. The long week would say otherwise.
    expect(amended.data.amendClaimLines.claim.sla.onsite.dueAt.slice(0, 16)).toBe('2026-12-03T14:00');
  });

  it('lists the versions as a connection', async () => {
    const { data } = await t.graphql(`{ all: serviceCalendars { totalCount edges { node { region version } } } de: serviceCalendars(region: "DE-AT-CH", first: 1) { totalCount pageInfo { hasNextPage } edges { node { version } } } }`, {}, agent);
    expect(data.all.totalCount).toBe(3);
    expect(data.all.edges.map((e: { node: { region: string | null; version: number } }) => `${e.node.region}/${e.node.version}`)).toEqual(['null/1', 'DE-AT-CH/1', 'DE-AT-CH/2']);
    expect(data.de).toEqual({ totalCount: 2, pageInfo: { hasNextPage: true }, edges: [{ node: { version: 1 } }] });
  });
});
