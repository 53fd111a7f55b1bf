/**
 * "No statement joins across organisations" (issue 21, decision 0012), checked on the SQL text itself with
 * PostgreSQL's own parser (libpg-query): in every query level (a SELECT, an UPDATE … FROM, a DELETE … USING, each
 * CTE and subquery), the tenant tables read together must be tied to one organisation. Two tables are tied when
 * the statement says `a.org_id = b.org_id` (in a JOIN's ON or USING, or a top-level AND of WHERE), or both are
 * bound to the same parameter or literal (`a.org_id = $1 … b.org_id = $1`). A correlated subquery is a join with
 * the outer tables it names; a CTE or subquery bound to `$1` counts as bound to `$1` where it is read. The tenant
 * tables are the entities' tables with an `orgId` (TENANT_TABLES).
 *
 * What it does not see: equalities under OR or NOT (they do not bind), `org_id = ANY($1)` (a set of organisations
 * is not one), joins written through functions or views. A statement it cannot resolve is reported, not passed.
 */
import { loadModule, parseSync } from 'libpg-query';
import { getMetadataArgsStorage } from 'typeorm';
import { ENTITIES } from '../../src/entities';

/**
 * The tenant tables: every entity's table with an `orgId` column (a new module's tables are in by themselves).
 * Anything else (a temporary table of one import, a bench's copy map, the system catalogues) is not a tenant table.
 * A reference table shared by every organisation would be an entity without `orgId`, and so not in this set.
 */
const TENANT_TABLES = (() => {
  const storage = getMetadataArgsStorage();
  const entities = new Set<unknown>(ENTITIES);
  const withOrg = new Set(storage.columns.filter((c) => c.propertyName === 'orgId').map((c) => c.target));
  return new Set(storage.tables.filter((t) => entities.has(t.target) && withOrg.has(t.target)).map((t) => t.name!));
})();

export interface CrossOrgJoin {
  sql: string;
  /** The tables (as aliases) that are read together without one organisation between them. */
  groups: string[][];
}

type AstNode = Record<string, any>;

interface Rel {
  key: string;
  alias: string;
  label: string;
  /** Reads tenant rows (a tenant table, or a CTE/subquery that reads one). */
  tenant: boolean;
}

interface Scope {
  rels: Map<string, Rel>;
  outer?: Scope;
  find(key: string): string;
  bound(root: string): string[];
}

interface ScopeResult {
  tenant: boolean;
  /** The parameters/literals every tenant table of the level is bound to (empty: not bound to one). */
  bound: string[];
}

let loaded: Promise<void> | undefined;

const paused = globalThis as { __orgJoinsPaused?: number };

/** Whether statements are being recorded now (not while `uncheckedStatements` runs). */
export function recording(): boolean {
  return !paused.__orgJoinsPaused;
}

/**
 * Runs `work` without recording its statements: only for the migrations' own SQL (history, run once, not the API's
 * statements), which test/api/org-keys.test.ts runs in its process.
 */
export async function uncheckedStatements<T>(work: () => Promise<T>): Promise<T> {
  paused.__orgJoinsPaused = (paused.__orgJoinsPaused ?? 0) + 1;
  try {
    return await work();
  } finally {
    paused.__orgJoinsPaused -= 1;
  }
}

/** Loads the parser (WebAssembly) once. */
export function loadParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

class Checker {
  private readonly ctes: Array<Map<string, ScopeResult>> = [];
  private counter = 0;
  readonly problems: string[][][] = [];
  /** Tenant tables read with no organisation at all (a cross-organisation scan: a job's, or a missing filter). */
  readonly unbound: string[] = [];

