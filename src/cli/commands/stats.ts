import { ENV_FILE_OPTIONS, type OptionSpec, RUN_OPTIONS } from "../../config-options.ts";
import type { Command } from "../command.ts";

export const stats: Command = {
  name: "stats",
  summary: "What is in the table: rows, distinct devices and ips, shared devices, distributions, rejections.",
  about: `Usage: securelog stats [--json] [--database-url URL]

Reads user_logins and user_logins_rejects and prints: rows, distinct users, distinct (masked) devices and ips,
devices seen with more than one user, the date range, the app_version, locale and device_type distributions,
and rejections by reason. Masked values only, as stored.`,
  options: {
    "database-url": RUN_OPTIONS["database-url"],
    schema: RUN_OPTIONS.schema,
    json: {
      type: "boolean",
      description: "Print the same as JSON (numbers as numbers, absent values as null).",
    },
    ...ENV_FILE_OPTIONS,
    help: RUN_OPTIONS.help,
    verbose: RUN_OPTIONS.verbose,
  } satisfies Record<string, OptionSpec>,
  run: async (flags, _, io) => (await import("../stats.ts")).statsCommand(flags, io, io.env),
};
