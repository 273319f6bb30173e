import type { Command } from "./command.ts";
import { demo } from "./commands/demo.ts";
import { forget } from "./commands/forget.ts";
import { keygen } from "./commands/keygen.ts";
import { prune } from "./commands/prune.ts";
import { rekey } from "./commands/rekey.ts";
import { replay } from "./commands/replay.ts";
import { report } from "./commands/report.ts";
import { reveal } from "./commands/reveal.ts";
import { run } from "./commands/run.ts";
import { stats } from "./commands/stats.ts";

export type { Command } from "./command.ts";

/** Every command, in the order the main help lists them. */
export const COMMAND_LIST: readonly Command[] = [
  run,
  keygen,
  demo,
  reveal,
  forget,
  rekey,
  stats,
  report,
  prune,
  replay,
];

export const COMMANDS: Readonly<Record<string, Command>> = Object.fromEntries(
  COMMAND_LIST.map((command) => [command.name, command]),
);
