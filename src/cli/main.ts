import { parseArgs } from "node:util";
import type { Flags } from "../config/settings.ts";
import { withEnvFile } from "../env-file.ts";
import { coerceError, SecureLogError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { UsageError } from "./cli-error.ts";
import { COMMANDS, type Command } from "./commands.ts";
import { commandHelp, MAIN_HELP } from "./help.ts";
import { type CliIo, print } from "./io.ts";
import { closest } from "./suggest.ts";

function parse(name: string, command: Command, args: readonly string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      // Every command takes -h/--help and -v/--version.
      options: {
        ...command.options,
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
      strict: true,
      allowPositionals: command.positionals === true,
    });
    // No option of ours is `multiple`, so every value is a string or a boolean.
    return { flags: values as Flags, positionals };
  } catch (error) {
    // One line: parseArgs explains some mistakes over several.
    const message = coerceError(error)
      .message.replace(/\. To specify a positional argument.*$/s, "")
      .replace(/\s*\n\s*/g, " ")
      .replace(/\.+$/, "");
    throw new UsageError(`${message}${suggestion(message, command)}. See \`securelog ${name} --help\`.`);
  }
}

/** "; did you mean --until-empty?" for an unknown option close to one of the command's. */
function suggestion(message: string, command: Command): string {
  const unknown = /^Unknown option '--([^'=]+)/.exec(message)?.[1];
  if (unknown === undefined) return "";
  const meant = closest(unknown, [...Object.keys(command.options), "help", "version"]);
  return meant === undefined ? "" : `; did you mean --${meant}?`;
}

function versionLine(): string {
  return `securelog ${VERSION} (Node ${process.versions.node})`;
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "-v" || name === "version") {
    print(io.stdout, versionLine());
    return 0;
  }
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    print(name === undefined ? io.stderr : io.stdout, topic === undefined ? MAIN_HELP : commandHelp(topic));
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    const meant = closest(name, [...Object.keys(COMMANDS), "help", "version"]);
    throw new UsageError(
      `unknown command "${name}"${meant === undefined ? "" : `; did you mean "${meant}"?`} Commands: ${Object.keys(COMMANDS).join(", ")}, help.`,
    );
  }
  const { flags, positionals } = parse(name, command, rest);
  if (flags.help === true) {
    print(io.stdout, commandHelp(command));
    return 0;
  }
  if (flags.version === true) {
    print(io.stdout, versionLine());
    return 0;
  }
  const { env, file } = withEnvFile(flags, io.env, io.cwd);
  return command.run(flags, positionals, { ...io, env, ...(file === undefined ? {} : { envFile: file }) });
}

/**
 * The CLI: returns the exit code instead of exiting, and turns every error into one line on stderr
 * (with the stack only under --verbose). Messages are built from codes and configuration, never from data.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const verbose = argv.includes("--verbose");
  try {
    return await dispatch(argv, io);
  } catch (thrown) {
    const error = coerceError(thrown);
    if (error instanceof SecureLogError) {
      print(io.stderr, `securelog: error: ${error.message}`);
    } else {
      print(
        io.stderr,
        `securelog: internal error: ${error.message}${verbose ? "" : " (run with --verbose for details)"}`,
      );
    }
    if (verbose) {
      let current: unknown = error;
      while (current instanceof Error) {
        print(io.stderr, current.stack ?? current.message);
        current = current.cause;
      }
    }
    return error instanceof SecureLogError ? error.exitCode : 1;
  }
}
