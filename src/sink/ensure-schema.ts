import type pg from "pg";
import { errorCode, SecureLogError } from "../errors.ts";
import { contractViolations } from "./schema-contract.ts";
import { createTable, EXISTING_RELATIONS, LOCK_SCHEMA, SCHEMA_EXISTS } from "./sql/create-schema.ts";
import { TABLE_NAMES, type TableRole, type Tables } from "./sql/tables.ts";
import { inTransaction } from "./transaction.ts";

/** What a command needs of the database before it does anything. */
export interface SchemaNeeds {
  /** Tables it may create when they are missing: `run` its three, the privacy commands the audit table. */
  readonly create: readonly TableRole[];
  /** Tables that must exist already: a read-only command (stats) never creates or alters anything. */
  readonly require: readonly TableRole[];
}

const INSUFFICIENT_PRIVILEGE = "42501";

/**
 * Checks the schema, creates only the tables that are missing (and only those a command may create), then
 * checks every table against what SecureLog writes. A user granted INSERT and SELECT on existing tables never
 * needs CREATE: CREATE TABLE IF NOT EXISTS checks the privilege even when the table exists, so it is not run
 * for tables that are there. `where` names the database in messages (host:port/db, never a password).
 */
export async function ensureTables(
  client: pg.ClientBase,
  tables: Tables,
  needs: SchemaNeeds,
  where: string,
): Promise<void> {
  if ((await client.query(SCHEMA_EXISTS, [tables.schema])).rowCount === 0) {
    throw new SecureLogError(
      "schema_missing",
      `there is no schema "${tables.schema}" in ${where}. Fix --schema / SECURELOG_SCHEMA, or create it (CREATE SCHEMA ${tables.schema};).`,
      { exitCode: 2 },
    );
  }
  const roles = [...new Set([...needs.require, ...needs.create])];
  const existing = await client.query<{ name: string; kind: string }>(EXISTING_RELATIONS, [
    tables.schema,
    roles.map((role) => TABLE_NAMES[role]),
  ]);
  const kinds = new Map(existing.rows.map((r) => [r.name, r.kind]));
  const notTables = roles.filter((role) => !["r", "p", undefined].includes(kinds.get(TABLE_NAMES[role])));
  if (notTables.length > 0) {
    throw new SecureLogError(
      "schema_mismatch",
      `${notTables.map((role) => `${tables.schema}.${TABLE_NAMES[role]}`).join(", ")} in ${where} is not a table (a view?); SecureLog needs to insert into it.`,
      { exitCode: 2 },
    );
  }
  const missing = roles.filter((role) => !kinds.has(TABLE_NAMES[role]));
  const absentRequired = missing.filter((role) => !needs.create.includes(role));
  if (absentRequired.length > 0) {
    throw new SecureLogError(
      "tables_missing",
      `${absentRequired.map((role) => `${tables.schema}.${TABLE_NAMES[role]}`).join(" and ")} ${absentRequired.length === 1 ? "does" : "do"} not exist in ${where}: nothing has been loaded there yet, or --database-url / --schema point elsewhere.`,
      { exitCode: 2 },
    );
  }
  if (missing.length > 0) await createMissing(client, tables, missing, where);
  const problems = await contractViolations(client, tables, roles);
  if (problems.length > 0) {
    throw new SecureLogError(
      "schema_mismatch",
      `the tables in ${where} do not match what SecureLog writes: ${problems.join("; ")}. Fix the table, or point --database-url / --schema elsewhere.`,
      { exitCode: 2 },
    );
  }
}

async function createMissing(
  client: pg.ClientBase,
  tables: Tables,
  missing: readonly TableRole[],
  where: string,
) {
  try {
    await inTransaction(client, async () => {
      await client.query(LOCK_SCHEMA);
      for (const role of missing) await client.query(createTable(tables, role));
    });
  } catch (error) {
    if (errorCode(error) !== INSUFFICIENT_PRIVILEGE) throw error;
    throw new SecureLogError(
      "permission_denied",
      `cannot create ${missing.map((role) => `${tables.schema}.${TABLE_NAMES[role]}`).join(", ")} in ${where}: the database user may not create tables in schema ${tables.schema}. Run SecureLog once as a user that may (or apply the DDL in docs/operations.md); afterwards INSERT and SELECT on the tables are enough.`,
      { exitCode: 2, cause: error },
    );
  }
}
