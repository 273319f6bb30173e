import type pg from "pg";
import {
  clearRollups,
  FOLDED,
  FOLDED_DAYS,
  foldDays,
  foldTotals,
  lockRollups,
  markRollups,
  rollupState,
  takeFeed,
  unlockRollups,
} from "../sink/sql/rollups.ts";
import type { Tables } from "../sink/sql/tables.ts";

/**
 * Whether the rollups answer for user_logins: `current` (folded in this transaction), `stale` (cleared by forget
 * or rekey, or rows loaded before they existed: `securelog report --rebuild`), `missing` (tables from a release
 * without them), `denied` (the role may read but not fold: the report reads user_logins, slower).
 */
export type RollupStatus = "current" | "stale" | "missing" | "denied";

/** A fold this large is worth the statistics that let PostgreSQL choose hash joins over the folded rows. */
const ANALYZE_FROM = 1000;

/**
 * Adds the feed's rows visible to this transaction's snapshot to the rollups. Inside the report's REPEATABLE READ
 * transaction, so the rollups it then reads hold exactly the rows of user_logins that snapshot sees.
 */
export async function fold(client: pg.ClientBase, t: Tables): Promise<number> {
  // Creating the fold's temporary table writes the catalog, and its commit then waits for a WAL flush: not for
  // nothing when nothing was loaded since the last report.
  const pending = await client.query<{ any: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${t.feed}) AS any`);
  if (pending.rows[0]?.any !== true) return 0;
  const [create, take] = takeFeed(t);
  await client.query(create ?? "");
  const taken = (await client.query(take ?? "")).rowCount ?? 0;
  if (taken === 0) return 0;
  if (taken >= ANALYZE_FROM) await client.query(`ANALYZE ${FOLDED}`);
  await client.query(foldTotals(t, FOLDED));
  for (const statement of foldDays(t, FOLDED_DAYS)) await client.query(statement);
  return taken;
}

/** Runs `work` holding the rollups' lock: folds, rebuilds and clearings of one schema never overlap. */
export async function holdingRollups<T>(
  client: pg.ClientBase,
  t: Tables,
  work: () => Promise<T>,
): Promise<T> {
  await client.query(lockRollups(t));
  try {
    return await work();
  } finally {
    await client.query(unlockRollups(t)).catch(() => undefined);
  }
}

export async function rollupsValid(client: pg.ClientBase, t: Tables): Promise<boolean> {
  return (await client.query<{ valid: boolean }>(rollupState(t))).rows[0]?.valid === true;
}

const DATE_INDEX = "securelog_logins_create_date";

/**
 * The date index the per-day rollups are recomputed by, built without blocking loads (CONCURRENTLY, so outside
 * a transaction). An earlier attempt that failed leaves an invalid index behind: dropped and built again.
 */
async function ensureDateIndex(client: pg.ClientBase, t: Tables): Promise<void> {
  const found = await client.query<{ valid: boolean }>(
    `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
    [t.schema, DATE_INDEX],
  );
  if (found.rows[0]?.valid === true) return;
  if (found.rows[0] !== undefined) await client.query(`DROP INDEX CONCURRENTLY "${t.schema}".${DATE_INDEX}`);
  await client.query(`CREATE INDEX CONCURRENTLY ${DATE_INDEX} ON ${t.logins} (create_date)`);
}

/**
 * `securelog report --rebuild`: the rollups computed again from every row of user_logins, in one REPEATABLE READ
 * transaction that also empties the feed of what that snapshot sees; rows loaded meanwhile stay in the feed for
 * the next fold, so nothing is counted twice or missed. Loads go on throughout.
 */
export async function rebuildRollups(client: pg.ClientBase, t: Tables): Promise<number> {
  await ensureDateIndex(client, t);
  return holdingRollups(client, t, async () => {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
    try {
      await client.query(`DELETE FROM ${t.feed}`);
      await client.query(clearRollups(t));
      await client.query(foldTotals(t, t.logins));
      for (const statement of foldDays(t, null)) await client.query(statement);
      await client.query(markRollups(t), [true, "rebuilt"]);
      // Fresh statistics: the planner's guess for a table just filled is far off (a sort over every device
      // instead of the front of an index).
      await client.query(`ANALYZE ${t.pairs}, ${t.totals}, ${t.daily}`);
      const rows = await client.query<{ n: string }>(
        `SELECT coalesce(sum(logins), 0)::text AS n FROM ${t.daily} WHERE kind = 'D'`,
      );
      await client.query("COMMIT");
      return Number(rows.rows[0]?.n ?? 0);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw error;
    }
  });
}
