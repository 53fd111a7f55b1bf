import { crossOrgJoins, loadParser } from '../support/org-joins';

/** The check on the SQL text (test/support/org-joins.ts): what it passes and what it reports. */
beforeAll(() => loadParser());

const passes = (sql: string) => expect(crossOrgJoins(sql)).toEqual([]);
const fails = (sql: string) => expect(crossOrgJoins(sql).length).toBeGreaterThan(0);

describe('joins within one organisation pass', () => {
  it.each([
    ['one table', 'SELECT * FROM warranty_record WHERE org_id = $1 AND id = $2'],
    ['a cross-organisation scan of one table (no join)', 'SELECT id FROM outbox_message WHERE delivered_at IS NULL'],
    ['org_id equal in ON', 'SELECT * FROM coverage c JOIN warranty_record r ON r.org_id = c.org_id AND r.id = c.warranty_record_id'],
    ['both bound to one parameter', 'SELECT * FROM coverage c JOIN warranty_record r ON r.id = c.warranty_record_id WHERE c.org_id = $1 AND r.org_id = $1'],
    ['USING (org_id, …)', 'SELECT * FROM coverage c JOIN warranty_record r USING (org_id) WHERE r.id = c.warranty_record_id'],
    ['comma join tied in WHERE', 'SELECT * FROM coverage c, warranty_record r WHERE c.org_id = r.org_id AND r.id = c.warranty_record_id'],
    ['a correlated EXISTS tied by org_id', 'SELECT * FROM warranty_record r WHERE EXISTS (SELECT 1 FROM coverage c WHERE c.org_id = r.org_id AND c.warranty_record_id = r.id)'],
    ['a correlated EXISTS bound to the same parameter', 'SELECT * FROM warranty_record r WHERE r.org_id = $1 AND EXISTS (SELECT 1 FROM coverage c WHERE c.org_id = $1 AND c.warranty_record_id = r.id)'],
    ['a CTE bound to the parameter, read beside a table bound to it', 'WITH u AS (SELECT id FROM warranty_record WHERE org_id = $1) SELECT * FROM u JOIN coverage c ON c.warranty_record_id = u.id WHERE c.org_id = $1'],
    ['a table joined with unnest', 'SELECT * FROM warranty_record r JOIN unnest($2::uuid[]) AS k(id) ON k.id = r.id WHERE r.org_id = $1'],
    ['UPDATE … FROM tied', 'UPDATE coverage c SET end_date = NULL FROM warranty_record r WHERE r.org_id = c.org_id AND r.id = c.warranty_record_id'],
    ['a LATERAL subquery tied', 'SELECT * FROM warranty_record r, LATERAL (SELECT * FROM coverage c WHERE c.org_id = r.org_id AND c.warranty_record_id = r.id LIMIT 1) x WHERE r.org_id = $1'],
    ['typed parameters', 'SELECT * FROM coverage c JOIN warranty_record r ON r.id = c.warranty_record_id WHERE c.org_id = $1::text AND r.org_id = $1::text'],
    ['a system catalogue beside a table', 'SELECT * FROM pg_class c JOIN warranty_record r ON true WHERE r.org_id = $1'],
  ])('%s', (_, sql) => passes(sql));
});

describe('joins across organisations are reported', () => {
  it.each([
    ['a join on the id alone', 'SELECT * FROM coverage c JOIN warranty_record r ON r.id = c.warranty_record_id'],
    ['only one side bound', 'SELECT * FROM coverage c JOIN warranty_record r ON r.id = c.warranty_record_id WHERE c.org_id = $1'],
    ['the sides bound to different parameters', 'SELECT * FROM coverage c JOIN warranty_record r ON r.id = c.warranty_record_id WHERE c.org_id = $1 AND r.org_id = $2'],
    ['org_id equality under OR', 'SELECT * FROM coverage c JOIN warranty_record r ON r.id = c.warranty_record_id WHERE c.org_id = r.org_id OR r.id IS NULL'],
    ['a set of organisations', 'SELECT * FROM coverage c JOIN warranty_record r ON r.id = c.warranty_record_id WHERE c.org_id = ANY($1) AND r.org_id = ANY($1)'],
    ['a correlated subquery on the id alone', 'SELECT * FROM outbox_message m WHERE NOT EXISTS (SELECT 1 FROM outbox_message e WHERE e.aggregate_id = m.aggregate_id AND e.id < m.id)'],
    ['an unbound CTE joined', 'WITH u AS (SELECT id FROM warranty_record) SELECT * FROM u JOIN coverage c ON c.warranty_record_id = u.id WHERE c.org_id = $1'],
    ['UPDATE … FROM on the id alone', 'UPDATE coverage c SET end_date = NULL FROM warranty_record r WHERE r.id = c.warranty_record_id'],
    ['a scalar subquery in the select list', 'SELECT r.id, (SELECT count(*) FROM coverage c WHERE c.warranty_record_id = r.id) FROM warranty_record r WHERE r.org_id = $1'],
    ['three tables, one left out', 'SELECT * FROM warranty_claim k JOIN warranty_record r ON r.org_id = k.org_id AND r.id = k.warranty_record_id JOIN claim_line l ON l.claim_id = k.id'],
  ])('%s', (_, sql) => fails(sql));
});

describe('LATERAL', () => {
  it('a LATERAL subquery tied to the table before it by org_id joins within one organisation', () => {
    passes(`SELECT * FROM firmware_release rel CROSS JOIN LATERAL (SELECT r.id FROM warranty_record r LEFT JOIN unit_telemetry t ON t.org_id = r.org_id AND t.warranty_record_id = r.id
             WHERE r.org_id = rel.org_id AND r.product_family = rel.product_family) u WHERE rel.org_id = $1`);
  });
  it('a LATERAL subquery not tied to it is reported', () => {
    fails(`SELECT * FROM firmware_release rel CROSS JOIN LATERAL (SELECT r.id FROM warranty_record r WHERE r.product_family = rel.product_family) u WHERE rel.org_id = $1`);
  });
});

describe('which tables are tenant tables', () => {
  it("an import's temporary table beside a tenant table is not a join across organisations", () => {
    passes('SELECT s.serial, r.id FROM campaign_import_staging s LEFT JOIN warranty_record r ON r.org_id = $1 AND r.serial_number = s.serial');
  });
  it('every entity with an orgId is one (a new module is checked without being listed)', () => {
    fails('SELECT * FROM supplier_contract k JOIN supplier s ON s.id = k.supplier_id WHERE k.org_id = $1');
    fails('SELECT * FROM recovery_line l JOIN recovery_claim c ON c.id = l.recovery_claim_id WHERE l.org_id = $1');
  });
});
