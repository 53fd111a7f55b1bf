import { FleetGroupBuilder } from '../../src/projection/fleet-group';
import { FleetParquetWriter } from '../../src/projection/fleet-parquet';
import { projectUnit, rememberingSchedule, type FleetUnit } from '../../src/projection/fleet-rows';

/**
 * A sink that does not take the bytes (a client that stops reading) holds back the encoder, and with it the reading:
 * the writer hands a group over only when what it encoded before has been taken. Otherwise every group encoded while
 * the client waits would sit in memory until the export's deadline.
 */
const AS_OF = '2026-11-24';
const unit: FleetUnit = {
  warrantyId: 'w-1', orgId: 'acme', serialNumber: 'SN-1', productFamily: 'INVERTER', sku: 'INV-5K', region: 'EU', startStatus: 'STARTED', startDate: '2025-12-01',
  supplyChainStage: null, activationRecordDate: null, saleWarrantyActivationDate: null, saleInvoiceDate: '2025-12-01', brokerInvoiceDate: null, freeServiceDateShift: null,
  coverages: [{ id: 'c-1', kind: 'STANDARD', scope: 'WHOLE_UNIT', startDate: '2025-12-01', endDate: '2035-12-01', labourEndDate: null, voidedOn: null }],
  liveClaims: [], odometerKm: null,
};

function group() {
  const builder = new FleetGroupBuilder(AS_OF);
  projectUnit(unit, [], AS_OF, builder, rememberingSchedule());
  return builder.take();
}

describe('FleetParquetWriter', () => {
  it('hands the encoder no further group while the sink has not taken the bytes before', async () => {
    const events: string[] = [];
    let release!: () => void;
    let called!: () => void;
    const sinkCalled = new Promise<void>((resolve) => (called = resolve));
    let calls = 0;
    const writer = new FleetParquetWriter(async () => {
      calls += 1;
      if (calls > 1) return;
      events.push('sink waits');
      const released = new Promise<void>((resolve) => (release = resolve));
      called();
      await released;
      events.push('sink released');
    });
    await writer.write(group()); // nothing in the encoder's hands: it goes at once
    const second = writer.write(group()).then(() => events.push('second group handed over'));
    // Once the sink has the first group's bytes, it is released when the second group is handed over, or after two
    // seconds: the order below holds on any machine once the writer waits for the sink (without that, the second
    // group goes as soon as the first is encoded, which is when its bytes come).
    await sinkCalled;
    await Promise.race([second, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    release();
    await second;
    await writer.finish();
    expect(events).toEqual(['sink waits', 'sink released', 'second group handed over']);
  }, 60_000);
});
