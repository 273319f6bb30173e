import { writeFileSync } from "node:fs";
import { ENV_FILE_OPTIONS, JSON_OPTION } from "../../config/common-options.ts";
import type { OptionSpec } from "../../config/option-spec.ts";
import { RUN_OPTIONS } from "../../config/options.ts";
import { type Flags, settingsOf } from "../../config/settings.ts";
import { ConfigError } from "../../errors.ts";
import type { Command } from "../command.ts";
import { type CliIo, print, printJson, readAll } from "../io.ts";

/** The options of `securelog keygen`, typed for its settings (settingsOf). */
const OPTIONS = {
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
  ...JSON_OPTION,
  ...ENV_FILE_OPTIONS,
  help: RUN_OPTIONS.help,
  verbose: RUN_OPTIONS.verbose,
} as const satisfies Record<string, OptionSpec>;

export const keygen: Command = {
  name: "keygen",
  summary: "Print a new random masking key (for SECURELOG_KEY or --key-file).",
  about: `Usage: securelog keygen [--out FILE]
       securelog keygen --convert [--out FILE] < OLD-KEYS

Prints a new masking key: slk1_, 32 random bytes in base64url and a checksum, exactly what SECURELOG_KEY and
--key-file expect. Passphrases and hand-made keys are refused everywhere; only generated keys are accepted.`,
  options: OPTIONS,
  footer: `Keep the key secret and separate from the database: whoever has both can test guesses of ip and device_id.
Losing it means new rows no longer match old ones for the same device.`,
  run: async (flags, _, io) => {
    await makeKeys(flags, io);
    return 0;
  },
};

function writeKeyFile(out: string, text: string): void {
  try {
    // wx: never overwrite an existing key; losing one breaks matching of old and new rows.
    writeFileSync(out, text, { mode: 0o600, flag: "wx" });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConfigError(
      code === "EEXIST"
        ? `${out} already exists; not overwriting a key`
        : `cannot write ${out} (${code ?? "error"})`,
    );
  }
}

/**
 * `securelog keygen [--out FILE]` prints (or writes, mode 0600) a new key. `--convert` instead reads keys of the
 * previous format (plain base64 of 32 bytes, or from a KMS) on standard input, one or more in key-file syntax,
 * and gives them back in the current form, same bytes and order: the masks they make do not change.
 */
async function makeKeys(flags: Flags, io: CliIo): Promise<void> {
  const { convertLegacyKey, generateKeyText, splitKeys } = await import("../../transform/mask-key.ts");
  const { out, convert, json } = settingsOf(OPTIONS, flags, io.env);
  let text: string;
  if (convert) {
    const keys = splitKeys(await readAll(io.stdin));
    if (keys.length === 0)
      throw new ConfigError("keygen --convert reads the keys to convert from standard input; it got none");
    text = keys.map((key, i) => convertLegacyKey(key, `key ${i + 1} on standard input`)).join("\n");
  } else {
    text = generateKeyText();
  }
  if (out === undefined) {
    if (json) printJson(io.stdout, { keys: text.split("\n") });
    else print(io.stdout, text);
    return;
  }
  writeKeyFile(out, `${text}\n`);
  if (json) {
    printJson(io.stdout, { file: out, keys: text.split("\n").length });
    return;
  }
  print(
    io.stderr,
    `wrote ${convert ? "the converted keys" : "a new key"} to ${out} (mode 0600); use it with --key-file ${out}`,
  );
}
