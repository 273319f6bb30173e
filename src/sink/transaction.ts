import type pg from "pg";

/** Runs `work` between BEGIN and COMMIT on `client`; rolls back and rethrows if it fails. */
export async function inTransaction<T>(
  client: Pick<pg.ClientBase, "query">,
  work: () => Promise<T>,
): Promise<T> {
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