  statement(node: AstNode): void {
    const [kind, body] = Object.entries(node)[0] ?? [];
    if (kind === 'SelectStmt') this.select(body, undefined);
    else if (kind === 'InsertStmt') this.insert(body);
    else if (kind === 'UpdateStmt') this.modify(body, body.relation, body.fromClause ?? []);
    else if (kind === 'DeleteStmt') this.modify(body, body.relation, body.usingClause ?? []);
    else if (kind === 'ExplainStmt') this.statement(body.query);
  }

  private withCtes<T>(withClause: AstNode | undefined, outer: Scope | undefined, run: () => T): T {
    const frame = new Map<string, ScopeResult>();
    this.ctes.push(frame);
    try {
      for (const c of withClause?.ctes ?? []) {
        const cte = c.CommonTableExpr;
        frame.set(cte.ctename, this.query(cte.ctequery, outer));
      }
      return run();
    } finally {
      this.ctes.pop();
    }
  }

  private cte(name: string): ScopeResult | undefined {
    for (let i = this.ctes.length - 1; i >= 0; i -= 1) {
      const found = this.ctes[i].get(name);
      if (found) return found;
    }
    return undefined;
  }

  private query(node: AstNode | undefined, outer: Scope | undefined): ScopeResult {
    if (!node) return { tenant: false, bound: [] };
    if (node.SelectStmt) return this.select(node.SelectStmt, outer);
    if (node.InsertStmt) return this.insert(node.InsertStmt);
    if (node.UpdateStmt) return this.modify(node.UpdateStmt, node.UpdateStmt.relation, node.UpdateStmt.fromClause ?? []);
    if (node.DeleteStmt) return this.modify(node.DeleteStmt, node.DeleteStmt.relation, node.DeleteStmt.usingClause ?? []);
    return { tenant: false, bound: [] };
  }

  private insert(body: AstNode): ScopeResult {
    // The inserted row is a write, not a join: only the SELECT that feeds it (and what it returns) reads rows.
    return this.withCtes(body.withClause, undefined, () => {
      const source = this.query(body.selectStmt, undefined);
      if (body.returningList) this.level([], [body.returningList], undefined);
      return source;
    });
  }

  private modify(body: AstNode, target: AstNode, from: AstNode[]): ScopeResult {
    return this.withCtes(body.withClause, undefined, () =>
      this.level([{ RangeVar: target }, ...from], [body.whereClause, body.targetList, body.returningList], undefined));
  }

  private select(body: AstNode, outer: Scope | undefined): ScopeResult {
    return this.withCtes(body.withClause, outer, () => {
      if (body.op && body.op !== 'SETOP_NONE') {
        const left = this.select(body.larg, outer);
        const right = this.select(body.rarg, outer);
        const tenant = left.tenant || right.tenant;
        const bound = !left.tenant ? right.bound : !right.tenant ? left.bound : left.bound.filter((b) => right.bound.includes(b));
        return { tenant, bound };
      }
      if (body.valuesLists) {
        this.level([], [body.valuesLists], outer);
        return { tenant: false, bound: [] };
      }
      return this.level(body.fromClause ?? [], [body.whereClause, body.targetList, body.havingClause, body.groupClause, body.sortClause], outer);
    });
  }

