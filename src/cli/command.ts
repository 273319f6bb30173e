import type { Flags, OptionSpec } from "../config.ts";
import type { CliIo } from "./io.ts";

/**
 * One command, declared in one place (src/cli/commands/<name>.ts): its name, its line in the main help, the
 * prose of its --help, and its options, from which the parser, --help and the docs' tables are all made.
 * `run` loads the command's implementation only when it runs: --help, and every other command, never pay for
 * its modules (SecureLog runs its TypeScript as written, so each module loaded costs start-up time).
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
