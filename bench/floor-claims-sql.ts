/**
 * The floor's claim statements (floor-claims.ts), each a named prepared statement: parsed and planned once per
 * connection, as a hand-written server would. Every one is filtered by the caller's organisation.
 */

/**
 * The parts of a unit's check rows that the check (floor-server.ts) and a claim's read share, for a record `r`:
 * the record's facts its start is judged on (json_build_object arguments), its coverages, the condition and source
 * of its policy versions (record's and coverages'), and its readings history.
 */
export const RECORD_FACTS = `'id', r.id, 'tier', r.tier, 'expiresAt', r.expires_at, 'serialNumber', r.serial_number, 'policyId', r.policy_id,
      'siteTimeZone', r.site_time_zone, 'voidedAt', r.voided_at, 'voidReason', r.void_reason,
      'replacedAt', r.replaced_at, 'replacedBySerialNumber', r.replaced_by_serial_number,
      'productionDate', r.production_date, 'activationRecordDate', r.activation_record_date,
      'saleWarrantyActivationDate', r.sale_warranty_activation_date, 'saleInvoiceDate', r.sale_invoice_date,
      'supplyChainStage', r.supply_chain_stage, 'brokerInvoiceDate', r.broker_invoice_date,
      'warrantyDateShift', r.warranty_date_shift`;
export const COVERAGES = `(SELECT coalesce(json_agg(json_build_object(
        'id', c.id, 'kind', c.kind, 'scope', c.scope, 'startDate', c.start_date, 'endDate', c.end_date,
        'labourEndDate', c.labour_end_date, 'mileageLimitKm', c.mileage_limit_km, 'engineHoursLimit', c.engine_hours_limit,
        'throughputLimitMwh', c.throughput_limit_mwh, 'sohGuaranteePct', c.soh_guarantee_pct, 'paysParts', c.pays_parts,
        'paysLabour', c.pays_labour, 'policyId', c.policy_id, 'claimId', c.claim_id, 'voidedAt', c.voided_at,
        'voidReason', c.void_reason) ORDER BY c.created_at, c.scope), '[]')
       FROM coverage c WHERE c.org_id = r.org_id AND c.warranty_record_id = r.id) AS coverages`;
export const UNIT_POLICIES = `FROM warranty_policy p WHERE p.org_id = r.org_id
        AND (p.id = r.policy_id OR p.id IN (SELECT c.policy_id FROM coverage c WHERE c.org_id = r.org_id AND c.warranty_record_id = r.id))) AS policies`;
export const READINGS = `(SELECT coalesce(json_agg(json_build_array(u.read_on, u.odometer_km, u.engine_hours, u.throughput_mwh, u.soh_pct) ORDER BY u.read_on, u.id), '[]')
       FROM unit_reading u WHERE u.org_id = r.org_id AND u.warranty_record_id = r.id) AS readings`;

/** $1 organisation, $2 serial number: the unit, locked for the transaction. */
export const UNIT_LOCK = {
  name: 'floor_claim_unit_lock',
  text: 'SELECT r.id FROM warranty_record r WHERE r.org_id = $1 AND r.serial_number = $2 FOR UPDATE OF r',
};

/**
 * $1 organisation, $2 the locked unit's id, $3 now: what intake judges and prices a claim on, after the lock, in one
 * statement: the record, its coverages, the policy versions of both (with the SLA hours and rule 16's limits), the
 * readings history, and the service calendar version in force today at the site (rule 9: the region's, else the
 * organisation's default '*', with its closing days; null: the standard week).
 */
