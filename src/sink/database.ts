import type pg from "pg";
import { PgSink } from "./pg-sink.ts";

/**
 * One connection for an administrative command (reveal, forget, rekey, prune, stats), after making sure
 * SecureLog's tables exist. Connection failures become the same one-line "cannot reach PostgreSQL" error as in
 * `run` (ensureSchema is the first to connect), and a dropped connection is handled as in the sink.
 */
export async function withDatabase<T>(
  databaseUrl: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const sink = new PgSink({ databaseUrl, poolSize: 1 });
  try {
    await sink.ensureSchema();
    return await sink.withConnection(work);
  } finally {
    await sink.close();
  }
}
