import { type OptionSpec, shownDefault } from "../config/option-spec.ts";
import { COMMAND_LIST, type Command } from "./commands.ts";
import { EXIT_CODES } from "./exit-codes.ts";

const COLUMN = 32;
const WIDTH = 110;

/** Words laid out in lines of at most `width` characters, continuation lines indented by `indent`. */
function wrap(text: string, indent: number, width = WIDTH - indent): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`\n${" ".repeat(indent)}`);
}

/** Markdown code spans (the docs' spelling) read as plain text in a terminal. */
const plain = (text: string) => text.replaceAll("`", "");

/**
 * Every command's option block, made from its option table (src/cli/commands/, config/options.ts): the same
 * table the README and the runbook are generated from (scripts/docs.ts), so help and docs cannot disagree.
 */
export function optionLines(options: Record<string, OptionSpec>): string {
  const rows = Object.entries(options).map(([name, spec]) => {
    const left = `  --${name}${spec.short === undefined ? "" : `, -${spec.short}`}${spec.valueName === undefined ? "" : ` ${spec.valueName}`}`;
    const shown = shownDefault(spec);
    const extra = [
      spec.env === undefined || spec.env.length === 0 ? "" : `env: ${spec.env.join(", ")}`,
      shown === undefined ? "" : `default: ${plain(shown)}`,
      spec.integer === undefined ? "" : `${spec.integer.min} to ${spec.integer.max}`,
    ].filter((s) => s !== "");
    const description = wrap(plain(spec.description), COLUMN);
    const right =
      extra.length === 0
        ? description
        : `${description}\n${" ".repeat(COLUMN)}${wrap(`[${extra.join("; ")}]`, COLUMN)}`;
    return left.length >= COLUMN - 1
      ? `${left}\n${" ".repeat(COLUMN)}${right}`
      : `${left.padEnd(COLUMN)}${right}`;
  });
  return rows.join("\n");
}

/** A command's --help: what it does, its option block (from the same table as the docs), notes and examples. */
export function commandHelp(command: Command): string {
  return `${command.about}

${command.optionsHeading ?? "Options:"}
${optionLines(command.options)}
${command.footer === undefined ? "" : `\n${command.footer}\n`}`;
}

const EXIT_LINES = EXIT_CODES.map(
  ({ code, meaning }) => `  ${String(code).padEnd(5)}${wrap(meaning, 7)}`,
).join("\n");

export const MAIN_HELP = `securelog — move login events from SQS into PostgreSQL, masking ip and device_id on the way.

Usage: securelog <command> [options]

Commands:
${COMMAND_LIST.map(({ name, summary }) => `  ${name.padEnd(10)}${summary}`).join("\n")}
  help      Show help for a command: securelog help run

Run \`securelog <command> --help\` (or -h) for a command's options; \`securelog --version\` for the version.

Exit codes:
${EXIT_LINES}
`;
