/**
 * The data of `npm run bench:scale` (scale.ts): a fleet of many organisations, grown in place.
 *
 * 1. Through the API (seed.ts `seedThroughApi`): every organisation's policies, product references and its seed
 *    registrations (SEEDS_PER_ORG units). Then, still through the API, what a unit gathers in the field: two mandatory
 *    CELLS releases for batteries (one past its deadline, for `evaluate-telemetry`; one due in DUE_IN_DAYS, for
 *    `unitsAtRisk`), a heartbeat and (two in three) a firmware report per seed, and a claim with readings, a part and a
 *    labour line on every CLAIM_EVERY-th seed (an inverter), above the auto-approval limit so it waits SUBMITTED with
 *    its SLA targets (the desk's queues: claims pages, `claimsAtRisk`).
 * 2. `grow`: set-based SQL copies every seed with all of that, from `fromPerOrg` to `toPerOrg` units per organisation:
 *    records, coverages, events, readings, telemetry, firmware, claims (with their CSP case and lines), fresh ids,
 *    serial `prefix || lpad(n)`, times shifted back n · 37 s as in seed.ts. Groups of GROUP orgs at a time, two
 *    connections side by side. Outbox messages are not copied (a delivered message is history, not a unit's state).
 */
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { signToken } from '../src/auth/tokens';
import { REPAIR_DATE } from './scenarios';
import { copyStatement, graphql, type Fleet } from './seed';

export const SEEDS_PER_ORG = 50;
/** Seeds k with k % CLAIM_EVERY = 0 get a claim (inverters: SKU_OF_SEED[0] in seed.ts): one unit in ten. */
const CLAIM_EVERY = 10;
const DUE_IN_DAYS = 20;
const GROUP = 5;

export const scaleFleet = (orgs: number, unitsPerOrg: number): Fleet => ({
  orgs: Array.from({ length: orgs }, (_, o) => ({ org: `scale-${String(o).padStart(3, '0')}`, prefix: `SC${String(o).padStart(3, '0')}-` })),
  unitsPerOrg,
  seedsPerOrg: SEEDS_PER_ORG,
  digits: 7,
});
export const serialOf = (fleet: Fleet, o: number, n: number) => `${fleet.orgs[o].prefix}${String(n).padStart(fleet.digits, '0')}`;

const call = async (url: string, token: string, query: string, variables: Record<string, unknown>) => Object.values(await graphql(url, token, query, variables))[0] as any;
const RELEASE = `mutation Release($input: PublishFirmwareReleaseInput!) { publishFirmwareRelease(input: $input) { release { id } userErrors { code field message } } }`;
const HEARTBEATS = `mutation Heartbeats($input: RecordHeartbeatsInput!) { recordHeartbeats(input: $input) { accepted unknownSerialNumbers userErrors { code field message } } }`;
const FIRMWARE = `mutation Firmware($input: RecordFirmwareReportsInput!) { recordFirmwareReports(input: $input) { accepted unknownSerialNumbers userErrors { code field message } } }`;
const SUBMIT = `mutation Submit($input: SubmitClaimInput!) { submitClaim(input: $input) { claim { id status } userErrors { code field message } } }`;

/** Step 1b: releases, telemetry and claims of every organisation's seeds, through the API. */
export async function seedFieldLife(url: string, jwtSecret: string, fleet: Fleet, now: Date): Promise<{ claims: number }> {
  const dueRelease = new Date(now.getTime() - 10 * 86_400_000).toISOString();
  let claims = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < fleet.orgs.length) {
        const o = next++;
        const { org } = fleet.orgs[o];
        const token = await signToken(jwtSecret, { sub: 'bench-scale', org, roles: ['SERVICE', 'AGENT', 'WARRANTY_ADMIN'] }, { expiresIn: '4h' });
        await call(url, token, RELEASE, { input: { productFamily: 'BATTERY', component: 'CELLS', version: '3.2', releasedAt: '2026-01-01T00:00:00Z', graceDays: 90 } });
        await call(url, token, RELEASE, { input: { productFamily: 'BATTERY', component: 'CELLS', version: '3.3', releasedAt: dueRelease, graceDays: 10 + DUE_IN_DAYS } });
        const ks = Array.from({ length: fleet.seedsPerOrg }, (_, k) => k);
        // A quarter last seen before the first release's deadline; firmware: a third on 3.2, a third on 3.1, a third silent.
        const beats = await call(url, token, HEARTBEATS, {
          input: { heartbeats: ks.map((k) => ({ serialNumber: serialOf(fleet, o, k), at: k % 4 === 0 ? '2026-03-15T08:00:00Z' : '2026-10-01T08:00:00Z' })) },
        });
        const reports = ks.filter((k) => k % 3 !== 2).map((k) => ({ serialNumber: serialOf(fleet, o, k), component: 'CELLS', version: k % 3 === 0 ? '3.2' : '3.1', at: '2026-02-01T00:00:00Z' }));
        const firmware = await call(url, token, FIRMWARE, { input: { reports } });
        if (beats.unknownSerialNumbers.length || firmware.unknownSerialNumbers.length) throw new Error(`scale seeding: unknown units in ${org}`);
        for (const k of ks.filter((k) => k % CLAIM_EVERY === 0)) {
          const serialNumber = serialOf(fleet, o, k);
          const claim = await call(url, token, SUBMIT, {
            input: {
              serialNumber, kind: 'REPAIR', repairDate: REPAIR_DATE, currency: 'EUR', description: 'bench: no output', cspCaseId: `claim-case-${serialNumber}`,
              readings: { throughputMwh: 12.5 },
              lines: [{ kind: 'PART', partNumber: 'PB-10K', quantity: '1', unitPrice: '1999.99' }, { kind: 'LABOUR', hours: '1.5', rate: '80' }],
            },
          });
          if (claim.claim?.status !== 'SUBMITTED') throw new Error(`scale seeding: claim on ${serialNumber} is ${claim.claim?.status}`);
          claims++;
        }
      }
    }),
  );
  return { claims };
}