export const CLAIM_READ = {
  name: 'floor_claim_read',
  text: `
    SELECT json_build_object(
      ${RECORD_FACTS}, 'region', r.region, 'siteCountry', r.site_country, 'sku', r.sku,
      'productId', r.product_id, 'productFamily', r.product_family, 'customerId', r.customer_id, 'installerId', r.installer_id) AS record,
    ${COVERAGES},
    (SELECT coalesce(json_agg(json_build_object(
        'id', p.id, 'productFamily', p.product_family, 'region', p.region, 'version', p.version,
        'lateStartCapMonths', p.late_start_cap_months, 'slaResponseHours', p.sla_response_hours,
        'slaOnsiteHours', p.sla_onsite_hours, 'autoApprovalLimits', p.auto_approval_limits)), '[]')
       ${UNIT_POLICIES},
    ${READINGS},
    (SELECT json_build_object('id', s.id, 'serviceDays', s.service_days, 'opensMinute', s.opens_minute, 'closesMinute', s.closes_minute,
        'closingDays', coalesce((SELECT json_agg(json_build_object('date', to_char(d.day, 'YYYY-MM-DD'), 'countryCode', d.country_code) ORDER BY d.day, d.country_code)
                                   FROM service_calendar_day d WHERE d.org_id = s.org_id AND d.calendar_id = s.id), '[]'))
       FROM service_calendar s
      WHERE s.org_id = r.org_id AND s.region IN (r.region, '*')
        AND s.effective_from <= ($3::timestamptz AT TIME ZONE coalesce(r.site_time_zone, 'UTC'))::date
      ORDER BY (s.region = '*'), s.effective_from DESC, s.version DESC LIMIT 1) AS calendar
    FROM warranty_record r WHERE r.org_id = $1 AND r.id = $2::uuid`,
};

const CLAIM_COLUMNS = [
  'id', 'org_id', 'warranty_record_id', 'csp_case_id', 'case_opened_at', 'kind', 'campaign_id', 'status', 'submitted_by_id', 'decided_by_id',
  'decision_reason', 'repair_date', 'component', 'description', 'odometer_km', 'engine_hours', 'throughput_mwh', 'soh_pct', 'validation',
  'currency', 'cover', 'covered_total', 'self_paid_total', 'total', 'estimate_covered_total', 'estimate_self_paid_total', 'estimate_total',
  'approved_covered_total', 'idempotency_key', 'request_hash', 'replacement_serial_number', 'replacement_record_id', 'service_calendar_id',
  'response_due_at', 'responded_at', 'onsite_due_at', 'onsite_at', 'closed_at', 'row_version', 'created_at', 'updated_at',
].join(', ');
const LINE_COLUMNS = [
  'id', 'org_id', 'claim_id', 'position', 'kind', 'part_number', 'quantity', 'unit_price', 'hours', 'rate', 'start_at', 'end_at', 'component',
  'amount', 'covered', 'covered_amount', 'operation_id', 'reason',
].join(', ');

/** Events from a JSON list, in its order ($n: the list). */
const eventsInsert = (n: number) => `
  INSERT INTO warranty_event (org_id, warranty_record_id, actor_id, event, from_value, to_value, claim_id, detail)
  SELECT e.org_id, e.warranty_record_id, e.actor_id, e.event, e.from_value, e.to_value, e.claim_id, e.detail
  FROM ROWS FROM (jsonb_to_recordset($${n}::jsonb) AS (org_id text, warranty_record_id uuid, actor_id text, event text, from_value text,
    to_value text, claim_id uuid, detail jsonb)) WITH ORDINALITY AS e(org_id, warranty_record_id, actor_id, event, from_value, to_value, claim_id, detail, n)
  ORDER BY e.n RETURNING id`;

/** Outbox messages from a JSON list, in its order ($n: the list). */
const messagesInsert = (n: number) => `
  INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
  SELECT m.org_id, m.destination, m.topic, m.aggregate_id, m.payload
  FROM ROWS FROM (jsonb_to_recordset($${n}::jsonb) AS (org_id text, destination text, topic text, aggregate_id uuid, payload jsonb))
    WITH ORDINALITY AS m(org_id, destination, topic, aggregate_id, payload, n)
  ORDER BY m.n RETURNING id`;

