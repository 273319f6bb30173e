import { ENV_FILE_OPTIONS, type OptionSpec, RUN_OPTIONS } from "../../config-options.ts";
import type { Command } from "../command.ts";

export const demo: Command = {
  name: "demo",
  summary:
    "The whole pipeline on an embedded SQS emulator and embedded PostgreSQL, seeded with sample events.",
  about: `Usage: securelog demo [--data-dir DIR] [--fresh] [--keep]

Runs the whole pipeline on this machine with nothing else installed: an in-process SQS emulator (fauxqs) with
queue login-queue seeded from samples/login-events.jsonl, and an embedded PostgreSQL (PGlite, kept in DIR),
both listening on 127.0.0.1 only, with a demo key generated into DIR. Prints the summary and a few masked
rows. With --keep, both stay up until Ctrl-C, and the exact commands to run securelog report (and --html),
stats and psql against them are printed.
It needs the development install (npm ci in a clone): the emulator and PGlite are dev dependencies.`,
  options: {
    "data-dir": {
      type: "string",
      valueName: "DIR",
      defaultText: "`.securelog/demo`",
      description: "Where the embedded database and the demo key live.",
    },
    fresh: { type: "boolean", description: "Delete DIR's database first, so counts start from zero." },
    keep: {
      type: "boolean",
      description: "Keep the embedded PostgreSQL and SQS up until Ctrl-C, and print how to report on them.",
    },
    "log-level": {
      ...RUN_OPTIONS["log-level"],
      env: [],
      defaultText: "warn",
      description: "Log level of the run.",
    },
    ...ENV_FILE_OPTIONS,
    help: RUN_OPTIONS.help,
    verbose: RUN_OPTIONS.verbose,
  } satisfies Record<string, OptionSpec>,
  run: async (flags, _, io) => {
    await (await import("../demo.ts")).demo(flags, io);
    return 0;
  },
};