  /** One query level: its FROM items, the conditions that tie them, and the subqueries in its expressions. */
  private level(from: AstNode[], expressions: unknown[], outer: Scope | undefined): ScopeResult {
    const parent = new Map<string, string>();
    const find = (key: string): string => {
      let k = key;
      while (parent.has(k) && parent.get(k) !== k) k = parent.get(k)!;
      return k;
    };
    const union = (a: string, b: string) => {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(ra, rb);
    };
    /** The parameters and literals (and outer classes) in the class of `root`. */
    const bound = (root: string): string[] =>
      [...new Set([...parent.keys(), ...parent.values()])].filter((k) => /^[$'o]/.test(k) && !k.startsWith('o:') && find(k) === root);
    const scope: Scope = { rels: new Map(), outer, find, bound };
    const conditions: AstNode[] = [];
    const usings: Array<[Rel[], Rel[]]> = [];
    const subqueries: Array<() => void> = [];
    const functions: unknown[] = [];

    const addFrom = (item: AstNode): Rel[] => {
      if (item.RangeVar) {
        const rv = item.RangeVar;
        const alias = rv.alias?.aliasname ?? rv.relname;
        const cte = rv.schemaname ? undefined : this.cte(rv.relname);
        const rel: Rel = { key: `r${(this.counter += 1)}`, alias, label: alias === rv.relname ? rv.relname : `${rv.relname} ${alias}`, tenant: false };
        if (cte) {
          rel.tenant = cte.tenant;
          for (const b of cte.bound) union(rel.key, b);
        } else rel.tenant = (!rv.schemaname || rv.schemaname === 'public') && TENANT_TABLES.has(rv.relname);
        scope.rels.set(alias, rel);
        return [rel];
      }
      if (item.JoinExpr) {
        const j = item.JoinExpr;
        const left = addFrom(j.larg);
        const right = addFrom(j.rarg);
        if (j.quals) conditions.push(j.quals);
        if ((j.usingClause ?? []).some((u: AstNode) => u.String?.sval === 'org_id')) usings.push([left, right]);
        return [...left, ...right];
      }
      if (item.RangeSubselect) {
        const sub = item.RangeSubselect;
        const alias = sub.alias?.aliasname ?? `subquery${this.counter}`;
        const rel: Rel = { key: `r${(this.counter += 1)}`, alias, label: `(subquery) ${alias}`, tenant: false };
        scope.rels.set(alias, rel);
        // Analysed once the level's own conditions are known (a LATERAL one may name the tables before it).
        subqueries.push(() => {
          const result = this.query(sub.subquery, sub.lateral ? scope : outer);
          rel.tenant = result.tenant;
          for (const b of result.bound) union(rel.key, b.startsWith('outer:') ? b.slice('outer:'.length) : b);
        });
        return [rel];
      }
      if (item.RangeFunction) functions.push(item.RangeFunction.functions);
      return [];
    };
    for (const item of from) addFrom(item);

    const outerTenants: Rel[] = [];
    const outerNodes = new Map<string, string>();
    /** An outer table named in this level: a node tied to whatever that table is bound to out there. */
    const outerNode = (alias: string): string | undefined => {
      if (outerNodes.has(alias)) return outerNodes.get(alias);
      for (let s = outer; s; s = s.outer) {
        const rel = s.rels.get(alias);
        if (!rel) continue;
        const key = `o:${alias}:${(this.counter += 1)}`;
        outerNodes.set(alias, key);
        if (rel.tenant) outerTenants.push({ ...rel, key, label: `${rel.label} (outer)` });
        const root = s.find(rel.key);
        for (const b of s.bound(root)) union(key, b);
        union(key, `outer:${root}`); // two tables of one outer class stay one class here
        return key;
      }
      return undefined;
    };
    const resolveOrg = (expr: AstNode | undefined): string | undefined => {
      let e = expr;
      while (e?.TypeCast) e = e.TypeCast.arg;
      if (!e) return undefined;
      if (e.ParamRef) return `$${e.ParamRef.number}`;
      if (e.A_Const) return `'${JSON.stringify(e.A_Const)}`;
      const fields: string[] | undefined = e.ColumnRef?.fields?.map((f: AstNode) => f.String?.sval);
      if (!fields || fields[fields.length - 1] !== 'org_id') return undefined;
      if (fields.length >= 2) {
        const alias = fields[fields.length - 2];
        return scope.rels.has(alias) ? scope.rels.get(alias)!.key : outerNode(alias);
      }
      const tenants = [...scope.rels.values()].filter((r) => r.tenant);
      return tenants.length === 1 ? tenants[0].key : undefined;
    };

    for (const [left, right] of usings) {
      const l = left.find((r) => r.tenant);
      const r = right.find((x) => x.tenant);
      if (l && r) union(l.key, r.key);
    }
    const conjuncts: AstNode[] = [];
    const split = (e: AstNode | undefined) => {
      if (!e) return;
      if (e.BoolExpr?.boolop === 'AND_EXPR') e.BoolExpr.args.forEach(split);
      else conjuncts.push(e);
    };
    conditions.forEach(split);
    split(expressions[0] as AstNode | undefined); // the WHERE clause
    for (const c of conjuncts) {
      const op = c.A_Expr;
      if (!op || op.kind !== 'AEXPR_OP' || op.name?.[0]?.String?.sval !== '=') continue;
      const l = resolveOrg(op.lexpr);
      const r = resolveOrg(op.rexpr);
      if (l && r) union(l, r);
    }
    for (const run of subqueries) run();
    // Outer tables named anywhere in this level (correlation) are joined with it.
    walk([conditions, expressions, functions], (ref) => {
      const fields = ref.fields?.map((f: AstNode) => f.String?.sval);
      if (fields && fields.length >= 2 && !scope.rels.has(fields[fields.length - 2])) outerNode(fields[fields.length - 2]);
    });

    const tenants = [...[...scope.rels.values()].filter((r) => r.tenant), ...outerTenants];
    const classes = new Map<string, Rel[]>();
    for (const rel of tenants) {
      const root = find(rel.key);
      classes.set(root, [...(classes.get(root) ?? []), rel]);
    }
    if (classes.size > 1) this.problems.push([...classes.values()].map((rels) => rels.map((r) => r.label)));
    for (const [root, rels] of classes) {
      if (bound(root).length === 0) this.unbound.push(...rels.filter((r) => !r.label.startsWith('(subquery)')).map((r) => r.label));
    }

    // Subqueries in the expressions: levels of their own, with this one as their outer.
    walkSublinks([conditions, expressions, functions], (sub) => this.query(sub, scope));

    // What this level is bound to, for the level that reads it: parameters and literals, and (for a LATERAL
    // subquery) the outer tables it is tied to.
    const result = classes.size === 1 ? bound([...classes.keys()][0]) : [];
    return { tenant: tenants.length > 0, bound: result };
  }
}

/** Calls `visit` on every ColumnRef, not descending into subqueries. */
function walk(node: unknown, visit: (ref: AstNode) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walk(n, visit));
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'SubLink' || key === 'SelectStmt' || key === 'RangeSubselect') continue;
    if (key === 'ColumnRef') visit(value as AstNode);
    else walk(value, visit);
  }
}

