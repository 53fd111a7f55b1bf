import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { ClaimsService } from '../claims/claims.service';
import type { ProductsService } from '../products/products.service';
import type { ProductReferenceInput } from '../products/product-reference-input';
import { MAX_TELEMETRY_BATCH, type TelemetryService } from '../telemetry/telemetry.service';
import type { ReturnsService } from '../returns/returns.service';
import type { RecoveryService } from '../recovery/recovery.service';
import type { CaseLinkInput, ExceptionDecisionInput, PartReturnStepInput, RecoveryAnswerWebhookInput, TelemetryLine, WebhookSource } from './webhook-rules';

/** An authenticated delivery: where from, its id, the organisation it is for and who sent it. */
export interface Delivery {
  source: WebhookSource;
  deliveryId: string;
  orgId: string;
  /** The SERVICE token's subject, or `webhook:<source>` for a signed request. */
  actorId: string;
}

/** Taken (with what it came to), or a replay of a delivery already taken (with when, and what it came to then). */
export type Receipt<T> = { replayed: false; result: T } | { replayed: true; receivedAt: Date; result: unknown };

export interface TelemetryResult {
  heartbeats: { received: number; accepted: number };
  firmwareReports: { received: number; accepted: number };
  /** Serial numbers that are no unit of the organisation (their lines were skipped): the first 100. */
  unknownSerialNumbers: string[];
}

const UNKNOWN_SHOWN = 100;

/**
 * Applies inbound deliveries through the very service methods the GraphQL mutations call, each delivery in one
 * transaction with its replay-guard row (webhook_receipt): taken whole and recorded as taken, or not at all. The
 * guard row is written first, so a second copy arriving meanwhile waits for the first and then finds it.
 */
