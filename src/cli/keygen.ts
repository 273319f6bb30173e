import { writeFileSync } from "node:fs";
import type { Flags } from "../config.ts";
import { ConfigError } from "../errors.ts";
import { convertLegacyKey, generateKeyText, splitKeys } from "../transform/mask-key.ts";
import { type CliIo, print, printJson, readAll } from "./io.ts";

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
export async function keygen(flags: Flags, io: CliIo): Promise<void> {
  const out = typeof flags.out === "string" ? flags.out : undefined;
  let text: string;
  if (flags.convert === true) {
    const keys = splitKeys(await readAll(io.stdin));
    if (keys.length === 0)
      throw new ConfigError("keygen --convert reads the keys to convert from standard input; it got none");
    text = keys.map((key, i) => convertLegacyKey(key, `key ${i + 1} on standard input`)).join("\n");
  } else {
    text = generateKeyText();
  }
  if (out === undefined) {
    if (flags.json === true) printJson(io.stdout, { keys: text.split("\n") });
    else print(io.stdout, text);
    return;
  }
  writeKeyFile(out, `${text}\n`);
  if (flags.json === true) {
    printJson(io.stdout, { file: out, keys: text.split("\n").length });
    return;
  }
  print(
    io.stderr,
    `wrote ${flags.convert === true ? "the converted keys" : "a new key"} to ${out} (mode 0600); use it with --key-file ${out}`,
  );
}
