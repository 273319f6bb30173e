import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import type { MaskConfig } from "../transform/mask.ts";
import { type KeyRing, keyRing, type MaskKey, parseKeyList } from "../transform/mask-key.ts";
import { choice, type Env, type Flags, raw } from "./settings.ts";

const KEY_HELP = "Create one with `securelog keygen` and set SECURELOG_KEY, or pass --key-file";

function readKeyFile(keyFile: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(keyFile).mode;
    text = readFileSync(keyFile, "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code ?? "unreadable";
    throw new ConfigError(`cannot read the key file ${keyFile} (${code}). ${KEY_HELP}.`, "missing_key");
  }
  if ((mode & 0o077) !== 0) {
    throw new ConfigError(
      `the key file ${keyFile} is readable by group or others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${keyFile}`,
      "insecure_key_file",
    );
  }
  return text;
}

/**
 * One syntax for several keys, in a key file and in SECURELOG_KEY alike: keys separated by new lines, commas or
 * spaces, the current key first, previous keys after it (accepted by reveal, forget, rekey and replay, never used
 * to mask new values). SECURELOG_PREVIOUS_KEYS, when set, adds more previous keys.
 */
export function loadKeyRing(flags: Flags, env: Env): KeyRing {
  const keyFile = raw("key-file", flags, env);
  let keys: MaskKey[];
  if (keyFile !== undefined) {
    keys = parseKeyList(readKeyFile(keyFile), `key file ${keyFile}`);
    if (keys.length === 0)
      throw new ConfigError(`the key file ${keyFile} holds no key. ${KEY_HELP}.`, "missing_key");
  } else {
    const fromEnv = env.SECURELOG_KEY;
    if (fromEnv === undefined || fromEnv.trim() === "") {
      throw new ConfigError(
        `no masking key configured. ${KEY_HELP} (or choose --mask sha256, which is weak).`,
        "missing_key",
      );
    }
    keys = parseKeyList(fromEnv, "SECURELOG_KEY");
  }
  const previous = env.SECURELOG_PREVIOUS_KEYS;
  const older = previous === undefined ? [] : parseKeyList(previous, "SECURELOG_PREVIOUS_KEYS");
  const [current, ...rest] = keys;
  if (current === undefined) throw new ConfigError(`no masking key configured. ${KEY_HELP}.`, "missing_key");
  return keyRing(current, [...rest, ...older]);
}

export function loadMaskConfig(flags: Flags, env: Env): MaskConfig {
  const mode = choice("mask", flags, env);
  return mode === "sha256" ? { mode } : { mode, keys: loadKeyRing(flags, env) };
}
