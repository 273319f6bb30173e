import { type ParseArgsConfig, parseArgs } from "node:util";
import { loadRunConfig, RUN_OPTIONS } from "../config.ts";
import { coerceError, SecureLogError } from "../errors.ts";
import { UsageError } from "./cli-error.ts";
import { DEMO_OPTIONS, demo } from "./demo.ts";
import { FORGET_OPTIONS, forgetCommand } from "./forget.ts";
import { DEMO_HELP, FORGET_HELP, KEYGEN_HELP, MAIN_HELP, REKEY_HELP, REVEAL_HELP, RUN_HELP } from "./help.ts";
import { type CliIo, print } from "./io.ts";
import { keygen } from "./keygen.ts";
import { PRIVACY_OPTIONS } from "./privacy-options.ts";
import { REKEY_OPTIONS, rekeyCommand } from "./rekey.ts";
import { revealCommand } from "./reveal.ts";
import { executeRun } from "./run.ts";

const HELP: Record<string, string> = {
  run: RUN_HELP,
  keygen: KEYGEN_HELP,
  demo: DEMO_HELP,
  reveal: REVEAL_HELP,
  forget: FORGET_HELP,
  rekey: REKEY_HELP,
};

function parse<const T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: readonly string[],
  options: T,
) {
  return parseWithPositionals(command, args, options, false).values;
}

function parseWithPositionals<const T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: readonly string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (error) {
    const message = coerceError(error).message.replace(/\. To specify a positional argument.*$/s, "");
    throw new UsageError(`${message}. See \`securelog ${command} --help\`.`);
  }
}

const KEYGEN_OPTIONS = {
  out: { type: "string" },
  help: { type: "boolean" },
  verbose: { type: "boolean" },
} as const;

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h": {
      const topic = rest[0];
      const text =
        topic === "run"
          ? RUN_HELP
          : topic === "keygen"
            ? KEYGEN_HELP
            : topic === "demo"
              ? DEMO_HELP
              : MAIN_HELP;
      print(command === undefined ? io.stderr : io.stdout, text);
      return command === undefined ? 2 : 0;
    }
    case "run": {
      const flags = parse("run", rest, RUN_OPTIONS);
      if (flags.help === true) {
        print(io.stdout, RUN_HELP);
        return 0;
      }
      await executeRun(loadRunConfig(flags, io.env), io);
      return 0;
    }
    case "keygen": {
      const flags = parse("keygen", rest, KEYGEN_OPTIONS);
      if (flags.help === true) {
        print(io.stdout, KEYGEN_HELP);
        return 0;
      }
      keygen(flags.out, io);
      return 0;
    }
    case "demo": {
      const flags = parse("demo", rest, DEMO_OPTIONS);
      if (flags.help === true) {
        print(io.stdout, DEMO_HELP);
        return 0;
      }
      await demo(flags, io);
      return 0;
    }
    case "reveal": {
      const { values: flags, positionals } = parseWithPositionals("reveal", rest, PRIVACY_OPTIONS);
      if (flags.help === true) {
        print(io.stdout, REVEAL_HELP);
        return 0;
      }
      return revealCommand(flags, positionals, io, io.env);
    }
    case "forget": {
      const flags = parse("forget", rest, { ...PRIVACY_OPTIONS, ...FORGET_OPTIONS });
      if (flags.help === true) {
        print(io.stdout, FORGET_HELP);
        return 0;
      }
      return forgetCommand(flags, io, io.env);
    }
    case "rekey": {
      const flags = parse("rekey", rest, { ...PRIVACY_OPTIONS, ...REKEY_OPTIONS });
      if (flags.help === true) {
        print(io.stdout, REKEY_HELP);
        return 0;
      }
      return rekeyCommand(flags, io, io.env);
    }
    default:
      throw new UsageError(`unknown command "${command}". Commands: ${Object.keys(HELP).join(", ")}, help.`);
  }
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
