import { In, type DataSource, type EntityManager } from 'typeorm';
import { assertRole, type Actor } from '../auth/actor';
import { isUniqueViolation } from '../common/db-errors';
import { DomainError, DomainErrors } from '../common/errors';
import { newId } from '../common/ids';
import { decodeCursor, pageSize, toConnection, type Connection } from '../common/pagination';
import {
  normaliseLabourOperations, normaliseLabourRate, normaliseOperationCode, dateProblem,
  type LabourOperationInput, type LabourRateInput, type NormalisedLabourOperation,
} from './labour-input';
import { LabourOperation } from './labour-operation.entity';
import { LabourRate } from './labour-rate.entity';
import { planVersions } from './labour-versions';

export interface PublishOperationsResult {
  /** Every version of the call as stored afterwards, in the order sent. */
  operations: LabourOperation[];
  created: number;
  unchanged: number;
}

const ADMIN = ['WARRANTY_ADMIN'] as const;

/**
 * Flat-rate labour data (rule 17): operation versions and approved rates, published by a WARRANTY_ADMIN, never
 * edited. Claims read the version in force on a repair date (labour-terms.ts).
 */
export class LabourService {
  constructor(private readonly dataSource: DataSource) {}

  /** Publishes operation versions, all or nothing (labour-versions.ts decides new, unchanged and refused). */
  async publishOperations(actor: Actor, inputs: LabourOperationInput[]): Promise<PublishOperationsResult> {
    assertRole(actor, ADMIN, 'publish labour operations');
    const rows = normaliseLabourOperations(inputs, ['input', 'operations']);
    try {
      return await this.dataSource.transaction((manager) => this.writeOperations(manager, actor, rows));
    } catch (error) {
      throw concurrent(error, 'uq_labour_operation_version', ['input', 'operations']);
    }
  }

  private async writeOperations(manager: EntityManager, actor: Actor, rows: NormalisedLabourOperation[]): Promise<PublishOperationsResult> {
    const codes = [...new Set(rows.map((r) => r.code))].sort();
    await lockKeys(manager, actor.orgId, codes.map((code) => `labour-operation/${code}`));
    const stored = await manager.find(LabourOperation, { where: { orgId: actor.orgId, code: In(codes) } });
    const path = (index: number) => ['input', 'operations', String(index)];
    const plan = planVersions(stored, rows, path);
    plan.problems.push(...(await this.scopeProblems(manager, actor.orgId, rows, path)));
    if (plan.problems.length > 0) throw new DomainErrors(plan.problems);
    if (plan.create.length > 0) {
      await manager.insert(
        LabourOperation,
        plan.create.map((index) => ({ id: newId(), orgId: actor.orgId, ...rows[index], retired: false, publishedById: actor.id })),
      );
    }
    const after = await manager.find(LabourOperation, { where: { orgId: actor.orgId, code: In(codes) } });
    const byKey = new Map(after.map((row) => [`${row.code}@${row.version}`, row]));
    return { operations: rows.map((row) => byKey.get(`${row.code}@${row.version}`)!), created: plan.create.length, unchanged: plan.unchanged.length };
  }

  /** A family must be one the organisation knows (a product reference or a policy of it); a SKU, a product reference. */
  private async scopeProblems(manager: EntityManager, orgId: string, rows: NormalisedLabourOperation[], path: (index: number) => string[]): Promise<DomainError[]> {
    const families = [...new Set(rows.flatMap((r) => (r.productFamily ? [r.productFamily] : [])))];
    const skus = [...new Set(rows.flatMap((r) => (r.sku ? [r.sku] : [])))];
    const known: Array<{ kind: string; value: string }> = await manager.query(
      `SELECT 'FAMILY' AS kind, product_family AS value FROM product_reference WHERE org_id = $1 AND product_family = ANY($2::text[])
       UNION SELECT 'FAMILY', product_family FROM warranty_policy WHERE org_id = $1 AND product_family = ANY($2::text[])
       UNION SELECT 'SKU', sku FROM product_reference WHERE org_id = $1 AND sku = ANY($3::text[])`,
      [orgId, families, skus],
    );
    const knownFamilies = new Set(known.filter((k) => k.kind === 'FAMILY').map((k) => k.value));
    const knownSkus = new Set(known.filter((k) => k.kind === 'SKU').map((k) => k.value));
    const problems: DomainError[] = [];
    rows.forEach((row, index) => {
      if (row.productFamily && !knownFamilies.has(row.productFamily)) {
        problems.push(new DomainError('BAD_USER_INPUT', `unknown product family ${row.productFamily}: no product reference or policy of it`, [...path(index), 'productFamily']));
      }
      if (row.sku && !knownSkus.has(row.sku)) problems.push(new DomainError('BAD_USER_INPUT', `unknown SKU ${row.sku}: no product reference of it`, [...path(index), 'sku']));
    });
    return problems;
  }

