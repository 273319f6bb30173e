import type { Command } from "../command.ts";
import { KEYS_NOTE, PRIVACY_OPTIONS } from "./privacy.ts";

export const forget: Command = {
  name: "forget",
  summary:
    "Delete every row and rejection of one raw ip or device id (an erasure request); --dry-run counts.",
  about: `Usage: securelog forget (--ip VALUE | --device-id VALUE) --reason TEXT
       securelog forget (--ip VALUE | --device-id VALUE) --dry-run

Answers an erasure request: deletes every row of user_logins and every rejection whose masked value matches
the raw value given, under any loaded key, in one transaction, and records the deletion in securelog_audit
(a masked value and a count, never the raw value). --dry-run lists what would be deleted.`,
  options: {
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
    ...PRIVACY_OPTIONS,
  },
  footer: KEYS_NOTE,
  run: async (flags, _, io) => (await import("../forget.ts")).forgetCommand(flags, io, io.env),
};
