import type pg from "pg";
import { invalidateRollups, markRollups } from "./sql/rollups.ts";
import type { Tables } from "./sql/tables.ts";

/** Whether this schema has the report's rollups (tables from an earlier release do not). */
export async function rollupsPresent(client: Pick<pg.ClientBase, "query">, t: Tables): Promise<boolean> {
  const found = await client.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [
    `"${t.schema}".securelog_report_state`,
  ]);
  return found.rows[0]?.present === true;
}

/**
 * For a command that deletes or re-masks rows of user_logins (forget, forget --reapply, rekey), inside its own
 * transaction: the rollups and the feed emptied, so nothing of an erased or re-masked value stays in a side
 * table, and marked stale until `securelog report --rebuild`. Counts cannot be taken back exactly (a device's
 * first and last day, a user's distinct addresses), so they are rebuilt rather than corrected.
 */
export async function clearRollupsFor(
  client: Pick<pg.ClientBase, "query">,
  t: Tables,
  cause: string,
): Promise<void> {
  if (!(await rollupsPresent(client, t))) return;
  for (const statement of invalidateRollups(t)) await client.query(statement);
  await client.query(markRollups(t), [false, cause]);
}
