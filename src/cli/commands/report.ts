import { ENV_FILE_OPTIONS, JSON_OPTION, type OptionSpec, RUN_OPTIONS } from "../../config-options.ts";
import { type Command, wholeOption } from "../command.ts";

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
  integer: { min: 1, max: 1000, default: 1 },
  description:
    "Leave out groups with fewer than K distinct users (counted as other); 5 or more to share (--html: 5).",
} as const satisfies OptionSpec;

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
  options: {
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
  } satisfies Record<string, OptionSpec>,
  run: async (flags, _, io) =>
    (await import("../report.ts")).reportCommand(flags, io, io.env, {
      top: wholeOption(report.options, "top", flags) ?? TOP.integer.default,
      // A page is made to be passed on: by default it leaves out groups of fewer than five users.
      minGroup:
        wholeOption(report.options, "min-group", flags) ??
        (typeof flags.html === "string" ? HTML_MIN_GROUP : MIN_GROUP.integer.default),
    }),
};
