import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import { describe, it } from "node:test";
import { COMMANDS } from "../../src/cli/commands.ts";
import { EXIT_CODES } from "../../src/cli/exit-codes.ts";
import { commandHelp, MAIN_HELP } from "../../src/cli/help.ts";
import { main } from "../../src/cli/main.ts";
import { GENERATED, regenerate } from "../../src/cli/reference.ts";
import type { OptionSpec } from "../../src/config/option-spec.ts";
import { shownDefault } from "../../src/config/option-spec.ts";
import { RUN_OPTIONS } from "../../src/config/options.ts";
import { loadRunConfig } from "../../src/config/run-config.ts";
import { generateKeyText } from "../../src/transform/mask-key.ts";

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

for (const document of ["README.md", "docs/operations.md"]) {
  describe(document, () => {
    const text = read(document);

    it("its reference tables are what the option tables make now (run `npm run docs` after changing an option)", () => {
      assert.ok(text.includes("<!-- generated:run-options -->"));
      assert.ok(text.includes("<!-- generated:exit-codes -->"));
      assert.equal(regenerate(text), text);
    });

    it("documents every option of `securelog run` and every environment variable it reads", () => {
      for (const [name, spec] of Object.entries(RUN_OPTIONS as Record<string, OptionSpec>)) {
        if (name === "help") continue;
        assert.ok(text.includes(`\`--${name}`), `lacks --${name}`);
        for (const variable of spec.env ?? [])
          assert.ok(text.includes(`\`${variable}\``), `lacks ${variable}`);
      }
      assert.ok(text.includes("`SECURELOG_KEY`"));
      for (const { code } of EXIT_CODES)
        assert.ok(text.includes(`| \`${code}\` |`), `lacks exit code ${code}`);
    });
  });
}

describe("help", () => {
  it("every command's help names each of its options, their variables and defaults, from the same table as the docs", () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const help = commandHelp(command);
      for (const [option, spec] of Object.entries(command.options as Record<string, OptionSpec>)) {
        assert.ok(help.includes(`--${option}`), `${name} --help lacks --${option}`);
        for (const variable of spec.env ?? []) assert.ok(help.includes(variable), `${name}: ${variable}`);
        const shown = shownDefault(spec);
        if (shown !== undefined)
          assert.ok(
            help.replace(/\s+/g, " ").includes(shown.replaceAll("`", "")),
            `${name} --${option}: default`,
          );
      }
      for (const line of help.split("\n")) assert.ok(line.length <= 110, `${name}: ${line}`);
    }
  });

  it("the main help lists every command and every exit code; the runbook describes every command", () => {
    for (const name of Object.keys(COMMANDS)) assert.match(MAIN_HELP, new RegExp(`^  ${name} `, "m"));
    for (const { code } of EXIT_CODES) assert.match(MAIN_HELP, new RegExp(`^  ${code} `, "m"));
    const runbook = read("docs/operations.md");
    for (const name of Object.keys(COMMANDS)) assert.ok(runbook.includes(`#### \`securelog ${name}\``), name);
    assert.ok(GENERATED.commands !== undefined);
  });
});

describe("parsing", () => {
  const io = () => {
    const out: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        out.push(String(chunk));
        done();
      },
    });
    return {
      out,
      io: {
        stdout: sink,
        stderr: sink,
        stdin: Readable.from([]),
        env: {},
        cwd: process.cwd(),
        signals: new EventEmitter(),
        exitNow: () => undefined,
      },
    };
  };

  it("every command accepts exactly the options its help and docs list, from the same declaration", async () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      for (const [option, spec] of Object.entries(command.options as Record<string, OptionSpec>)) {
        // --help after the option: parsed, then help instead of work.
        const args = [name, `--${option}`, ...(spec.type === "string" ? ["x"] : []), "--help"];
        const { out, io: cli } = io();
        assert.equal(await main(args, cli), 0, `${args.join(" ")}: ${out.join("")}`);
        assert.equal(
          out.join(""),
          `${commandHelp(command)}${commandHelp(command).endsWith("\n") ? "" : "\n"}`,
        );
      }
      const { out, io: cli } = io();
      assert.equal(await main([name, "--not-an-option-of-any-command"], cli), 2, name);
      assert.match(out.join(""), new RegExp(`See \`securelog ${name} --help\``));
    }
  });
});

describe("whole-number options", () => {
  it("declare their bounds and default once: help shows them, and every other mention of the default agrees", () => {
    for (const [name, command] of Object.entries(COMMANDS)) {
      const help = commandHelp(command).replace(/\s+/g, " ");
      for (const [option, spec] of Object.entries(command.options as Record<string, OptionSpec>)) {
        if (spec.integer === undefined) continue;
        assert.ok(help.includes(`${spec.integer.min} to ${spec.integer.max}`), `${name} --${option}: bounds`);
        if (spec.integer.default !== undefined)
          assert.ok(
            shownDefault(spec)?.includes(`\`${spec.integer.default}\``),
            `${name} --${option}: default`,
          );
      }
    }
  });

  it("run reads each one by its declared bounds and falls back to its declared default", () => {
    const config = loadRunConfig({}, { SECURELOG_KEY: generateKeyText() });
    assert.equal(config.concurrency, RUN_OPTIONS.concurrency.integer.default);
    assert.equal(config.batchSize, RUN_OPTIONS["batch-size"].integer.default);
    assert.equal(config.maxInFlight, RUN_OPTIONS["max-in-flight"].integer.default);
    assert.equal(config.shutdownTimeoutMs, RUN_OPTIONS["shutdown-timeout"].integer.default * 1000);
    const { max } = RUN_OPTIONS["max-concurrency"].integer;
    assert.throws(
      () => loadRunConfig({ "max-concurrency": String(max + 1) }, { SECURELOG_KEY: generateKeyText() }),
      new RegExp(`--max-concurrency must be a whole number from 1 to ${max}`),
    );
  });
});