export interface GrowResult {
  seconds: number;
  rows: Record<string, number>;
}

/** The copy statements of one group of organisations, on one connection (maps in temporary tables). */
async function growGroup(client: Client, fleet: Fleet, orgs: string[], fromPerOrg: number, toPerOrg: number, rows: Record<string, number>): Promise<void> {
  const s = fleet.seedsPerOrg;
  const serial = `m.prefix || lpad(m.n::text, ${fleet.digits}, '0')`;
  const shift = (alias: string) => `make_interval(secs => ${alias}.n * 37)`;
  const count = (table: string, result: { rowCount: number | null }) => (rows[table] = (rows[table] ?? 0) + (result.rowCount ?? 0));
  await client.query('BEGIN');
  await client.query(
    `CREATE TEMPORARY TABLE m ON COMMIT DROP AS
     SELECT s.id AS seed_id, gen_random_uuid() AS id, s.org_id, left(s.serial_number, -$4::int) AS prefix,
            right(s.serial_number, $4::int)::int + g.k * $1::int AS n
       FROM warranty_record s CROSS JOIN generate_series($2::int, $3::int) AS g(k)
      WHERE s.org_id = ANY($5) AND right(s.serial_number, $4::int)::int < $1::int`,
    [s, fromPerOrg / s, toPerOrg / s - 1, fleet.digits, orgs],
  );
  await client.query('CREATE INDEX ON m (seed_id)');
  await client.query(`CREATE TEMPORARY TABLE mc ON COMMIT DROP AS SELECT c.id AS seed_id, m.id AS record_id, gen_random_uuid() AS id, m.n, m.org_id FROM m JOIN coverage c ON c.org_id = m.org_id AND c.warranty_record_id = m.seed_id`);
  await client.query(
    `CREATE TEMPORARY TABLE mk ON COMMIT DROP AS SELECT k.id AS seed_id, m.id AS record_id, gen_random_uuid() AS id, m.n, m.org_id, ${serial} AS serial FROM m JOIN warranty_claim k ON k.org_id = m.org_id AND k.warranty_record_id = m.seed_id`,
  );
  await client.query('CREATE INDEX ON mc (seed_id, record_id)');
  await client.query('CREATE INDEX ON mk (seed_id, record_id)');
  await client.query('ANALYZE m; ANALYZE mc; ANALYZE mk');

  count('warranty_record', await client.query(await copyStatement(client, 'warranty_record', 's', {
    id: 'm.id', serial_number: serial, customer_id: `'cust-' || s.org_id || '-' || (m.n % 2500)`,
    registered_at: `s.registered_at - ${shift('m')}`, created_at: `s.created_at - ${shift('m')}`, updated_at: `s.updated_at - ${shift('m')}`,
  }, `FROM m JOIN warranty_record s ON s.org_id = m.org_id AND s.id = m.seed_id ORDER BY m.org_id, m.n`)));
  count('warranty_claim', await client.query(await copyStatement(client, 'warranty_claim', 'k', {
    id: 'mk.id', warranty_record_id: 'mk.record_id', csp_case_id: `'claim-case-' || mk.serial`, idempotency_key: 'NULL',
    created_at: `k.created_at - ${shift('mk')}`, updated_at: `k.updated_at - ${shift('mk')}`,
    response_due_at: `k.response_due_at - ${shift('mk')}`, onsite_due_at: `k.onsite_due_at - ${shift('mk')}`,
  }, `FROM mk JOIN warranty_claim k ON k.org_id = mk.org_id AND k.id = mk.seed_id ORDER BY mk.record_id`)));
  count('claim_case', await client.query(await copyStatement(client, 'claim_case', 'cc', {
    case_id: `'claim-case-' || mk.serial`, created_at: `cc.created_at - ${shift('mk')}`,
  }, `FROM mk JOIN warranty_claim k ON k.org_id = mk.org_id AND k.id = mk.seed_id JOIN claim_case cc ON cc.case_id = k.csp_case_id`)));
  count('claim_line', await client.query(await copyStatement(client, 'claim_line', 'l', { id: 'gen_random_uuid()', claim_id: 'mk.id' },
    `FROM mk JOIN claim_line l ON l.org_id = mk.org_id AND l.claim_id = mk.seed_id ORDER BY mk.id, l.position`)));
  count('coverage', await client.query(await copyStatement(client, 'coverage', 'c', {
    id: 'mc.id', warranty_record_id: 'mc.record_id', created_at: `c.created_at - ${shift('mc')}`, claim_id: 'mk.id',
  }, `FROM mc JOIN coverage c ON c.org_id = mc.org_id AND c.id = mc.seed_id LEFT JOIN mk ON mk.seed_id = c.claim_id AND mk.record_id = mc.record_id ORDER BY mc.record_id`)));
  count('warranty_event', await client.query(await copyStatement(client, 'warranty_event', 'e', {
    warranty_record_id: 'm.id', coverage_id: 'mc.id', claim_id: 'mk.id',
    to_value: `CASE WHEN e.event = 'WARRANTY_REGISTERED' THEN ${serial} ELSE e.to_value END`, occurred_at: `e.occurred_at - ${shift('m')}`,
  }, `FROM m JOIN warranty_event e ON e.org_id = m.org_id AND e.warranty_record_id = m.seed_id
      LEFT JOIN mc ON mc.seed_id = e.coverage_id AND mc.record_id = m.id
      LEFT JOIN mk ON mk.seed_id = e.claim_id AND mk.record_id = m.id ORDER BY m.org_id, m.n, e.id`)));
  count('unit_reading', await client.query(await copyStatement(client, 'unit_reading', 'u', {
    warranty_record_id: 'm.id', claim_id: 'mk.id', recorded_at: `u.recorded_at - ${shift('m')}`,
  }, `FROM m JOIN unit_reading u ON u.org_id = m.org_id AND u.warranty_record_id = m.seed_id LEFT JOIN mk ON mk.seed_id = u.claim_id AND mk.record_id = m.id ORDER BY m.org_id, m.n`)));
  count('unit_telemetry', await client.query(await copyStatement(client, 'unit_telemetry', 't', { warranty_record_id: 'm.id' },
    `FROM m JOIN unit_telemetry t ON t.org_id = m.org_id AND t.warranty_record_id = m.seed_id ORDER BY m.id`)));
  count('unit_firmware', await client.query(await copyStatement(client, 'unit_firmware', 'f', { warranty_record_id: 'm.id' },
    `FROM m JOIN unit_firmware f ON f.org_id = m.org_id AND f.warranty_record_id = m.seed_id ORDER BY m.id`)));
  await client.query('COMMIT');
}

