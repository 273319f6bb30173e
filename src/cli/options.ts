/**
 * The options of every command, apart from the commands themselves: help and the argument parser need them
 * for every invocation, the implementations only when their command runs (commands.ts loads those lazily).
 * Defaults and environment variables of the shared options are described once, in config-options.ts.
 */
import { type OptionSpec, RUN_OPTIONS } from "../config-options.ts";

export const KEYGEN_OPTIONS = {
  out: {
    type: "string",
    valueName: "FILE",
    description: "Write the key to FILE (created with mode 0600, never overwritten) instead of printing it.",
  },
  convert: {
    type: "boolean",
    description:
      "Read keys of the previous format (plain base64 of 32 bytes, or a KMS's: aws kms generate-random --number-of-bytes 32) from standard input, in key-file syntax, and print them in the current form, same order. The masks stay the same.",
  },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const DEMO_OPTIONS = {
  "data-dir": {
    type: "string",
    valueName: "DIR",
    defaultText: "`.securelog/demo`",
    description: "Where the embedded database and the demo key live.",
  },
  fresh: { type: "boolean", description: "Delete DIR's database first, so counts start from zero." },
  "log-level": {
    ...RUN_OPTIONS["log-level"],
    env: [],
    defaultText: "warn",
    description: "Log level of the run.",
  },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const FORGET_OPTIONS = {
  ip: {
    type: "string",
    valueName: "VALUE",
    description: "The raw IP address (any spelling: ::ffff:1.2.3.4 and 1.2.3.4 are one address).",
  },
  "device-id": { type: "string", valueName: "VALUE", description: "The raw device id." },
  "dry-run": { type: "boolean", description: "Count what matches, per scheme and key; delete nothing." },
  reapply: {
    type: "boolean",
    description:
      "After restoring a backup: erase again every value the erasure register holds (no --ip or --device-id).",
  },
  from: {
    type: "string",
    valueName: "URL",
    description:
      "With --reapply: read the register from this database (where the erasures were made) instead of the restored one.",
  },
} as const satisfies Record<string, OptionSpec>;

export const PRIVACY_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  // Accepted for scripts written before: reveal, forget and rekey read each value's scheme off the value.
  mask: {
    ...RUN_OPTIONS.mask,
    description: "Ignored: every scheme is recognised from the stored values.",
    docs: "ignored (kept for old scripts): every scheme is recognised from the stored values",
  },
  "key-file": RUN_OPTIONS["key-file"],
  reason: {
    type: "string",
    valueName: "TEXT",
    description: "Why (a ticket, a request id); stored in securelog_audit with the masked value.",
  },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const PRUNE_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  "queue-url": RUN_OPTIONS["queue-url"],
  endpoint: RUN_OPTIONS.endpoint,
  region: RUN_OPTIONS.region,
  "older-than": {
    type: "string",
    valueName: "DAYS",
    defaultText: "the queue's retention period, in whole days",
    description:
      "Prune ledger entries older than DAYS (whole days); fewer than the queue's retention is refused.",
  },
  force: {
    type: "boolean",
    description:
      "Prune below the queue's retention, or without reading it (then --older-than, else 14 days, applies).",
  },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const REKEY_OPTIONS = {
  "batch-size": {
    type: "string",
    valueName: "N",
    defaultText: "1000",
    description: "Distinct values re-masked per transaction (each committed on its own).",
  },
} as const satisfies Record<string, OptionSpec>;

export const REPLAY_OPTIONS = {
  "from-dlq": {
    type: "string",
    valueName: "URL",
    description: "The dead-letter queue to move messages from (required).",
  },
  "queue-url": RUN_OPTIONS["queue-url"],
  endpoint: RUN_OPTIONS.endpoint,
  region: RUN_OPTIONS.region,
  mask: RUN_OPTIONS.mask,
  "key-file": RUN_OPTIONS["key-file"],
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const STATS_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  json: {
    type: "boolean",
    description: "Print the same as JSON (numbers as numbers, absent values as null).",
  },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;
