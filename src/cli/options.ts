/**
 * The options of every command, apart from the commands themselves: help and the argument parser need them
 * for every invocation, the implementations only when their command runs (commands.ts loads those lazily).
 * Defaults and environment variables of the shared options are described once, in config-options.ts.
 */
import { RUN_OPTIONS } from "../config-options.ts";

export const KEYGEN_OPTIONS = {
  out: { type: "string" },
  convert: { type: "boolean" },
  help: { type: "boolean" },
  verbose: { type: "boolean" },
} as const;

export const DEMO_OPTIONS = {
  "data-dir": { type: "string" },
  fresh: { type: "boolean" },
  "log-level": { type: "string" },
  help: { type: "boolean" },
  verbose: { type: "boolean" },
} as const;

export const FORGET_OPTIONS = {
  ip: { type: "string" },
  "device-id": { type: "string" },
  "dry-run": { type: "boolean" },
  reapply: { type: "boolean" },
  from: { type: "string" },
} as const;

export const PRIVACY_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  // Accepted for scripts written before: reveal, forget and rekey read each value's scheme off the value.
  mask: { ...RUN_OPTIONS.mask, description: "Ignored: every scheme is recognised from the stored values." },
  "key-file": RUN_OPTIONS["key-file"],
  reason: {
    type: "string",
    valueName: "TEXT",
    description: "Why (a ticket, a request id); stored in securelog_audit with the masked value.",
  },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const;

export const PRUNE_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  "queue-url": RUN_OPTIONS["queue-url"],
  endpoint: RUN_OPTIONS.endpoint,
  region: RUN_OPTIONS.region,
  "older-than": { type: "string" },
  force: { type: "boolean" },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const;

export const REKEY_OPTIONS = { "batch-size": { type: "string" } } as const;

export const REPLAY_OPTIONS = {
  "from-dlq": { type: "string" },
  "queue-url": RUN_OPTIONS["queue-url"],
  endpoint: RUN_OPTIONS.endpoint,
  region: RUN_OPTIONS.region,
  mask: RUN_OPTIONS.mask,
  "key-file": RUN_OPTIONS["key-file"],
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const;

export const STATS_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  json: { type: "boolean" },
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const;
