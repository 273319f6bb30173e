/**
 * Statements of the privacy commands (forget, reveal, rekey). Masked values are always bound as parameters.
 * The few statements that vary by column take the column from the fixed union below, never from input.
 */
export type MaskedColumn = "masked_ip" | "masked_device_id";
export type BodyField = "ip" | "device_id";

export const INSERT_AUDIT = `INSERT INTO securelog_audit (action, masked_value, rows_affected, reason, operator)
SELECT 'reveal', v, 1, $2, $3 FROM unnest($1::text[]) AS v`;

export const INSERT_AUDIT_ONE = `INSERT INTO securelog_audit (action, masked_value, rows_affected, reason, operator)
VALUES ($1, $2, $3, $4, $5)`;

export const LIST_LOGINS = (
  column: MaskedColumn,
) => `SELECT user_id, device_type, masked_ip, masked_device_id,
  locale, app_version, create_date::text AS create_date FROM user_logins WHERE ${column} = ANY($1::text[])`;

export const LIST_REJECTS = (field: BodyField) => `SELECT message_id, reason, received_at
  FROM user_logins_rejects WHERE masked_body->>'${field}' = ANY($1::text[])`;

export const DELETE_LOGINS = (column: MaskedColumn) =>
  `DELETE FROM user_logins WHERE ${column} = ANY($1::text[])`;

export const DELETE_REJECTS = (field: BodyField) =>
  `DELETE FROM user_logins_rejects WHERE masked_body->>'${field}' = ANY($1::text[])`;

/** Distinct reversible values not under the current key, in keyset pages (so unopenable ones are passed over). */
export const STALE_LOGIN_VALUES = (column: MaskedColumn) => `SELECT DISTINCT ${column} AS v FROM user_logins
  WHERE ${column} LIKE 'enc:%' AND ${column} NOT LIKE $1 AND ${column} > $2 ORDER BY 1 LIMIT $3`;

export const STALE_REJECT_VALUES = (field: BodyField) => `SELECT DISTINCT masked_body->>'${field}' AS v
  FROM user_logins_rejects WHERE masked_body->>'${field}' LIKE 'enc:%' AND masked_body->>'${field}' NOT LIKE $1
  AND masked_body->>'${field}' > $2 ORDER BY 1 LIMIT $3`;

export const REMAP_LOGINS = (column: MaskedColumn) => `UPDATE user_logins SET ${column} = m.new
  FROM unnest($1::text[], $2::text[]) AS m(old, new) WHERE user_logins.${column} = m.old`;

export const REMAP_REJECTS = (field: BodyField) => `UPDATE user_logins_rejects
  SET masked_body = jsonb_set(masked_body, '{${field}}', to_jsonb(m.new))
  FROM unnest($1::text[], $2::text[]) AS m(old, new) WHERE masked_body->>'${field}' = m.old`;

/** One-way masks made by keys other than the current one: these cannot be re-masked. */
export const COUNT_OTHER_KEY_ROWS = `SELECT count(*)::int AS n FROM user_logins
  WHERE masked_ip NOT LIKE $1 OR masked_device_id NOT LIKE $1`;
