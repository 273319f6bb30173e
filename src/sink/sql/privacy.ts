import type { Tables } from "./tables.ts";

/**
 * Statements of the privacy commands (forget, reveal, rekey). Masked values are always bound as parameters.
 * The few statements that vary by column take the column from the fixed union below, never from input.
 */
export type MaskedColumn = "masked_ip" | "masked_device_id";
export type BodyField = "ip" | "device_id";

/** The user_logins column that holds a field's masked value. */
export const maskedColumn = (field: BodyField): MaskedColumn =>
  field === "ip" ? "masked_ip" : "masked_device_id";

export const insertRevealAudit = (t: Tables) => `INSERT INTO ${t.audit}
  (action, masked_value, rows_affected, reason, operator) SELECT 'reveal', v, 1, $2, $3 FROM unnest($1::text[]) AS v`;

export const insertAudit = (t: Tables) => `INSERT INTO ${t.audit}
  (action, masked_value, rows_affected, reason, operator) VALUES ($1, $2, $3, $4, $5)`;

/** Distinct reversible values not under the current key, in keyset pages (so unopenable ones are passed over). */
export const staleLoginValues = (t: Tables, column: MaskedColumn) => `SELECT DISTINCT ${column} AS v
  FROM ${t.logins} WHERE ${column} LIKE 'enc:%' AND ${column} NOT LIKE $1 AND ${column} > $2 ORDER BY 1 LIMIT $3`;

export const staleRejectValues = (
  t: Tables,
  field: BodyField,
) => `SELECT DISTINCT masked_body->>'${field}' AS v
  FROM ${t.rejects} WHERE masked_body->>'${field}' LIKE 'enc:%' AND masked_body->>'${field}' NOT LIKE $1
  AND masked_body->>'${field}' > $2 ORDER BY 1 LIMIT $3`;

export const remapLogins = (t: Tables, column: MaskedColumn) => `UPDATE ${t.logins} SET ${column} = m.new
  FROM unnest($1::text[], $2::text[]) AS m(old, new) WHERE ${t.logins}.${column} = m.old`;

export const remapRejects = (t: Tables, field: BodyField) => `UPDATE ${t.rejects}
  SET masked_body = jsonb_set(masked_body, '{${field}}', to_jsonb(m.new))
  FROM unnest($1::text[], $2::text[]) AS m(old, new) WHERE masked_body->>'${field}' = m.old`;
