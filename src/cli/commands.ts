import type { ParseArgsConfig } from "node:util";
import type { Flags } from "../config.ts";
import { RUN_OPTIONS } from "../config-options.ts";
import {
  DEMO_HELP,
  FORGET_HELP,
  KEYGEN_HELP,
  PRUNE_HELP,
  REKEY_HELP,
  REPLAY_HELP,
  REVEAL_HELP,
  RUN_HELP,
  STATS_HELP,
} from "./help.ts";
import type { CliIo } from "./io.ts";
import {
  DEMO_OPTIONS,
  FORGET_OPTIONS,
  KEYGEN_OPTIONS,
  PRIVACY_OPTIONS,
  PRUNE_OPTIONS,
  REKEY_OPTIONS,
  REPLAY_OPTIONS,
  STATS_OPTIONS,
} from "./options.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  readonly help: string;
  readonly options: Options;
  /** Whether the command takes arguments besides its options (reveal's masked values). */
  readonly positionals?: boolean;
  /**
   * Loads the command's implementation only now: `--help`, and every other command, never pay for its modules
   * (SecureLog runs its TypeScript as written, so each module loaded costs start-up time).
   */
  readonly run: (flags: Flags, positionals: readonly string[], io: CliIo) => Promise<number>;
}

export const COMMANDS: Readonly<Record<string, Command>> = {
  run: {
    help: RUN_HELP,
    options: RUN_OPTIONS,
    run: async (flags, _, io) => {
      const { loadRunConfig } = await import("../config.ts");
      const config = loadRunConfig(flags, io.env);
      if (config.dryRun) await (await import("./dry-run.ts")).dryRun(config, io);
      else await (await import("./run.ts")).executeRun(config, io);
      return 0;
    },
  },
  keygen: {
    help: KEYGEN_HELP,
    options: KEYGEN_OPTIONS,
    run: async (flags, _, io) => {
      await (await import("./keygen.ts")).keygen(flags, io);
      return 0;
    },
  },
  demo: {
    help: DEMO_HELP,
    options: DEMO_OPTIONS,
    run: async (flags, _, io) => {
      await (await import("./demo.ts")).demo(flags, io);
      return 0;
    },
  },
  reveal: {
    help: REVEAL_HELP,
    options: PRIVACY_OPTIONS,
    positionals: true,
    run: async (flags, positionals, io) =>
      (await import("./reveal.ts")).revealCommand(flags, positionals, io, io.env),
  },
  forget: {
    help: FORGET_HELP,
    options: { ...PRIVACY_OPTIONS, ...FORGET_OPTIONS },
    run: async (flags, _, io) => (await import("./forget.ts")).forgetCommand(flags, io, io.env),
  },
  rekey: {
    help: REKEY_HELP,
    options: { ...PRIVACY_OPTIONS, ...REKEY_OPTIONS },
    run: async (flags, _, io) => (await import("./rekey.ts")).rekeyCommand(flags, io, io.env),
  },
  prune: {
    help: PRUNE_HELP,
    options: PRUNE_OPTIONS,
    run: async (flags, _, io) => (await import("./prune.ts")).pruneCommand(flags, io, io.env),
  },
  stats: {
    help: STATS_HELP,
    options: STATS_OPTIONS,
    run: async (flags, _, io) => (await import("./stats.ts")).statsCommand(flags, io, io.env),
  },
  replay: {
    help: REPLAY_HELP,
    options: REPLAY_OPTIONS,
    run: async (flags, _, io) => (await import("./replay.ts")).replayCommand(flags, io, io.env),
  },
};
