import type { OptionSpec } from "./option-spec.ts";

// Options every command has, beside its own (options.ts and src/cli/commands/).

/** `--json`: the command's result as one JSON document on standard output (docs/json-output.md), same exit code. */
export const JSON_OPTION = {
  json: {
    type: "boolean",
    description: "Print the result as one JSON document on standard output (same exit code).",
    details: "The summary's counts, or the dry run's.",
  },
} as const satisfies Record<string, OptionSpec>;

/** Every command reads settings from a dotenv file under the environment (src/env-file.ts). */
export const ENV_FILE_OPTIONS = {
  "env-file": {
    type: "string",
    valueName: "PATH",
    defaultText: "`.env`, when present",
    description:
      "Read settings (`KEY=value` lines) from this file; variables already set win, and a flag wins over both.",
    details: "Without it, `.env` in the working directory is read when present.",
  },
  "no-env-file": {
    type: "boolean",
    description: "Do not read `.env` from the working directory.",
  },
} as const satisfies Record<string, OptionSpec>;
