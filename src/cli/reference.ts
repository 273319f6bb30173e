/**
 * The reference tables of README.md and docs/operations.md, made from the same option tables as --help
 * (config/options.ts and each command's declaration in commands/) and the same exit codes. `npm run docs`
 * writes them between the documents' `<!-- generated:NAME -->` markers; a test fails when a document differs
 * from what this makes.
 */
import { type OptionSpec, shownDefault } from "../config/option-spec.ts";
import { RUN_OPTIONS } from "../config/options.ts";
import { COMMAND_LIST } from "./commands.ts";
import { EXIT_CODES } from "./exit-codes.ts";

/** Secrets are read from the environment only, never from a flag (it would show in `ps` and shell history). */
const ENV_ONLY: readonly [after: string, env: string, meaning: string][] = [
  [
    "mask",
    "SECURELOG_KEY",
    "the masking key as printed by `securelog keygen` (`slk1_…`); a list (`new,old`) gives the current key first, then previous keys",
  ],
  [
    "mask",
    "SECURELOG_PREVIOUS_KEYS",
    "more previous keys, same syntax: accepted by reveal, forget, rekey and replay, never used for new values",
  ],
];

/** Flags that need no row in the tables: every command has them and says so in its help. */
const UNIVERSAL = new Set(["help", "version"]);

const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");

function row(name: string, spec: OptionSpec): string {
  const flag = `\`--${name}${spec.valueName === undefined ? "" : ` ${spec.valueName}`}\``;
  const env = (spec.env ?? []).map((e) => `\`${e}\``).join(", ");
  const fallback = spec.type === "boolean" ? "off" : "none";
  // The bounds a whole number is checked against, as --help shows them.
  const bounds = spec.integer;
  const range =
    bounds === undefined ? "" : `; ${bounds.min.toLocaleString("en")}–${bounds.max.toLocaleString("en")}`;
  const meaning = spec.details === undefined ? spec.description : `${spec.description} ${spec.details}`;
  return `| ${cell(flag)} | ${env} | ${cell(`${shownDefault(spec) ?? fallback}${range}`)} | ${cell(meaning)} |`;
}

const HEADER = "| flag | environment | default | meaning |\n| --- | --- | --- | --- |";

/** Every setting of `securelog run`, with the environment-only secrets in their place. */
export function runOptionsTable(): string {
  const lines = [HEADER];
  for (const [name, spec] of Object.entries(RUN_OPTIONS as Record<string, OptionSpec>)) {
    if (UNIVERSAL.has(name)) continue;
    lines.push(row(name, spec));
    for (const [after, env, meaning] of ENV_ONLY)
      if (after === name)
        lines.push(`| (none: keep secrets off the command line) | \`${env}\` | none | ${meaning} |`);
  }
  return lines.join("\n");
}

/** Each command other than run, with its options: shared ones link to the run table by name. */
export function commandReference(): string {
  const sections: string[] = [];
  for (const { name, summary, options: all } of COMMAND_LIST) {
    const options = Object.entries(all).filter(([option]) => !UNIVERSAL.has(option));
    sections.push(
      [
        `#### \`securelog ${name}\``,
        "",
        summary,
        "",
        ...(name === "run"
          ? ["Options: the table above."]
          : [HEADER, ...options.map(([option, spec]) => row(option, spec))]),
      ].join("\n"),
    );
  }
  return sections.join("\n\n");
}

export function exitCodesTable(): string {
  return [
    "| exit code | meaning |",
    "| --- | --- |",
    ...EXIT_CODES.map(({ code, meaning }) => `| \`${code}\` | ${cell(meaning)} |`),
  ].join("\n");
}

export const GENERATED: Readonly<Record<string, () => string>> = {
  "run-options": runOptionsTable,
  commands: commandReference,
  "exit-codes": exitCodesTable,
};

/** The document with every generated block replaced by what the tables make now. */
export function regenerate(document: string): string {
  return document.replace(
    /(<!-- generated:([a-z-]+) -->\n)[\s\S]*?(\n<!-- \/generated:\2 -->)/g,
    (_, open: string, name: string, close: string) => {
      const make = GENERATED[name];
      if (make === undefined) throw new Error(`unknown generated block ${name}`);
      return `${open}${make()}${close}`;
    },
  );
}
