import { resolve } from "node:path";
import { ENV_FILE_OPTIONS, JSON_OPTION } from "../../config/common-options.ts";
import type { OptionSpec } from "../../config/option-spec.ts";
import { RUN_OPTIONS } from "../../config/options.ts";
import { type Flags, settingsOf } from "../../config/settings.ts";
import { ConfigError } from "../../errors.ts";
import type { RollupStatus } from "../../report/fold.ts";
import type { Report } from "../../report/report-schema.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson } from "../io.ts";

const TOP = {
  type: "string",
  valueName: "N",
  integer: { min: 1, max: 1000, default: 10 },
  description: "Rows in each list (devices, addresses, users, device types, locales).",
} as const satisfies OptionSpec;

const HTML_MIN_GROUP = 5;

const MIN_GROUP = {
  type: "string",
  valueName: "K",
  // Its default depends on --html, so it has none of its own here.
  integer: { min: 1, max: 1000 },
  defaultText: "`1`, or `5` with `--html`",
  description:
    "Leave out groups with fewer than K distinct users (counted as other); 5 or more to share (--html: 5).",
} as const satisfies OptionSpec;

/** The options of `securelog report`, typed for its settings (settingsOf). */
const OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  since: { type: "string", valueName: "DATE", description: "First day (YYYY-MM-DD, UTC) to include." },
  until: { type: "string", valueName: "DATE", description: "Last day (YYYY-MM-DD, UTC) to include." },
  top: TOP,
  "min-group": MIN_GROUP,
  "install-views": {
    type: "boolean",
    description:
      "Create (or replace) the report's SQL views in the schema for BI tools, then exit (needs CREATE).",
  },
  html: {
    type: "string",
    valueName: "FILE",
    description:
      "Also write the report as one self-contained page with charts (opens offline, loads nothing); --min-group defaults to 5.",
  },
  rebuild: {
    type: "boolean",
    description:
      "Build the report's rollups (and the date index) from every row of user_logins, then exit; loads go on.",
  },
  ...JSON_OPTION,
  ...ENV_FILE_OPTIONS,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const report: Command = {
  name: "report",
  summary: "What analysts ask of the masks: volume, shared devices, busy addresses, roaming users, versions.",
  about: `Usage: securelog report [--since DATE] [--until DATE] [--top N] [--min-group K] [--json] [--html FILE]
       securelog report --install-views
       securelog report --rebuild

Answers, from user_logins and user_logins_rejects, in one snapshot: logins and distinct users per day and
rejections per day by reason; the masked devices used by the most distinct users; the masked addresses with
the most distinct users on one day; the users with the most distinct devices and addresses; logins per
app_version per day, device types and locales. Only masked values, exactly as stored (under --mask encrypt
nothing is opened: \`securelog reveal\` stays the one audited way back). --min-group K leaves out every group
with fewer than K distinct users, counted under "other", so a report can be shared beyond the security team.
The columns are described in docs/analysis.md.

Each report first adds what was loaded since the last one to the report's rollups (side tables of masked
values), so it stays fast as the table grows. Rows loaded by an earlier release, or after forget or rekey
cleared the rollups, need \`securelog report --rebuild\` once; until then the report reads user_logins
directly and says so.`,
  options: OPTIONS,
  run: (flags, _, io) => showReport(flags, io),
};

/** A day as the options take it: YYYY-MM-DD, a real date. */
function day(value: string | undefined, name: "since" | "until"): string | undefined {
  if (value === undefined) return undefined;
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : undefined;
  if (parsed === undefined || Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value)
    throw new ConfigError(`--${name} must be a date as YYYY-MM-DD (got "${value}")`);
  return value;
}

/** `securelog report --install-views`: the views BI tools read (report-views.ts), in one transaction. */
async function installViews(flags: Flags, json: boolean, io: CliIo): Promise<number> {
  const { loadDatabase } = await import("../../config/database.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { VIEW_NAMES, viewStatements } = await import("../../report/report-views.ts");
  const database = loadDatabase(flags, io.env);
  const needs = { require: ["logins", "rejects"], create: [] } as const;
  const names = await withDatabase(database, needs, async (client, t) => {
    await client.query("BEGIN");
    for (const statement of viewStatements(t)) await client.query(statement);
    await client.query("COMMIT");
    return Object.values(VIEW_NAMES).map((name) => `${t.schema}.${name}`);
  });
  if (json) printJson(io.stdout, { views: names });
  else print(io.stdout, `created or replaced ${names.length} views: ${names.join(", ")}`);
  return 0;
}

/** The page, written whole or not at all (a temporary file beside it, renamed). */
async function writeHtml(path: string, report: Report): Promise<string> {
  const { rename, rm, writeFile } = await import("node:fs/promises");
  const { reportHtml } = await import("../../report/report-html.ts");
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
async function rebuild(flags: Flags, json: boolean, io: CliIo): Promise<number> {
  const { loadDatabase } = await import("../../config/database.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { rebuildRollups } = await import("../../report/fold.ts");
  const database = loadDatabase(flags, io.env);
  const needs = {
    require: ["logins", "rejects"],
    create: ["feed", "rollupState", "pairs", "totals", "daily"],
  } as const;
  const started = performance.now();
  const rows = await withDatabase(database, needs, (client, t) => rebuildRollups(client, t));
  const seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  if (json) printJson(io.stdout, { rebuilt: true, rows, seconds });
  else print(io.stdout, `rebuilt the report's rollups from ${rows} rows of user_logins in ${seconds} s`);
  return 0;
}

/** `securelog report`: one snapshot, masked values only; folds what was loaded since the last report first. */
async function showReport(flags: Flags, io: CliIo): Promise<number> {
  const settings = settingsOf(OPTIONS, flags, io.env);
  const { top, html, json } = settings;
  if (settings["install-views"]) return installViews(flags, json, io);
  if (settings.rebuild) return rebuild(flags, json, io);
  const { loadDatabase } = await import("../../config/database.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { readReport } = await import("../../report/read-report.ts");

  // A page is made to be passed on: by default it leaves out groups of fewer than five users.
  const minGroup = settings["min-group"] ?? (html === undefined ? 1 : HTML_MIN_GROUP);
  const since = day(settings.since, "since");
  const until = day(settings.until, "until");
  if (since !== undefined && until !== undefined && since > until)
    throw new ConfigError(`--since ${since} is after --until ${until}`);
  const database = loadDatabase(flags, io.env);
  const needs = { require: ["logins", "rejects"], create: [] } as const;
  const { report: read, rollups } = await withDatabase(database, needs, (client, t) =>
    readReport(client, t, { since, until, top, minGroup }),
  );
  if (rollups !== "current") print(io.stderr, `securelog: note: ${SLOW[rollups]}`);
  if (html !== undefined) {
    const file = await writeHtml(html, read);
    // With --json, stdout stays one JSON document; the page's path goes to stderr.
    print(
      json ? io.stderr : io.stdout,
      `wrote ${file}: open it in a browser (it loads nothing from anywhere)`,
    );
    if (!json) return 0;
  }
  if (json) printJson(io.stdout, read);
  else print(io.stdout, (await import("../report-text.ts")).formatReport(read));
  return 0;
}
