/**
 * The set-based statements of the returns (rule 18): numbering an approved claim's returns, finding the overdue
 * ones, and reading returns with their due instant (the claim's completion plus the window).
 */

/** A return's due instant: its claim's completion plus its window; NULL while the claim is not completed. */
export const DUE_AT = `(CASE WHEN c.status = 'CLOSED' THEN c.closed_at + pr.window_days * interval '1 day' END)`;

/** A return as the API reads it (ReturnView in returns.service.ts), from `part_return pr JOIN warranty_claim c`. */
export const RETURN_COLUMNS = `pr.id, pr.org_id AS "orgId", pr.claim_id AS "claimId", pr.claim_line_id AS "claimLineId",
  pr.warranty_record_id AS "warrantyId", pr.rma_number AS "rmaNumber", pr.part_number AS "partNumber", pr.window_days AS "windowDays",
  pr.status, pr.authorised_at AS "authorisedAt", pr.shipped_at AS "shippedAt", pr.carrier, pr.tracking_number AS "trackingNumber",
  pr.received_at AS "receivedAt", pr.inspected_at AS "inspectedAt", pr.inspection_outcome AS "inspectionOutcome",
  pr.inspection_note AS "inspectionNote", pr.charged_back_at AS "chargedBackAt", pr.charge_back_reason AS "chargeBackReason",
  pr.row_version AS "version", c.status AS "claimStatus", ${DUE_AT} AS "dueAt"`;

/**
 * The step the approval sends with its own writes (the claims' onApproved hook, db/one-statement.ts): the approved
 * claim's covered PART lines whose part must come back on this unit (the SKU's rule before the family's) get their
 * returns, numbered from the organisation's counter for the year (its row locked only when there is something to
 * number), each with its event, and CSP one message listing the RMA numbers. A line authorised before (an approval
 * after an exception round) is not authorised again. The lines are read as earlier statements wrote them, or, at
 * intake, where the claim and its lines are written in the step's own statement (and so invisible to it), taken
 * from $7.
 * $1 organisation, $2 claim, $3 unit, $4 year, $5 now, $6 actor, $7 the covered PART lines as JSON
 * (`[{ lineId, partNumber, position }]`) or NULL to read them.
 */
export const AUTHORISE_RETURNS: ReadonlyArray<readonly [string, string]> = [
  ['rma_unit', `SELECT r.sku, r.product_family FROM warranty_record r WHERE r.id = $3::uuid AND r.org_id = $1::text`],
  ['rma_lines', `
    SELECT l.id, l.part_number, l.position FROM claim_line l
    WHERE $7::jsonb IS NULL AND l.claim_id = $2::uuid AND l.org_id = $1::text AND l.kind = 'PART' AND l.covered
    UNION ALL
    SELECT (x->>'lineId')::uuid, x->>'partNumber', (x->>'position')::int FROM jsonb_array_elements(coalesce($7::jsonb, '[]'::jsonb)) x`],
  ['rma_candidates', `
    SELECT l.id AS line_id, l.part_number, l.position, rule.window_days
    FROM rma_lines l CROSS JOIN rma_unit u
    CROSS JOIN LATERAL (
      SELECT pr.window_days FROM part_return_rule pr
      WHERE pr.org_id = $1::text AND pr.part_number = l.part_number
        AND ((pr.scope = 'SKU' AND pr.scope_value = u.sku) OR (pr.scope = 'FAMILY' AND pr.scope_value = u.product_family))
      ORDER BY (pr.scope = 'SKU') DESC LIMIT 1) rule
    WHERE NOT EXISTS (SELECT 1 FROM part_return x WHERE x.org_id = $1::text AND x.claim_line_id = l.id)`],
  ['rma_counter', `
    INSERT INTO rma_counter (org_id, year, last_number) SELECT $1::text, $4::int, count(*) FROM rma_candidates HAVING count(*) > 0
    ON CONFLICT (org_id, year) DO UPDATE SET last_number = rma_counter.last_number + excluded.last_number
    RETURNING last_number`],
  ['rma_numbered', `
    SELECT c.*, (SELECT last_number FROM rma_counter) - count(*) OVER () + row_number() OVER (ORDER BY c.position) AS seq FROM rma_candidates c`],
  ['rma_returns', `
    INSERT INTO part_return (id, org_id, claim_id, claim_line_id, warranty_record_id, rma_number, part_number, window_days, status, authorised_at)
    SELECT gen_random_uuid(), $1::text, $2::uuid, line_id, $3::uuid,
           'RMA-' || $4::int || '-' || CASE WHEN seq < 1000000 THEN lpad(seq::text, 6, '0') ELSE seq::text END,
           part_number, window_days, 'AUTHORISED', $5::timestamptz
    FROM rma_numbered ORDER BY seq
    RETURNING id, claim_line_id, rma_number, part_number, window_days`],
  ['rma_events', `
    INSERT INTO warranty_event (org_id, warranty_record_id, actor_id, event, to_value, claim_id, detail)
    SELECT $1::text, $3::uuid, $6::text, 'PART_RETURN_AUTHORISED', rma_number, $2::uuid,
           jsonb_build_object('returnId', id, 'lineId', claim_line_id, 'partNumber', part_number, 'windowDays', window_days)
    FROM rma_returns ORDER BY rma_number
    RETURNING id`],
  ['rma_message', `
    INSERT INTO outbox_message (org_id, destination, topic, aggregate_id, payload)
    SELECT $1::text, 'CSP', 'claim.returns_authorised', $2::uuid, jsonb_build_object('claimId', $2::uuid, 'warrantyId', $3::uuid, 'returns',
           jsonb_agg(jsonb_build_object('rmaNumber', rma_number, 'lineId', claim_line_id, 'partNumber', part_number, 'windowDays', window_days) ORDER BY rma_number))
    FROM rma_returns HAVING count(*) > 0
    RETURNING id`],
];

/**
 * The overdue returns (the claim completed, the part not received within the window, not charged back yet), at most
 * $3 of them, marked charged back: the statement locks them, so a receipt recorded meanwhile either comes first
 * (and the return is no longer overdue) or waits for this. $1 now, $2 organisation or NULL for all, $3 limit.
 */
export const MARK_OVERDUE = `
  WITH overdue AS (
    SELECT pr.org_id, pr.id FROM part_return pr JOIN warranty_claim c ON c.id = pr.claim_id AND c.org_id = pr.org_id
    WHERE pr.received_at IS NULL AND pr.charged_back_at IS NULL AND c.status = 'CLOSED'
      AND c.closed_at + pr.window_days * interval '1 day' < $1::timestamptz AND ($2::text IS NULL OR pr.org_id = $2)
    ORDER BY pr.id LIMIT $3
    FOR UPDATE OF pr SKIP LOCKED),
  marked AS (
    UPDATE part_return pr SET charged_back_at = $1, charge_back_reason = 'NOT_RECEIVED', row_version = pr.row_version + 1
    FROM overdue o WHERE pr.org_id = o.org_id AND pr.id = o.id AND pr.received_at IS NULL AND pr.charged_back_at IS NULL
    RETURNING pr.id, pr.org_id, pr.claim_id, pr.claim_line_id, pr.rma_number, pr.part_number, pr.window_days)
  SELECT * FROM marked`;
