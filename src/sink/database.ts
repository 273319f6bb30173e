import type pg from "pg";
import { SecureLogError } from "../errors.ts";
import type { SchemaNeeds } from "./ensure-schema.ts";
import { classifySinkError, databaseUnreachable, describeDatabase, describeSinkError } from "./pg-errors.ts";
import { PgSink } from "./pg-sink.ts";
import { type Tables, tablesIn } from "./sql/tables.ts";

/** Where SecureLog's tables are: the connection string and the schema. */
export interface DatabaseConfig {
  readonly url: string;
  readonly schema: string;
}

/** PostgreSQL's message for a missing privilege names the object, never a value: safe to show as it is. */
const INSUFFICIENT_PRIVILEGE = "42501";

function administrativeError(databaseUrl: string, error: unknown): Error {
  if (error instanceof SecureLogError) return error;
  if (classifySinkError(error) === "retry") return databaseUnreachable(databaseUrl, error);
  const where = describeDatabase(databaseUrl);
  if ((error as { code?: unknown }).code === INSUFFICIENT_PRIVILEGE) {
    return new SecureLogError(
      "permission_denied",
      `PostgreSQL at ${where} refused: ${describeSinkError(error)}. Grant the database user that privilege, or run this as a user who has it.`,
      { exitCode: 1, cause: error },
    );
  }
  return new SecureLogError("database_error", `PostgreSQL at ${where} failed: ${describeSinkError(error)}`, {
    cause: error,
  });
}

/**
 * One connection for an administrative command (reveal, forget, rekey, prune, stats), after checking the tables
 * it needs (creating only those it may create: a read-only command creates nothing). Every database failure
 * becomes one clear line: unreachable, a missing privilege, or PostgreSQL's own description (never a value).
 */
export async function withDatabase<T>(
  database: DatabaseConfig,
  needs: SchemaNeeds,
  work: (client: pg.PoolClient, tables: Tables) => Promise<T>,
): Promise<T> {
  const tables = tablesIn(database.schema);
  const sink = new PgSink({ databaseUrl: database.url, tables, poolSize: 1 });
  try {
    await sink.ensureSchema(needs);
    return await sink.withConnection((client) => work(client, tables));
  } catch (error) {
    throw administrativeError(database.url, error);
  } finally {
    await sink.close();
  }
}
