import { entityRowsStep } from '../../src/db/entity-rows';
import { writeTogether } from '../../src/db/one-statement';
import { OutboxMessage } from '../../src/outbox/outbox-message.entity';
import { UnitReading } from '../../src/readings/unit-reading.entity';
import { createTestOrg, startTestApp, tokenFor, type TestApp } from '../support/harness';

/**
 * Rows written as a step of a shared statement (db/entity-rows.ts) must be stored exactly as TypeORM's own insert
 * stores them: transformers applied, dates and instants, numerics, JSON, and the columns left to their defaults.
 */
describe('entity rows in one statement', () => {
  let t: TestApp;
  let org: string;
  let recordId: string;

  beforeAll(async () => {
    t = await startTestApp();
    org = await createTestOrg(t.dataSource, 'entity-rows');
    const admin = await tokenFor(org, ['WARRANTY_ADMIN']);
    const { data } = await t.graphql(
      `mutation($input: RegisterWarrantyInput!) { registerWarranty(input: $input) { warranty { id } userErrors { message } } }`,
      { input: { serialNumber: 'ER-1', sku: 'SOFAR-PM-V2-10', site: { countryCode: 'DE' }, commissioningDate: '2025-01-10' } },
      admin,
    );
    expect(data.registerWarranty.userErrors).toEqual([]);
    recordId = data.registerWarranty.warranty.id;
  });

  afterAll(() => t?.stop());

  it('stores what TypeORM\'s insert stores, in the order given, with the defaults of the columns not given', async () => {
    const reading = (readOn: string, sohPct: number | null) => ({
      orgId: org, warrantyRecordId: recordId, readOn, odometerKm: null, engineHours: null, throughputMwh: 12.3456, sohPct,
      source: 'CLAIM', claimId: null, recordedById: 'entity-rows', recordedAt: new Date('2026-01-02T03:04:05.678Z'),
    });
    const message = (n: number) => ({ orgId: org, destination: 'CSP', topic: 'test.entity_rows', aggregateId: recordId, payload: { n, amount: '12.50', at: '2026-01-01' } });
    await t.dataSource.transaction(async (manager) => {
      await writeTogether(manager, [
        entityRowsStep(t.dataSource, UnitReading, [reading('2026-01-01', 91.5), reading('2026-01-02', null)], 'er_readings'),
        entityRowsStep(t.dataSource, OutboxMessage, [message(1), message(2)], 'er_messages'),
      ]);
      await manager.insert(UnitReading, reading('2026-01-03', 91.5));
      await manager.insert(OutboxMessage, message(3) as never);
    });
    const readings = await t.dataSource.getRepository(UnitReading).find({ where: { orgId: org }, order: { id: 'ASC' } });
    expect(readings.map((r) => r.readOn)).toEqual(['2026-01-01', '2026-01-02', '2026-01-03']);
    const strip = ({ id: _id, readOn: _readOn, ...rest }: UnitReading) => rest;
    expect(strip(readings[0])).toEqual(strip(readings[2]));
    expect(readings[1].sohPct).toBeNull();
    expect(readings[0].recordedAt.toISOString()).toBe('2026-01-02T03:04:05.678Z');
    const messages = await t.dataSource.getRepository(OutboxMessage).find({ where: { orgId: org }, order: { id: 'ASC' } });
    expect(messages.map((m) => m.payload.n)).toEqual([1, 2, 3]);
    for (const m of messages) {
      expect(m).toMatchObject({ attempts: 0, deliveredAt: null, parkedAt: null, lastError: null, payload: { amount: '12.50', at: '2026-01-01' } });
      expect(m.deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(messages.map((m) => m.deliveryId)).size).toBe(3);
  });

  it('refuses rows that do not give the same columns (a bug, never sent)', () => {
    expect(() => entityRowsStep(t.dataSource, OutboxMessage, [{ orgId: 'a', topic: 't' }, { orgId: 'b' }], 'x')).toThrow(/topic is missing/);
    expect(() => entityRowsStep(t.dataSource, OutboxMessage, [{ orgId: 'a' }, { orgId: 'b', topic: 't' }], 'x')).toThrow(/topic is given but not in the first row/);
    expect(entityRowsStep(t.dataSource, OutboxMessage, [], 'x')).toBeNull();
  });
});