/**
 * Rule 18's returns for the lines of `rma_lines` (id, part_number, position), as returns-sql.ts numbers them: the
 * SKU's rule before the family's, the organisation's counter for the year, an event per return and one message.
 * $1 organisation, $2 claim, $3 unit; `year` and `now` the numbers of those parameters, `actor` the actor's SQL.
 */
const returnsCtes = (year: number, now: number, actor: string) => `
  rma_unit AS (SELECT r.sku, r.product_family FROM warranty_record r WHERE r.id = $3::uuid AND r.org_id = $1::text),
  rma_candidates AS (
    SELECT l.id AS line_id, l.part_number, l.position, rule.window_days
    FROM rma_lines l CROSS JOIN rma_unit u
    CROSS JOIN LATERAL (
      SELECT pr.window_days FROM part_return_rule pr
      WHERE pr.org_id = $1::text AND pr.part_number = l.part_number
        AND ((pr.scope = 'SKU' AND pr.scope_value = u.sku) OR (pr.scope = 'FAMILY' AND pr.scope_value = u.product_family))
      ORDER BY (pr.scope = 'SKU') DESC LIMIT 1) rule),
  rma_counter AS (
    INSERT INTO rma_counter (org_id, year, last_number) SELECT $1::text, $${year}::int, count(*) FROM rma_candidates HAVING count(*) > 0
    ON CONFLICT (org_id, year) DO UPDATE SET last_number = rma_counter.last_number + excluded.last_number
    RETURNING last_number),
  rma_numbered AS (
    SELECT c.*, (SELECT last_number FROM rma_counter) - count(*) OVER () + row_number() OVER (ORDER BY c.position) AS seq FROM rma_candidates c),
  rma_returns AS (
    INSERT INTO part_return (id, org_id, claim_id, claim_line_id, warranty_record_id, rma_number, part_number, window_days, status, authorised_at)
    SELECT gen_random_uuid(), $1::text, $2::uuid, line_id, $3::uuid,
           'RMA-' || $${year}::int || '-' || CASE WHEN seq < 1000000 THEN lpad(seq::text, 6, '0') ELSE seq::text END,
           part_number, window_days, 'AUTHORISED', $${now}::timestamptz
    FROM rma_numbered ORDER BY seq
    RETURNING id, claim_line_id, rma_number, part_number, window_days),
  rma_events AS (
    INSERT INTO warranty_event (org_id, warranty_record_id, actor_id, event, to_value, claim_id, detail)
    SELECT $1::text, $3::uuid, ${actor}, 'PART_RETURN_AUTHORISED', rma_number, $2::uuid,
           jsonb_build_object('returnId', id, 'lineId', claim_line_id, 'partNumber', part_number, 'windowDays', window_days)
    FROM rma_returns ORDER BY rma_number
    RETURNING id),
  rma_message AS (
    INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
    SELECT $1::text, 'CSP', 'claim.returns_authorised', $2::uuid, jsonb_build_object('claimId', $2::uuid, 'warrantyId', $3::uuid, 'returns',
           jsonb_agg(jsonb_build_object('rmaNumber', rma_number, 'lineId', claim_line_id, 'partNumber', part_number, 'windowDays', window_days) ORDER BY rma_number))
    FROM rma_returns HAVING count(*) > 0
    RETURNING id)`;

/** Every expression read in turn, so each write runs to its end in this order (event and message ids follow it). */
const readAll = (names: string[]) => `SELECT ${names.map((n) => `(SELECT count(*) FROM ${n})`).join(', ')}`;

/**
 * A claim with everything it writes, in one statement. $1 organisation, $2 claim id, $3 unit, $4 the claim row
 * (JSON, every column), $5 its lines (JSON), $6 its readings (JSON, empty without), $7 the submitter, $8 the events,
 * $9 CSP's messages, $10 approved at intake (rule 16: the covered PART lines get their returns), $11 year, $12 now.
 * The returns read the lines from the insert's RETURNING.
 */
