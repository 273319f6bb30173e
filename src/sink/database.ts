import pg from "pg";
import { databaseUnreachable } from "./pg-errors.ts";
import { PgSink } from "./pg-sink.ts";

/**
 * One connection for an administrative command (reveal, forget, rekey), after making sure SecureLog's tables
 * exist. Connection failures become the same one-line "cannot reach PostgreSQL" error as in `run`.
 */
export async function withDatabase<T>(
  databaseUrl: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const sink = new PgSink({ databaseUrl, poolSize: 1 });
  try {
    await sink.ensureSchema();
  } finally {
    await sink.close();
  }
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "securelog" });
  // A dropped connection also fails the pending query, which is where it is handled.
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw databaseUnreachable(databaseUrl, error);
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function inTransaction<T>(client: pg.Client, work: () => Promise<T>): Promise<T> {
  await client.query("BEGIN");
  try {
    const result = await work();
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
