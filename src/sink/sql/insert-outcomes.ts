import type { Tables } from "./tables.ts";

/**
 * Rows ($1..$8) and rejections ($9..$16) arrive as column arrays and unnest turns them back into rows, so a
 * batch of any size is one statement with a fixed parameter count, atomic on its own (no BEGIN/COMMIT round
 * trips). Message data is only ever bound as parameters, never spliced into SQL.
 */
const INPUT = `WITH logins AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::date[])
    AS t(message_id, user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date)
), rejects AS (
  SELECT * FROM unnest($9::text[], $10::text[], $11::timestamptz[], $12::timestamptz[], $13::int[], $14::jsonb[], $15::text[], $16::int[])
    AS t(message_id, reason, received_at, sent_at, receive_count, masked_body, body_digest, body_bytes)
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
