import type { OptionSpec } from "../../config-options.ts";
import { type Command, wholeOption } from "../command.ts";
import { KEYS_NOTE, PRIVACY_OPTIONS } from "./privacy.ts";

const BATCH_SIZE = {
  type: "string",
  valueName: "N",
  integer: { min: 1, max: 100_000, default: 1000 },
  description: "Distinct values re-masked per transaction (each committed on its own).",
} as const satisfies OptionSpec;

export const rekey: Command = {
  name: "rekey",
  summary: "Re-mask stored reversible values under the current key after a key rotation.",
  about: `Usage: securelog rekey [--batch-size N] [--reason TEXT]

After a key rotation (new key current, old key loaded as a previous key), re-masks the reversible values
(--mask encrypt) stored under older keys with the current key, in batches of N distinct values, each
committed on its own, so it can be stopped and run again. One-way masks (hmac) cannot be re-masked: their raw
values are gone; rekey says, per scheme and key, what it left as it was and why, and then exits 1.`,
  options: {
    "batch-size": BATCH_SIZE,
    ...PRIVACY_OPTIONS,
  },
  footer: KEYS_NOTE,
  run: async (flags, _, io) =>
    (await import("../rekey.ts")).rekeyCommand(
      flags,
      io,
      io.env,
      wholeOption(rekey.options, "batch-size", flags) ?? BATCH_SIZE.integer.default,
    ),
};
