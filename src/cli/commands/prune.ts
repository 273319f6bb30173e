import { ENV_FILE_OPTIONS, JSON_OPTION, type OptionSpec, RUN_OPTIONS } from "../../config-options.ts";
import { type Command, wholeOption } from "../command.ts";

export const prune: Command = {
  name: "prune",
  summary: "Forget idempotency-ledger entries older than the queue's retention period.",
  about: `Usage: securelog prune [--older-than DAYS] [--queue-url URL] [--database-url URL]

Deletes entries of the idempotency ledger (securelog_processed) older than the queue keeps a message (its
MessageRetentionPeriod, read from the queue, in whole days): past that no redelivery can arrive, so the entry
protects nothing. A younger --older-than is refused without --force: a late redelivery would load a second
row.
Run it daily (deploy/kubernetes/prune-cronjob.yaml does).`,
  options: {
    "database-url": RUN_OPTIONS["database-url"],
    schema: RUN_OPTIONS.schema,
    "queue-url": RUN_OPTIONS["queue-url"],
    endpoint: RUN_OPTIONS.endpoint,
    region: RUN_OPTIONS.region,
    "older-than": {
      type: "string",
      valueName: "DAYS",
      defaultText: "the queue's retention period, in whole days",
      integer: { min: 0, max: 36_500 },
      description:
        "Prune ledger entries older than DAYS (whole days); fewer than the queue's retention is refused.",
    },
    force: {
      type: "boolean",
      description:
        "Prune below the queue's retention, or without reading it (then --older-than, else 14 days, applies).",
    },
    ...JSON_OPTION,
    ...ENV_FILE_OPTIONS,
    help: RUN_OPTIONS.help,
    verbose: RUN_OPTIONS.verbose,
  } satisfies Record<string, OptionSpec>,
  run: async (flags, _, io) =>
    (await import("../prune.ts")).pruneCommand(
      flags,
      io,
      io.env,
      wholeOption(prune.options, "older-than", flags),
    ),
};
