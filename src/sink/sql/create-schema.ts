import type { TableRole, Tables } from "./tables.ts";

/**
 * The DDL of each table. user_logins is the destination's contract: exactly the brief's DDL, no extra columns.
 * Everything SecureLog needs for itself lives in side tables.
 */
const DDL: { readonly [R in TableRole]: (t: Tables) => string } = {
  logins: (t) => `CREATE TABLE IF NOT EXISTS ${t.logins}(
    user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
    masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date);
  CREATE INDEX IF NOT EXISTS securelog_logins_create_date ON ${t.logins} (create_date)`,
  // One row per rejected message, keyed by SQS MessageId. Holds the masked body only, never the raw one.
  rejects: (t) => `CREATE TABLE IF NOT EXISTS ${t.rejects}(
    message_id text PRIMARY KEY,
    reason varchar(128) NOT NULL,
    received_at timestamptz NOT NULL,
    sent_at timestamptz,
    receive_count integer NOT NULL,
    masked_body jsonb,
    body_digest varchar(256) NOT NULL,
    body_bytes integer NOT NULL,
    rejected_at timestamptz NOT NULL DEFAULT now())`,
  // The idempotency ledger: a MessageId is written here by the same statement as its row or rejection, so a
  // redelivered message (crash between commit and delete, two replicas, visibility timeout) is skipped.
  ledger: (t) => `CREATE TABLE IF NOT EXISTS ${t.ledger}(
    message_id text PRIMARY KEY,
    processed_at timestamptz NOT NULL DEFAULT now())`,
  // The erasure register: one row per erased value and loaded key, holding only keyed one-way forms of it (the
  // erasure digest and the hmac mask), never a raw value or anything that decrypts to one (docs/privacy.md).
  erasures: (t) => `CREATE TABLE IF NOT EXISTS ${t.erasures}(
    digest text PRIMARY KEY,
    mask text NOT NULL,
    field varchar(16) NOT NULL,
    erasure text NOT NULL,
    erased_at timestamptz NOT NULL DEFAULT now())`,
  // What the table was first written with (masking scheme, app_version mode) and every key that has masked
  // values in it: one table, one masking configuration.
  config: (t) => `CREATE TABLE IF NOT EXISTS ${t.config}(
    name text PRIMARY KEY,
    value text NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now())`,
  // Who revealed or erased what, and why: keyed one-way digests, counts and an operator's label; never a raw
  // value, and never a reversible mask of one.
  audit: (t) => `CREATE TABLE IF NOT EXISTS ${t.audit}(
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT now(),
    action varchar(32) NOT NULL,
    masked_value text,
    rows_affected integer,
    reason text NOT NULL,
    operator text)`,
  // The report's load journal: each loaded row again, written by the same statement as the row, so the rollups
  // built from it (report/fold.ts) count every row exactly once. Emptied by every fold.
  feed: (t) => `CREATE TABLE IF NOT EXISTS ${t.feed}(
    user_id varchar(128), device_type varchar(32), masked_ip varchar(256),
    masked_device_id varchar(256), locale varchar(32), app_version integer, create_date date)`,
  // Whether the rollups hold every row of user_logins: true for a table created empty, false for rows loaded
  // before the rollups existed and after forget or rekey cleared them, until `securelog report --rebuild`.
  rollupState: (t) => `CREATE TABLE IF NOT EXISTS ${t.rollupState}(
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    valid boolean NOT NULL,
    cause text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now());
  INSERT INTO ${t.rollupState} (valid, cause)
    SELECT NOT EXISTS (SELECT 1 FROM ${t.logins}), 'created' ON CONFLICT DO NOTHING`,
  // Which (device, user), (user, address), (device type, user) and (locale, user) pairs have been seen: a
  // count of distinct users grows only when a pair is new. Masked values only, as in user_logins.
  pairs: (t) => `CREATE TABLE IF NOT EXISTS ${t.pairs}(
    kind text NOT NULL, a text COLLATE "C", b text COLLATE "C" NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, a, b))`,
  // One row per device (d), user (u), device type (t) and locale (l), over every day; indexed in the report's
  // orders, so that its top N are read from the front of an index however many devices there are.
  totals: (t) => `CREATE TABLE IF NOT EXISTS ${t.totals}(
    kind text NOT NULL, key text,
    logins integer NOT NULL, users integer NOT NULL, devices integer NOT NULL, ips integer NOT NULL,
    first_seen date, last_seen date,
    UNIQUE NULLS NOT DISTINCT (kind, key));
  CREATE INDEX IF NOT EXISTS securelog_report_totals_users ON ${t.totals} (kind, users DESC, logins DESC, key);
  CREATE INDEX IF NOT EXISTS securelog_report_totals_roaming ON ${t.totals} (devices DESC, ips DESC, logins DESC, key)
    WHERE kind = 'u'`,
  // Per day: the day (D), each app_version (v), address (i) and device (d) with two users or more, device type
  // (t), locale (l), and the first 1,000 roaming users (r).
  daily: (t) => `CREATE TABLE IF NOT EXISTS ${t.daily}(
    kind text NOT NULL, day date NOT NULL, key text,
    logins integer NOT NULL, users integer NOT NULL, devices integer NOT NULL, ips integer NOT NULL,
    UNIQUE NULLS NOT DISTINCT (kind, day, key))`,
};

export function createTable(t: Tables, role: TableRole): string {
  return DDL[role](t);
}

/** Serialises schema creation across replicas starting at once (CREATE TABLE IF NOT EXISTS can race). */
export const LOCK_SCHEMA = "SELECT pg_advisory_xact_lock(7262846109273551001)";

export const SCHEMA_EXISTS = "SELECT 1 FROM pg_namespace WHERE nspname = $1";

/** Which of the given names exist in the schema, and what they are (r table, p partitioned, v view, ...). */
export const EXISTING_RELATIONS = `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = ANY($2::text[])`;
