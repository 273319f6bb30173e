import type pg from "pg";
import { TABLE_NAMES, type TableRole, type Tables } from "./sql/tables.ts";

interface ExpectedColumn {
  readonly name: string;
  /** information_schema.columns.data_type */
  readonly type: string;
  /** character_maximum_length, for varchar columns */
  readonly length?: number;
  /** SecureLog writes NULL here (a missing locale, a body that is not JSON): a NOT NULL would refuse those. */
  readonly nullable?: true;
}

/**
 * What SecureLog writes, per table. An existing table must have these columns with these types; more columns
 * are allowed only if an INSERT that leaves them out succeeds (nullable, or with a default). Otherwise every
 * batch would fail at run time, or worse, values would be cast silently or rows refused one by one.
 */
/** user_logins' columns, which the report's feed repeats (a row goes into both by one statement). */
const LOGIN_COLUMNS: readonly ExpectedColumn[] = [
  { name: "user_id", type: "character varying", length: 128 },
  { name: "device_type", type: "character varying", length: 32 },
  { name: "masked_ip", type: "character varying", length: 256 },
  { name: "masked_device_id", type: "character varying", length: 256 },
  { name: "locale", type: "character varying", length: 32, nullable: true },
  { name: "app_version", type: "integer" },
  { name: "create_date", type: "date" },
];

export const EXPECTED_TABLES: Readonly<Record<TableRole, readonly ExpectedColumn[]>> = {
  logins: LOGIN_COLUMNS,
  rejects: [
    { name: "message_id", type: "text" },
    { name: "reason", type: "character varying", length: 128 },
    { name: "received_at", type: "timestamp with time zone" },
    { name: "sent_at", type: "timestamp with time zone", nullable: true },
    { name: "receive_count", type: "integer" },
    { name: "masked_body", type: "jsonb", nullable: true },
    { name: "body_digest", type: "character varying", length: 256 },
    { name: "body_bytes", type: "integer" },
  ],
  ledger: [
    { name: "message_id", type: "text" },
    { name: "processed_at", type: "timestamp with time zone" },
  ],
  erasures: [
    { name: "digest", type: "text" },
    { name: "mask", type: "text" },
    { name: "field", type: "character varying", length: 16 },
    { name: "erasure", type: "text" },
  ],
  config: [
    { name: "name", type: "text" },
    { name: "value", type: "text" },
  ],
  feed: LOGIN_COLUMNS,
  rollupState: [
    { name: "valid", type: "boolean" },
    { name: "cause", type: "text" },
  ],
  pairs: [
    { name: "kind", type: "text" },
    { name: "a", type: "text", nullable: true },
    { name: "b", type: "text" },
  ],
  totals: [
    { name: "kind", type: "text" },
    { name: "key", type: "text", nullable: true },
    { name: "logins", type: "integer" },
    { name: "users", type: "integer" },
    { name: "devices", type: "integer" },
    { name: "ips", type: "integer" },
    { name: "first_seen", type: "date", nullable: true },
    { name: "last_seen", type: "date", nullable: true },
  ],
  daily: [
    { name: "kind", type: "text" },
    { name: "day", type: "date" },
    { name: "key", type: "text", nullable: true },
    { name: "logins", type: "integer" },
    { name: "users", type: "integer" },
    { name: "devices", type: "integer" },
    { name: "ips", type: "integer" },
  ],
  audit: [
    { name: "action", type: "character varying", length: 32 },
    { name: "masked_value", type: "text", nullable: true },
    { name: "rows_affected", type: "integer", nullable: true },
    { name: "reason", type: "text" },
    { name: "operator", type: "text", nullable: true },
  ],
};

/**
 * The column each table's correctness rests on being unique: the ledger's key is what makes a redelivery a no-op
 * (without it a redelivered message loads twice), and the others are the arbiters of their ON CONFLICT.
 */
const UNIQUE_KEY: Partial<Record<TableRole, string>> = {
  ledger: "message_id",
  rejects: "message_id",
  erasures: "digest",
  config: "name",
};

const COLUMNS = `SELECT table_name, column_name, data_type, character_maximum_length, is_nullable,
  column_default IS NOT NULL OR is_identity = 'YES' OR is_generated <> 'NEVER' AS has_default
  FROM information_schema.columns WHERE table_schema = $1 AND table_name = ANY($2::text[])`;

const UNIQUE_COLUMNS = `SELECT DISTINCT c.relname AS table_name, a.attname AS column_name FROM pg_index i
  JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
  WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND i.indisunique AND i.indisvalid
    AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL`;

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
  is_nullable: "YES" | "NO";
  has_default: boolean;
}

function describe(type: string, length: number | null | undefined): string {
  return length === null || length === undefined ? type : `${type}(${length})`;
}

function columnProblems(table: string, expected: readonly ExpectedColumn[], actual: Map<string, ColumnRow>) {
  const problems: string[] = [];
  for (const column of expected) {
    const found = actual.get(column.name);
    const want = describe(column.type, column.length);
    if (found === undefined) problems.push(`${table}.${column.name} is missing (expected ${want})`);
    else if (
      found.data_type !== column.type ||
      (column.length !== undefined && found.character_maximum_length !== column.length)
    ) {
      problems.push(
        `${table}.${column.name} is ${describe(found.data_type, found.character_maximum_length)}, expected ${want}`,
      );
    } else if (column.nullable === true && found.is_nullable === "NO") {
      problems.push(`${table}.${column.name} is NOT NULL, but SecureLog stores NULL there`);
    }
  }
  const known = new Set(expected.map((c) => c.name));
  for (const found of actual.values()) {
    if (!known.has(found.column_name) && found.is_nullable === "NO" && !found.has_default) {
      problems.push(
        `${table}.${found.column_name} is NOT NULL without a default, and SecureLog does not write it: every insert would be refused`,
      );
    }
  }
  return problems;
}

/** Every way the given (existing) tables differ from what SecureLog writes; empty when they match. */
export async function contractViolations(
  client: Pick<pg.ClientBase, "query">,
  tables: Tables,
  roles: readonly TableRole[],
): Promise<string[]> {
  const names = roles.map((role) => TABLE_NAMES[role]);
  const columns = await client.query<ColumnRow>(COLUMNS, [tables.schema, names]);
  const unique = new Set(
    (
      await client.query<{ table_name: string; column_name: string }>(UNIQUE_COLUMNS, [tables.schema, names])
    ).rows.map((r) => `${r.table_name}.${r.column_name}`),
  );
  const problems: string[] = [];
  for (const role of roles) {
    const table = TABLE_NAMES[role];
    const actual = new Map(columns.rows.filter((r) => r.table_name === table).map((r) => [r.column_name, r]));
    if (actual.size === 0) continue; // absent: created, or reported as missing, by the caller
    problems.push(...columnProblems(`${tables.schema}.${table}`, EXPECTED_TABLES[role], actual));
    const key = UNIQUE_KEY[role];
    if (key !== undefined && !unique.has(`${table}.${key}`)) {
      problems.push(
        `${tables.schema}.${table} has no primary key or unique index on ${key} alone${role === "ledger" ? ": a redelivered message would load twice" : ""}`,
      );
    }
  }
  return problems;
}
