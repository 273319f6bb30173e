import type { Tables } from "./tables.ts";

/**
 * Rows ($1) and rejections ($2) arrive as one JSON array each, an array of values per row, so a batch of any size
 * is one statement with two parameters. JSON because it is made with one native JSON.stringify, where
 * node-postgres builds array literals element by element in JavaScript (the write's largest cost after the
 * transform; docs/benchmarks.md). Read as jsonb, not json: `e->>n` on a json value parses the element's text
 * again for every field, eight times a row; jsonb is parsed once, and the statement costs PostgreSQL about half
 * (10 instead of 21 us a row). Message data is only ever bound as parameters, never spliced into SQL.
 */
const INPUT = `WITH logins AS (
  SELECT e->>0 AS message_id, e->>1 AS user_id, e->>2 AS device_type, e->>3 AS masked_ip,
         e->>4 AS masked_device_id, e->>5 AS locale, (e->>6)::int AS app_version, (e->>7)::date AS create_date
  FROM jsonb_array_elements($1::jsonb) e
), rejects AS (
  SELECT e->>0 AS message_id, e->>1 AS reason, (e->>2)::timestamptz AS received_at, (e->>3)::timestamptz AS sent_at,
         (e->>4)::int AS receive_count,
         CASE WHEN jsonb_typeof(e->5) = 'null' THEN NULL ELSE e->5 END AS masked_body,
         e->>6 AS body_digest, (e->>7)::int AS body_bytes
  FROM jsonb_array_elements($2::jsonb) e
)`;

const LOGIN_COLUMNS = "user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date";
const REJECT_COLUMNS =
  "message_id, reason, received_at, sent_at, receive_count, masked_body, body_digest, body_bytes";

/**
 * The common case, every message new: the ledger's primary key is the check, so nothing is joined or returned.
 * A MessageId already in the ledger (a redelivery) fails the whole statement with unique_violation (23505),
 * and the batch goes through INSERT_OUTCOMES instead. About a third cheaper for PostgreSQL (docs/benchmarks.md).
 */
export const insertNewOutcomes = (t: Tables) => `${INPUT}, ledger AS (
  INSERT INTO ${t.ledger} (message_id) SELECT message_id FROM logins UNION ALL SELECT message_id FROM rejects
), loaded AS (
  INSERT INTO ${t.logins} (${LOGIN_COLUMNS}) SELECT ${LOGIN_COLUMNS} FROM logins
), feed AS (
  INSERT INTO ${t.feed} (${LOGIN_COLUMNS}) SELECT ${LOGIN_COLUMNS} FROM logins
)
INSERT INTO ${t.rejects} (${REJECT_COLUMNS}) SELECT ${REJECT_COLUMNS} FROM rejects`;

/**
 * The ledger-checked write: only messages new to the ledger get a row or a rejection. Returns the count loaded
 * (reason NULL) and the count rejected per reason; the rest were duplicates.
 */
export const insertOutcomes = (t: Tables) => `${INPUT}, fresh AS (
  INSERT INTO ${t.ledger} (message_id)
  SELECT message_id FROM logins UNION ALL SELECT message_id FROM rejects
  ON CONFLICT (message_id) DO NOTHING
  RETURNING message_id
), loaded AS (
  INSERT INTO ${t.logins} (${LOGIN_COLUMNS})
  SELECT ${LOGIN_COLUMNS} FROM logins WHERE message_id IN (SELECT message_id FROM fresh)
  RETURNING 1
), feed AS (
  INSERT INTO ${t.feed} (${LOGIN_COLUMNS})
  SELECT ${LOGIN_COLUMNS} FROM logins WHERE message_id IN (SELECT message_id FROM fresh)
), rejected AS (
  INSERT INTO ${t.rejects} (${REJECT_COLUMNS})
  SELECT ${REJECT_COLUMNS} FROM rejects WHERE message_id IN (SELECT message_id FROM fresh)
  -- A rejection recorded before its ledger entry was pruned (securelog prune) is kept, not duplicated.
  ON CONFLICT (message_id) DO NOTHING
  RETURNING reason
)
SELECT NULL AS reason, count(*)::int AS n FROM loaded
UNION ALL
SELECT reason, count(*)::int FROM rejected GROUP BY reason`;
