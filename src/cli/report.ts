import { rename, rm, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { type Env, type Flags, loadDatabase } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { type RollupStatus, rebuildRollups } from "../report/fold.ts";
import { readReport } from "../report/read-report.ts";
import type { Report } from "../report/report-schema.ts";
import { VIEW_NAMES, viewStatements } from "../report/report-views.ts";
import { withDatabase } from "../sink/database.ts";
import { type CliIo, print, printJson } from "./io.ts";
import { table } from "./table.ts";

/** A day as the options take it: YYYY-MM-DD, a real date. */
function day(flags: Flags, name: "since" | "until"): string | undefined {
  const value = flags[name];
  if (typeof value !== "string") return undefined;
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (parsed === undefined || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value)
    throw new ConfigError(`--${name} must be a date as YYYY-MM-DD (got "${value}")`);
  return value;
}

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

/** `securelog report --install-views`: the views BI tools read (report-views.ts), in one transaction. */
async function installViews(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const database = loadDatabase(flags, env);
  const needs = { require: ["logins", "rejects"], create: [] } as const;
  const names = await withDatabase(database, needs, async (client, t) => {
    await client.query("BEGIN");
    for (const statement of viewStatements(t)) await client.query(statement);
    await client.query("COMMIT");
    return Object.values(VIEW_NAMES).map((name) => `${t.schema}.${name}`);
  });
  if (flags.json === true) printJson(io.stdout, { views: names });
  else print(io.stdout, `created or replaced ${names.length} views: ${names.join(", ")}`);
  return 0;
}

/** The page, written whole or not at all (a temporary file beside it, renamed). */
async function writeHtml(path: string, report: Report): Promise<string> {
  const { reportHtml } = await import("../report/report-html.ts");
  const target = resolve(path);
  const temporary = `${target}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, reportHtml(report, new Date()), { mode: 0o600 });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new ConfigError(
      `cannot write --html ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return target;
}

/** Why a report read user_logins rather than its rollups, and what makes the next one fast. */
const SLOW: Record<Exclude<RollupStatus, "current">, string> = {
  stale:
    "the report's rollups are stale (rows loaded before they existed, or forget or rekey cleared them), so every section was read from user_logins; `securelog report --rebuild` makes the next report fast",
  missing:
    "the report's rollups do not exist in this schema yet (tables from an earlier release), so every section was read from user_logins; `securelog report --rebuild` creates them",
  denied:
    "this database user may read but not fold the report's rollups, so every section was read from user_logins; see docs/operations.md for the grants",
};

/** `securelog report --rebuild`: the rollups (and the date index) built from every row of user_logins. */
async function rebuild(flags: Flags, io: CliIo, env: Env): Promise<number> {
  const database = loadDatabase(flags, env);
  const needs = {
    require: ["logins", "rejects"],
    create: ["feed", "rollupState", "pairs", "totals", "daily"],
  } as const;
  const started = performance.now();
  const rows = await withDatabase(database, needs, (client, t) => rebuildRollups(client, t));
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  if (flags.json === true) printJson(io.stdout, { rebuilt: true, rows, seconds });
  else print(io.stdout, `rebuilt the report's rollups from ${rows} rows of user_logins in ${seconds} s`);
  return 0;
}

/** `securelog report`: one snapshot, masked values only; folds what was loaded since the last report first. */
export async function reportCommand(
  flags: Flags,
  io: CliIo,
  env: Env,
  sizes: { readonly top: number; readonly minGroup: number },
): Promise<number> {
  if (flags["install-views"] === true) return installViews(flags, io, env);
  if (flags.rebuild === true) return rebuild(flags, io, env);
  const since = day(flags, "since");
  const until = day(flags, "until");
  if (since !== undefined && until !== undefined && since > until)
    throw new ConfigError(`--since ${since} is after --until ${until}`);
  const database = loadDatabase(flags, env);
  const needs = { require: ["logins", "rejects"], create: [] } as const;
  const { report, rollups } = await withDatabase(database, needs, (client, t) =>
    readReport(client, t, { since, until, top: sizes.top, minGroup: sizes.minGroup }),
  );
  if (rollups !== "current") print(io.stderr, `securelog: note: ${SLOW[rollups]}`);
  if (typeof flags.html === "string") {
    const file = await writeHtml(flags.html, report);
    // With --json, stdout stays one JSON document; the page's path goes to stderr.
    print(
      flags.json === true ? io.stderr : io.stdout,
      `wrote ${file}: open it in a browser (it loads nothing from anywhere)`,
    );
    if (flags.json !== true) return 0;
  }
  if (flags.json === true) printJson(io.stdout, report);
  else print(io.stdout, formatReport(report));
  return 0;
}
