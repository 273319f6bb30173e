import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";

describe("bin/securelog.mjs", () => {
  it("starts Node with the same memory settings through its shebang, when it re-runs under the pinned Node, and in the image", async () => {
    const source = readFileSync(new URL("../../bin/securelog.mjs", import.meta.url), "utf8");
    const shebang = source.split("\n")[0] ?? "";
    const list = /export const V8_FLAGS = \[([^\]]*)\];/.exec(source)?.[1] ?? "";
    const flags = [...list.matchAll(/"([^"]+)"/g)].map((match) => match[1]);
    assert.ok(flags.length > 0);
    assert.equal(shebang, `#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node ${flags.join(" ")}`);
    assert.match(
      source,
      /env: \{ MALLOC_ARENA_MAX: "2", \.\.\.process\.env \}/,
      "the re-run gets the same malloc setting",
    );
    // The image starts Node itself, without the launcher: the same flags, or it runs with other memory bounds.
    const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
    const entrypoint = /^ENTRYPOINT \[(.*)\]$/m.exec(dockerfile)?.[1] ?? "";
    assert.deepEqual(
      [...entrypoint.matchAll(/"([^"]+)"/g)].map((match) => match[1]).filter((arg) => arg?.startsWith("--")),
      flags,
    );
    assert.match(dockerfile, /^ENV MALLOC_ARENA_MAX=2$/m);
  });
});
