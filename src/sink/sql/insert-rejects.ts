/** Like INSERT_LOGINS, for rejections: one statement per batch, ledger-checked; returns what it inserted. */
export const INSERT_REJECTS = `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::jsonb[], $7::text[], $8::int[])
    AS t(message_id, reason, received_at, sent_at, receive_count, masked_body, body_digest, body_bytes)
), fresh AS (
  INSERT INTO securelog_processed (message_id) SELECT message_id FROM input
  ON CONFLICT (message_id) DO NOTHING
  RETURNING message_id
)
INSERT INTO user_logins_rejects
  (message_id, reason, received_at, sent_at, receive_count, masked_body, body_digest, body_bytes)
SELECT i.message_id, i.reason, i.received_at, i.sent_at, i.receive_count, i.masked_body, i.body_digest, i.body_bytes
FROM input i JOIN fresh f ON f.message_id = i.message_id
RETURNING reason`;
