/**
 * user_logins is the destination's contract: exactly the brief's DDL, no extra columns. Everything SecureLog
 * needs for itself lives in side tables.
 */
export const CREATE_USER_LOGINS = `CREATE TABLE IF NOT EXISTS user_logins(
    user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
    masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date)`;

/** One row per rejected message, keyed by SQS MessageId. Holds the masked body only, never the raw one. */
export const CREATE_REJECTS = `CREATE TABLE IF NOT EXISTS user_logins_rejects(
    message_id text PRIMARY KEY,
    reason varchar(128) NOT NULL,
    received_at timestamptz NOT NULL,
    sent_at timestamptz,
    receive_count integer NOT NULL,
    masked_body jsonb,
    body_digest varchar(256) NOT NULL,
    body_bytes integer NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now())`;

/**
 * The idempotency ledger: a MessageId is written here in the same transaction as its row or rejection, so a
 * redelivered message (crash between commit and delete, two replicas, visibility timeout) is skipped.
 */
export const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS securelog_processed(
    message_id text PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now())`;

/**
 * Who revealed or erased what, and why. Holds masked values and an operator's label only, never a raw value.
 */
export const CREATE_AUDIT = `CREATE TABLE IF NOT EXISTS securelog_audit(
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    action varchar(32) NOT NULL,
    masked_value text,
    rows_affected integer,
    reason text NOT NULL,
    operator text)`;

/** Serialises schema creation across replicas starting at once (CREATE TABLE IF NOT EXISTS can race). */
export const LOCK_SCHEMA = "SELECT pg_advisory_xact_lock(7262846109273551001)";
