import { userInfo } from "node:os";
import { type Flags, RUN_OPTIONS } from "../config.ts";

/** Options shared by reveal, forget and rekey: where the data is and which keys open it. */
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

/** The --reason given, or the command's own label when none was. */
export function reasonOr(flags: Flags, fallback: string): string {
  const reason = flags.reason;
  return typeof reason === "string" && reason.trim() !== "" ? reason : fallback;
}

/** Who ran the command, for the audit table. */
export function operatorName(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