export class WebhooksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly claims: ClaimsService,
    private readonly products: ProductsService,
    private readonly telemetry: TelemetryService,
    private readonly returns: ReturnsService,
    private readonly recovery: RecoveryService,
  ) {}

  /** A supplier's answer on a recovery claim (rule 20): `recordRecoveryAnswer`, for the supplier the body names only. */
  recoveryAnswer(delivery: Delivery, input: RecoveryAnswerWebhookInput) {
    return this.receive(delivery, async (manager, actor) => {
      const { recoveryClaim, changed } = await this.recovery.answer(
        actor,
        { id: input.recoveryClaimId, action: input.action, amount: input.amount, reference: input.reference, reason: input.reason, supplierCode: input.supplierCode },
        manager,
      );
      return { recoveryClaimId: recoveryClaim.id, status: recoveryClaim.status, changed, accepted: recoveryClaim.acceptedAmount, paid: recoveryClaim.paidAmount };
    });
  }

  /** A step of a part's return from the warehouse's system (rule 18): `recordPartShipment` / `Receipt` / `Inspection`. */
  partReturnStep(delivery: Delivery, input: PartReturnStepInput) {
    return this.receive(delivery, async (manager, actor) => {
      const step =
        input.step === 'SHIPMENT'
          ? { kind: 'SHIPMENT' as const, carrier: input.carrier, trackingNumber: input.trackingNumber }
          : input.step === 'RECEIPT'
            ? { kind: 'RECEIPT' as const }
            : { kind: 'INSPECTION' as const, outcome: input.outcome, note: input.note };
      const { partReturn, changed } = await this.returns.recordStep(actor, input.rmaNumber, step, manager);
      return { rmaNumber: partReturn.rmaNumber, status: partReturn.status, changed, chargeBackReason: partReturn.chargeBackReason };
    });
  }

  /** Landray OA's decision on an exception (rule 11): `recordExceptionDecision`. */
  exceptionDecision(delivery: Delivery, input: ExceptionDecisionInput) {
    return this.receive(delivery, async (manager, actor) => {
      const claim = await this.claims.recordExceptionDecision(actor, input, manager);
      return { claimId: claim.id, status: claim.status, outcome: claim.exceptionOutcome, reference: claim.exceptionReference };
    });
  }

  /** CSP's answer to a claim's case request (rule 14): `linkClaimCase`. */
  caseLink(delivery: Delivery, input: CaseLinkInput) {
    return this.receive(delivery, async (manager, actor) => {
      const claim = await this.claims.linkCase(actor, input, manager);
      return { claimId: claim.id, caseId: claim.cspCaseId, status: claim.status };
    });
  }

  /** Sofar Products' SKU changes into the organisation's product references. */
  skuChanges(delivery: Delivery, changes: ProductReferenceInput[]) {
    return this.receive(delivery, async (manager, actor) => {
      const { created, updated, unchanged } = await this.products.applyProductsFeed(actor, changes, ['changes'], manager);
      return { created, updated, unchanged };
    });
  }

  /**
   * Sofar CLOUD's telemetry as it streams in: heartbeats and firmware reports gathered into batches of
   * MAX_TELEMETRY_BATCH and written by `recordHeartbeats` / `recordFirmware` as each fills, so memory holds a batch
   * of each being gathered and one being written, however long the stream. A full batch is written while the next
   * one is read and parsed (one statement at a time: the transaction has one connection). The sender is known
   * before the first line (a SERVICE token, or a signature checked over the spooled body): a line that fails rolls
   * back everything the stream wrote.
   */
  telemetryStream(delivery: Delivery, lines: AsyncIterable<TelemetryLine>) {
    return this.receive<TelemetryResult>(delivery, async (manager, actor) => {
      const result: TelemetryResult = { heartbeats: { received: 0, accepted: 0 }, firmwareReports: { received: 0, accepted: 0 }, unknownSerialNumbers: [] };
      const unknown = new Set<string>();
      const noteUnknown = (serials: string[]) => {
        for (const serial of serials) if (unknown.size < UNKNOWN_SHOWN) unknown.add(serial);
      };
      // The batch being written, if any: the next waits for it, and so does every way out of this function, so
      // that no statement is still running when the transaction ends.
      let writing: Promise<void> = Promise.resolve();
      const write = async (work: () => Promise<void>) => {
        await writing;
        writing = work();
        // Seen (and thrown) by the next `await writing`; until then a failure must not count as unhandled.
        writing.catch(() => undefined);
      };
      let heartbeats: Array<{ serialNumber: string; at: Date }> = [];
      let reports: Array<{ serialNumber: string; component: string; version: string; at: Date }> = [];
      const flushHeartbeats = () => {
        const batch = heartbeats;
        heartbeats = [];
        return write(async () => {
          const written = await this.telemetry.recordHeartbeats(actor, batch, manager);
          result.heartbeats.accepted += written.accepted;
          noteUnknown(written.unknownSerialNumbers);
        });
      };
      const flushReports = () => {
        const batch = reports;
        reports = [];
        return write(async () => {
          const written = await this.telemetry.recordFirmware(actor, batch, manager);
          result.firmwareReports.accepted += written.accepted;
          noteUnknown(written.unknownSerialNumbers);
        });
      };
      try {
        for await (const line of lines) {
          if (line.type === 'heartbeat') {
            result.heartbeats.received += 1;
            heartbeats.push({ serialNumber: line.serialNumber, at: line.at });
            if (heartbeats.length >= MAX_TELEMETRY_BATCH) await flushHeartbeats();
          } else {
            result.firmwareReports.received += 1;
            reports.push({ serialNumber: line.serialNumber, component: line.component, version: line.version, at: line.at });
            if (reports.length >= MAX_TELEMETRY_BATCH) await flushReports();
          }
        }
        if (heartbeats.length) await flushHeartbeats();
        if (reports.length) await flushReports();
      } finally {
        // A bad line or a broken stream throws above; the batch being written still ends before the rollback.
        await writing.catch(() => undefined);
      }
      await writing;
      result.unknownSerialNumbers = [...unknown].sort();
      return result;
    });
  }

  /**
   * One delivery, one transaction: the guard row first (a replay finds it and changes nothing), then the work as
   * the sending system (a SERVICE actor of the delivery's organisation), then what it came to on the guard row.
   */
  private async receive<T>(delivery: Delivery, work: (manager: EntityManager, actor: Actor) => Promise<T>): Promise<Receipt<T>> {
    return this.dataSource.transaction(async (manager) => {
      const taken: unknown[] = await manager.query(
        `INSERT INTO webhook_receipt (org_id, source, delivery_id, actor_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [delivery.orgId, delivery.source, delivery.deliveryId, delivery.actorId],
      );
      if (taken.length === 0) {
        const [earlier] = await manager.query(
          `SELECT received_at, result FROM webhook_receipt WHERE org_id = $1 AND source = $2 AND delivery_id = $3`,
          [delivery.orgId, delivery.source, delivery.deliveryId],
        );
        return { replayed: true, receivedAt: earlier.received_at, result: earlier.result };
      }
      const actor: Actor = { id: delivery.actorId, orgId: delivery.orgId, roles: ['SERVICE'], customerId: null };
      const result = await work(manager, actor);
      await manager.query(`UPDATE webhook_receipt SET result = $4 WHERE org_id = $1 AND source = $2 AND delivery_id = $3`, [
        delivery.orgId,
        delivery.source,
        delivery.deliveryId,
        JSON.stringify(result),
      ]);
      return { replayed: false, result };
    });
  }
}
