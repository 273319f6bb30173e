import type { Report } from "../report/report-schema.ts";
import { table } from "./table.ts";

/** Masks are 73 or more characters: the terminal shows the key id and the start, enough to tell them apart. */
const MASK = 22;

function hiddenLine(what: string, hidden: { groups: number; logins: number }): string[] {
  return hidden.groups === 0
    ? []
    : [`  other: ${hidden.groups} ${what} with fewer users than --min-group (${hidden.logins} logins)`];
}

/** Compact tables within 100 columns; every value printable (table()), masks shortened. */
export function formatReport(r: Report): string {
  const range = `${r.since ?? "the first day"} to ${r.until ?? "the last day"}`;
  const blocks: string[][] = [
    [`SecureLog report, ${range}${r.min_group > 1 ? `, groups of at least ${r.min_group} users` : ""}`],
    [
      "Logins and distinct users per day:",
      table(r.days, { date: 10, logins: 10, users: 10 }),
      ...hiddenLine("days", r.other.days),
    ],
    ["Rejections per day by reason:", table(r.rejections, { date: 10, reason: 34, count: 8 })],
    [
      `Shared devices (most distinct users, top ${r.top}):`,
      table(r.shared_devices, { masked_device_id: MASK, users: 6, logins: 8, first_seen: 10, last_seen: 10 }),
      ...hiddenLine("devices", r.other.shared_devices),
    ],
    [
      `Busy addresses (most distinct users on one day, top ${r.top}):`,
      table(r.busy_ips, { date: 10, masked_ip: MASK, users: 6, logins: 8 }),
      ...hiddenLine("addresses", r.other.busy_ips),
    ],
    [
      `Roaming users (most distinct devices and addresses, top ${r.top}):`,
      table(r.roaming_users, { user_id: 36, devices: 7, ips: 5, logins: 8 }),
      ...hiddenLine("users", r.other.roaming_users),
    ],
    [
      "Logins per app_version per day:",
      table(r.app_versions, { date: 10, app_version: 11, logins: 10 }),
      ...hiddenLine("day and version pairs", r.other.app_versions),
    ],
    [
      "Device types:",
      table(r.device_types, { device_type: 32, logins: 10, users: 10 }),
      ...hiddenLine("device types", r.other.device_types),
    ],
    [
      "Locales:",
      table(r.locales, { locale: 12, logins: 10, users: 10 }),
      ...hiddenLine("locales", r.other.locales),
    ],
  ];
  return blocks.map((lines) => lines.join("\n")).join("\n\n");
}
