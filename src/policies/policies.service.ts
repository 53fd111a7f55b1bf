import { In, QueryFailedError, type DataSource, type EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { priceProblem } from '../common/money';
import { DomainError } from '../common/errors';
import { assertValid } from '../common/validation';
import { compareDates } from '../common/calendar';
import { PublishPolicyDto } from './publish-policy';
import { newId } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import { choosePolicy, FALLBACK_REGION } from './region';
import { WarrantyPolicy } from './warranty-policy.entity';

export interface PolicyFilter {
  productFamily?: string | null;
  region?: string | null;
  /** Only the version in force on this date per (family, region). */
  asOf?: string | null;
}

export type PublishPolicyCommand = PublishPolicyDto & { effectiveFrom: string };

export class PoliciesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * A new version is a new row: versions are numbered per (family, region), never edited, and take effect in
   * order. Existing records keep the row they point at, so nothing already registered changes.
   */
  async publish(actor: Actor, command: PublishPolicyCommand): Promise<WarrantyPolicy> {
    assertRole(actor, ['WARRANTY_ADMIN'], 'publish a warranty policy');
    const productFamily = command.productFamily?.toUpperCase();
    const region = command.region?.toUpperCase();
    await assertValid(Object.assign(new PublishPolicyDto(), command, { productFamily, region }));
    if (command.labourMonths != null && command.labourMonths > command.termMonths) {
      throw new DomainError('BAD_USER_INPUT', 'labourMonths cannot exceed termMonths', ['input', 'labourMonths']);
    }
    (command.extensionPrices ?? []).forEach((entry, index) => {
      const at = (name: string) => ['input', 'extensionPrices', String(index), ...name.split('.')];
      if (!(command.extensionTiers ?? []).includes(entry.tier)) throw new DomainError('BAD_USER_INPUT', `${entry.tier} is priced but not offered (extensionTiers)`, at('tier'));
      if ((command.extensionPrices ?? []).findIndex((other) => other.tier === entry.tier) !== index) throw new DomainError('BAD_USER_INPUT', `${entry.tier} is priced twice`, at('tier'));
      const problem = priceProblem(entry.price);
      if (problem) throw new DomainError('BAD_USER_INPUT', problem.message, at(`price.${problem.field}`));
    });
    const autoApprovalLimits = perCurrency(command.autoApprovalLimits, 'autoApprovalLimits');
    const amendmentToleranceAmounts = perCurrency(command.amendmentToleranceAmounts, 'amendmentToleranceAmounts');
    try {
      return await this.dataSource.transaction(async (manager) => {
        const latest = await manager.findOne(WarrantyPolicy, {
          where: { orgId: actor.orgId, productFamily, region },
          order: { version: 'DESC' },
          lock: { mode: 'pessimistic_write' },
        });
        if (latest && compareDates(command.effectiveFrom, latest.effectiveFrom) < 0) {
          throw new DomainError(
            'BAD_USER_INPUT',
            `effectiveFrom ${command.effectiveFrom} is before version ${latest.version}'s ${latest.effectiveFrom}; versions take effect in order`,
            ['input', 'effectiveFrom'],
          );
        }
        const policy = manager.create(WarrantyPolicy, {
          id: newId(),
          orgId: actor.orgId,
          productFamily,
          region,
          version: (latest?.version ?? 0) + 1,
          effectiveFrom: command.effectiveFrom,
          termMonths: command.termMonths,
          labourMonths: command.labourMonths ?? null,
          sohGuaranteePct: command.sohGuaranteePct ?? null,
          throughputMwhPerKwh: command.throughputMwhPerKwh ?? null,
          mileageLimitKm: command.mileageLimitKm ?? null,
          engineHoursLimit: command.engineHoursLimit ?? null,
          componentScopes: command.componentScopes ?? [],
          extensionTiers: command.extensionTiers ?? [],
          extensionPrices: Object.fromEntries((command.extensionPrices ?? []).map((p) => [p.tier, { amount: p.price.amount, currency: p.price.currency }])),
          extensionCliffMonths: command.extensionCliffMonths ?? null,
          extensionWindowMonths: command.extensionWindowMonths ?? null,
          lateStartCapMonths: command.lateStartCapMonths ?? null,
          slaResponseHours: command.slaResponseHours ?? null,
          slaOnsiteHours: command.slaOnsiteHours ?? null,
          autoApprovalLimits,
          amendmentTolerancePct: command.amendmentTolerancePct ?? null,
          amendmentToleranceAmounts,
          publishedById: actor.id,
        });
        await manager.insert(WarrantyPolicy, policy);
        return manager.findOneByOrFail(WarrantyPolicy, { orgId: policy.orgId, id: policy.id });
      });
    } catch (error) {
      // Two admins publishing the same family and region at once: the unique version index lets one win.
      const driverError = error instanceof QueryFailedError ? (error.driverError as { code?: string }) : null;
      if (driverError?.code === '23505') {
        throw new DomainError('BAD_USER_INPUT', `another version of ${productFamily} ${region} was published at the same time; try again`, ['input', 'region']);
      }
      throw error;
    }
  }

  /** The policy version for a registration (rule 1): the region's row in force, else the EU row, else null. */
  async policyFor(
    manager: EntityManager,
    orgId: string,
    productFamily: string,
    region: string,
    asOf: string,
  ): Promise<WarrantyPolicy | null> {
    const candidates = await manager.getRepository(WarrantyPolicy).find({
      where: { orgId, productFamily, region: In([region, FALLBACK_REGION]) },
    });
    return choosePolicy(candidates, productFamily, region, asOf);
  }

  async list(
    orgId: string,
    filter: PolicyFilter,
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<WarrantyPolicy>> {
    const size = pageSize(args.first, 50);
    const after = decodeCursor(args.after, ['positiveInteger']);
    const query = this.dataSource
      .getRepository(WarrantyPolicy)
      .createQueryBuilder('p')
      .where('p.org_id = :orgId', { orgId });
    if (filter.productFamily) query.andWhere('p.product_family = :family', { family: filter.productFamily });
    if (filter.region) query.andWhere('p.region = :region', { region: filter.region });
    if (filter.asOf) {
      // The version in force: the latest effective_from on or before the date, the highest version on a tie.
      query.andWhere(
        `p.id IN (SELECT DISTINCT ON (product_family, region) id FROM warranty_policy
                   WHERE org_id = :orgId AND effective_from <= :asOf
                   ORDER BY product_family, region, effective_from DESC, version DESC)`,
        { asOf: filter.asOf },
      );
    }
    const totalCount = await query.clone().getCount();
    // Stable order for paging: family, region, version. Policies are few, so the cursor is the offset.
    const start = after ? Number(after[0]) : 0;
    const rows = await query
      .orderBy('p.product_family', 'ASC')
      .addOrderBy('p.region', 'ASC')
      .addOrderBy('p.version', 'ASC')
      .offset(start)
      .limit(size + 1)
      .getMany();
    return toConnection(rows, size, totalCount, (_, index) => [start + index + 1], start > 0);
  }
}

/** Amounts given one per currency (rules 15, 16) as the policy stores them: `{ "EUR": "1500.00" }`. */
function perCurrency(amounts: Array<{ amount: string; currency: string }> | null | undefined, name: string): Record<string, string> {
  const result: Record<string, string> = {};
  (amounts ?? []).forEach((entry, index) => {
    const problem = priceProblem(entry);
    if (problem) throw new DomainError('BAD_USER_INPUT', problem.message, ['input', name, String(index), problem.field]);
    if (entry.currency in result) throw new DomainError('BAD_USER_INPUT', `${entry.currency} is given twice`, ['input', name, String(index), 'currency']);
    result[entry.currency] = entry.amount;
  });
  return result;
}
