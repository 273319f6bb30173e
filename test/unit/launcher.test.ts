import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

describe("bin/securelog.mjs", () => {
  it("starts Node with the same memory flags through its shebang and when it re-runs under the pinned Node", async () => {
    const source = readFileSync(new URL("../../bin/securelog.mjs", import.meta.url), "utf8");
    const shebang = source.split("\n")[0] ?? "";
    const flags = JSON.parse(/export const V8_FLAGS = (\[[^\]]*\]);/.exec(source)?.[1] ?? "[]") as string[];
    assert.ok(flags.length > 0);
    assert.equal(shebang, `#!/usr/bin/env -S node ${flags.join(" ")}`);
  });
});
