import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { parseEnv } from "node:util";
import type { Env, Flags } from "./config/settings.ts";
import { ConfigError } from "./errors.ts";

export interface EnvWithFile {
  /** The process environment over the file's settings: a variable set in the environment wins. */
  readonly env: Env;
  /** The file read, as given (or `.env`); undefined when none was. */
  readonly file: string | undefined;
}

/**
 * Settings from a dotenv file (`KEY=value` lines, as Prisma, Vite and Next.js read them), under the environment:
 * flag > environment > env file > default. `--env-file PATH` names the file (it must exist); otherwise `.env` in
 * the working directory is read when present, unless `--no-env-file`. Values are never printed: a key in the file
 * is as secret as in the environment.
 */
export function withEnvFile(flags: Flags, env: Env, cwd: string): EnvWithFile {
  const given = flags["env-file"];
  if (typeof given === "string" && flags["no-env-file"] === true)
    throw new ConfigError("--env-file and --no-env-file exclude each other");
  if (flags["no-env-file"] === true) return { env, file: undefined };
  const file = typeof given === "string" ? given : ".env";
  let text: string;
  try {
    text = readFileSync(isAbsolute(file) ? file : join(cwd, file), "utf8");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (typeof given !== "string" && (code === "ENOENT" || code === "ENOTDIR"))
      return { env, file: undefined };
    throw new ConfigError(`cannot read the env file ${file} (${code ?? "error"})`);
  }
  let parsed: Record<string, string | undefined>;
  try {
    parsed = parseEnv(text);
  } catch {
    throw new ConfigError(`the env file ${file} is not in dotenv form (KEY=value lines)`);
  }
  const merged: Record<string, string | undefined> = { ...parsed };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) merged[name] = value;
  return { env: Object.freeze(merged), file };
}
