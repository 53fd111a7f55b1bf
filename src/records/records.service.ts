import type { DataSource } from 'typeorm';
import type { Actor } from '../auth/actor';
import type { AuditService } from '../audit/audit.service';
import type { Clock } from '../common/clock';
import type { IsoDate } from '../common/calendar';
import type { Connection } from '../common/pagination';
import type { PoliciesService } from '../policies/policies.service';
import { reinstateRecord, updateWarranty, voidRecord, type RecordRegisteredHook, type RecordsDeps, type UpdateWarrantyCommand } from './record-changes';
import { deleteDocument, recordDocument } from './record-documents';
import { listRecords, pagesByCustomer, type WarrantyListFilter } from './record-queries';
import { registerWarranty, type RegisterWarrantyCommand } from './record-registration';
import type { SaleDocument } from './sale-document.entity';
import type { SaleDocumentKind } from './sale-documents';
import type { WarrantyRecord } from './warranty-record.entity';

// The records' public types, where they were before the split.
export type { RecordRegisteredHook, UpdateWarrantyCommand } from './record-changes';
export type { WarrantyListFilter } from './record-queries';
export type { RegisterWarrantyCommand } from './record-registration';

/** Registration, update, void and reinstatement of warranty records; every change with its events, atomically. */
export class RecordsService {
  private readonly deps: RecordsDeps;

  constructor(dataSource: DataSource, policies: PoliciesService, audit: AuditService, clock: Clock = () => new Date()) {
    this.deps = { dataSource, policies, audit, clock, onRegistered: [] };
  }

  /** Adds a hook every registration runs in its transaction (record-changes.ts RecordRegisteredHook); set at composition. */
  whenRegistered(hook: RecordRegisteredHook): void {
    this.deps.onRegistered!.push(hook);
  }

  /** registerWarranty in record-registration.ts. */
  register(actor: Actor, command: RegisterWarrantyCommand): Promise<WarrantyRecord> {
    return registerWarranty(this.deps, actor, command);
  }

  /** updateWarranty in record-changes.ts. */
  update(actor: Actor, command: UpdateWarrantyCommand): Promise<WarrantyRecord> {
    return updateWarranty(this.deps, actor, command);
  }

  /** recordDocument in record-documents.ts. */
  recordDocument(
    actor: Actor,
    input: { warrantyId?: string | null; serialNumber?: string | null; kind: SaleDocumentKind; date: IsoDate; warrantyActivationDate?: IsoDate | null; reference?: string | null },
  ): Promise<{ record: WarrantyRecord; document: SaleDocument }> {
    return recordDocument(this.deps, actor, input);
  }

  /** deleteDocument in record-documents.ts. */
  deleteDocument(actor: Actor, input: { id: string; reason: string }): Promise<{ record: WarrantyRecord; document: SaleDocument }> {
    return deleteDocument(this.deps, actor, input);
  }

  /** voidRecord in record-changes.ts. */
  void(actor: Actor, input: { id: string; component?: string | null; reason: string }): Promise<WarrantyRecord> {
    return voidRecord(this.deps, actor, input);
  }

  /** reinstateRecord in record-changes.ts. */
  reinstate(actor: Actor, input: { id: string; component?: string | null; reason: string }): Promise<WarrantyRecord> {
    return reinstateRecord(this.deps, actor, input);
  }

  /** listRecords in record-queries.ts. */
  list(
    actor: Actor,
    filter: WarrantyListFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<WarrantyRecord>> {
    return listRecords(this.deps, actor, filter, args);
  }

  /** pagesByCustomer in record-queries.ts. */
  pagesByCustomer(
    actor: Actor,
    requests: ReadonlyArray<{ customerId: string; after: string | null | undefined }>,
    filter: Omit<WarrantyListFilter, 'customerId'>,
    first: number | null | undefined,
  ): Promise<Map<string, Connection<WarrantyRecord>>> {
    return pagesByCustomer(this.deps, actor, requests, filter, first);
  }
}
