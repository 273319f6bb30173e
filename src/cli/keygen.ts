import { writeFileSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import { generateKeyText } from "../transform/mask-key.ts";
import { type CliIo, print } from "./io.ts";

export function keygen(out: string | undefined, io: CliIo): void {
  const key = generateKeyText();
  if (out === undefined) {
    print(io.stdout, key);
    return;
  }
  try {
    // wx: never overwrite an existing key; losing one breaks matching of old and new rows.
    writeFileSync(out, `${key}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new ConfigError(
      code === "EEXIST"
        ? `${out} already exists; not overwriting a key`
        : `cannot write ${out} (${code ?? "error"})`,
    );
  }
  print(io.stderr, `wrote a new key to ${out} (mode 0600); use it with --key-file ${out}`);
}
