import { type ParseArgsConfig, parseArgs } from "node:util";
import { type Flags, loadRunConfig, RUN_OPTIONS } from "../config.ts";
import { coerceError, SecureLogError } from "../errors.ts";
import { UsageError } from "./cli-error.ts";
import { DEMO_OPTIONS, demo } from "./demo.ts";
import { FORGET_OPTIONS, forgetCommand } from "./forget.ts";
import {
  DEMO_HELP,
  FORGET_HELP,
  KEYGEN_HELP,
  MAIN_HELP,
  PRUNE_HELP,
  REKEY_HELP,
  REPLAY_HELP,
  REVEAL_HELP,
  RUN_HELP,
  STATS_HELP,
} from "./help.ts";
import { type CliIo, print } from "./io.ts";
import { keygen } from "./keygen.ts";
import { PRIVACY_OPTIONS } from "./privacy-options.ts";
import { PRUNE_OPTIONS, pruneCommand } from "./prune.ts";
import { REKEY_OPTIONS, rekeyCommand } from "./rekey.ts";
import { REPLAY_OPTIONS, replayCommand } from "./replay.ts";
import { revealCommand } from "./reveal.ts";
import { executeRun } from "./run.ts";
import { STATS_OPTIONS, statsCommand } from "./stats.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

interface Command {
  readonly help: string;
  readonly options: Options;
  /** Whether the command takes arguments besides its options (reveal's masked values). */
  readonly positionals?: boolean;
  readonly run: (flags: Flags, positionals: readonly string[], io: CliIo) => Promise<number>;
}

const KEYGEN_OPTIONS = {
  out: { type: "string" },
  convert: { type: "boolean" },
  help: { type: "boolean" },
  verbose: { type: "boolean" },
} as const;

const COMMANDS: Readonly<Record<string, Command>> = {
  run: {
    help: RUN_HELP,
    options: RUN_OPTIONS,
    run: async (flags, _, io) => {
      await executeRun(loadRunConfig(flags, io.env), io);
      return 0;
    },
  },
  keygen: {
    help: KEYGEN_HELP,
    options: KEYGEN_OPTIONS,
    run: async (flags, _, io) => {
      await keygen(flags, io);
      return 0;
    },
  },
  demo: {
    help: DEMO_HELP,
    options: DEMO_OPTIONS,
    run: async (flags, _, io) => {
      await demo(flags, io);
      return 0;
    },
  },
  reveal: {
    help: REVEAL_HELP,
    options: PRIVACY_OPTIONS,
    positionals: true,
    run: (flags, positionals, io) => revealCommand(flags, positionals, io, io.env),
  },
  forget: {
    help: FORGET_HELP,
    options: { ...PRIVACY_OPTIONS, ...FORGET_OPTIONS },
    run: (flags, _, io) => forgetCommand(flags, io, io.env),
  },
  rekey: {
    help: REKEY_HELP,
    options: { ...PRIVACY_OPTIONS, ...REKEY_OPTIONS },
    run: (flags, _, io) => rekeyCommand(flags, io, io.env),
  },
  prune: {
    help: PRUNE_HELP,
    options: PRUNE_OPTIONS,
    run: (flags, _, io) => pruneCommand(flags, io, io.env),
  },
  stats: {
    help: STATS_HELP,
    options: STATS_OPTIONS,
    run: (flags, _, io) => statsCommand(flags, io, io.env),
  },
  replay: {
    help: REPLAY_HELP,
    options: REPLAY_OPTIONS,
    run: (flags, _, io) => replayCommand(flags, io, io.env),
  },
};

function parse(name: string, command: Command, args: readonly string[]) {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: command.options,
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
    throw new UsageError(`${message}. See \`securelog ${name} --help\`.`);
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = rest[0] === undefined ? undefined : COMMANDS[rest[0]];
    print(name === undefined ? io.stderr : io.stdout, topic?.help ?? MAIN_HELP);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    throw new UsageError(`unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(", ")}, help.`);
  }
  const { flags, positionals } = parse(name, command, rest);
  if (flags.help === true) {
    print(io.stdout, command.help);
    return 0;
  }
  return command.run(flags, positionals, io);
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
