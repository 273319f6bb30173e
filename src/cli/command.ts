import type { OptionSpec } from "../config/option-spec.ts";
import type { Flags } from "../config/settings.ts";
import type { CliIo } from "./io.ts";

/**
 * One command, in one file (src/cli/commands/<name>.ts): its name, its line in the main help, the prose of its
 * --help, its options (from which the parser, --help and the docs' tables are all made) and what it does. That
 * file imports only light modules and types at its top; `run` imports the heavy ones (zod, pg, the SQS wire, the
 * report) when it runs, so that --help and every other command never pay for them (SecureLog runs its
 * TypeScript as written, so each module loaded costs start-up time).
 */
export interface Command {
  readonly name: string;
  /** One line, for the main help and the runbook's command reference. */
  readonly summary: string;
  /** The usage lines and what the command does: the --help text above the options. */
  readonly about: string;
  /** The heading of the option block; "Options:" when absent. */
  readonly optionsHeading?: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Notes and examples under the options. */
  readonly footer?: string;
  /** Whether the command takes arguments besides its options (reveal's masked values). */
  readonly positionals?: boolean;
  readonly run: (flags: Flags, positionals: readonly string[], io: CliIo) => Promise<number>;
}