/** Calls `visit` on the query of every SubLink, not descending into them. */
function walkSublinks(node: unknown, visit: (query: AstNode) => void): void {
  if (Array.isArray(node)) return node.forEach((n) => walkSublinks(n, visit));
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'SubLink') {
      const link = value as AstNode;
      visit(link.subselect);
      walkSublinks(link.testexpr, visit);
    } else walkSublinks(value, visit);
  }
}

/** The cross-organisation joins in one SQL text (one or more statements); the parser must be loaded. */
export function crossOrgJoins(sql: string): CrossOrgJoin[] {
  return analyse(sql).joins;
}

/**
 * The joins across organisations, and the tenant tables read with no organisation at all (scans across
 * organisations: the outbox dispatcher's, a job's; not a join, but the statements a distributed database would
 * send to every shard).
 */
export function analyse(sql: string): { joins: CrossOrgJoin[]; unbound: string[] } {
  const tree = parseSync(sql) as { stmts?: Array<{ stmt: AstNode }> };
  const joins: CrossOrgJoin[] = [];
  const unbound: string[] = [];
  for (const { stmt } of tree.stmts ?? []) {
    const checker = new Checker();
    checker.statement(stmt);
    for (const groups of checker.problems) joins.push({ sql, groups });
    unbound.push(...checker.unbound);
  }
  return { joins, unbound };
}
