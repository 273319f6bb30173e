import { ENV_FILE_OPTIONS, JSON_OPTION, type OptionSpec, RUN_OPTIONS } from "../../config-options.ts";
import type { Command } from "../command.ts";

export const keygen: Command = {
  name: "keygen",
  summary: "Print a new random masking key (for SECURELOG_KEY or --key-file).",
  about: `Usage: securelog keygen [--out FILE]
       securelog keygen --convert [--out FILE] < OLD-KEYS

Prints a new masking key: slk1_, 32 random bytes in base64url and a checksum, exactly what SECURELOG_KEY and
--key-file expect. Passphrases and hand-made keys are refused everywhere; only generated keys are accepted.`,
  options: {
    out: {
      type: "string",
      valueName: "FILE",
      description:
        "Write the key to FILE (created with mode 0600, never overwritten) instead of printing it.",
    },
    convert: {
      type: "boolean",
      description:
        "Read keys of the previous format (plain base64 of 32 bytes, or a KMS's: aws kms generate-random --number-of-bytes 32) from standard input, in key-file syntax, and print them in the current form, same order. The masks stay the same.",
    },
    ...JSON_OPTION,
    ...ENV_FILE_OPTIONS,
    help: RUN_OPTIONS.help,
    verbose: RUN_OPTIONS.verbose,
  } satisfies Record<string, OptionSpec>,
  footer: `Keep the key secret and separate from the database: whoever has both can test guesses of ip and device_id.
Losing it means new rows no longer match old ones for the same device.`,
  run: async (flags, _, io) => {
    await (await import("../keygen.ts")).keygen(flags, io);
    return 0;
  },
};
