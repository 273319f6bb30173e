import type pg from "pg";
import { errorCode } from "../errors.ts";
import type { Tables } from "../sink/sql/tables.ts";
import { rollupsPresent } from "../sink/stale-rollups.ts";
import { fold, holdingRollups, type RollupStatus, rollupsValid } from "./fold.ts";
import { type GroupingName, groupings } from "./report-groupings.ts";
import { daysInRange, rejectionsQuery, sectionStatement, source } from "./report-queries.ts";
import { type Report, ReportSchema } from "./report-schema.ts";

export interface ReportOptions {
  /** YYYY-MM-DD, inclusive; undefined leaves that end open. */
  readonly since: string | undefined;
  readonly until: string | undefined;
  /** Rows per list (shared devices, busy addresses, roaming users, device types, locales). */
  readonly top: number;
  /** K: groups with fewer distinct users are left out and counted under `other`. */
  readonly minGroup: number;
}

const INSUFFICIENT_PRIVILEGE = "42501";

/** One section as the statement returns it (report-queries.ts, sectionJson). */
interface SectionRead {
  readonly list: unknown[];
  readonly groups: number;
  readonly logins: number;
}

/**
 * Every section of the report, read in one REPEATABLE READ transaction: one snapshot, so a report over a table
 * being loaded adds up (its days, lists and counts are all of the same moment). Where the rollups are current,
 * the same transaction first folds the feed into them (fold.ts), so they hold exactly the rows that snapshot
 * sees; otherwise every section reads user_logins (exact, slower) and the status says why.
 */
export async function readReport(
  client: pg.ClientBase,
  t: Tables,
  options: ReportOptions,
): Promise<{ report: Report; rollups: RollupStatus }> {
  if (!(await rollupsPresent(client, t)))
    return { report: await readOnly(client, t, options), rollups: "missing" };
  try {
    return await holdingRollups(client, t, async () => {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ");
      try {
        const current = await rollupsValid(client, t);
        if (current) await fold(client, t);
        const report = await readSections(client, t, options, current);
        await client.query("COMMIT");
        return { report, rollups: current ? "current" : "stale" };
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
    });
  } catch (error) {
    if (errorCode(error) !== INSUFFICIENT_PRIVILEGE) throw error;
    return { report: await readOnly(client, t, options), rollups: "denied" };
  }
}

/** Every section from user_logins, read only: for a role that may not fold, or tables without rollups. */
async function readOnly(client: pg.ClientBase, t: Tables, options: ReportOptions): Promise<Report> {
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    const report = await readSections(client, t, options, false);
    await client.query("COMMIT");
    return report;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/** The sections read from groupings, in the document's order. */
const SECTIONS: readonly GroupingName[] = [
  "days",
  "shared_devices",
  "busy_ips",
  "roaming_users",
  "app_versions",
  "device_types",
  "locales",
];

async function readSections(
  client: pg.ClientBase,
  t: Tables,
  options: ReportOptions,
  rollups: boolean,
): Promise<Report> {
  const g = groupings(t);
  const whole = options.since === undefined && options.until === undefined;
  const params = [options.since ?? null, options.until ?? null, options.top, options.minGroup];
  // A range holding one day of rows (a --since the last day, say) is read from that day's rollups.
  const oneDay =
    rollups &&
    !whole &&
    ((await client.query<{ days: number }>(daysInRange(t), params.slice(0, 2))).rows[0]?.days ?? 0) <= 1;
  const read = async (name: GroupingName) => {
    const statement = sectionStatement(g[name], source(g[name], rollups, whole, oneDay), t);
    const s = (await client.query<{ section: SectionRead }>(statement, params)).rows[0]?.section;
    return { list: s?.list ?? [], hidden: { groups: s?.groups ?? 0, logins: s?.logins ?? 0 } };
  };
  const lists: Record<string, unknown[]> = {};
  const other: Record<string, { groups: number; logins: number }> = {};
  for (const name of SECTIONS) {
    const section = await read(name);
    lists[name] = section.list;
    other[name] = section.hidden;
  }
  const rejections = (await client.query(rejectionsQuery(t), params)).rows;
  // Parsed, not cast: what leaves here is exactly the documented document.
  return ReportSchema.parse({
    since: options.since ?? null,
    until: options.until ?? null,
    top: options.top,
    min_group: options.minGroup,
    ...lists,
    rejections,
    other,
  });
}
