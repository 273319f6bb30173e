import type pg from "pg";
import { errorCode } from "../errors.ts";
import type { Tables } from "../sink/sql/tables.ts";
import { rollupsPresent } from "../sink/stale-rollups.ts";
import { fold, holdingRollups, type RollupStatus, rollupsValid } from "./fold.ts";
import {
  type Grouping,
  groupings,
  rejectionsQuery,
  type Section,
  section,
  source,
} from "./report-queries.ts";
import { type HiddenCounts, type Report, ReportSchema } from "./report-schema.ts";

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

async function readSections(
  client: pg.ClientBase,
  t: Tables,
  options: ReportOptions,
  rollups: boolean,
): Promise<Report> {
  const g = groupings(t);
  const whole = options.since === undefined && options.until === undefined;
  const params = [options.since ?? null, options.until ?? null, options.top, options.minGroup];
  const rows = async <R extends pg.QueryResultRow>(sql: string) => (await client.query<R>(sql, params)).rows;
  const read = async (grouping: Grouping) => {
    const s: Section = section(grouping, source(grouping, rollups, whole));
    const [row] = await rows<{ list: unknown[]; groups: number; logins: number }>(s.statement);
    return { list: row?.list ?? [], hidden: { groups: row?.groups ?? 0, logins: row?.logins ?? 0 } };
  };
  const days = await read(g.days);
  const rejections = await rows(rejectionsQuery(t));
  const shared = await read(g.shared_devices);
  const busy = await read(g.busy_ips);
  const roaming = await read(g.roaming_users);
  const versions = await read(g.app_versions);
  const deviceTypes = await read(g.device_types);
  const locales = await read(g.locales);
  const other: HiddenCounts = {
    days: days.hidden,
    shared_devices: shared.hidden,
    busy_ips: busy.hidden,
    roaming_users: roaming.hidden,
    app_versions: versions.hidden,
    device_types: deviceTypes.hidden,
    locales: locales.hidden,
  };
  // Parsed, not cast: what leaves here is exactly the documented document.
  return ReportSchema.parse({
    since: options.since ?? null,
    until: options.until ?? null,
    top: options.top,
    min_group: options.minGroup,
    days: days.list,
    rejections,
    shared_devices: shared.list,
    busy_ips: busy.list,
    roaming_users: roaming.list,
    app_versions: versions.list,
    device_types: deviceTypes.list,
    locales: locales.list,
    other,
  });
}
