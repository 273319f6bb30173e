import type pg from "pg";

interface ExpectedColumn {
  readonly name: string;
  /** information_schema.columns.data_type */
  readonly type: string;
  /** character_maximum_length, for varchar columns */
  readonly length?: number;
}

/**
 * What SecureLog writes, per table. An existing table must have these columns with these types (more columns
 * are allowed); otherwise every batch would fail at run time, or worse, values would be cast silently.
 */
export const EXPECTED_TABLES: Readonly<Record<string, readonly ExpectedColumn[]>> = {
  user_logins: [
    { name: "user_id", type: "character varying", length: 128 },
    { name: "device_type", type: "character varying", length: 32 },
    { name: "masked_ip", type: "character varying", length: 256 },
    { name: "masked_device_id", type: "character varying", length: 256 },
    { name: "locale", type: "character varying", length: 32 },
    { name: "app_version", type: "integer" },
    { name: "create_date", type: "date" },
  ],
  user_logins_rejects: [
    { name: "message_id", type: "text" },
    { name: "reason", type: "character varying", length: 128 },
    { name: "received_at", type: "timestamp with time zone" },
    { name: "sent_at", type: "timestamp with time zone" },
    { name: "receive_count", type: "integer" },
    { name: "masked_body", type: "jsonb" },
    { name: "body_digest", type: "character varying", length: 256 },
    { name: "body_bytes", type: "integer" },
  ],
  securelog_processed: [
    { name: "message_id", type: "text" },
    { name: "processed_at", type: "timestamp with time zone" },
  ],
};

const COLUMNS = `SELECT table_name, column_name, data_type, character_maximum_length
  FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`;

function describe(type: string, length: number | null | undefined): string {
  return length === null || length === undefined ? type : `${type}(${length})`;
}

/** Every way the tables in the database differ from what SecureLog writes; empty when they match. */
export async function contractViolations(client: Pick<pg.ClientBase, "query">): Promise<string[]> {
  const result = await client.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    character_maximum_length: number | null;
  }>(COLUMNS, [Object.keys(EXPECTED_TABLES)]);
  const problems: string[] = [];
  for (const [table, expected] of Object.entries(EXPECTED_TABLES)) {
    const actual = new Map(result.rows.filter((r) => r.table_name === table).map((r) => [r.column_name, r]));
    if (actual.size === 0) continue; // absent tables are created
    for (const column of expected) {
      const found = actual.get(column.name);
      if (found === undefined) {
        problems.push(
          `${table}.${column.name} is missing (expected ${describe(column.type, column.length)})`,
        );
      } else if (
        found.data_type !== column.type ||
        (column.length !== undefined && found.character_maximum_length !== column.length)
      ) {
        problems.push(
          `${table}.${column.name} is ${describe(found.data_type, found.character_maximum_length)}, expected ${describe(column.type, column.length)}`,
        );
      }
    }
  }
  return problems;
}
