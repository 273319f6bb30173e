import { ENV_FILE_OPTIONS } from "../../config/common-options.ts";
import type { OptionSpec } from "../../config/option-spec.ts";
import { RUN_OPTIONS } from "../../config/options.ts";
import { type Flags, settingsOf } from "../../config/settings.ts";
import type { Count, Stats } from "../../sink/table-contents.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson } from "../io.ts";
import { printable } from "../printable.ts";

/** Rows per distribution shown. */
const TOP = 10;

function section(title: string, counts: readonly Count[], total: number): string[] {
  // device_type and locale are producer text: shown, never obeyed by the terminal.
  const shown = counts.map((c) => ({
    ...c,
    value: c.value === null ? "(null)" : printable(String(c.value)),
  }));
  const width = Math.max(12, ...shown.map((c) => c.value.length));
  return [
    `${title}:`,
    ...shown.map((c) => {
      const share = total > 0 ? `${((100 * c.n) / total).toFixed(1)}%` : "";
      return `  ${c.value.padEnd(width)} ${String(c.n).padStart(9)} ${share.padStart(7)}`;
    }),
  ];
}

function formatStats(s: Stats): string {
  const line = (label: string, value: number | string) =>
    `  ${label.padEnd(34)} ${String(value).padStart(9)}`;
  return [
    "user_logins:",
    line("rows", s.rows),
    line("distinct users", s.users),
    line("distinct devices (masked)", s.devices),
    line("distinct ips (masked)", s.ips),
    line("devices seen with several users", s.sharedDevices),
    line("dates", s.firstDate === null ? "-" : `${s.firstDate} .. ${s.lastDate}`),
    ...section("app_version (top 10)", s.appVersions, s.rows),
    ...section("locale (top 10)", s.locales, s.rows),
    ...section("device_type (top 10)", s.deviceTypes, s.rows),
    `user_logins_rejects: ${s.rejects}`,
    ...section("rejections by reason", s.rejectReasons, s.rejects),
    ...section(
      "masked values by scheme and key",
      s.masks,
      s.masks.reduce((n, c) => n + c.n, 0),
    ),
  ].join("\n");
}

/** The options of `securelog stats`, typed for its settings (settingsOf). */
const OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  json: {
    type: "boolean",
    description: "Print the same as JSON (numbers as numbers, absent values as null).",
  },
  ...ENV_FILE_OPTIONS,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const stats: Command = {
  name: "stats",
  summary: "What is in the table: rows, distinct devices and ips, shared devices, distributions, rejections.",
  about: `Usage: securelog stats [--json] [--database-url URL]

Reads user_logins and user_logins_rejects and prints: rows, distinct users, distinct (masked) devices and ips,
devices seen with more than one user, the date range, the app_version, locale and device_type distributions,
and rejections by reason. Masked values only, as stored.`,
  options: OPTIONS,
  run: (flags, _, io) => showStats(flags, io),
};

/** `securelog stats [--json]`: what is in the table, read from the database. */
async function showStats(flags: Flags, io: CliIo): Promise<number> {
  const { loadDatabase } = await import("../../config/database.ts");
  const { withDatabase } = await import("../../sink/database.ts");
  const { readStats } = await import("../../sink/table-contents.ts");
  const database = loadDatabase(flags, io.env);
  // Read-only: needs the tables to exist, creates nothing, takes no lock.
  const needs = { require: ["logins", "rejects"], create: [] } as const;
  const stats = await withDatabase(database, needs, (client, t) => readStats(client, t, TOP));
  if (settingsOf(OPTIONS, flags, io.env).json) printJson(io.stdout, stats);
  else print(io.stdout, formatStats(stats));
  return 0;
}
