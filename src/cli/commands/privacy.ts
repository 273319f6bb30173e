import { type OptionSpec, RUN_OPTIONS } from "../../config-options.ts";

/** Options shared by reveal, forget and rekey: where the data is and which keys open it. */
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

export const KEYS_NOTE = `Keys: the current key (SECURELOG_KEY, or the first key of --key-file) and previous keys (further lines of
the key file, or SECURELOG_PREVIOUS_KEYS, comma-separated) are all tried.`;