export const GROWN_TABLES = ['warranty_record', 'coverage', 'warranty_event', 'warranty_claim', 'claim_case', 'claim_line', 'unit_reading', 'unit_telemetry', 'unit_firmware'];

/** Step 2: every organisation grown from `fromPerOrg` to `toPerOrg` units; then VACUUM ANALYZE and a checkpoint. */
export async function grow(databaseUrl: string, fleet: Fleet, fromPerOrg: number, toPerOrg: number, progress: (line: string) => void): Promise<GrowResult> {
  if (fromPerOrg % fleet.seedsPerOrg || toPerOrg % fleet.seedsPerOrg || toPerOrg <= fromPerOrg) throw new Error('units per organisation must be multiples of the seeds, growing');
  const started = performance.now();
  const rows: Record<string, number> = {};
  const groups: string[][] = [];
  for (let i = 0; i < fleet.orgs.length; i += GROUP) groups.push(fleet.orgs.slice(i, i + GROUP).map((o) => o.org));
  const clients = [new Client({ connectionString: databaseUrl }), new Client({ connectionString: databaseUrl })];
  try {
    await Promise.all(clients.map((c) => c.connect()));
    await Promise.all(clients.map((c) => c.query(`SET work_mem = '256MB'; SET maintenance_work_mem = '512MB'`)));
    let next = 0;
    let done = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (next < groups.length) {
          const group = groups[next++];
          await growGroup(client, fleet, group, fromPerOrg, toPerOrg, rows);
          done++;
          const seconds = (performance.now() - started) / 1000;
          progress(`grow: ${done}/${groups.length} groups, ${rows.warranty_record ?? 0} records copied in ${seconds.toFixed(0)} s (${((rows.warranty_record ?? 0) / seconds).toFixed(0)} units/s)`);
        }
      }),
    );
    progress('grow: VACUUM ANALYZE, CHECKPOINT…');
    const tables = [...GROWN_TABLES];
    await Promise.all(clients.map(async (client) => {
      for (let table = tables.shift(); table; table = tables.shift()) await client.query(`VACUUM ANALYZE "${table}"`);
    }));
    await clients[0].query('CHECKPOINT').catch(() => undefined);
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
  return { seconds: (performance.now() - started) / 1000, rows };
}
