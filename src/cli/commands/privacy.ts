import { ENV_FILE_OPTIONS, JSON_OPTION } from "../../config/common-options.ts";
import type { OptionSpec } from "../../config/option-spec.ts";
import { RUN_OPTIONS } from "../../config/options.ts";

/**
 * Options shared by reveal, forget and rekey: where the data is and which keys open it. No --mask: each reads a
 * value's scheme off the value itself.
 */
export const PRIVACY_OPTIONS = {
  "database-url": RUN_OPTIONS["database-url"],
  schema: RUN_OPTIONS.schema,
  "key-file": RUN_OPTIONS["key-file"],
  reason: {
    type: "string",
    valueName: "TEXT",
    description: "Why (a ticket, a request id); stored in securelog_audit with the masked value.",
  },
  ...JSON_OPTION,
  ...ENV_FILE_OPTIONS,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const KEYS_NOTE = `Keys: the current key (SECURELOG_KEY, or the first key of --key-file) and previous keys (further lines of
the key file, or SECURELOG_PREVIOUS_KEYS, comma-separated) are all tried.`;
