import type { Tables } from "../sink/sql/tables.ts";
import { type GroupingName, groupings } from "./report-groupings.ts";
import { rejectionsView } from "./report-queries.ts";

/**
 * SQL views for BI tools (Grafana's PostgreSQL data source, Metabase, psql) that give the report's answers: the
 * same groupings, whole (every group from the report's floor up, no top, no K: a BI tool filters and sorts).
 * Created by `securelog report --install-views`, which needs CREATE on the schema; reading them needs SELECT on
 * the views only. They hold no data of their own (masked values, computed at query time): `forget` covers them.
 */
export const VIEW_NAMES: Record<GroupingName | "rejections", string> = {
  days: "securelog_report_days",
  rejections: "securelog_report_rejections",
  shared_devices: "securelog_report_shared_devices",
  busy_ips: "securelog_report_busy_ips",
  roaming_users: "securelog_report_roaming_users",
  app_versions: "securelog_report_app_versions",
  device_types: "securelog_report_device_types",
  locales: "securelog_report_locales",
};

export function viewStatements(t: Tables): string[] {
  const g = groupings(t);
  const view = (name: string, body: string) => `CREATE OR REPLACE VIEW "${t.schema}".${name} AS ${body}`;
  const statements = (Object.keys(g) as GroupingName[]).map((name) => {
    const grouping = g[name];
    return view(
      VIEW_NAMES[name],
      `SELECT ${grouping.columns} FROM (${grouping.grouped(t.logins)}) g WHERE users >= ${grouping.floor}`,
    );
  });
  return [...statements, view(VIEW_NAMES.rejections, rejectionsView(t))];
}
