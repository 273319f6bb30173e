import type { Command } from "../command.ts";
import { KEYS_NOTE, PRIVACY_OPTIONS } from "./privacy.ts";

export const reveal: Command = {
  name: "reveal",
  summary: "Recover raw values of reversible masks (--mask encrypt), recording each in securelog_audit.",
  about: `Usage: securelog reveal --reason TEXT MASKED...
       securelog reveal --reason TEXT -        (reveal every masked value in standard input, e.g. psql output)

Recovers the raw ip or device id behind masks made with --mask encrypt. One-way masks (hmac, sha256) cannot
be revealed, by design. A wrong key or an altered value is an error, never garbage. Each revealed value is
recorded in securelog_audit (time, masked value, --reason, operator) before it is printed; no audit, no
reveal.`,
  options: PRIVACY_OPTIONS,
  footer: `${KEYS_NOTE}
Example:
  psql -At -c "select masked_ip from user_logins limit 3" | securelog reveal --reason "INC-1234" -`,
  positionals: true,
  run: async (flags, positionals, io) =>
    (await import("../reveal.ts")).revealCommand(flags, positionals, io, io.env),
};