export const INTAKE_WRITE = {
  name: 'floor_claim_intake_write',
  text: `
  WITH claim_row AS (
    INSERT INTO warranty_claim (${CLAIM_COLUMNS}) SELECT ${CLAIM_COLUMNS} FROM jsonb_populate_record(NULL::warranty_claim, $4::jsonb) RETURNING 1),
  claim_lines AS (
    INSERT INTO claim_line (${LINE_COLUMNS})
    SELECT ${LINE_COLUMNS.split(', ').map((c) => `x.${c}`).join(', ')} FROM jsonb_populate_recordset(NULL::claim_line, $5::jsonb) WITH ORDINALITY AS x ORDER BY x.ordinality
    RETURNING id, part_number, position, kind, covered),
  claim_readings AS (
    INSERT INTO unit_reading (org_id, warranty_record_id, read_on, odometer_km, engine_hours, throughput_mwh, soh_pct, source, claim_id, recorded_by_id)
    SELECT $1::text, $3::uuid, x.read_on, x.odometer_km, x.engine_hours, x.throughput_mwh, x.soh_pct, 'CLAIM', $2::uuid, $7::text
    FROM jsonb_to_recordset($6::jsonb) AS x(read_on date, odometer_km int, engine_hours int, throughput_mwh numeric, soh_pct numeric)
    RETURNING 1),
  claim_events AS (${eventsInsert(8)}),
  claim_messages AS (${messagesInsert(9)}),
  rma_lines AS (SELECT id, part_number, position FROM claim_lines WHERE $10::boolean AND kind = 'PART' AND covered),
  ${returnsCtes(11, 12, `'SYSTEM'`)}
  ${readAll(['claim_row', 'claim_lines', 'claim_readings', 'claim_events', 'claim_messages', 'rma_counter', 'rma_returns', 'rma_events', 'rma_message'])}`,
};

/** $1 claim id, $2 organisation: the claim, locked, with what the decision and the answer read. */
export const CLAIM_LOCK = {
  name: 'floor_claim_lock',
  text: `SELECT id, org_id, warranty_record_id, csp_case_id, kind, status, cover, covered_total, self_paid_total, total, currency, row_version,
           responded_at, onsite_at, response_due_at
         FROM warranty_claim WHERE id = $1::uuid AND org_id = $2 FOR UPDATE`,
};

/**
 * An approval in one statement. $1 organisation, $2 claim, $3 unit, $4 new status, $5 actor, $6 reason, $7 responded
 * at, $8 approved covered total, $9 row version, $10 now, $11 the event (JSON list), $12 CSP's message (JSON list),
 * $13 year. The returns read the claim's covered PART lines not authorised before.
 */
export const TRANSITION_WRITE = {
  name: 'floor_claim_transition_write',
  text: `
  WITH claim_update AS (
    UPDATE warranty_claim SET status = $4::text, decided_by_id = $5::text, decision_reason = $6::text, responded_at = $7::timestamptz,
      approved_covered_total = $8::numeric, row_version = $9::int, updated_at = $10::timestamptz
    WHERE id = $2::uuid AND org_id = $1::text RETURNING 1),
  claim_events AS (${eventsInsert(11)}),
  claim_messages AS (${messagesInsert(12)}),
  rma_lines AS (
    SELECT l.id, l.part_number, l.position FROM claim_line l
    WHERE l.claim_id = $2::uuid AND l.org_id = $1::text AND l.kind = 'PART' AND l.covered
      AND NOT EXISTS (SELECT 1 FROM part_return x WHERE x.claim_line_id = l.id)),
  ${returnsCtes(13, 10, '$5::text')}
  ${readAll(['claim_update', 'claim_events', 'claim_messages', 'rma_counter', 'rma_returns', 'rma_events', 'rma_message'])}`,
};
