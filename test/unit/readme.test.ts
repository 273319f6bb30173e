import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { type OptionSpec, RUN_OPTIONS } from "../../src/config.ts";

for (const document of ["README.md", "docs/operations.md"]) {
  describe(document, () => {
    const README = readFileSync(new URL(`../../${document}`, import.meta.url), "utf8");

    it("documents every option of `securelog run` and every environment variable it reads", () => {
      const options: [string, OptionSpec][] = Object.entries(RUN_OPTIONS);
      for (const [name, spec] of options) {
        if (name === "help") continue;
        assert.ok(README.includes(`\`--${name}`), `README lacks --${name}`);
        for (const variable of spec.env ?? [])
          assert.ok(README.includes(`\`${variable}\``), `README lacks ${variable}`);
      }
      assert.ok(README.includes("`SECURELOG_KEY`"));
    });
  });
}
