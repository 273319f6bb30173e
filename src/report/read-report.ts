import type pg from "pg";
import type { Tables } from "../sink/sql/tables.ts";
import { groupings, rejectionsQuery, type Section, section } from "./report-queries.ts";
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

/**
 * Every section of the report, read in one REPEATABLE READ, READ ONLY transaction: one snapshot, so a report over
 * a table being loaded adds up (its days, lists and counts are all of the same moment).
 */
export async function readReport(client: pg.ClientBase, t: Tables, options: ReportOptions): Promise<Report> {
  const g = groupings(t);
  const params = [options.since ?? null, options.until ?? null, options.top, options.minGroup];
  const rows = async <R extends pg.QueryResultRow>(sql: string) => (await client.query<R>(sql, params)).rows;
  const read = async (s: Section) => ({
    list: await rows(s.list),
    hidden: (await rows<{ groups: number; logins: number }>(s.hidden))[0] ?? { groups: 0, logins: 0 },
  });
  await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  try {
    const days = await read(section(g.days));
    const rejections = await rows(rejectionsQuery(t));
    const shared = await read(section(g.shared_devices));
    const busy = await read(section(g.busy_ips));
    const roaming = await read(section(g.roaming_users));
    const versions = await read(section(g.app_versions));
    const deviceTypes = await read(section(g.device_types));
    const locales = await read(section(g.locales));
    await client.query("COMMIT");
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
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}