  /** Publishes the code's next version as a retirement (same description and scope, no hours), valid from the date. */
  async retireOperation(actor: Actor, input: { code: string; validFrom: string }): Promise<LabourOperation> {
    assertRole(actor, ADMIN, 'retire a labour operation');
    const code = normaliseOperationCode(input.code);
    if (code === null) throw new DomainError('BAD_USER_INPUT', 'an operation code is 1 to 40 letters, digits and . _ -', ['input', 'code']);
    const problem = dateProblem(input.validFrom);
    if (problem) throw new DomainError('BAD_USER_INPUT', `validFrom ${problem}`, ['input', 'validFrom']);
    try {
      return await this.dataSource.transaction(async (manager) => {
        await lockKeys(manager, actor.orgId, [`labour-operation/${code}`]);
        const latest = await manager.findOne(LabourOperation, { where: { orgId: actor.orgId, code }, order: { version: 'DESC' } });
        if (!latest) throw new DomainError('UNKNOWN_LABOUR_OPERATION', `no labour operation ${code} is published`, ['input', 'code']);
        if (latest.retired) throw new DomainError('BAD_USER_INPUT', `${code} is already retired from ${latest.validFrom} (version ${latest.version})`, ['input', 'code']);
        if (input.validFrom < latest.validFrom) {
          throw new DomainError('BAD_USER_INPUT', `validFrom ${input.validFrom} is before version ${latest.version}'s ${latest.validFrom}; versions take effect in order`, ['input', 'validFrom']);
        }
        const id = newId();
        await manager.insert(LabourOperation, {
          id, orgId: actor.orgId, code, version: latest.version + 1, description: latest.description, productFamily: latest.productFamily, sku: latest.sku,
          standardHours: null, retired: true, validFrom: input.validFrom, publishedById: actor.id,
        });
        return manager.findOneByOrFail(LabourOperation, { orgId: actor.orgId, id });
      });
    } catch (error) {
      throw concurrent(error, 'uq_labour_operation_version', ['input', 'code']);
    }
  }

  /** Publishes the next version of the approved rate for (region, currency). */
  async publishRate(actor: Actor, input: LabourRateInput): Promise<LabourRate> {
    assertRole(actor, ADMIN, 'publish a labour rate');
    const rate = normaliseLabourRate(input, ['input']);
    const { region } = rate;
    const { currency, amount } = rate.hourlyRate;
    try {
      return await this.dataSource.transaction(async (manager) => {
        await lockKeys(manager, actor.orgId, [`labour-rate/${region}/${currency}`]);
        const latest = await manager.findOne(LabourRate, { where: { orgId: actor.orgId, region, currency }, order: { version: 'DESC' } });
        if (latest && rate.validFrom < latest.validFrom) {
          throw new DomainError('BAD_USER_INPUT', `validFrom ${rate.validFrom} is before version ${latest.version}'s ${latest.validFrom}; versions take effect in order`, ['input', 'validFrom']);
        }
        const id = newId();
        await manager.insert(LabourRate, {
          id, orgId: actor.orgId, region, currency, version: (latest?.version ?? 0) + 1, hourlyRate: amount, validFrom: rate.validFrom, publishedById: actor.id,
        });
        return manager.findOneByOrFail(LabourRate, { orgId: actor.orgId, id });
      });
    } catch (error) {
      throw concurrent(error, 'uq_labour_rate_version', ['input', 'region']);
    }
  }

  async listOperations(
    orgId: string,
    filter: { code?: string | null; productFamily?: string | null; sku?: string | null; asOf?: string | null },
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<LabourOperation>> {
    const size = pageSize(args.first, 50);
    const after = decodeCursor(args.after, ['key', 'positiveInteger']);
    const query = this.dataSource.getRepository(LabourOperation).createQueryBuilder('o').where('o.org_id = :orgId', { orgId });
    if (filter.code) query.andWhere('o.code = :code', { code: filter.code.trim().toUpperCase() });
    if (filter.productFamily) query.andWhere('o.product_family = :family', { family: filter.productFamily.trim().toUpperCase() });
    if (filter.sku) query.andWhere('o.sku = :sku', { sku: filter.sku.trim() });
    if (filter.asOf) {
      query.andWhere(
        `o.id IN (SELECT DISTINCT ON (code) id FROM labour_operation WHERE org_id = :orgId AND valid_from <= :asOf ORDER BY code, valid_from DESC, version DESC)`,
        { asOf: filter.asOf },
      );
    }
    const totalCount = await query.clone().getCount();
    if (after) query.andWhere('(o.code, o.version) > (:afterCode, :afterVersion)', { afterCode: String(after[0]), afterVersion: Number(after[1]) });
    const rows = await query.orderBy('o.code', 'ASC').addOrderBy('o.version', 'ASC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (row) => [row.code, row.version], after !== null);
  }

  async listRates(
    orgId: string,
    filter: { region?: string | null; currency?: string | null; asOf?: string | null },
    args: { first?: number | null; after?: string | null },
  ): Promise<Connection<LabourRate>> {
    const size = pageSize(args.first, 50);
    const after = decodeCursor(args.after, ['key', 'key', 'positiveInteger']);
    const query = this.dataSource.getRepository(LabourRate).createQueryBuilder('r').where('r.org_id = :orgId', { orgId });
    if (filter.region) query.andWhere('r.region = :region', { region: filter.region.trim().toUpperCase() });
    if (filter.currency) query.andWhere('r.currency = :currency', { currency: filter.currency.trim().toUpperCase() });
    if (filter.asOf) {
      query.andWhere(
        `r.id IN (SELECT DISTINCT ON (region, currency) id FROM labour_rate WHERE org_id = :orgId AND valid_from <= :asOf
                  ORDER BY region, currency, valid_from DESC, version DESC)`,
        { asOf: filter.asOf },
      );
    }
    const totalCount = await query.clone().getCount();
    if (after) {
      query.andWhere('(r.region, r.currency, r.version) > (:afterRegion, :afterCurrency, :afterVersion)', {
        afterRegion: String(after[0]), afterCurrency: String(after[1]), afterVersion: Number(after[2]),
      });
    }
    const rows = await query.orderBy('r.region', 'ASC').addOrderBy('r.currency', 'ASC').addOrderBy('r.version', 'ASC').limit(size + 1).getMany();
    return toConnection(rows, size, totalCount, (row) => [row.region, row.currency, row.version], after !== null);
  }
}

/**
 * Serialises the writers of the same codes (or rate) of an organisation for the transaction, in a fixed order, so
 * two admins publishing the next version wait for each other instead of both reading the same latest version.
 */
async function lockKeys(manager: EntityManager, orgId: string, keys: string[]): Promise<void> {
  await manager.query(
    'SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS keys',
    [keys.map((key) => `${orgId}/${key}`)],
  );
}

/** A version that another transaction wrote first (the unique index was the last guard): a retry will see it. */
function concurrent(error: unknown, index: string, field: string[]): unknown {
  if (isUniqueViolation(error, index)) return new DomainError('BAD_USER_INPUT', 'another version was published at the same time; try again', field);
  return error;
}
